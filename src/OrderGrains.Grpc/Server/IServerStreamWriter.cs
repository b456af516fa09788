namespace OrderGrains.Grpc.Server;

/// <summary>Sends the messages of a server-streaming call; each write is flushed to the client.</summary>
public interface IServerStreamWriter<in T>
{
    /// <summary>Sends one message; completes when it is handed to the transport. One write at a time.</summary>
    Task WriteAsync(T message, CancellationToken cancellationToken = default);
}
