namespace OrderGrains.Grpc;

/// <summary>
/// A call ended with a non-OK status. Handlers throw it to choose the status themselves; the client throws it
/// when the server (or the transport) ended a call with one.
/// </summary>
public sealed class GrpcStatusException : Exception
{
    public GrpcStatusException(GrpcStatusCode statusCode, string detail)
        : this(new GrpcStatus(statusCode, detail), trailers: null, innerException: null)
    {
    }

    public GrpcStatusException(GrpcStatusCode statusCode, string detail, Exception? innerException)
        : this(new GrpcStatus(statusCode, detail), trailers: null, innerException)
    {
    }

    public GrpcStatusException(GrpcStatus status, Metadata? trailers = null, Exception? innerException = null)
        : base(status.ToString(), innerException)
    {
        Status = status;
        Trailers = trailers ?? new Metadata();
    }

    public GrpcStatus Status { get; }

    public GrpcStatusCode StatusCode => Status.Code;

    public string Detail => Status.Detail;

    /// <summary>
    /// On the server: extra trailers sent with the error (for example a retry hint).
    /// On the client: the trailers (or trailers-only headers) the server sent.
    /// </summary>
    public Metadata Trailers { get; }
}
