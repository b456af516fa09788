using Google.Protobuf;

namespace OrderGrains.Grpc.Server;

internal sealed class ServerStreamWriter<T>(ServerCallContext context) : IServerStreamWriter<T>
    where T : class, IMessage
{
    public Task WriteAsync(T message, CancellationToken cancellationToken = default) =>
        context.WriteStreamMessageAsync(message, cancellationToken);
}
