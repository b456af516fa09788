namespace OrderGrains.ErpForwarding;

/// <summary>How long a partition waits after its ERP was unavailable: capped exponential backoff with equal jitter.</summary>
public static class ErpBackoff
{
    /// <summary>
    /// The wait after <paramref name="consecutiveFailures"/> failed posts in a row (1 after the first): nominally
    /// <paramref name="initial"/> × 2^(failures − 1), never more than <paramref name="max"/>; <paramref name="jitter"/>
    /// in [0, 1] scales it into [½, 1] of that, so partitions that failed together do not retry in step. A
    /// <paramref name="retryAfter"/> the ERP sent (429, 503) is waited out in full, but never beyond <paramref name="max"/>,
    /// so a far-off date cannot stall a partition for longer than the operator allowed.
    /// </summary>
    public static TimeSpan Delay(int consecutiveFailures, TimeSpan initial, TimeSpan max, TimeSpan? retryAfter, double jitter)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(consecutiveFailures, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(initial, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(max, initial);
        ArgumentOutOfRangeException.ThrowIfNegative(jitter);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(jitter, 1.0);

        // 2^62 ticks overflows nothing; beyond ~40 doublings any positive initial delay is past any sane cap anyway.
        var doublings = Math.Min(consecutiveFailures - 1, 40);
        var nominalTicks = Math.Min((double)initial.Ticks * Math.Pow(2, doublings), max.Ticks);
        var delay = TimeSpan.FromTicks((long)(nominalTicks * (0.5 + (jitter / 2))));
        if (retryAfter is { } asked && asked > delay)
        {
            delay = asked;
        }

        return delay > max ? max : delay;
    }
}
