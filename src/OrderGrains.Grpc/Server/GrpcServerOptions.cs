namespace OrderGrains.Grpc.Server;

/// <summary>Settings of the gRPC server; configure with <c>services.AddGrpcServer(o => ...)</c>.</summary>
public sealed class GrpcServerOptions
{
    /// <summary>Largest request message accepted, before and after decompression; null = no limit.</summary>
    public int? MaxReceiveMessageSize { get; set; } = GrpcProtocol.DefaultMaxReceiveMessageSize;

    /// <summary>
    /// Compress responses with gzip when the client lists gzip in <c>grpc-accept-encoding</c>.
    /// </summary>
    public bool CompressResponses { get; set; } = true;

    /// <summary>
    /// Response messages smaller than this go uncompressed even on a gzip call (the per-message flag allows it):
    /// gzip makes tiny messages larger and costs CPU.
    /// </summary>
    public int ResponseCompressionMinimumSize { get; set; }

    /// <summary>
    /// Put the exception message of unmapped exceptions into INTERNAL statuses. For development only: it leaks
    /// internals to callers.
    /// </summary>
    public bool EnableDetailedErrors { get; set; }
}
