using System.Collections.Concurrent;
using System.Diagnostics.Tracing;

namespace OrderGrains.LoadTests.Metrics;

/// <summary>
/// Which types the process allocates during a phase: the runtime's GC AllocationTick events (one per ~100 KB
/// allocated, naming the type that crossed the mark), summed per type. A sample, not an exact count: a type's
/// share of the ticks estimates its share of the bytes. The tool and the in-process host share the process, so both
/// are in the figures (the tool's own types are in the OrderGrains.LoadTests namespace).
/// </summary>
internal sealed class AllocationSampler : EventListener
{
    private const EventKeywords GcKeyword = (EventKeywords)0x1;
    private const int AllocationTickEventId = 10;

    private readonly ConcurrentDictionary<string, long> _bytesByType = new(StringComparer.Ordinal);
    private volatile bool _recording;

    public void Start()
    {
        _bytesByType.Clear();
        _recording = true;
    }

    /// <summary>Stops recording; returns the bytes sampled in all and the types with the most of them, largest first.</summary>
    public (long SampledBytes, IReadOnlyList<(string Type, long Bytes, double Share)> Top) Stop(int top)
    {
        _recording = false;
        var total = _bytesByType.Values.Sum();
        var share = Math.Max(1, total);
        return (total, [.. _bytesByType.OrderByDescending(p => p.Value).Take(top).Select(p => (p.Key, p.Value, (double)p.Value / share))]);
    }

    protected override void OnEventSourceCreated(EventSource eventSource)
    {
        if (eventSource.Name == "Microsoft-Windows-DotNETRuntime")
        {
            EnableEvents(eventSource, EventLevel.Verbose, GcKeyword);
        }
    }

    protected override void OnEventWritten(EventWrittenEventArgs eventData)
    {
        if (!_recording || eventData.EventId != AllocationTickEventId || eventData.Payload is not { } payload || eventData.PayloadNames is not { } names)
        {
            return;
        }

        var typeIndex = names.IndexOf("TypeName");
        var amountIndex = names.IndexOf("AllocationAmount64");
        if (typeIndex < 0 || amountIndex < 0 || payload[typeIndex] is not string type)
        {
            return;
        }

        var amount = Convert.ToInt64(payload[amountIndex], System.Globalization.CultureInfo.InvariantCulture);
        _bytesByType.AddOrUpdate(type, amount, (_, sum) => sum + amount);
    }
}
