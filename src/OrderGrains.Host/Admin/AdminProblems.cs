namespace OrderGrains.Host.Admin;

/// <summary>
/// Turns the failures <see cref="ErrorClassifier"/> knows into HTTP problem details on the admin API (the gRPC side maps
/// the same kinds to statuses in <c>GrpcErrorInterceptor</c>). Anything unclassified is a bug and surfaces as 500.
/// </summary>
internal sealed class AdminProblems : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        try
        {
            return await next(context);
        }
        catch (Exception exception) when (ErrorClassifier.Classify(exception) is { } error)
        {
            return Map(error);
        }
    }

    public static IResult Map(ClassifiedError error)
    {
        var (status, title) = error.Kind switch
        {
            ErrorKind.InvalidArgument => (StatusCodes.Status400BadRequest, "Invalid request"),
            ErrorKind.NotFound => (StatusCodes.Status404NotFound, "Not found"),
            ErrorKind.IllegalTransition => (StatusCodes.Status409Conflict, "Illegal transition"),
            ErrorKind.RuleViolation => (StatusCodes.Status409Conflict, "Not allowed now"),
            // 409 rather than 403: the token may decide holds (else 403 before this); the order's next step needs
            // another of the deciding roles, which the dashboard shows as the hold's state.
            ErrorKind.RoleMissing => (StatusCodes.Status409Conflict, "Step needs another role"),
            ErrorKind.IdempotencyConflict => (StatusCodes.Status409Conflict, "Idempotency key reused"),
            ErrorKind.Overloaded => (StatusCodes.Status429TooManyRequests, "Overloaded"),
            ErrorKind.ConcurrentChange => (StatusCodes.Status409Conflict, "Changed concurrently"),
            ErrorKind.TimedOut => (StatusCodes.Status504GatewayTimeout, "Timed out"),
            ErrorKind.WriteLost => (StatusCodes.Status503ServiceUnavailable, "Write lost"),
            ErrorKind.ShuttingDown => (StatusCodes.Status503ServiceUnavailable, "Shutting down"),
            ErrorKind.NodeLost => (StatusCodes.Status503ServiceUnavailable, "Node unreachable"),
            ErrorKind.TooLarge => (StatusCodes.Status413PayloadTooLarge, "Request too large"),
            _ => throw new ArgumentOutOfRangeException(nameof(error), error.Kind, "An error kind without a problem mapping."),
        };
        return Problem(status, title, error.Detail);
    }

    public static IResult Problem(int status, string title, string detail) =>
        Results.Problem(statusCode: status, title: title, detail: detail);
}
