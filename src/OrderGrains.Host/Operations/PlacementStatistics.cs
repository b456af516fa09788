using System.Diagnostics.Metrics;
using OrderGrains.Abstractions;

namespace OrderGrains.Host.Operations;

/// <summary>How one PlaceOrder call ended, as operators count it.</summary>
public enum PlacementOutcome
{
    Accepted = 1,
    Held = 2,
    Rejected = 3,
    Duplicate = 4,

    /// <summary>The call failed with an error status (bad input, overload, deadline, bug).</summary>
    Failed = 5,
}

/// <summary>
/// What the front end saw of order placements over the last seconds (orders/s by channel and outcome, latency
/// percentiles, the most ordered SKUs) for the dashboard, plus the <c>OrderGrains.Orders</c> meter for exporters.
/// </summary>
/// <remarks>
/// One-second slots in a ring under one lock: a placement costs a lock and a few increments, far below the grain
/// calls it measures. Channel and SKU names are client input, so each slot keeps at most a bounded number of them.
/// </remarks>
public sealed class PlacementStatistics : OrderGrains.Grains.ISiloReportSource
{
    /// <summary>The meter exporters and <c>/metrics</c> read.</summary>
    public const string MeterName = "OrderGrains.Orders";

    /// <summary>Seconds the dashboard's rates and percentiles cover.</summary>
    public const int WindowSeconds = 10;

    private const int SlotCount = WindowSeconds + 2;
    private const int MaxChannelsPerSlot = 32;
    private const int MaxSkusPerSlot = 1_000;
    private const string OtherName = "(other)";

    // One meter per process, like the runtime's: several hosts in one process (tests) must not export a series twice.
    private static readonly Meter Meter = new(MeterName);
    private static readonly Counter<long> Placed = Meter.CreateCounter<long>("ordergrains.orders.placed", "{order}", "PlaceOrder calls by channel, outcome and reject reason.");
    private static readonly Histogram<double> Duration = Meter.CreateHistogram<double>("ordergrains.orders.placement.duration", "ms", "PlaceOrder latency from the request to the durable reply.");

    private readonly TimeProvider _clock;
    private readonly Slot[] _slots = new Slot[SlotCount];
    private readonly Lock _lock = new();
    private readonly long _startedTimestamp;
    private long _totalPlaced;

    public PlacementStatistics(TimeProvider clock)
    {
        _clock = clock;
        _startedTimestamp = clock.GetTimestamp();
        for (var i = 0; i < SlotCount; i++)
        {
            _slots[i] = new Slot();
        }

    }

    /// <summary>Time since this host started counting.</summary>
    public TimeSpan Uptime => _clock.GetElapsedTime(_startedTimestamp);

    /// <summary>PlaceOrder calls seen since start.</summary>
    public long TotalPlaced => Interlocked.Read(ref _totalPlaced);

    /// <summary>Records a placement that returned a reply.</summary>
    public void Record(string channel, PlaceOrderResult result, IReadOnlyList<OrderLine> lines, long startedTimestamp)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(lines);
        var outcome = result.Duplicate ? PlacementOutcome.Duplicate : result.Order.Status switch
        {
            OrderStatus.Rejected => PlacementOutcome.Rejected,
            OrderStatus.OnHold => PlacementOutcome.Held,
            _ => PlacementOutcome.Accepted,
        };
        var reason = outcome switch
        {
            PlacementOutcome.Rejected => result.Order.RejectReason.ToString(),
            PlacementOutcome.Held => result.Order.HoldReason.ToString(),
            _ => string.Empty,
        };
        Add(channel, outcome, reason, lines, startedTimestamp);
    }

    /// <summary>Records a placement that ended in an error status; <paramref name="reason"/> names the status.</summary>
    public void RecordFailure(string channel, string reason, long startedTimestamp) =>
        Add(channel, PlacementOutcome.Failed, reason, [], startedTimestamp);

    /// <inheritdoc />
    public OrderGrains.Abstractions.SiloReport Report() =>
        new(GetSnapshot(hottestSkus: 0).Rates.Sum(r => r.PerSecond), TotalPlaced);

    /// <summary>Rates, percentiles and hot SKUs over the last <see cref="WindowSeconds"/> full seconds.</summary>
    public PlacementSnapshot GetSnapshot(int hottestSkus = 5)
    {
        var now = CurrentSecond();
        var byChannel = new Dictionary<(string Channel, PlacementOutcome Outcome), long>();
        var skus = new Dictionary<string, long>(StringComparer.Ordinal);
        var latency = new long[LatencyBuckets.Count];
        lock (_lock)
        {
            // The current second is still filling; the window is the seconds before it.
            for (var second = Math.Max(0, now - WindowSeconds); second < now; second++)
            {
                var slot = _slots[Index(second)];
                if (slot.Second != second)
                {
                    continue;
                }

                foreach (var (key, placed) in slot.Placements)
                {
                    byChannel[key] = byChannel.GetValueOrDefault(key) + placed;
                }

                foreach (var (sku, ordered) in slot.Skus)
                {
                    skus[sku] = skus.GetValueOrDefault(sku) + ordered;
                }

                for (var i = 0; i < latency.Length; i++)
                {
                    latency[i] += slot.Latency[i];
                }
            }
        }

        var rates = byChannel
            .OrderBy(p => p.Key.Channel, StringComparer.Ordinal).ThenBy(p => p.Key.Outcome)
            .Select(p => new ChannelRate(p.Key.Channel, p.Key.Outcome, p.Value / (double)WindowSeconds, p.Value))
            .ToList();
        var hot = skus.OrderByDescending(p => p.Value).ThenBy(p => p.Key, StringComparer.Ordinal).Take(hottestSkus)
            .Select(p => new SkuRate(p.Key, p.Value / (double)WindowSeconds))
            .ToList();
        var count = latency.Sum();
        return new PlacementSnapshot(
            Uptime,
            TotalPlaced,
            rates,
            new LatencySummary(LatencyBuckets.Percentile(latency, count, 0.50), LatencyBuckets.Percentile(latency, count, 0.99), count),
            hot);
    }

    private void Add(string channel, PlacementOutcome outcome, string reason, IReadOnlyList<OrderLine> lines, long startedTimestamp)
    {
        var elapsedMs = _clock.GetElapsedTime(startedTimestamp).TotalMilliseconds;
        var outcomeName = OutcomeName(outcome);
        Placed.Add(1, new KeyValuePair<string, object?>("channel", channel), new KeyValuePair<string, object?>("outcome", outcomeName), new KeyValuePair<string, object?>("reason", reason));
        Duration.Record(elapsedMs, new KeyValuePair<string, object?>("channel", channel), new KeyValuePair<string, object?>("outcome", outcomeName));
        Interlocked.Increment(ref _totalPlaced);

        var second = CurrentSecond();
        var bucket = LatencyBuckets.IndexOf(elapsedMs);
        lock (_lock)
        {
            var slot = _slots[Index(second)];
            if (slot.Second != second)
            {
                slot.Reset(second);
            }

            var channelKey = slot.Placements.Count < MaxChannelsPerSlot * 5 || slot.Placements.ContainsKey((channel, outcome)) ? channel : OtherName;
            slot.Placements[(channelKey, outcome)] = slot.Placements.GetValueOrDefault((channelKey, outcome)) + 1;
            if (outcome != PlacementOutcome.Duplicate)
            {
                foreach (var line in lines)
                {
                    var sku = slot.Skus.Count < MaxSkusPerSlot || slot.Skus.ContainsKey(line.Sku) ? line.Sku : OtherName;
                    slot.Skus[sku] = slot.Skus.GetValueOrDefault(sku) + 1;
                }
            }

            slot.Latency[bucket]++;
        }
    }

    /// <summary>The wire and dashboard name of an outcome.</summary>
    public static string OutcomeName(PlacementOutcome outcome) => outcome switch
    {
        PlacementOutcome.Accepted => "accepted",
        PlacementOutcome.Held => "held",
        PlacementOutcome.Rejected => "rejected",
        PlacementOutcome.Duplicate => "duplicate",
        _ => "failed",
    };

    private long CurrentSecond() => (long)_clock.GetElapsedTime(_startedTimestamp).TotalSeconds;

    private static int Index(long second) => (int)(second % SlotCount);

    private sealed class Slot
    {
        public long Second { get; private set; } = -1;

        public Dictionary<(string Channel, PlacementOutcome Outcome), long> Placements { get; } = [];

        public Dictionary<string, long> Skus { get; } = new(StringComparer.Ordinal);

        public long[] Latency { get; } = new long[LatencyBuckets.Count];

        public void Reset(long second)
        {
            Second = second;
            Placements.Clear();
            Skus.Clear();
            Array.Clear(Latency);
        }
    }
}

/// <summary>Log-spaced latency buckets (10 µs to ~2 min, each 5% wider than the last): percentiles within 5%.</summary>
internal static class LatencyBuckets
{
    private const double Smallest = 0.01;
    private const double Growth = 1.05;
    private static readonly double LogGrowth = Math.Log(Growth);

    public static int Count { get; } = (int)Math.Ceiling(Math.Log(120_000 / Smallest) / LogGrowth) + 1;

    public static int IndexOf(double milliseconds) =>
        milliseconds <= Smallest ? 0 : Math.Min(Count - 1, (int)Math.Ceiling(Math.Log(milliseconds / Smallest) / LogGrowth));

    /// <summary>The upper bound of a bucket: a percentile never reads lower than the truth.</summary>
    public static double UpperBound(int index) => Smallest * Math.Pow(Growth, index);

    public static double Percentile(long[] counts, long total, double quantile)
    {
        if (total == 0)
        {
            return 0;
        }

        var rank = (long)Math.Ceiling(quantile * total);
        long seen = 0;
        for (var i = 0; i < counts.Length; i++)
        {
            seen += counts[i];
            if (seen >= rank)
            {
                return Math.Round(UpperBound(i), 3);
            }
        }

        return Math.Round(UpperBound(counts.Length - 1), 3);
    }
}

/// <summary>Placements of one channel with one outcome over the window.</summary>
public sealed record ChannelRate(string Channel, PlacementOutcome Outcome, double PerSecond, long Count);

/// <summary>How often a SKU was ordered over the window.</summary>
public sealed record SkuRate(string Sku, double OrdersPerSecond);

/// <summary>Placement latency percentiles (milliseconds) over the window.</summary>
public sealed record LatencySummary(double P50, double P99, long Count);

/// <summary>The front end's view of the last seconds.</summary>
public sealed record PlacementSnapshot(TimeSpan Uptime, long TotalPlaced, IReadOnlyList<ChannelRate> Rates, LatencySummary Latency, IReadOnlyList<SkuRate> HotSkus);
