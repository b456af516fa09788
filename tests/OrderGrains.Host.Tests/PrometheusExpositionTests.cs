using System.Diagnostics.Metrics;
using OrderGrains.Host.Telemetry;

namespace OrderGrains.Host.Tests;

/// <summary>The exposition writer on its own, fed by Meters of the test's own (OrderGrains-prefixed) name.</summary>
public sealed class PrometheusExpositionTests
{
    [Fact]
    public void Label_values_are_escaped_and_names_sanitised()
    {
        using var meter = new Meter("OrderGrains.Tests.Exposition." + Guid.NewGuid().ToString("N"));
        using var exposition = new PrometheusExposition(meter.Name);
        var counter = meter.CreateCounter<long>("ordergrains.test.odd-name.events", description: "Line one\nback\\slash");

        counter.Add(2, new KeyValuePair<string, object?>("reason.code", "say \"hi\"\\n\nnext"));
        counter.Add(3, new KeyValuePair<string, object?>("reason.code", "say \"hi\"\\n\nnext"));

        var text = exposition.Render();
        Assert.Equal(
            "# HELP ordergrains_test_odd_name_events_total Line one\\nback\\\\slash\n" +
            "# TYPE ordergrains_test_odd_name_events_total counter\n" +
            "ordergrains_test_odd_name_events_total{reason_code=\"say \\\"hi\\\"\\\\n\\nnext\"} 5\n",
            text);
        var parsed = PrometheusText.Parse(text);
        Assert.Equal("say \"hi\"\\n\nnext", Assert.Single(parsed.Samples).Label("reason_code"));
    }

    [Fact]
    public void Histogram_buckets_are_cumulative_with_inclusive_upper_bounds_and_inf_equal_to_the_count()
    {
        using var meter = new Meter("OrderGrains.Tests.Exposition." + Guid.NewGuid().ToString("N"));
        using var exposition = new PrometheusExposition(meter.Name);
        var histogram = meter.CreateHistogram("ordergrains.test.size", unit: null, description: null, tags: null,
            advice: new InstrumentAdvice<int> { HistogramBucketBoundaries = [1, 5, 10] });

        foreach (var value in (int[])[0, 1, 3, 5, 7, 10, 11, 500])
        {
            histogram.Record(value, new KeyValuePair<string, object?>("provider", "sqlite"));
        }

        Assert.Equal(
            "# TYPE ordergrains_test_size histogram\n" +
            "ordergrains_test_size_bucket{provider=\"sqlite\",le=\"1\"} 2\n" +
            "ordergrains_test_size_bucket{provider=\"sqlite\",le=\"5\"} 4\n" +
            "ordergrains_test_size_bucket{provider=\"sqlite\",le=\"10\"} 6\n" +
            "ordergrains_test_size_bucket{provider=\"sqlite\",le=\"+Inf\"} 8\n" +
            "ordergrains_test_size_sum{provider=\"sqlite\"} 537\n" +
            "ordergrains_test_size_count{provider=\"sqlite\"} 8\n",
            exposition.Render());
    }

    [Fact]
    public void Gauges_up_down_counters_and_observable_instruments_report_their_current_values()
    {
        using var meter = new Meter("OrderGrains.Tests.Exposition." + Guid.NewGuid().ToString("N"));
        using var exposition = new PrometheusExposition(meter.Name);
        var depth = 7;
        meter.CreateObservableGauge("ordergrains.test.depth", () => new Measurement<int>(depth, new KeyValuePair<string, object?>("grain_type", "order")));
        meter.CreateObservableCounter("ordergrains.test.calls", () => 42L);
        var inFlight = meter.CreateUpDownCounter<int>("ordergrains.test.in_flight");
        inFlight.Add(5);
        inFlight.Add(-2);

        var first = PrometheusText.Parse(exposition.Render());
        depth = 3;
        var second = PrometheusText.Parse(exposition.Render());

        Assert.Equal("gauge", first.Families["ordergrains_test_depth"]);
        Assert.Equal(7, first.Named("ordergrains_test_depth").Single().Value);
        Assert.Equal(3, second.Named("ordergrains_test_depth").Single().Value);
        Assert.Equal("counter", first.Families["ordergrains_test_calls_total"]);
        Assert.Equal(42, second.Named("ordergrains_test_calls_total").Single().Value);
        Assert.Equal("gauge", first.Families["ordergrains_test_in_flight"]);
        Assert.Equal(3, second.Named("ordergrains_test_in_flight").Single().Value);
    }

    [Fact]
    public void Meters_outside_the_prefix_are_not_exposed()
    {
        using var meter = new Meter("Elsewhere.Tests." + Guid.NewGuid().ToString("N"));
        using var exposition = new PrometheusExposition("OrderGrains.Tests.Nothing." + Guid.NewGuid().ToString("N"));
        meter.CreateCounter<long>("elsewhere.count").Add(1);

        Assert.Equal(string.Empty, exposition.Render());
    }

    [Theory]
    [InlineData("ordergrains.runtime.grain_calls", "ordergrains_runtime_grain_calls")]
    [InlineData("9lives", "_9lives")]
    [InlineData("a:b-c d", "a:b_c_d")]
    public void Names_are_sanitised_for_prometheus(string name, string expected) =>
        Assert.Equal(expected, PrometheusExposition.SanitizeName(name));
}
