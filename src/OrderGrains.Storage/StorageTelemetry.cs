using System.Diagnostics.Metrics;

namespace OrderGrains.Storage;

/// <summary>
/// The storage instruments (Meter "OrderGrains.Storage"). The instrument names are the ones the home-made runtime
/// published, so dashboards and scrapes keep working across the move to Orleans.
/// </summary>
public static class StorageTelemetry
{
    /// <summary>The meter's name, for <c>AddMeter</c>; the batch spans' ActivitySource has the same name.</summary>
    public const string MeterName = "OrderGrains.Storage";

    private static readonly Meter Meter = new(MeterName);

    internal static readonly Histogram<int> StorageBatchSize = Meter.CreateHistogram(
        "ordergrains.runtime.storage.batch_size",
        unit: "{write}",
        description: "Writes carried by one group-commit batch.",
        tags: null,
        advice: new InstrumentAdvice<int> { HistogramBucketBoundaries = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024] });

    internal static readonly Histogram<double> StorageBatchDuration = Meter.CreateHistogram(
        "ordergrains.runtime.storage.batch_duration",
        unit: "ms",
        description: "Time to commit one group-commit batch, in milliseconds.",
        tags: null,
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000] });
}
