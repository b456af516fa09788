using System.Diagnostics.Metrics;
using System.Net;
using Microsoft.AspNetCore.Http;
using OrderGrains.Host.Telemetry;

namespace OrderGrains.Host.Tests;

/// <summary>
/// The host's <c>/metrics</c> (OpenTelemetry's Prometheus exporter) read back with the strict parser, fed by Meters of
/// the test's own name: a name under OrderGrains.* is exported like ours, any other is not.
/// </summary>
[Collection(ReadsProcessMetrics.Name)]
public sealed class PrometheusExpositionTests(PrometheusExpositionTests.HostFixture fixture) : IClassFixture<PrometheusExpositionTests.HostFixture>
{
    [Fact]
    public async Task Label_values_are_escaped_and_names_sanitised()
    {
        using var meter = NewMeter();
        var counter = meter.CreateCounter<long>("ordergrains.test.odd-name.events", unit: null, description: "Line one\nback\\slash");

        counter.Add(2, new KeyValuePair<string, object?>("reason.code", "say \"hi\"\\n\nnext"));
        counter.Add(3, new KeyValuePair<string, object?>("reason.code", "say \"hi\"\\n\nnext"));

        var text = await ScrapeAsync();
        Assert.Equal(
            [
                "# TYPE ordergrains_test_odd_name_events_total counter",
                "# HELP ordergrains_test_odd_name_events_total Line one\\nback\\\\slash",
                $"ordergrains_test_odd_name_events_total{{otel_scope_name=\"{meter.Name}\",reason_code=\"say \\\"hi\\\"\\\\n\\nnext\"}} 5",
            ],
            FamilyLines(text, "ordergrains_test_odd_name_events_total"));
        var sample = Assert.Single(PrometheusText.Parse(text).Named("ordergrains_test_odd_name_events_total"), s => s.Label("otel_scope_name") == meter.Name);
        Assert.Equal("say \"hi\"\\n\nnext", sample.Label("reason_code"));
    }

    [Fact]
    public async Task Histogram_buckets_are_cumulative_with_inclusive_upper_bounds_and_inf_equal_to_the_count()
    {
        using var meter = NewMeter();
        var histogram = meter.CreateHistogram("ordergrains.test.size", unit: null, description: null, tags: null,
            advice: new InstrumentAdvice<int> { HistogramBucketBoundaries = [1, 5, 10] });

        foreach (var value in (int[])[0, 1, 3, 5, 7, 10, 11, 500])
        {
            histogram.Record(value, new KeyValuePair<string, object?>("provider", "sqlite"));
        }

        var metrics = PrometheusText.Parse(await ScrapeAsync());
        Assert.Equal("histogram", metrics.Families["ordergrains_test_size"]);
        var ours = metrics.Samples.Where(s => s.Label("otel_scope_name") == meter.Name && s.Label("provider") == "sqlite").ToList();
        Assert.Equal(
            [("1", 2.0), ("5", 4), ("10", 6), ("+Inf", 8)],
            ours.Where(s => s.Name == "ordergrains_test_size_bucket").Select(s => (s.Label("le"), s.Value)));
        Assert.Equal(537, ours.Single(s => s.Name == "ordergrains_test_size_sum").Value);
        Assert.Equal(8, ours.Single(s => s.Name == "ordergrains_test_size_count").Value);
    }

    [Fact]
    public async Task Gauges_up_down_counters_and_observable_instruments_report_their_current_values()
    {
        using var meter = NewMeter();
        var depth = 7;
        meter.CreateObservableGauge("ordergrains.test.depth", () => new Measurement<int>(depth, new KeyValuePair<string, object?>("grain_type", "order")));
        meter.CreateObservableCounter("ordergrains.test.calls", () => 42L);
        var inFlight = meter.CreateUpDownCounter<int>("ordergrains.test.in_flight");
        inFlight.Add(5);
        inFlight.Add(-2);

        var first = PrometheusText.Parse(await ScrapeAsync());
        depth = 3;
        var second = PrometheusText.Parse(await ScrapeAsync());

        double Value(PrometheusText scrape, string name) => scrape.Named(name).Single(s => s.Label("otel_scope_name") == meter.Name).Value;
        Assert.Equal("gauge", first.Families["ordergrains_test_depth"]);
        Assert.Equal(7, Value(first, "ordergrains_test_depth"));
        Assert.Equal(3, Value(second, "ordergrains_test_depth"));
        Assert.Equal("counter", first.Families["ordergrains_test_calls_total"]);
        Assert.Equal(42, Value(second, "ordergrains_test_calls_total"));
        Assert.Equal("gauge", first.Families["ordergrains_test_in_flight"]);
        Assert.Equal(3, Value(second, "ordergrains_test_in_flight"));
    }

    [Fact]
    public async Task Meters_outside_our_sources_are_not_exposed()
    {
        using var meter = new Meter("Elsewhere.Tests." + Guid.NewGuid().ToString("N"));
        meter.CreateCounter<long>("elsewhere.count").Add(1);

        var metrics = PrometheusText.Parse(await ScrapeAsync());

        Assert.DoesNotContain(metrics.Samples, s => s.Label("otel_scope_name") == meter.Name);
        Assert.DoesNotContain(metrics.Families.Keys, name => name.StartsWith("elsewhere", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("ordergrains.test.grain_calls", "{call}", "counter", "ordergrains_test_grain_calls_total")]
    [InlineData("ordergrains.test.batch_duration", "ms", "histogram", "ordergrains_test_batch_duration_milliseconds")]
    [InlineData("ordergrains.test.lag", "s", "histogram", "ordergrains_test_lag_seconds")]
    [InlineData("ordergrains.test.odd-name/x", null, "gauge", "ordergrains_test_odd_name_x")]
    [InlineData("ordergrains.test.size", "By", "gauge", "ordergrains_test_size_bytes")]
    public async Task Names_follow_the_exporters_rules_for_units_and_counters(string instrument, string? unit, string kind, string expected)
    {
        using var meter = NewMeter();
        switch (kind)
        {
            case "counter":
                meter.CreateCounter<long>(instrument, unit).Add(1);
                break;
            case "histogram":
                meter.CreateHistogram<double>(instrument, unit).Record(1);
                break;
            default:
                meter.CreateUpDownCounter<long>(instrument, unit).Add(1);
                break;
        }

        var metrics = PrometheusText.Parse(await ScrapeAsync());

        Assert.Equal(kind, metrics.Families[expected]);
        Assert.Contains(metrics.Samples, s => s.Label("otel_scope_name") == meter.Name && s.Name.StartsWith(expected, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("10.1.2.3", false, HttpStatusCode.Forbidden, false)]
    [InlineData("127.0.0.1", false, HttpStatusCode.OK, true)]
    [InlineData("10.1.2.3", true, HttpStatusCode.OK, true)]
    public async Task The_guard_in_front_of_the_exporter_refuses_remote_callers_unless_allowed(string address, bool allowRemote, HttpStatusCode status, bool exporterReached)
    {
        var context = new DefaultHttpContext();
        context.Connection.RemoteIpAddress = IPAddress.Parse(address);
        var reached = false;

        await MetricsAccess.Guard(allowRemote)(context, _ =>
        {
            reached = true;
            return Task.CompletedTask;
        });

        Assert.Equal((int)status, context.Response.StatusCode);
        Assert.Equal(exporterReached, reached);
    }

    private static Meter NewMeter() => new("OrderGrains.Tests.Exposition." + Guid.NewGuid().ToString("N"));

    /// <summary>The TYPE, HELP and sample lines of one family, in the order written, with this test's meter only (other tests' meters share the host).</summary>
    private static List<string> FamilyLines(string text, string family) =>
        [.. text.Split('\n').Where(line => line.StartsWith("# TYPE " + family + " ", StringComparison.Ordinal)
            || line.StartsWith("# HELP " + family + " ", StringComparison.Ordinal)
            || (line.StartsWith(family + "{", StringComparison.Ordinal) && line.Contains("OrderGrains.Tests.Exposition.", StringComparison.Ordinal)))];

    private async Task<string> ScrapeAsync()
    {
        using var http = new HttpClient();
        using var response = await http.GetAsync(new Uri($"http://127.0.0.1:{fixture.Host.AdminPort}/metrics"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsStringAsync();
    }

    /// <summary>One real host for the class: its meter provider picks up every OrderGrains.* Meter, the tests' too.</summary>
    public sealed class HostFixture : IAsyncLifetime
    {
        private TestHost? _host;

        public TestHost Host => _host ?? throw new InvalidOperationException("The host is not started.");

        public async Task InitializeAsync() => _host = await TestHost.StartAsync();

        public async Task DisposeAsync()
        {
            if (_host is not null)
            {
                await _host.DisposeAsync();
            }
        }
    }
}
