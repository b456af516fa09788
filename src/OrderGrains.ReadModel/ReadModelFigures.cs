using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace OrderGrains.ReadModel;

/// <summary>
/// Meter "OrderGrains.ReadModel": per-partition gauges (tags <c>partition</c>, <c>silo</c>) of the projection's
/// checkpoint, the stream's head, the backlog between them and the age of the oldest unprojected event, published by
/// each projector activation after every step (a scrape never calls a grain or the database); plus the
/// <c>ordergrains.readmodel.lag</c> histogram (append to projection, ms) and the projected-events counter, both tagged
/// <c>silo</c> too.
/// </summary>
public sealed class ReadModelFigures : IDisposable
{
    /// <summary>The meter's name.</summary>
    public const string MeterName = "OrderGrains.ReadModel";

    private readonly ConcurrentDictionary<int, ProjectorFigures> _partitions = new();
    private readonly TimeProvider _clock;
    private readonly Meter _meter = new(MeterName);
    private readonly KeyValuePair<string, object?> _silo;
    private readonly Histogram<double> _lag;
    private readonly Counter<long> _projected;

    public ReadModelFigures(TimeProvider clock, ILocalSiloDetails silo)
    {
        ArgumentNullException.ThrowIfNull(silo);
        _clock = clock;
        _silo = new KeyValuePair<string, object?>("silo", silo.SiloAddress.ToString());
        _meter.CreateObservableGauge("ordergrains.readmodel.checkpoint", () => Each(f => f.Checkpoint), "{event}", "The last stream sequence the read model applied, per partition.");
        _meter.CreateObservableGauge("ordergrains.readmodel.head", () => Each(f => f.Head), "{event}", "The newest stream sequence of the partition when the projector last looked.");
        _meter.CreateObservableGauge("ordergrains.readmodel.backlog", () => Each(f => Math.Max(0, f.Head - f.Checkpoint)), "{event}", "Order events appended but not yet in the read model.");
        _meter.CreateObservableGauge("ordergrains.readmodel.oldest_unprojected_age", () => Each(f => f.OldestUnprojected is { } at ? Math.Max(0, (_clock.GetUtcNow() - at).TotalSeconds) : 0), "s", "Age of the oldest order event not yet in the read model; 0 when caught up.");
        _lag = _meter.CreateHistogram<double>("ordergrains.readmodel.lag", "ms", "From an order event's append to its row in the read model.");
        _projected = _meter.CreateCounter<long>("ordergrains.readmodel.projected", "{event}", "Order events the read model applied.");
    }

    /// <summary>What each active projector last published.</summary>
    public IReadOnlyCollection<ProjectorFigures> Partitions => [.. _partitions.Values];

    /// <summary>Publishes a partition's figures (replacing what it published before).</summary>
    public void Publish(ProjectorFigures figures)
    {
        ArgumentNullException.ThrowIfNull(figures);
        _partitions[figures.Partition] = figures;
    }

    /// <summary>Records a batch applied: its size and the lag of its newest event.</summary>
    public void Applied(int events, DateTimeOffset newestAppendedAt)
    {
        // Tagged with the silo like the gauges: every host has its own meter, so two hosts in one process (tests, an
        // in-process load run) would otherwise report the same series twice.
        _projected.Add(events, _silo);
        _lag.Record(Math.Max(0, (_clock.GetUtcNow() - newestAppendedAt).TotalMilliseconds), _silo);
    }

    /// <summary>Withdraws a deactivating projector's figures, unless another activation has replaced them since.</summary>
    public void Withdraw(int partition, object owner)
    {
        if (_partitions.TryGetValue(partition, out var current) && ReferenceEquals(current.Owner, owner))
        {
            _partitions.TryRemove(new KeyValuePair<int, ProjectorFigures>(partition, current));
        }
    }

    public void Dispose() => _meter.Dispose();

    private IEnumerable<Measurement<T>> Each<T>(Func<ProjectorFigures, T> value)
        where T : struct =>
        _partitions.Values.Select(f => new Measurement<T>(value(f), new KeyValuePair<string, object?>("partition", f.Partition), _silo));
}

/// <summary>What one projector activation last published; <see cref="Owner"/> is the activation.</summary>
public sealed record ProjectorFigures(object Owner, int Partition, long Checkpoint, long Head, DateTimeOffset? OldestUnprojected);
