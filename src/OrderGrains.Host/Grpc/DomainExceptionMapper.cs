using OrderGrains.Abstractions;
using OrderGrains.Grpc;
using OrderGrains.Grpc.Server;
using OrderGrains.Host.Admission;
using OrderGrains.Storage;
using Orleans.Storage;

namespace OrderGrains.Host.Grpc;

/// <summary>The one place where domain and runtime exceptions become gRPC statuses. Anything else is a bug: INTERNAL.</summary>
public sealed class DomainExceptionMapper : IGrpcExceptionMapper
{
    /// <summary>Trailer telling a client when retrying an overloaded call makes sense (milliseconds), as gRPC's retry throttling reads it.</summary>
    public const string RetryPushbackTrailer = "grpc-retry-pushback-ms";

    public GrpcStatus? TryMap(Exception exception, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        switch (exception)
        {
            case DomainValidationException invalid:
                return new GrpcStatus(GrpcStatusCode.InvalidArgument, $"{invalid.Field}: {invalid.Reason}");
            case NotFoundException notFound:
                return new GrpcStatus(GrpcStatusCode.NotFound, notFound.Message);
            case IllegalTransitionException illegal:
                return new GrpcStatus(GrpcStatusCode.FailedPrecondition, illegal.Message);
            case RuleViolationException violation:
                return new GrpcStatus(GrpcStatusCode.FailedPrecondition, violation.Message);
            case IdempotencyConflictException conflict:
                return new GrpcStatus(GrpcStatusCode.AlreadyExists, conflict.Message);
            case LimitExceededException overloaded:
                // Metadata refuses grpc-* keys, so the hint is written straight into the response like admission does.
                AdmissionControl.SetRetryPushback(context, "100");
                return new GrpcStatus(GrpcStatusCode.ResourceExhausted, overloaded.Message);
            case InconsistentStateException:
                return new GrpcStatus(GrpcStatusCode.Aborted, "The record changed concurrently; retry the call.");
            case TimeoutException timeout:
                return new GrpcStatus(GrpcStatusCode.DeadlineExceeded, timeout.Message);
            case StateWriteFailedException lost:
                return new GrpcStatus(GrpcStatusCode.Unavailable, lost.Message);
            case SiloUnavailableException:
                return new GrpcStatus(GrpcStatusCode.Unavailable, "The server is shutting down; retry on another node or later.");
            default:
                return null;
        }
    }
}
