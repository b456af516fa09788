namespace OrderGrains.LoadTests.Tests;

/// <summary>
/// Issue 15's steady method: the follow-up phase starts only once the host has worked off what the first phase left
/// (read-model projection and ERP forwarding), at 80% of the rate the host sustained (that work's time included), so it
/// measures a host running at 80%.
/// </summary>
[Collection(LoadRunCollection.Name)]
public sealed class SteadyDrainTests
{
    [Fact]
    public async Task The_follow_up_phase_starts_on_a_host_with_no_read_model_or_erp_backlog()
    {
        using var results = new ResultsDirectory();
        var options = new LoadTestOptions
        {
            Scenario = "steady",
            Rate = 200,
            DurationSeconds = 2,
            FollowupSeconds = 1,
            Skus = 50,
            Customers = 500,
            Baseline = false,
            ResultsDirectory = results.Path,
            Progress = false,
        };
        using var log = new StringWriter();
        var report = await LoadTestRunner.RunAsync(options, log, "test", CancellationToken.None);

        var orderGrains = Assert.Single(report.Targets, t => t.Name == "ordergrains");
        Assert.Equal(2, orderGrains.Phases.Count);
        Assert.Null(orderGrains.Phases[0].DrainedBefore);
        var drained = orderGrains.Phases[1].DrainedBefore;
        Assert.NotNull(drained);
        Assert.True(drained.Drained, log.ToString());
        Assert.True(orderGrains.Phases[0].Accepted > 0, log.ToString());
        Assert.Contains($"before {orderGrains.Phases[1].Name}: drained in ", log.ToString(), StringComparison.Ordinal);

        // The follow-up runs at 80% of what the host sustained: the first phase's accepted orders over its time plus
        // the time the host then needed to work off what it left.
        var first = orderGrains.Phases[0];
        var sustained = first.Accepted / (first.PlaceSeconds + drained.Seconds);
        Assert.Equal(Math.Round(Math.Max(1, sustained * options.FollowupFraction), 1), orderGrains.Phases[1].OfferedRate, 0.2);
        Assert.True(report.InvariantsHold, log.ToString());
    }
}
