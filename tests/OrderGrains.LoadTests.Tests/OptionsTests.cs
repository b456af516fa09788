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
    public void A_remote_target_takes_https_a_ca_file_and_a_token_file()
    {
        var directory = Path.Combine(Path.GetTempPath(), "ordergrains-loadtests-options-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        try
        {
            var ca = Path.Combine(directory, "ca.pem");
            var tokenFile = Path.Combine(directory, "caller-token");
            File.WriteAllText(ca, "-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n");
            File.WriteAllText(tokenFile, "0123456789abcdef0123\n");

            var options = LoadTestOptions.Parse(["--target", "https://oms.example:7070", "--ca", ca, "--token-file", tokenFile]);

            Assert.Equal("https", options.Target!.Scheme);
            Assert.Equal(ca, options.Ca);
            Assert.Equal(Environment.GetEnvironmentVariable("ORDERGRAINS_TOKEN") is { Length: > 0 } env ? env : "0123456789abcdef0123", options.CallerToken());
            Assert.Throws<ArgumentException>(() => LoadTestOptions.Parse(["--target", "ftp://oms.example:7070"]));
            Assert.Throws<ArgumentException>(() => LoadTestOptions.Parse(["--ca", Path.Combine(directory, "missing.pem")]));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void An_unknown_scenario_is_refused_with_the_valid_ones_named()
    {
        var error = Assert.Throws<ArgumentException>(() => LoadTestOptions.Parse(["--scenario", "black-friday"]));

        Assert.Contains("flash-sale, steady, expiry or failover", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_target_list_spreads_over_every_endpoint_and_turns_re_sends_on()
    {
        var options = LoadTestOptions.Parse(["--target", "http://127.0.0.1:7070, http://127.0.0.1:7080,http://127.0.0.1:7090"]);

        Assert.Equal([7070, 7080, 7090], options.Targets.Select(t => t.Port));
        Assert.Equal(7070, options.Target!.Port);
        Assert.Equal(60, options.EffectiveRetries);
        Assert.Equal(0, LoadTestOptions.Parse(["--target", "http://127.0.0.1:7070"]).EffectiveRetries);
        Assert.Equal(3, LoadTestOptions.Parse(["--target", "http://127.0.0.1:7070,http://127.0.0.1:7080", "--retries", "3"]).EffectiveRetries);
        Assert.Throws<ArgumentException>(() => LoadTestOptions.Parse(["--target", "http://127.0.0.1:7070,ftp://127.0.0.1:7080"]));
    }

    [Fact]
    public void Failover_defaults_to_a_sale_still_selling_at_the_kill_and_checks_its_switches()
    {
        var options = LoadTestOptions.Parse(["--scenario", "failover", "--postgres", "Host=127.0.0.1"]);

        Assert.Equal((3, 10.0, 2, 200.0, 30.0, 3_600), (options.Silos, options.KillAtSeconds, options.EffectiveKillSilo, options.Rate, options.DurationSeconds, options.Units));
        var none = LoadTestOptions.Parse(["--scenario", "failover", "--postgres", "Host=127.0.0.1", "--silos", "1", "--kill-at-seconds", "none", "--rate", "100", "--duration-seconds", "5"]);
        Assert.Equal((0.0, 300), (none.KillAtSeconds, none.Units));
        Assert.Throws<ArgumentException>(() => LoadTestOptions.Parse(["--scenario", "failover", "--postgres", "Host=127.0.0.1", "--silos", "1"]));
        Assert.Throws<ArgumentException>(() => LoadTestOptions.Parse(["--scenario", "failover", "--postgres", "Host=127.0.0.1", "--kill-silo", "3"]));
        Assert.Throws<ArgumentException>(() => LoadTestOptions.Parse(["--scenario", "failover", "--postgres", "Host=127.0.0.1", "--target", "http://127.0.0.1:7070"]));
        Assert.Throws<ArgumentException>(() => LoadTestOptions.Parse(["--scenario", "failover", "--postgres", "", "--silos", "2"]));
        Assert.True(LoadTestOptions.Parse(["--scenario", "failover", "--postgres", "Host=127.0.0.1", "--kill-silo", "hot"]).KillHotSilo);
        Assert.Throws<ArgumentException>(() => LoadTestOptions.Parse(["--scenario", "failover", "--postgres", "Host=127.0.0.1", "--kill-silo", "hot", "--mix", "steady"]));
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
