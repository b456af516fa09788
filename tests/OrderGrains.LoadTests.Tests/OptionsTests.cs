namespace OrderGrains.LoadTests.Tests;

public sealed class OptionsTests
{
    [Fact]
    public void Switches_parse_in_both_spellings()
    {
        var options = LoadTestOptions.Parse(["--scenario", "steady", "--rate=2500", "--duration-seconds", "3", "--host-setting", "OrderGrains:Admission:MaxInFlight=64"]);

        Assert.Equal("steady", options.Scenario);
        Assert.Equal(2_500, options.Rate);
        Assert.Equal(3, options.DurationSeconds);
        Assert.Equal("--OrderGrains:Admission:MaxInFlight=64", Assert.Single(options.HostSettings));
    }

    [Fact]
    public void An_unknown_scenario_is_refused_with_the_valid_ones_named()
    {
        var error = Assert.Throws<ArgumentException>(() => LoadTestOptions.Parse(["--scenario", "black-friday"]));

        Assert.Contains("flash-sale, steady or expiry", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_same_seed_plans_the_same_schedule()
    {
        var options = LoadTestOptions.Parse(["--scenario", "steady", "--rate", "200", "--duration-seconds", "2", "--skus", "50", "--customers", "100"]);

        var first = Scenarios.ScenarioPlanner.Create(options, "r1");
        var second = Scenarios.ScenarioPlanner.Create(options, "r1");

        Assert.Equal(400, first.Phases.Sum(p => p.Orders.Count));
        Assert.Equal(1_000, first.Warmup!.Orders.Count);
        Assert.Equal(first.AllOrders.Select(o => (o.DueMicros, o.CustomerId, o.Lines.Count, o.FollowUp)), second.AllOrders.Select(o => (o.DueMicros, o.CustomerId, o.Lines.Count, o.FollowUp)));
        Assert.All(first.AllOrders, o => Assert.Equal(o.Lines.Count, o.Lines.Select(l => l.Sku).Distinct().Count()));
    }
}
