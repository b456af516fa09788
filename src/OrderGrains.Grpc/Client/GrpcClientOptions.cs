namespace OrderGrains.Grpc.Client;

/// <summary>Settings of a <see cref="GrpcClient"/>.</summary>
public sealed class GrpcClientOptions
{
    /// <summary>Gzip every request message (sends <c>grpc-encoding: gzip</c>).</summary>
    public bool CompressRequests { get; set; }

    /// <summary>Advertise gzip in <c>grpc-accept-encoding</c> so the server may compress responses.</summary>
    public bool AcceptCompressedResponses { get; set; }

    /// <summary>Largest response message accepted, before and after decompression; null = no limit.</summary>
    public int? MaxReceiveMessageSize { get; set; } = GrpcProtocol.DefaultMaxReceiveMessageSize;

    public string UserAgent { get; set; } = "ordergrains-grpc-dotnet/1.0";
}
