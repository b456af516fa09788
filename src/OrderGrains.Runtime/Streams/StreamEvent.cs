namespace OrderGrains.Runtime.Streams;

/// <summary>A stream: a namespace (what kind of events) and a key (whose events, e.g. an order id).</summary>
public readonly record struct StreamId(string Namespace, string Key)
{
    /// <inheritdoc />
    public override string ToString() => $"{Namespace}/{Key}";
}

/// <summary>
/// An event a grain emits with its state write. <see cref="EventId"/> must be unique and stable (derive it from the
/// grain's own sequence, not a random number) so that consumers can recognise a redelivery.
/// </summary>
public sealed record StreamEvent(StreamId Stream, string EventId, string EventType, object Payload);

/// <summary>
/// One delivered event, as a consumer grain receives it (at least once; de-duplicate by <see cref="EventId"/>).
/// <see cref="TraceParent"/> is the W3C traceparent of the span that emitted it, when one was recorded.
/// </summary>
public sealed record StreamItem(
    string Namespace,
    int Partition,
    long Sequence,
    string StreamKey,
    string EventId,
    string EventType,
    byte[] Payload,
    DateTimeOffset AppendedAt,
    string? TraceParent = null);

/// <summary>
/// A grain that consumes a stream namespace: one activation per partition (its key is the partition number), which
/// receives that partition's events in order. Returning normally records the batch as processed; throwing makes the
/// runtime deliver the same batch again later.
/// </summary>
public interface IStreamConsumerGrain : IGrainWithStringKey
{
    /// <summary>Processes a batch of events of one partition, in sequence order.</summary>
    Task OnNextBatchAsync(IReadOnlyList<StreamItem> items);
}

/// <summary>
/// Subscribes every activation of the grain class to a namespace, as Orleans' implicit subscriptions do: the runtime
/// activates the consumer of a partition when that partition has events.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class ImplicitStreamSubscriptionAttribute(string streamNamespace) : Attribute
{
    public string Namespace { get; } = streamNamespace;
}
