using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace OrderGrains.Grpc.Server;

/// <summary>
/// The last word on a failed call: protocol statuses thrown as <see cref="GrpcStatusException"/>, cancellation by
/// deadline (DEADLINE_EXCEEDED), client (CANCELLED) or shutdown (UNAVAILABLE), and INTERNAL for everything else,
/// logged with the trace identifier that the INTERNAL detail quotes instead of the exception's message.
/// </summary>
public sealed partial class DefaultGrpcExceptionMapper(ILogger<DefaultGrpcExceptionMapper> logger, IOptions<GrpcServerOptions> options)
{
    /// <summary>Status for exceptions that are facts of the protocol rather than of the domain, or null.</summary>
    public static GrpcStatus? TryMapProtocol(Exception exception, ServerCallContext context)
    {
        if (exception is GrpcStatusException statusException)
        {
            return statusException.Status;
        }

        if (exception is OperationCanceledException && context.CancellationReason != CallCancellationReason.None)
        {
            return StatusFor(context.CancellationReason);
        }

        return null;
    }

    /// <summary>The status a call gets when it is cancelled for <paramref name="reason"/>.</summary>
    public static GrpcStatus StatusFor(CallCancellationReason reason) => reason switch
    {
        CallCancellationReason.DeadlineExceeded => new(GrpcStatusCode.DeadlineExceeded, "Deadline exceeded."),
        CallCancellationReason.ClientAborted => new(GrpcStatusCode.Cancelled, "The client cancelled the call."),
        CallCancellationReason.ServerShuttingDown => new(GrpcStatusCode.Unavailable, "The server is shutting down."),
        _ => new(GrpcStatusCode.Unknown, "The call was cancelled."),
    };

    public GrpcStatus Map(Exception exception, ServerCallContext context)
    {
        if (TryMapProtocol(exception, context) is { } status)
        {
            return status;
        }

        var traceId = context.HttpContext.TraceIdentifier;
        LogUnhandled(logger, context.Method, traceId, exception);
        var detail = options.Value.EnableDetailedErrors
            ? $"Exception was thrown by handler. {exception.GetType().Name}: {exception.Message}"
            : $"Internal error; see the server log for trace id {traceId}.";
        return new(GrpcStatusCode.Internal, detail);
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Error, Message = "Unhandled exception in gRPC method {Method} (trace id {TraceId}).")]
    private static partial void LogUnhandled(ILogger logger, string method, string traceId, Exception exception);
}
