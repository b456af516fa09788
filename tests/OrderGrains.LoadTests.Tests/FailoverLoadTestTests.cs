using Npgsql;
using OrderGrains.Testing;

namespace OrderGrains.LoadTests.Tests;

/// <summary>
/// Issue 11, CI size: the failover scenario starts two real host processes on PostgreSQL, SIGKILLs the one hosting the
/// hot SKU's pool (the last one if it cannot tell) in the middle of a flash sale and keeps the load on; the invariants must hold through the survivor and the report must carry the
/// failover figures. No timing is asserted beyond a generous bound on detection.
/// </summary>
[Collection(LoadRunCollection.Name)]
public sealed class FailoverLoadTestTests
{
    [Fact]
    public async Task Two_silo_processes_with_the_hot_skus_one_sigkilled_mid_sale_sell_exactly_the_units_and_report_the_outage()
    {
        using var results = new ResultsDirectory();
        var options = new LoadTestOptions
        {
            Scenario = "failover",
            Postgres = TestStorage.PostgresConnectionString,
            Silos = 2,
            KillAtSeconds = 3,
            KillHotSilo = true,
            Rate = 50,
            DurationSeconds = 8,
            Units = 250,
            Warehouses = 2,
            PerCustomerLimit = 1,
            WarmupOrders = 200,
            ResultsDirectory = results.Path,
            Progress = false,
            CallTimeout = TimeSpan.FromSeconds(30),
        };
        using var log = new StringWriter();
        var report = await LoadTestRunner.RunAsync(options, log, "test", CancellationToken.None);

        Assert.True(report.InvariantsHold, log.ToString());
        var orderGrains = Assert.Single(report.Targets);
        var phase = Assert.Single(orderGrains.Phases);
        Assert.Equal(250, phase.Accepted);
        Assert.Equal(400, phase.Accepted + phase.Rejected);
        Assert.Contains(orderGrains.Checks, c => c.Name.StartsWith("a re-sent (channel, external_order_id)", StringComparison.Ordinal) && c.Passed);

        var failover = Assert.IsType<Reporting.FailoverReport>(report.Failover);
        Assert.Equal(2, failover.Silos);
        var killed = Assert.IsType<int>(failover.KilledSilo);
        Assert.NotNull(failover.KilledSiloChoice);
        Assert.InRange(failover.KilledAtSeconds!.Value, 2.9, 60);
        Assert.InRange(failover.DetectionSeconds!.Value, 0, 60);

        // Orders homed on the killed silo's endpoint after the kill were refused at least once, then answered elsewhere.
        var outage = Assert.IsType<Metrics.OutageSummary>(failover.Outage);
        Assert.True(outage.AffectedKeys > 0, log.ToString());
        Assert.Equal(0, outage.NeverRecovered);
        Assert.InRange(outage.P50Ms, 0, outage.MaxMs);
        Assert.Contains("UNAVAILABLE", failover.StatusesSeen.Keys);

        // A call that met the dead silo is a retryable answer, never a bug (INTERNAL / UNKNOWN) or a wrong outcome.
        Assert.All(failover.StatusesSeen.Keys, code => Assert.Contains(code, new[] { "UNAVAILABLE", "RESOURCE_EXHAUSTED", "DEADLINE_EXCEEDED" }));
        Assert.True(failover.Resends >= outage.AffectedKeys);
        Assert.StartsWith("SIGTERM: exited", failover.SiloReports[1 - killed].Stop, StringComparison.Ordinal);
        Assert.True(failover.SiloReports[killed].Killed);

        var html = await File.ReadAllTextAsync(report.HtmlPath!);
        Assert.Contains("<h2>Failover</h2>", html, StringComparison.Ordinal);
        Assert.Contains("class=\"kill\"", html, StringComparison.Ordinal);
        var json = await File.ReadAllTextAsync(report.JsonPath!);
        Assert.Contains("\"detectionSeconds\"", json, StringComparison.Ordinal);
        Assert.Contains("\"affectedKeys\"", json, StringComparison.Ordinal);

        // The run's schemas are gone.
        await using var dataSource = NpgsqlDataSource.Create(TestStorage.PostgresConnectionString);
        await using var count = dataSource.CreateCommand("SELECT count(*) FROM pg_namespace WHERE starts_with(nspname, $1)");
        count.Parameters.Add(new NpgsqlParameter<string> { TypedValue = "lt_" + report.RunId });
        Assert.Equal(0L, (long)(await count.ExecuteScalarAsync())!);
    }
}
