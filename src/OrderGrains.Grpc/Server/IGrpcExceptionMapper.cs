namespace OrderGrains.Grpc.Server;

/// <summary>
/// Maps exceptions thrown by handlers to gRPC statuses: the one place where a host turns its domain exceptions
/// into status codes. Register any number with <c>services.AddGrpcExceptionMapper&lt;T&gt;()</c>; they are asked in
/// registration order, after <see cref="GrpcStatusException"/> and call cancellation are handled, and before
/// <see cref="DefaultGrpcExceptionMapper"/>, which turns everything left into INTERNAL.
/// </summary>
public interface IGrpcExceptionMapper
{
    /// <summary>The status for <paramref name="exception"/>, or null to leave it to the next mapper.</summary>
    GrpcStatus? TryMap(Exception exception, ServerCallContext context);
}
