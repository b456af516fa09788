using HdrHistogram;

namespace OrderGrains.LoadTests.Metrics;

/// <summary>
/// Call latencies in microseconds, on HdrHistogram: 2 significant digits keep every value below 256 exact and every
/// larger one within 1/128 (0.8%) of the true value, in about 25 KB per histogram (one per phase second is kept).
/// </summary>
public static class Latencies
{
    /// <summary>One hour: anything slower is recorded as one hour, still counted.</summary>
    public const long HighestMicros = 3_600_000_000;

    private const int SignificantDigits = 2;

    /// <summary>A histogram that many threads may record into at once.</summary>
    public static HistogramBase NewHistogram() => new LongConcurrentHistogram(1, HighestMicros, SignificantDigits);

    /// <summary>Records <paramref name="micros"/>, clamped to 0..<see cref="HighestMicros"/> (HdrHistogram refuses values outside its range).</summary>
    public static void RecordMicros(this HistogramBase histogram, long micros)
    {
        ArgumentNullException.ThrowIfNull(histogram);
        histogram.RecordValue(Math.Clamp(micros, 0, HighestMicros));
    }

    /// <summary>
    /// The value at <paramref name="percentile"/> (0..100) by nearest rank: the highest value equivalent to the bucket
    /// of the ⌈p·n⌉-th smallest sample, so at least p% of the samples are at or below it; 0 when empty.
    /// </summary>
    /// <remarks>
    /// HdrHistogram's own <c>GetValueAtPercentile</c> rounds the rank to the nearest sample, which can report one
    /// sample below the nearest-rank percentile (p99 of 0..255 as 252, where 253 is the value 99% do not exceed).
    /// </remarks>
    public static long ValueAt(this HistogramBase histogram, double percentile)
    {
        ArgumentNullException.ThrowIfNull(histogram);
        var total = histogram.TotalCount;
        if (total == 0)
        {
            return 0;
        }

        var rank = Math.Clamp((long)Math.Ceiling(Math.Clamp(percentile, 0, 100) / 100.0 * total), 1, total);
        foreach (var step in histogram.RecordedValues())
        {
            if (step.TotalCountToThisValue >= rank)
            {
                return step.ValueIteratedTo;
            }
        }

        return histogram.GetMaxValue();
    }

    /// <summary>The largest recorded value (to the histogram's precision); 0 when empty.</summary>
    public static long Max(this HistogramBase histogram)
    {
        ArgumentNullException.ThrowIfNull(histogram);
        return histogram.TotalCount == 0 ? 0 : histogram.GetMaxValue();
    }

    /// <summary>The mean of the recorded values (to the histogram's precision); 0 when empty.</summary>
    public static double Mean(this HistogramBase histogram)
    {
        ArgumentNullException.ThrowIfNull(histogram);
        return histogram.TotalCount == 0 ? 0 : histogram.GetMean();
    }
}
