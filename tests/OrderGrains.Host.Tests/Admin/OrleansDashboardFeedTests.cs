using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OrderGrains.Host.Operations;

namespace OrderGrains.Host.Tests.Admin;

/// <summary>Orleans' dashboard samples its counters at the configured interval, and the counters still reach it.</summary>
public sealed class OrleansDashboardFeedTests
{
    private const string Token = "orleans-dashboard-feed-0123456789";

    [Fact]
    public async Task The_dashboard_samples_counters_every_five_seconds_unless_configured()
    {
        await using var host = await TestHost.StartAsync(null, AdminSettings());

        Assert.Equal(OrleansDashboardWiring.DefaultCounterUpdateIntervalMs, SampledEvery(host));
    }

    [Fact]
    public async Task A_configured_interval_is_the_one_the_dashboard_samples_at_and_its_counters_arrive()
    {
        await using var host = await TestHost.StartAsync(null, [.. AdminSettings(), "--OrderGrains:Dashboard:CounterUpdateIntervalMs=1000"]);
        Assert.Equal(1000, SampledEvery(host));

        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{host.AdminPort}/"), Timeout = TimeSpan.FromSeconds(30) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        var silo = host.Services.GetRequiredService<ILocalSiloDetails>().SiloAddress.ToParsableString();
        JsonArray counters = [];
        for (var attempt = 0; attempt < 40 && counters.Count == 0; attempt++)
        {
            await Task.Delay(250);
            counters = JsonNode.Parse(await http.GetStringAsync($"admin/orleans/SiloCounters/{Uri.EscapeDataString(silo)}"))!.AsArray();
        }

        Assert.Contains(counters, c => ((string?)c!["name"])?.StartsWith("orleans", StringComparison.OrdinalIgnoreCase) == true);
    }

    private static string[] AdminSettings() =>
    [
        $"--OrderGrains:Admin:Tokens:0:Token={Token}",
        "--OrderGrains:Admin:Tokens:0:Name=orleans-feed",
        "--OrderGrains:Admin:Tokens:0:Role=viewer",
    ];

    // The dashboard's own host, registered once, with the interval its OpenTelemetry reader was built with.
    private static int SampledEvery(TestHost host)
    {
        var (type, interval) = OrleansDashboardWiring.DashboardHost()
            ?? throw new InvalidOperationException("Orleans' dashboard has no DashboardHost with an interval property any more.");
        var hosted = Assert.Single(host.Services.GetServices<IHostedService>(), s => s.GetType() == type);
        Assert.Same(host.Services.GetRequiredService(type), hosted);
        return (int)interval.GetValue(hosted)!;
    }
}
