using System.Diagnostics.Metrics;
using OrderGrains.Runtime.Core;

namespace OrderGrains.Runtime.Diagnostics;

/// <summary>
/// The runtime's instruments (Meter "OrderGrains.Runtime"). Call counts, activations and mailbox depths are observed
/// from the counters the runtime keeps anyway, so a grain call pays nothing for them; they add up every silo running
/// in the process.
/// </summary>
internal static class RuntimeMetrics
{
    public const string MeterName = "OrderGrains.Runtime";

    private static readonly Meter Meter = new(MeterName);
    private static readonly Lock RuntimesLock = new();
    private static readonly List<GrainRuntime> Runtimes = [];

    // The highest total reported per type: an activation's calls move to its class's retired count just after it
    // leaves the directory, and a counter must not dip (a dip reads as a reset to Prometheus' rate()).
    private static readonly Dictionary<string, long> ReportedCalls = new(StringComparer.Ordinal);

    public static readonly Histogram<int> StorageBatchSize = Meter.CreateHistogram(
        "ordergrains.runtime.storage.batch_size",
        unit: "{write}",
        description: "Writes carried by one group-commit batch.",
        tags: null,
        advice: new InstrumentAdvice<int> { HistogramBucketBoundaries = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024] });

    public static readonly Histogram<double> StorageBatchDuration = Meter.CreateHistogram(
        "ordergrains.runtime.storage.batch_duration",
        unit: "ms",
        description: "Time to commit one group-commit batch, in milliseconds.",
        tags: null,
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000] });

    static RuntimeMetrics()
    {
        Meter.CreateObservableCounter("ordergrains.runtime.grain_calls", ObserveCalls, unit: "{call}", description: "Grain calls received, per grain type.");
        Meter.CreateObservableGauge("ordergrains.runtime.activations", ObserveActivations, unit: "{activation}", description: "Live activations, per grain type.");
        Meter.CreateObservableGauge("ordergrains.runtime.mailbox_depth", ObserveMailboxes, unit: "{request}", description: "Requests waiting in activation queues, per grain type.");
    }

    public static void Register(GrainRuntime runtime)
    {
        lock (RuntimesLock)
        {
            Runtimes.Add(runtime);
        }
    }

    public static void Unregister(GrainRuntime runtime)
    {
        lock (RuntimesLock)
        {
            Runtimes.Remove(runtime);
        }
    }

    private static GrainRuntime[] Live()
    {
        lock (RuntimesLock)
        {
            return [.. Runtimes];
        }
    }

    private static IEnumerable<Measurement<long>> ObserveCalls()
    {
        var totals = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var runtime in Live())
        {
            foreach (var grainClass in runtime.Registry.Classes)
            {
                totals[grainClass.TypeName] = totals.GetValueOrDefault(grainClass.TypeName) + grainClass.RetiredCalls;
            }

            foreach (var activation in runtime.Directory.All)
            {
                totals[activation.GrainId.Type] = totals.GetValueOrDefault(activation.GrainId.Type) + activation.Calls;
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

    private static IEnumerable<Measurement<int>> ObserveActivations() => ObservePerActivation(static _ => 1);

    private static IEnumerable<Measurement<int>> ObserveMailboxes() => ObservePerActivation(static a => a.QueueLength);

    private static IEnumerable<Measurement<int>> ObservePerActivation(Func<ActivationData, int> value)
    {
        var totals = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var runtime in Live())
        {
            // Every hosted type reports, also with none live, so a series does not vanish when its grains are collected.
            foreach (var grainClass in runtime.Registry.Classes)
            {
                totals.TryAdd(grainClass.TypeName, 0);
            }

            foreach (var activation in runtime.Directory.All)
            {
                totals[activation.GrainId.Type] += value(activation);
            }
        }

        return PerType(totals);
    }

    private static IEnumerable<Measurement<T>> PerType<T>(Dictionary<string, T> totals)
        where T : struct =>
        totals.Select(static t => new Measurement<T>(t.Value, new KeyValuePair<string, object?>("grain_type", t.Key)));
}
