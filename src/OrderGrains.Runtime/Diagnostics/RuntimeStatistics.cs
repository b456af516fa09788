using System.Diagnostics;
using System.Runtime.InteropServices;
using Microsoft.Extensions.DependencyInjection;
using OrderGrains.Runtime.Core;
using OrderGrains.Runtime.Storage;

namespace OrderGrains.Runtime.Diagnostics;

/// <summary>Samples of one activation's call count, one slot per statistics sample; guarded by the statistics lock.</summary>
internal sealed class CallWindow(long firstSample)
{
    /// <summary>The number of the first sample this activation took part in; earlier slots hold nothing of it.</summary>
    public long FirstSample { get; } = firstSample;

    public long[] Calls { get; } = new long[RuntimeStatistics.Slots];

    /// <summary>The latest sample that visited this activation; samples in between found it uncalled.</summary>
    public long LastSample { get; set; } = -1;

    /// <summary>The call count that sample read; what it added to its type's total.</summary>
    public long RecordedCalls { get; set; }
}

/// <summary>
/// Call rates over a sliding window: once a second a sampler reads the call counter of every activation called since
/// the last sample (<see cref="CalledActivations"/>) into a small ring and adds what changed to its type's total, and a
/// snapshot compares the counters now with the sample a window ago. An activation is visited once more after a change,
/// which picks up a call counted while the sampler read it; one that was not visited at a sample had the count it had
/// at its last visit.
/// </summary>
internal sealed class RuntimeStatistics(GrainRuntime runtime) : IRuntimeStatistics, IDisposable
{
    public const int WindowSeconds = 10;

    // One more slot than the window: the sample a full window ago must still be there when the newest is written.
    public const int Slots = WindowSeconds + 1;

    private static readonly TimeSpan SamplePeriod = TimeSpan.FromSeconds(1);

    private readonly Lock _lock = new();
    private readonly long[] _sampleTimestamps = new long[Slots];
    // Calls per type up to the latest sample, keyed by the class object (reference equality, no string hashing).
    private readonly Dictionary<GrainClassInfo, long> _classCalls = [];
    private readonly Dictionary<string, long[]> _typeCalls = runtime.Registry.Classes.ToDictionary(c => c.TypeName, _ => new long[Slots], StringComparer.Ordinal);
    private long _samples;
    private long _startedTimestamp = Stopwatch.GetTimestamp();
    private DateTimeOffset _startedAt = DateTimeOffset.UtcNow;
    private ITimer? _timer;

    public void Start()
    {
        lock (_lock)
        {
            _startedAt = DateTimeOffset.UtcNow;
            _startedTimestamp = Stopwatch.GetTimestamp();
        }

        _timer = TimeProvider.System.CreateTimer(static s => ((RuntimeStatistics)s!).Sample(), this, SamplePeriod, SamplePeriod);
    }

    public void Dispose() => _timer?.Dispose();

    /// <summary>Records the call counts of the activations called since the last sample, and every type's total, in the next slot.</summary>
    public void Sample()
    {
        var now = Stopwatch.GetTimestamp();
        var called = runtime.CalledActivations;
        lock (_lock)
        {
            var sample = _samples;
            var slot = (int)(sample % Slots);
            _sampleTimestamps[slot] = now;
            var visits = called.TakeInterval();
            while (visits.TryDequeue(out var activation))
            {
                var window = activation.Window ??= new CallWindow(sample);
                if (window.LastSample == sample)
                {
                    continue;
                }

                // The samples that skipped it saw the count of its last visit.
                for (var skipped = Math.Max(Math.Max(window.LastSample + 1, window.FirstSample), sample - Slots + 1); skipped < sample; skipped++)
                {
                    window.Calls[skipped % Slots] = window.RecordedCalls;
                }

                var calls = activation.Calls;
                window.Calls[slot] = calls;
                window.LastSample = sample;
                if (calls != window.RecordedCalls)
                {
                    ref var total = ref CollectionsMarshal.GetValueRefOrAddDefault(_classCalls, activation.ClassInfo, out _);
                    total += calls - window.RecordedCalls;
                    window.RecordedCalls = calls;
                    called.Add(activation);
                }
            }

            foreach (var grainClass in runtime.Registry.Classes)
            {
                _typeCalls[grainClass.TypeName][slot] = _classCalls.GetValueOrDefault(grainClass);
            }

            _samples = sample + 1;
        }
    }

    public RuntimeSnapshot GetSnapshot(int hottestCount = 10)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(hottestCount);
        var now = Stopwatch.GetTimestamp();
        var types = new Dictionary<string, (int Activations, int Mailbox, long LiveCalls)>(StringComparer.Ordinal);
        var hottest = new PriorityQueue<HotGrainStatistics, double>(hottestCount + 1);
        List<GrainTypeStatistics> grainTypes = [];
        DateTimeOffset startedAt;
        long startedTimestamp;
        lock (_lock)
        {
            startedAt = _startedAt;
            startedTimestamp = _startedTimestamp;
            var windowStart = _samples - WindowSeconds;
            foreach (var activation in runtime.Directory.All)
            {
                var calls = activation.Calls;
                var type = activation.GrainId.Type;
                var (count, mailbox, live) = types.GetValueOrDefault(type);
                types[type] = (count + 1, mailbox + activation.QueueLength, live + calls);
                if (hottestCount == 0)
                {
                    continue;
                }

                // An activation younger than the window is measured from its creation, with zero calls then.
                var window = activation.Window;
                var (baseCalls, baseTimestamp) = windowStart >= 0 && window is not null && window.FirstSample <= windowStart
                    ? (window.LastSample >= windowStart ? window.Calls[windowStart % Slots] : window.RecordedCalls, _sampleTimestamps[windowStart % Slots])
                    : (0L, activation.CreatedTimestamp);
                var rate = Rate(calls - baseCalls, baseTimestamp, now);
                if (rate <= 0)
                {
                    continue;
                }

                hottest.Enqueue(new HotGrainStatistics(type, activation.GrainId.Key, rate), rate);
                if (hottest.Count > hottestCount)
                {
                    hottest.Dequeue();
                }
            }

            foreach (var grainClass in runtime.Registry.Classes)
            {
                var (count, mailbox, live) = types.GetValueOrDefault(grainClass.TypeName);
                var total = grainClass.RetiredCalls + live;
                var (baseCalls, baseTimestamp) = windowStart >= 0
                    ? (_typeCalls[grainClass.TypeName][windowStart % Slots], _sampleTimestamps[windowStart % Slots])
                    : (0L, startedTimestamp);
                grainTypes.Add(new GrainTypeStatistics(grainClass.TypeName, count, Rate(total - baseCalls, baseTimestamp, now), mailbox, total));
            }
        }

        var hot = new List<HotGrainStatistics>(hottest.Count);
        while (hottest.TryDequeue(out var grain, out _))
        {
            hot.Add(grain);
        }

        hot.Reverse();
        grainTypes.Sort(static (a, b) => string.CompareOrdinal(a.GrainType, b.GrainType));
        return new RuntimeSnapshot(
            startedAt,
            Stopwatch.GetElapsedTime(startedTimestamp, now),
            grainTypes,
            hot,
            StorageStatistics(),
            runtime.Reminders.CountDue(DateTimeOffset.UtcNow));
    }

    // At least a second: a grain activated a moment ago must not report a thousand calls a second for its first call.
    private static double Rate(long calls, long sinceTimestamp, long now) =>
        calls <= 0 ? 0 : calls / Math.Max(1.0, Stopwatch.GetElapsedTime(sinceTimestamp, now).TotalSeconds);

    private StorageBatchStatistics StorageStatistics()
    {
        if (runtime.Services.GetService<IGrainStorage>() is not IStorageStatistics storage)
        {
            return new StorageBatchStatistics(0, 0, 0, 0, 0);
        }

        var batches = storage.WriteBatches;
        var writes = storage.Writes;
        return new StorageBatchStatistics(batches, writes, batches == 0 ? 0 : (double)writes / batches, storage.LastBatchSize, storage.LargestBatch);
    }
}
