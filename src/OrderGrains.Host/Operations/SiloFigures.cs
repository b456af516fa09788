using System.Diagnostics;
using System.Diagnostics.Metrics;
using Orleans.Metadata;
using OrderGrains.Storage;

namespace OrderGrains.Host.Operations;

/// <summary>
/// The silo's figures for operators (<c>GET /admin/runtime</c>, the dashboard, <c>/metrics</c>): activations from
/// Orleans' <see cref="IManagementGrain"/>, call rates, waiting requests and the hottest grains from
/// <see cref="GrainCallCounter"/>, group-commit batching from our storage. A sampler reads the counters once a second
/// into a ring, so rates cover the last <see cref="WindowSeconds"/> seconds.
/// </summary>
internal sealed partial class SiloFigures : ILifecycleParticipant<ISiloLifecycle>, IDisposable
{
    /// <summary>The meter of the instruments below; names are the ones the home-made runtime published, so scrapes keep working.</summary>
    public const string MeterName = "OrderGrains.Silo";

    public const int WindowSeconds = 10;

    // One more slot than the window: the sample a full window ago must still be there when the newest is written.
    private const int Slots = WindowSeconds + 1;

    private static readonly TimeSpan SamplePeriod = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan FreshActivations = TimeSpan.FromMilliseconds(200);
    private static readonly Meter Meter = new(MeterName);
    private static readonly Lock LiveLock = new();
    private static readonly List<SiloFigures> Live = [];

    // The highest total reported per type: a host leaving the process must not make a counter dip (a dip reads as a reset).
    private static readonly Dictionary<string, long> ReportedCalls = new(StringComparer.Ordinal);

    private readonly GrainCallCounter _counter;
    private readonly IGrainFactory _grains;
    private readonly ILocalSiloDetails _silo;
    private readonly GrainClassMap _classes;
    private readonly IStorageStatistics? _storage;
    private readonly ILogger<SiloFigures> _logger;
    private readonly Lock _lock = new();
    private readonly long[] _sampleTimestamps = new long[Slots];
    private readonly Dictionary<string, long[]> _typeCalls = new(StringComparer.Ordinal);
    private IReadOnlyDictionary<GrainId, System.Runtime.CompilerServices.StrongBox<long>> _previousTally = new Dictionary<GrainId, System.Runtime.CompilerServices.StrongBox<long>>();
    private long _previousTallyStarted = Stopwatch.GetTimestamp();
    private long _tallyStarted = Stopwatch.GetTimestamp();
    private Dictionary<string, int> _activations = new(StringComparer.Ordinal);
    private long _activationsRead;
    private long _samples;
    private long _startedTimestamp = Stopwatch.GetTimestamp();
    private DateTimeOffset _startedAt = DateTimeOffset.UtcNow;
    private ITimer? _timer;

    static SiloFigures()
    {
        Meter.CreateObservableCounter("ordergrains.runtime.grain_calls", ObserveCalls, unit: "{call}", description: "Grain calls received, per grain type.");
        Meter.CreateObservableGauge("ordergrains.runtime.activations", ObserveActivations, unit: "{activation}", description: "Live activations, per grain type (from Orleans' management grain, refreshed each second).");
        Meter.CreateObservableGauge("ordergrains.runtime.mailbox_depth", ObserveWaiting, unit: "{request}", description: "Requests sent from this silo waiting for their turn, per grain type.");
    }

    public SiloFigures(GrainCallCounter counter, IGrainFactory grains, ILocalSiloDetails silo, GrainClassMap classes, ILogger<SiloFigures> logger, IStorageStatistics? storage = null)
    {
        _counter = counter;
        _grains = grains;
        _silo = silo;
        _classes = classes;
        _logger = logger;
        _storage = storage;
    }

    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(SiloFigures), ServiceLifecycleStage.Active, OnStartAsync, OnStopAsync);

    public void Dispose() => Stop();

    /// <summary>Counts per type, the <paramref name="hottestCount"/> busiest grains, the cluster's silos and storage batching.</summary>
    public async Task<RuntimeSnapshot> GetSnapshotAsync(int hottestCount = 10)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(hottestCount);
        await RefreshActivationsAsync();
        var silos = hottestCount > 0 ? await SilosAsync() : [];
        var now = Stopwatch.GetTimestamp();
        List<GrainTypeStatistics> grainTypes = [];
        List<HotGrainStatistics> hottest;
        DateTimeOffset startedAt;
        long startedTimestamp;
        lock (_lock)
        {
            startedAt = _startedAt;
            startedTimestamp = _startedTimestamp;
            var windowStart = _samples - WindowSeconds;
            var names = new HashSet<string>(_activations.Keys, StringComparer.Ordinal);
            foreach (var (_, counters) in _counter.Types)
            {
                names.Add(counters.GrainType);
            }

            var counted = _counter.Types.ToDictionary(t => t.Value.GrainType, t => t.Value, StringComparer.Ordinal);
            foreach (var name in names)
            {
                var counters = counted.GetValueOrDefault(name);
                var total = counters is null ? 0 : Interlocked.Read(ref counters.Calls);
                var (baseCalls, baseTimestamp) = windowStart >= 0 && _typeCalls.TryGetValue(name, out var ring)
                    ? (ring[windowStart % Slots], _sampleTimestamps[windowStart % Slots])
                    : (0L, startedTimestamp);
                grainTypes.Add(new GrainTypeStatistics(name, _activations.GetValueOrDefault(name), Rate(total - baseCalls, baseTimestamp, now), Waiting(counters), total));
            }

            hottest = [.. Hottest(hottestCount, now)];
        }

        grainTypes.Sort(static (a, b) => string.CompareOrdinal(a.GrainType, b.GrainType));
        return new RuntimeSnapshot(startedAt, Stopwatch.GetElapsedTime(startedTimestamp, now), grainTypes, hottest, StorageStatistics(), silos);
    }

    private Task OnStartAsync(CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            _startedAt = DateTimeOffset.UtcNow;
            _startedTimestamp = Stopwatch.GetTimestamp();
        }

        lock (LiveLock)
        {
            Live.Add(this);
        }

        _timer = TimeProvider.System.CreateTimer(static s => ((SiloFigures)s!).Sample(), this, SamplePeriod, SamplePeriod);
        return Task.CompletedTask;
    }

    private Task OnStopAsync(CancellationToken cancellationToken)
    {
        Stop();
        return Task.CompletedTask;
    }

    private void Stop()
    {
        _timer?.Dispose();
        lock (LiveLock)
        {
            Live.Remove(this);
        }
    }

    /// <summary>Records every type's call total in the next slot; every window, starts a new hot-grain tally.</summary>
    private void Sample()
    {
        var now = Stopwatch.GetTimestamp();
        lock (_lock)
        {
            var slot = (int)(_samples % Slots);
            _sampleTimestamps[slot] = now;
            foreach (var (_, counters) in _counter.Types)
            {
                if (!_typeCalls.TryGetValue(counters.GrainType, out var ring))
                {
                    // A type first seen now had its calls since the window began; earlier slots read as zero.
                    _typeCalls[counters.GrainType] = ring = new long[Slots];
                }

                ring[slot] = Interlocked.Read(ref counters.Calls);
            }

            _samples++;
            if (_samples % WindowSeconds == 0)
            {
                _previousTally = _counter.TakeTally();
                _previousTallyStarted = _tallyStarted;
                _tallyStarted = now;
            }
        }

        _ = RefreshActivationsAsync();
    }

    /// <summary>Reads the activation counts of this silo from Orleans' management grain, under our grain type names.</summary>
    private async Task RefreshActivationsAsync()
    {
        SimpleGrainStatistic[] statistics;
        try
        {
            statistics = await _grains.GetGrain<IManagementGrain>(0).GetSimpleGrainStatistics([_silo.SiloAddress]);
        }
        catch (Exception exception) when (exception is OrleansException or TimeoutException or OperationCanceledException)
        {
            // Stopping or busy: the last counts stay until the next sample.
            LogActivationsUnavailable(_logger, exception.Message);
            return;
        }

        var names = ClassNames();
        var activations = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var statistic in statistics)
        {
            // Orleans names the class, possibly with its assembly ("Ns.OrderGrain,OrderGrains.Grains"); Orleans' own grains are left out.
            var className = statistic.GrainType.Split(',', 2)[0].Trim();
            if (names.TryGetValue(className, out var name))
            {
                activations[name] = activations.GetValueOrDefault(name) + statistic.ActivationCount;
            }
        }

        lock (_lock)
        {
            _activations = activations;
            _activationsRead = Stopwatch.GetTimestamp();
        }
    }

    /// <summary>Orleans reports activations by grain class; the product names grains by grain type ("order", "sku-stock").</summary>
    private Dictionary<string, string> ClassNames()
    {
        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (type, counters) in _counter.Types)
        {
            if (_classes.TryGetGrainClass(type, out var grainClass))
            {
                names[grainClass.FullName ?? grainClass.Name] = counters.GrainType;
            }
        }

        return names;
    }

    private async Task<IReadOnlyList<SiloStatistics>> SilosAsync()
    {
        var management = _grains.GetGrain<IManagementGrain>(0);
        var hosts = await management.GetDetailedHosts(onlyActive: true);
        var addresses = hosts.Select(h => h.SiloAddress).ToArray();
        var runtime = addresses.Length == 0 ? [] : await management.GetRuntimeStatistics(addresses);
        return [.. hosts.Select((h, i) => new SiloStatistics(
            h.SiloAddress.ToParsableString(),
            h.SiloName,
            h.Status.ToString(),
            h.StartTime,
            i < runtime.Length ? runtime[i].ActivationCount : 0,
            i < runtime.Length ? runtime[i].RecentlyUsedActivationCount : 0,
            i < runtime.Length ? runtime[i].EnvironmentStatistics.FilteredCpuUsagePercentage : 0,
            i < runtime.Length ? runtime[i].EnvironmentStatistics.FilteredMemoryUsageBytes : 0))];
    }

    /// <summary>The sampled tallies of the last full window and the current one, as calls per second (called under the lock).</summary>
    private IEnumerable<HotGrainStatistics> Hottest(int count, long now)
    {
        if (count == 0)
        {
            return [];
        }

        var current = _counter.PeekTally();
        var seconds = Math.Max(1.0, Stopwatch.GetElapsedTime(_previousTallyStarted, now).TotalSeconds);
        var totals = new Dictionary<GrainId, long>();
        foreach (var (grain, calls) in _previousTally.Concat(current))
        {
            totals[grain] = totals.GetValueOrDefault(grain) + calls.Value;
        }

        var top = new PriorityQueue<HotGrainStatistics, double>(count + 1);
        foreach (var (grain, calls) in totals)
        {
            var rate = calls / seconds;
            top.Enqueue(new HotGrainStatistics(grain.Type.ToString()!, grain.Key.ToString()!, Math.Round(rate, 2)), rate);
            if (top.Count > count)
            {
                top.Dequeue();
            }
        }

        var hot = new List<HotGrainStatistics>(top.Count);
        while (top.TryDequeue(out var grain, out _))
        {
            hot.Add(grain);
        }

        hot.Reverse();
        return hot;
    }

    private StorageBatchStatistics StorageStatistics()
    {
        if (_storage is null)
        {
            return new StorageBatchStatistics(0, 0, 0, 0, 0);
        }

        var batches = _storage.WriteBatches;
        var writes = _storage.Writes;
        return new StorageBatchStatistics(batches, writes, batches == 0 ? 0 : (double)writes / batches, _storage.LastBatchSize, _storage.LargestBatch);
    }

    private static int Waiting(GrainTypeCounters? counters) =>
        counters is null ? 0 : (int)Math.Max(0, Interlocked.Read(ref counters.Outstanding) - Interlocked.Read(ref counters.Running));

    // At least a second: a grain activated a moment ago must not report a thousand calls a second for its first call.
    private static double Rate(long calls, long sinceTimestamp, long now) =>
        calls <= 0 ? 0 : Math.Round(calls / Math.Max(1.0, Stopwatch.GetElapsedTime(sinceTimestamp, now).TotalSeconds), 2);

    private static SiloFigures[] LiveFigures()
    {
        lock (LiveLock)
        {
            return [.. Live];
        }
    }

    private static IEnumerable<Measurement<long>> ObserveCalls()
    {
        var totals = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var figures in LiveFigures())
        {
            foreach (var (_, counters) in figures._counter.Types)
            {
                totals[counters.GrainType] = totals.GetValueOrDefault(counters.GrainType) + Interlocked.Read(ref counters.Calls);
            }
        }

        lock (ReportedCalls)
        {
            foreach (var (type, total) in totals)
            {
                ReportedCalls[type] = Math.Max(total, ReportedCalls.GetValueOrDefault(type));
            }

            return PerType(new Dictionary<string, long>(ReportedCalls, StringComparer.Ordinal));
        }
    }

    private static IEnumerable<Measurement<int>> ObserveActivations()
    {
        var totals = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var figures in LiveFigures())
        {
            // A scrape reports what is live now, not up to a sampler period ago; observers never run on a grain's scheduler,
            // so waiting here (bounded) for the management grain cannot deadlock.
            if (Stopwatch.GetElapsedTime(Interlocked.Read(ref figures._activationsRead)) > FreshActivations)
            {
                figures.RefreshActivationsAsync().Wait(SamplePeriod);
            }

            // Every type seen reports, also with none live, so a series does not vanish when its grains are collected.
            foreach (var (_, counters) in figures._counter.Types)
            {
                totals.TryAdd(counters.GrainType, 0);
            }

            lock (figures._lock)
            {
                foreach (var (type, count) in figures._activations)
                {
                    totals[type] = totals.GetValueOrDefault(type) + count;
                }
            }
        }

        return PerType(totals);
    }

    private static IEnumerable<Measurement<int>> ObserveWaiting()
    {
        var totals = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var figures in LiveFigures())
        {
            foreach (var (_, counters) in figures._counter.Types)
            {
                totals[counters.GrainType] = totals.GetValueOrDefault(counters.GrainType) + Waiting(counters);
            }
        }

        return PerType(totals);
    }

    private static IEnumerable<Measurement<T>> PerType<T>(Dictionary<string, T> totals)
        where T : struct =>
        totals.Select(static t => new Measurement<T>(t.Value, new KeyValuePair<string, object?>("grain_type", t.Key)));

    [LoggerMessage(20, LogLevel.Debug, "Activation counts were not refreshed: {Reason}")]
    private static partial void LogActivationsUnavailable(ILogger logger, string reason);
}

/// <summary>The silo at one moment. Rates are over the last 10 seconds (or the time since start, if shorter).</summary>
public sealed record RuntimeSnapshot(
    DateTimeOffset StartedAt,
    TimeSpan Uptime,
    IReadOnlyList<GrainTypeStatistics> GrainTypes,
    IReadOnlyList<HotGrainStatistics> HottestGrains,
    StorageBatchStatistics Storage,
    IReadOnlyList<SiloStatistics> Silos);

/// <summary>One grain type on this silo: live activations, recent call rate, requests waiting for their turn, calls since start.</summary>
public sealed record GrainTypeStatistics(string GrainType, int Activations, double CallsPerSecond, int MailboxDepth, long TotalCalls);

/// <summary>One grain with a high recent call rate (sampled: one call in eight is counted).</summary>
public sealed record HotGrainStatistics(string GrainType, string Key, double CallsPerSecond);

/// <summary>Group commit of the grain store: committed batches, the writes they carried, and batch sizes.</summary>
public sealed record StorageBatchStatistics(long Batches, long Writes, double AverageBatchSize, int LastBatchSize, int MaxBatchSize);

/// <summary>One active silo of the cluster as Orleans' membership and runtime statistics see it.</summary>
public sealed record SiloStatistics(string Address, string Name, string Status, DateTime StartedAt, int Activations, int RecentlyUsedActivations, float CpuUsagePercent, long MemoryUsageBytes);
