namespace OrderGrains.Alerting;

/// <summary>How long a webhook partition waits after a failed attempt: capped exponential backoff with equal jitter.</summary>
public static class WebhookBackoff
{
    /// <summary>
    /// The wait after <paramref name="consecutiveFailures"/> failed attempts in a row (1 after the first): nominally
    /// <paramref name="initial"/> × 2^(failures − 1), at most <paramref name="max"/>, scaled by <paramref name="jitter"/>
    /// in [0, 1] into [½, 1] of that. A <paramref name="retryAfter"/> the receiver sent is waited out in full, but never
    /// beyond <paramref name="max"/>.
    /// </summary>
    public static TimeSpan Delay(int consecutiveFailures, TimeSpan initial, TimeSpan max, TimeSpan? retryAfter, double jitter)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(consecutiveFailures, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(initial, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(max, initial);
        ArgumentOutOfRangeException.ThrowIfNegative(jitter);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(jitter, 1.0);
        var doublings = Math.Min(consecutiveFailures - 1, 40);
        var nominalTicks = Math.Min(initial.Ticks * Math.Pow(2, doublings), max.Ticks);
        var delay = TimeSpan.FromTicks((long)(nominalTicks * (0.5 + (jitter / 2))));
        if (retryAfter is { } asked && asked > delay)
        {
            delay = asked;
        }

        return delay > max ? max : delay;
    }
}
