using OrderGrains.LoadTests.Metrics;

namespace OrderGrains.LoadTests.Tests;

/// <summary>The load tool's read-model lag probe against an in-process host on SQLite (no load: only that it reads and reports).</summary>
public sealed class ReadModelLagProbeTests
{
    [Fact]
    public async Task Probe_reads_the_lag_with_the_hosts_admin_token_and_reports_the_catch_up()
    {
        var options = new LoadTestOptions { Scenario = "steady", Progress = false };
        await using var host = await InProcessHost.StartAsync(options, "probe" + Guid.NewGuid().ToString("N")[..8]);
        await using var probe = ReadModelLagProbe.Start(host.AdminAddress, host.AdminToken);
        // The first sample's request may wait on a busy machine (CI once saw none within 1.5 s): wait for it, boundedly.
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (probe.Samples == 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }

        using var log = new StringWriter();

        await probe.ReportAsync(log, CancellationToken.None);

        var line = log.ToString();
        Assert.StartsWith("read model: max lag ", line, StringComparison.Ordinal);
        Assert.Contains("caught up", line, StringComparison.Ordinal);
        var samples = System.Text.RegularExpressions.Regex.Match(line, @"(\d+) samples");
        Assert.True(samples.Success && int.Parse(samples.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) > 0, line);
    }
}
