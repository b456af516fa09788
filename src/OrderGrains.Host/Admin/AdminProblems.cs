using System.Text.Json;
using OrderGrains.Abstractions;
using OrderGrains.Storage;

namespace OrderGrains.Host.Admin;

/// <summary>
/// The one place where domain and runtime exceptions become HTTP problem details on the admin API (the gRPC side has
/// its twin in <c>DomainExceptionMapper</c>). Anything unmapped is a bug and surfaces as 500.
/// </summary>
internal sealed class AdminProblems : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        try
        {
            return await next(context);
        }
        catch (Exception exception) when (Map(exception) is { } problem)
        {
            return problem;
        }
    }

    private static IResult? Map(Exception exception) => exception switch
    {
        DomainValidationException invalid => Problem(StatusCodes.Status400BadRequest, "Invalid request", $"{invalid.Field}: {invalid.Reason}"),
        JsonException json => Problem(StatusCodes.Status400BadRequest, "Malformed JSON", json.Message),
        NotFoundException notFound => Problem(StatusCodes.Status404NotFound, "Not found", notFound.Message),
        IllegalTransitionException illegal => Problem(StatusCodes.Status409Conflict, "Illegal transition", illegal.Message),
        RuleViolationException violation => Problem(StatusCodes.Status409Conflict, "Not allowed now", violation.Message),
        IdempotencyConflictException conflict => Problem(StatusCodes.Status409Conflict, "Idempotency key reused", conflict.Message),
        LimitExceededException overloaded => Problem(StatusCodes.Status429TooManyRequests, "Overloaded", overloaded.Message),
        TimeoutException timeout => Problem(StatusCodes.Status504GatewayTimeout, "Timed out", timeout.Message),
        StateWriteFailedException lost => Problem(StatusCodes.Status503ServiceUnavailable, "Write lost", lost.Message),
        SiloUnavailableException => Problem(StatusCodes.Status503ServiceUnavailable, "Shutting down", "The server is shutting down; retry later."),
        _ => null,
    };

    public static IResult Problem(int status, string title, string detail) =>
        Results.Problem(statusCode: status, title: title, detail: detail);
}
