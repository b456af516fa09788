namespace OrderGrains.Storage;

/// <summary>
/// An outbox stream: a namespace (what kind of events) and a key (whose events, e.g. an order id).
/// Not Orleans' <c>Orleans.Runtime.StreamId</c>: where both namespaces are imported, alias this one.
/// </summary>
public readonly record struct StreamId(string Namespace, string Key)
{
    /// <inheritdoc />
    public override string ToString() => $"{Namespace}/{Key}";
}

/// <summary>
/// An event a grain emits with its state write (<see cref="OutboxStateExtensions.WriteStateAsync{TState}(Orleans.Runtime.IPersistentState{TState}, IReadOnlyList{StreamEvent}, CancellationToken)"/>).
/// <see cref="EventId"/> must be unique and stable (derive it from the grain's own sequence, not a random number) so
/// that consumers can recognise a redelivery. The payload is stored as System.Text.Json of its runtime type.
/// </summary>
public sealed record StreamEvent(StreamId Stream, string EventId, string EventType, object Payload);

/// <summary>
/// One delivered outbox event, as a consumer receives it (at least once; de-duplicate by <see cref="EventId"/>).
/// <see cref="TraceParent"/> is the W3C traceparent of the span that emitted it, when one was recorded.
/// </summary>
[GenerateSerializer]
[Immutable]
[Alias("OrderGrains.Storage.StreamItem")]
public sealed record StreamItem(
    [property: Id(0)] string Namespace,
    [property: Id(1)] int Partition,
    [property: Id(2)] long Sequence,
    [property: Id(3)] string StreamKey,
    [property: Id(4)] string EventId,
    [property: Id(5)] string EventType,
    [property: Id(6)] byte[] Payload,
    [property: Id(7)] DateTimeOffset AppendedAt,
    [property: Id(8)] string? TraceParent = null)
{
    /// <summary>The item a stored event is delivered as.</summary>
    public static StreamItem From(StoredStreamEvent stored)
    {
        ArgumentNullException.ThrowIfNull(stored);
        return new StreamItem(stored.StreamNamespace, stored.Partition, stored.Sequence, stored.StreamKey, stored.EventId,
            stored.EventType, stored.Payload.ToArray(), stored.AppendedAt, stored.TraceParent);
    }
}
