using System.Globalization;
using Grpc.AspNetCore.Server;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.Extensions.Options;

namespace OrderGrains.Host.Grpc;

/// <summary>
/// The one place where exceptions become gRPC statuses, around every call of every service: known failures through
/// <see cref="ErrorClassifier"/> (RESOURCE_EXHAUSTED carries <c>grpc-retry-pushback-ms</c>), cancellation by deadline,
/// client or shutdown, and INTERNAL for anything else, logged with the trace id the status quotes instead of the
/// exception's message. It also refuses a call whose deadline passed while its request arrived before the handler
/// does any work, ends server streams when the host stops, and records each call's span.
/// </summary>
public sealed partial class GrpcErrorInterceptor(
    IHostApplicationLifetime lifetime, IOptions<GrpcServiceOptions> options, ILogger<GrpcErrorInterceptor> logger) : Interceptor
{
    /// <summary>The trailer telling a client how long to back off before retrying (gRPC's retry throttling reads it).</summary>
    public const string RetryPushbackTrailer = "grpc-retry-pushback-ms";

    private const string StandardServicePrefix = "/grpc.";

    private readonly bool _detailedErrors = options.Value.EnableDetailedErrors ?? false;

    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        using var activity = GrpcServerTracing.StartCall(context);
        try
        {
            ThrowIfExpiredOrStopping(context);
            var response = await continuation(request, context);
            GrpcServerTracing.SetStatus(activity, StatusCode.OK, string.Empty);
            return response;
        }
        catch (Exception exception)
        {
            var status = Translate(exception, context);
            GrpcServerTracing.SetStatus(activity, status.StatusCode, status.Status.Detail);
            throw status;
        }
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(
        TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        using var activity = GrpcServerTracing.StartCall(context);
        using var stoppable = new StoppableCallContext(context, lifetime.ApplicationStopping);
        try
        {
            ThrowIfExpiredOrStopping(context);
            await continuation(request, responseStream, stoppable);
            GrpcServerTracing.SetStatus(activity, StatusCode.OK, string.Empty);
        }
        catch (Exception exception)
        {
            var status = Translate(exception, context);
            GrpcServerTracing.SetStatus(activity, status.StatusCode, status.Status.Detail);
            throw status;
        }
    }

    /// <summary>The status code a kind of known failure is answered with.</summary>
    public static StatusCode StatusCodeOf(ErrorKind kind) => kind switch
    {
        ErrorKind.InvalidArgument => StatusCode.InvalidArgument,
        ErrorKind.NotFound => StatusCode.NotFound,
        ErrorKind.IllegalTransition or ErrorKind.RuleViolation => StatusCode.FailedPrecondition,
        ErrorKind.IdempotencyConflict => StatusCode.AlreadyExists,
        ErrorKind.RoleMissing => StatusCode.PermissionDenied,
        ErrorKind.Overloaded or ErrorKind.TooLarge => StatusCode.ResourceExhausted,
        ErrorKind.ConcurrentChange => StatusCode.Aborted,
        ErrorKind.TimedOut => StatusCode.DeadlineExceeded,
        ErrorKind.WriteLost or ErrorKind.ShuttingDown or ErrorKind.NodeLost => StatusCode.Unavailable,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "An error kind without a status code."),
    };

    private void ThrowIfExpiredOrStopping(ServerCallContext context)
    {
        // Grpc.AspNetCore's deadline timer may fire only after a fast handler has answered (or changed state) for a
        // call whose deadline passed while its request arrived; checked here, the handler never starts.
        if (context.Deadline <= DateTime.UtcNow || (context.Deadline == DateTime.MaxValue && HasZeroTimeout(context)))
        {
            throw new RpcException(new Status(StatusCode.DeadlineExceeded, "Deadline exceeded."));
        }

        // The standard services (grpc.health.v1, reflection) keep answering: health must say NOT_SERVING while stopping.
        if (lifetime.ApplicationStopping.IsCancellationRequested && !context.Method.StartsWith(StandardServicePrefix, StringComparison.Ordinal))
        {
            throw new RpcException(new Status(StatusCode.Unavailable, "The server is shutting down."));
        }
    }

    /// <summary>
    /// A <c>grpc-timeout</c> shorter than one tick (100 ns), e.g. "1n", is a deadline that has passed on arrival, but
    /// Grpc.AspNetCore reads it as zero and then as no deadline at all.
    /// </summary>
    private static bool HasZeroTimeout(ServerCallContext context)
    {
        var header = context.GetHttpContext().Request.Headers["grpc-timeout"].ToString();
        if (header.Length < 2 || !long.TryParse(header.AsSpan(0, header.Length - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var value))
        {
            return false;
        }

        return value == 0 || (header[^1] == 'n' && value < 100);
    }

    private RpcException Translate(Exception exception, ServerCallContext context)
    {
        if (exception is RpcException rpc)
        {
            return rpc;
        }

        if (ErrorClassifier.Classify(exception) is { } error)
        {
            var status = new Status(StatusCodeOf(error.Kind), error.Detail);
            if (error.RetryAfterMilliseconds is not { } retryAfter)
            {
                return new RpcException(status);
            }

            return new RpcException(status, new Metadata { { RetryPushbackTrailer, retryAfter.ToString(CultureInfo.InvariantCulture) } });
        }

        if (exception is OperationCanceledException)
        {
            if (context.Deadline <= DateTime.UtcNow)
            {
                return new RpcException(new Status(StatusCode.DeadlineExceeded, "Deadline exceeded."));
            }

            if (context.CancellationToken.IsCancellationRequested)
            {
                return new RpcException(new Status(StatusCode.Cancelled, "The client cancelled the call."));
            }

            if (lifetime.ApplicationStopping.IsCancellationRequested)
            {
                return new RpcException(new Status(StatusCode.Unavailable, "The server is shutting down."));
            }
        }

        var traceId = context.GetHttpContext().TraceIdentifier;
        LogUnhandled(logger, context.Method, traceId, exception);
        var detail = _detailedErrors
            ? $"Exception was thrown by handler. {exception.GetType().Name}: {exception.Message}"
            : $"Internal error; see the server log for trace id {traceId}.";
        return new RpcException(new Status(StatusCode.Internal, detail));
    }

    [LoggerMessage(EventId = 101, Level = LogLevel.Error, Message = "Unhandled exception in gRPC method {Method} (trace id {TraceId}).")]
    private static partial void LogUnhandled(ILogger logger, string method, string traceId, Exception exception);
}
