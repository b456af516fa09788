using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using OrderGrains.Abstractions;
using OrderGrains.Erp;

namespace OrderGrains.ErpForwarding;

/// <summary>
/// The per-partition gauges of Meter "OrderGrains.Erp" (tag <c>partition</c>): backlog, age of the oldest unposted
/// event, failed posts in a row, dead letters, parked documents and the partition's state. Each forwarder activation
/// publishes its figures here after every pull; the gauges read them at each collection, so a scrape never calls a grain.
/// Each silo reports the partitions active on it; the <c>silo</c> tag keeps series of silos sharing a process apart.
/// </summary>
public sealed class ErpForwardingFigures : IDisposable
{
    private readonly ConcurrentDictionary<int, ErpPartitionFigures> _partitions = new();
    private readonly TimeProvider _clock;
    private readonly Meter _meter = new(ErpTelemetry.Name);
    private readonly KeyValuePair<string, object?> _silo;

    public ErpForwardingFigures(TimeProvider clock, ILocalSiloDetails silo)
    {
        ArgumentNullException.ThrowIfNull(silo);
        _clock = clock;
        _silo = new KeyValuePair<string, object?>("silo", silo.SiloAddress.ToString());
        _meter.CreateObservableGauge("ordergrains.erp.backlog", () => Each(f => f.Backlog), "{event}", "Order events appended but not yet handled by the partition's forwarder.");
        _meter.CreateObservableGauge("ordergrains.erp.oldest_unposted_age", () => Each(f => f.OldestUnposted is { } at ? Math.Max(0, (_clock.GetUtcNow() - at).TotalSeconds) : 0), "s", "Age of the oldest order event the partition has not handled yet; 0 when caught up.");
        _meter.CreateObservableGauge("ordergrains.erp.consecutive_failures", () => Each(f => (long)f.ConsecutiveFailures), "{attempt}", "Failed posts in a row while the ERP is unavailable.");
        _meter.CreateObservableGauge("ordergrains.erp.dead_letters", () => Each(f => (long)f.DeadLetters), "{event}", "Documents the ERP refused, kept until retried.");
        _meter.CreateObservableGauge("ordergrains.erp.parked", () => Each(f => (long)f.Parked), "{event}", "Documents waiting behind a dead letter of their order.");
        _meter.CreateObservableGauge("ordergrains.erp.partition_state", States, "{partition}", "1 for the state each partition is in (posting, waiting_for_erp, blocked), 0 for the others.");
    }

    /// <summary>The figures each active forwarder last published.</summary>
    public IReadOnlyCollection<ErpPartitionFigures> Partitions => [.. _partitions.Values];

    /// <summary>The state's name as a metric tag.</summary>
    public static string TagOf(ErpForwarderStatus status) => status switch
    {
        ErpForwarderStatus.WaitingForErp => "waiting_for_erp",
        ErpForwarderStatus.Blocked => "blocked",
        _ => "posting",
    };

    /// <summary>Publishes a partition's figures (replacing what it published before).</summary>
    public void Publish(ErpPartitionFigures figures)
    {
        ArgumentNullException.ThrowIfNull(figures);
        _partitions[figures.Partition] = figures;
    }

    /// <summary>Withdraws a deactivating forwarder's figures, unless another activation has replaced them since.</summary>
    public void Withdraw(int partition, object owner)
    {
        if (_partitions.TryGetValue(partition, out var current) && ReferenceEquals(current.Owner, owner))
        {
            _partitions.TryRemove(new KeyValuePair<int, ErpPartitionFigures>(partition, current));
        }
    }

    public void Dispose() => _meter.Dispose();

    private IEnumerable<Measurement<T>> Each<T>(Func<ErpPartitionFigures, T> value)
        where T : struct =>
        _partitions.Values.Select(f => new Measurement<T>(value(f), new KeyValuePair<string, object?>("partition", f.Partition), _silo));

    private IEnumerable<Measurement<long>> States() =>
        _partitions.Values.SelectMany(f =>
            new[] { ErpForwarderStatus.Posting, ErpForwarderStatus.WaitingForErp, ErpForwarderStatus.Blocked }.Select(s =>
                new Measurement<long>(
                    f.Status == s ? 1 : 0,
                    new KeyValuePair<string, object?>("partition", f.Partition),
                    new KeyValuePair<string, object?>("state", TagOf(s)),
                    _silo)));
}

/// <summary>What one forwarder activation last published; <see cref="Owner"/> is the activation.</summary>
public sealed record ErpPartitionFigures(
    object Owner,
    int Partition,
    ErpForwarderStatus Status,
    long Backlog,
    DateTimeOffset? OldestUnposted,
    int ConsecutiveFailures,
    int DeadLetters,
    int Parked);
