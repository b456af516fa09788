using OrderGrains.LoadTests.Reporting;
using OrderGrains.Testing;

namespace OrderGrains.LoadTests.Tests;

/// <summary>The CI-sized load test: a real flash sale through the real host on PostgreSQL, then every invariant checked through the API.</summary>
[Collection(LoadRunCollection.Name)]
public sealed class FlashSaleLoadTestTests
{
    [Fact]
    public async Task Two_thousand_buyers_for_three_hundred_units_buy_exactly_three_hundred_and_the_report_is_written()
    {
        using var results = new ResultsDirectory();
        var options = new LoadTestOptions
        {
            Scenario = "flash-sale",
            Postgres = TestStorage.PostgresConnectionString,
            Buyers = 2_000,
            Units = 300,
            Warehouses = 2,
            PerCustomerLimit = 1,
            ArrivalSeconds = 1,
            ResultsDirectory = results.Path,
            Progress = false,
            CallTimeout = TimeSpan.FromSeconds(40),
        };
        using var log = new StringWriter();
        var report = await LoadTestRunner.RunAsync(options, log, "test", CancellationToken.None);

        Assert.True(report.InvariantsHold, log.ToString());
        var orderGrains = Assert.Single(report.Targets, t => t.Name == "ordergrains");
        var phase = Assert.Single(orderGrains.Phases);
        Assert.Equal(300, phase.Accepted);
        Assert.Equal(1_700, phase.Rejected);
        Assert.Equal(0, phase.Errors + phase.Throttled);
        Assert.Equal(300, orderGrains.Phases.Sum(p => p.AcceptedLatency.Count));
        var baseline = Assert.Single(report.Targets, t => t.Name == "baseline");
        Assert.Equal(300, baseline.Phases[0].Accepted);
        Assert.Single(report.Ratios);
        // The ceiling: the same 2,000 requests to the echo RPC, every one answered, and PlaceOrder's rate read against it.
        var ceiling = Assert.IsType<CeilingReport>(report.Ceiling);
        Assert.Equal(2_000, ceiling.EchoCalls);
        Assert.Equal(0, ceiling.EchoErrors);
        Assert.True(ceiling.EchoCallsPerSecond > 0, log.ToString());
        Assert.Equal(Math.Round(phase.CompletedPerSecond / ceiling.EchoCallsPerSecond, 3), ceiling.Fraction);
        Assert.True(File.Exists(report.JsonPath));
        var html = await File.ReadAllTextAsync(report.HtmlPath!);
        Assert.Contains("<svg", html, StringComparison.Ordinal);
        Assert.Contains("OrderGrains ÷ baseline", html, StringComparison.Ordinal);
        Assert.Contains("of the ceiling", html, StringComparison.Ordinal);
        Assert.DoesNotContain("http://cdn", html, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("\"invariantsHold\": true", await File.ReadAllTextAsync(report.JsonPath!), StringComparison.Ordinal);
    }

    [Fact]
    public void Report_latency_summary_reads_percentiles_in_milliseconds()
    {
        var histogram = Metrics.Latencies.NewHistogram();
        for (var v = 1; v <= 1_000; v++)
        {
            Metrics.Latencies.RecordMicros(histogram, v * 1_000);
        }

        var summary = LatencySummary.From(histogram);

        Assert.InRange(summary.P50Ms, 500, 505);
        Assert.InRange(summary.P99Ms, 990, 1_000);
        Assert.InRange(summary.MaxMs, 1_000, 1_008);
    }
}
