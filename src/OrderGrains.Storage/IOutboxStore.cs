using System.Text;

namespace OrderGrains.Storage;

/// <summary>
/// A durable, partitioned event stream kept by a grain store. Events are appended in the same transaction as a grain
/// state write (no event without its state change, no state change without its events). Within a partition events are
/// numbered 1, 2, 3 ... in commit order with no gaps, so a consumer that has processed up to N reads after N.
/// </summary>
public interface IOutboxStore
{
    /// <summary>How many partitions every namespace has; fixed for the life of the store.</summary>
    int PartitionCount { get; }

    /// <summary>
    /// Writes state exactly like <see cref="IStateStore.WriteAsync"/> and, only if that write commits, appends
    /// <paramref name="events"/> in the same transaction. A stale ETag appends nothing.
    /// </summary>
    Task<string> WriteWithEventsAsync(GrainStateKey key, ReadOnlyMemory<byte> payload, string? expectedEtag, IReadOnlyList<StreamEventData> events, CancellationToken cancellationToken);

    /// <summary>Up to <paramref name="maxCount"/> events of one partition with sequence above <paramref name="afterSequence"/>, in order.</summary>
    Task<IReadOnlyList<StoredStreamEvent>> ReadEventsAsync(string streamNamespace, int partition, long afterSequence, int maxCount, CancellationToken cancellationToken);

    /// <summary>The sequence of the newest event of a partition; 0 when it has none.</summary>
    Task<long> ReadHeadAsync(string streamNamespace, int partition, CancellationToken cancellationToken);

    /// <summary>The last sequence a consumer recorded as processed for a partition; 0 when none.</summary>
    Task<long> ReadCheckpointAsync(string consumer, string streamNamespace, int partition, CancellationToken cancellationToken);

    /// <summary>Records durably that a consumer processed a partition up to <paramref name="sequence"/>.</summary>
    Task WriteCheckpointAsync(string consumer, string streamNamespace, int partition, long sequence, CancellationToken cancellationToken);
}

/// <summary>
/// An event to append: it goes to the partition of <see cref="StreamKey"/> in <see cref="StreamNamespace"/>.
/// <see cref="EventId"/> is unique per event; consumers de-duplicate redeliveries by it. <see cref="TraceParent"/> is the
/// W3C traceparent of the span that emitted it, stored so that its consumer's work joins the emitter's trace.
/// </summary>
public sealed record StreamEventData(string StreamNamespace, string StreamKey, string EventId, string EventType, ReadOnlyMemory<byte> Payload, string? TraceParent = null);

/// <summary>An appended event with its place in its partition.</summary>
public sealed record StoredStreamEvent(
    string StreamNamespace,
    int Partition,
    long Sequence,
    string StreamKey,
    string EventId,
    string EventType,
    ReadOnlyMemory<byte> Payload,
    DateTimeOffset AppendedAt,
    string? TraceParent = null);

/// <summary>Maps stream keys to partitions the same way on every node and in every version: FNV-1a over UTF-8.</summary>
public static class StreamPartitioner
{
    /// <summary>The partition of <paramref name="streamKey"/> among <paramref name="partitionCount"/>.</summary>
    public static int PartitionOf(string streamKey, int partitionCount)
    {
        ArgumentNullException.ThrowIfNull(streamKey);
        ArgumentOutOfRangeException.ThrowIfLessThan(partitionCount, 1);
        Span<byte> buffer = stackalloc byte[256];
        var bytes = Encoding.UTF8.GetMaxByteCount(streamKey.Length) <= buffer.Length
            ? buffer[..Encoding.UTF8.GetBytes(streamKey, buffer)]
            : Encoding.UTF8.GetBytes(streamKey);
        uint hash = 2166136261;
        foreach (var b in bytes)
        {
            hash = (hash ^ b) * 16777619;
        }

        return (int)(hash % (uint)partitionCount);
    }
}
