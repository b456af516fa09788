using OrderGrains.Abstractions;
using OrderGrains.Storage;

namespace OrderGrains.ReadModel;

/// <summary>How far the read model is behind the stream, per partition, read from the outbox itself (no grain call).</summary>
public static class ReadModelLag
{
    /// <summary>Checkpoint, head, backlog and the oldest unprojected event of every partition, as of <paramref name="now"/>.</summary>
    public static async Task<ReadModelLagReport> ReadAsync(IOutboxStore outbox, DateTimeOffset now, TimeSpan alertThreshold, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(outbox);
        var partitions = new List<PartitionLag>(outbox.PartitionCount);
        for (var p = 0; p < outbox.PartitionCount; p++)
        {
            var checkpoint = await outbox.ReadCheckpointAsync(OrderProjectorGrain.ConsumerName, OrderStreams.Namespace, p, cancellationToken).ConfigureAwait(false);
            var head = await outbox.ReadHeadAsync(OrderStreams.Namespace, p, cancellationToken).ConfigureAwait(false);
            DateTimeOffset? oldest = null;
            if (head > checkpoint)
            {
                oldest = (await outbox.ReadEventsAsync(OrderStreams.Namespace, p, checkpoint, 1, cancellationToken).ConfigureAwait(false)).FirstOrDefault()?.AppendedAt;
            }

            var age = oldest is { } at ? Math.Max(0, (now - at).TotalSeconds) : 0;
            partitions.Add(new PartitionLag(p, checkpoint, head, Math.Max(0, head - checkpoint), oldest, Math.Round(age, 3)));
        }

        var lagSeconds = partitions.Count == 0 ? 0 : partitions.Max(p => p.OldestUnprojectedAgeSeconds);
        return new ReadModelLagReport(now, partitions.Sum(p => p.Backlog), lagSeconds, lagSeconds > alertThreshold.TotalSeconds, partitions);
    }
}

/// <summary>The read model's lag: the total backlog, the oldest unprojected event's age over all partitions, and each partition.</summary>
public sealed record ReadModelLagReport(DateTimeOffset AsOf, long Backlog, double LagSeconds, bool LagAlert, IReadOnlyList<PartitionLag> Partitions);

/// <summary>One partition: the projection's checkpoint, the stream's head, the events between them and the oldest of them.</summary>
public sealed record PartitionLag(int Partition, long Checkpoint, long Head, long Backlog, DateTimeOffset? OldestUnprojectedAppendedAt, double OldestUnprojectedAgeSeconds);
