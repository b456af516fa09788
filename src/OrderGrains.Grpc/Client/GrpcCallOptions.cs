namespace OrderGrains.Grpc.Client;

/// <summary>Per-call settings: deadline (UTC), cancellation and request metadata.</summary>
public readonly record struct GrpcCallOptions(DateTime? Deadline = null, CancellationToken CancellationToken = default, Metadata? Headers = null)
{
    /// <summary>Options whose deadline is <paramref name="timeout"/> from now.</summary>
    public static GrpcCallOptions WithTimeout(TimeSpan timeout, CancellationToken cancellationToken = default) =>
        new(DateTime.UtcNow + timeout, cancellationToken);
}
