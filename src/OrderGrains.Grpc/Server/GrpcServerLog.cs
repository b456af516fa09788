using Microsoft.Extensions.Logging;

namespace OrderGrains.Grpc.Server;

internal static partial class GrpcServerLog
{
    [LoggerMessage(EventId = 10, Level = LogLevel.Warning, Message = "A cancellation callback of gRPC method {Method} failed.")]
    public static partial void CancellationCallbackFailed(ILogger logger, string method, Exception exception);

    [LoggerMessage(EventId = 11, Level = LogLevel.Debug, Message = "gRPC method {Method} failed after its call had already ended ({Reason}).")]
    public static partial void HandlerFailedAfterCallEnded(ILogger logger, string method, CallCancellationReason reason, Exception exception);

    [LoggerMessage(EventId = 12, Level = LogLevel.Debug, Message = "gRPC call {Method} was cancelled by the client.")]
    public static partial void ClientCancelled(ILogger logger, string method);

    [LoggerMessage(EventId = 13, Level = LogLevel.Debug, Message = "gRPC call {Method} ended early: {Reason}.")]
    public static partial void CallEndedEarly(ILogger logger, string method, CallCancellationReason reason);

    [LoggerMessage(EventId = 14, Level = LogLevel.Error, Message = "gRPC exception mapper {Mapper} failed while mapping an exception of {Method}.")]
    public static partial void MapperFailed(ILogger logger, string mapper, string method, Exception exception);
}
