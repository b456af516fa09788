using System.Diagnostics;
using Grpc.Core;
using OrderGrains.LoadTests.Metrics;

namespace OrderGrains.LoadTests.Tests;

public sealed class KeyOutagesTests
{
    private static readonly long Second = Stopwatch.Frequency;

    [Fact]
    public void Outage_runs_from_the_kill_or_the_keys_first_attempt_to_its_first_success()
    {
        var outages = new KeyOutages();
        var kill = 100 * Second;

        // In flight at the kill: out from the kill (not from its own first attempt) until it succeeded 4 s later.
        outages.Failed("in-flight", kill - Second, kill + Second);
        outages.Succeeded("in-flight", kill + (4 * Second));

        // First sent 10 s after the kill, answered 0.5 s later: charged 0.5 s, not the 10 s before it existed.
        outages.Failed("late", kill + (10 * Second), kill + (10 * Second) + (Second / 10));
        outages.Succeeded("late", kill + (10 * Second) + (Second / 2));
        outages.Succeeded("late", kill + (20 * Second));

        // Failed only before the kill: not affected by it.
        outages.Failed("before", kill - (5 * Second), kill - (4 * Second));
        outages.Succeeded("before", kill - (3 * Second));

        // Never answered.
        outages.Failed("lost", kill, kill + Second);

        var summary = outages.Since(kill);

        Assert.Equal((3, 1), (summary.AffectedKeys, summary.NeverRecovered));
        Assert.Equal((500, 4_000), (summary.P50Ms, summary.MaxMs));
        Assert.Equal(10.5, summary.LastRecoverySeconds);
        Assert.True(outages.HadFailures("before"));
        Assert.False(outages.HadFailures("never-failed"));
    }

    [Fact]
    public void Statuses_are_counted_in_the_specifications_spelling()
    {
        var outages = new KeyOutages();

        outages.Seen(StatusCode.Unavailable);
        outages.Seen(StatusCode.Unavailable);
        outages.Seen(StatusCode.DeadlineExceeded);

        Assert.Equal(2, outages.StatusesSeen["UNAVAILABLE"]);
        Assert.Equal(1, outages.StatusesSeen["DEADLINE_EXCEEDED"]);
    }
}
