using System.Numerics;

namespace OrderGrains.LoadTests.Metrics;

/// <summary>
/// A log-linear histogram of non-negative values (microseconds here), in the manner of HdrHistogram: values below
/// 2^<see cref="SubBucketBits"/> are counted exactly, larger ones in buckets whose width is at most 1/128 of their
/// lower bound, so every percentile is within 0.8% of the true value. Recording is lock-free (one interlocked add);
/// histograms of the same shape merge by adding counts.
/// </summary>
public sealed class LatencyHistogram
{
    /// <summary>Bits of exact resolution: 2^8 = 256 sub-buckets, the upper half of which repeat per power of two.</summary>
    public const int SubBucketBits = 8;

    private const int SubBucketCount = 1 << SubBucketBits;
    private const int SubBucketHalf = SubBucketCount / 2;

    // Values up to 2^44 µs (about 200 days) fit; larger ones are clamped into the last bucket and still counted.
    private const int MaxMagnitude = 44;
    private const int BucketCount = ((MaxMagnitude - SubBucketBits + 2) * SubBucketHalf) + SubBucketHalf;

    private readonly long[] _counts = new long[BucketCount];
    private long _total;
    private long _sum;
    private long _min = long.MaxValue;
    private long _max = -1;

    public long Count => Volatile.Read(ref _total);

    /// <summary>The largest recorded value, exact; 0 when empty.</summary>
    public long Max => Math.Max(Volatile.Read(ref _max), 0);

    /// <summary>The smallest recorded value, exact; 0 when empty.</summary>
    public long Min => Count == 0 ? 0 : Volatile.Read(ref _min);

    public double Mean => Count == 0 ? 0 : (double)Volatile.Read(ref _sum) / Count;

    /// <summary>Counts one value; negative values count as 0. Safe to call from many threads.</summary>
    public void Record(long value)
    {
        value = Math.Max(value, 0);
        Interlocked.Increment(ref _counts[IndexOf(value)]);
        Interlocked.Increment(ref _total);
        Interlocked.Add(ref _sum, value);
        UpdateMin(value);
        UpdateMax(value);
    }

    /// <summary>Adds every count of <paramref name="other"/> to this histogram.</summary>
    public void Merge(LatencyHistogram other)
    {
        ArgumentNullException.ThrowIfNull(other);
        for (var i = 0; i < BucketCount; i++)
        {
            var count = Volatile.Read(ref other._counts[i]);
            if (count != 0)
            {
                Interlocked.Add(ref _counts[i], count);
            }
        }

        Interlocked.Add(ref _total, other.Count);
        Interlocked.Add(ref _sum, Volatile.Read(ref other._sum));
        if (other.Count > 0)
        {
            UpdateMin(other.Min);
            UpdateMax(other.Max);
        }
    }

    /// <summary>
    /// The value at <paramref name="percentile"/> (0..100): the highest value equivalent to the bucket holding the
    /// ranked sample, capped at the exact maximum, as HdrHistogram reports it. 0 when empty.
    /// </summary>
    public long ValueAtPercentile(double percentile)
    {
        var total = Count;
        if (total == 0)
        {
            return 0;
        }

        var rank = (long)Math.Ceiling(Math.Clamp(percentile, 0, 100) / 100.0 * total);
        rank = Math.Clamp(rank, 1, total);
        long seen = 0;
        for (var i = 0; i < BucketCount; i++)
        {
            seen += Volatile.Read(ref _counts[i]);
            if (seen >= rank)
            {
                return Math.Min(HighestEquivalent(i), Max);
            }
        }

        return Max;
    }

    /// <summary>The bucket index of <paramref name="value"/>; public for tests of the bucket layout.</summary>
    public static int IndexOf(long value)
    {
        if (value < SubBucketCount)
        {
            return (int)value;
        }

        var magnitude = Math.Min(63 - BitOperations.LeadingZeroCount((ulong)value), MaxMagnitude);
        var shift = magnitude - SubBucketBits + 1;
        var sub = Math.Min(value >> shift, SubBucketCount - 1);
        return (shift * SubBucketHalf) + (int)sub;
    }

    /// <summary>The largest value that lands in bucket <paramref name="index"/>.</summary>
    public static long HighestEquivalent(int index)
    {
        if (index < SubBucketCount)
        {
            return index;
        }

        var shift = (index / SubBucketHalf) - 1;
        var sub = (long)(index - (shift * SubBucketHalf));
        return ((sub + 1) << shift) - 1;
    }

    private void UpdateMin(long value)
    {
        var current = Volatile.Read(ref _min);
        while (value < current)
        {
            var seen = Interlocked.CompareExchange(ref _min, value, current);
            if (seen == current)
            {
                return;
            }

            current = seen;
        }
    }

    private void UpdateMax(long value)
    {
        var current = Volatile.Read(ref _max);
        while (value > current)
        {
            var seen = Interlocked.CompareExchange(ref _max, value, current);
            if (seen == current)
            {
                return;
            }

            current = seen;
        }
    }
}
