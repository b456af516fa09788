using OrderGrains.LoadTests.Metrics;

namespace OrderGrains.LoadTests.Tests;

public sealed class LatencyHistogramTests
{
    [Fact]
    public void Empty_histogram_reports_zero_everywhere()
    {
        var histogram = new LatencyHistogram();

        Assert.Equal(0, histogram.Count);
        Assert.Equal(0, histogram.ValueAtPercentile(50));
        Assert.Equal(0, histogram.ValueAtPercentile(99.9));
        Assert.Equal(0, histogram.Max);
        Assert.Equal(0, histogram.Min);
    }

    [Fact]
    public void Values_below_the_sub_bucket_count_are_exact()
    {
        var histogram = new LatencyHistogram();
        for (var v = 0; v < 256; v++)
        {
            histogram.Record(v);
        }

        Assert.Equal(127, histogram.ValueAtPercentile(50));
        Assert.Equal(253, histogram.ValueAtPercentile(99));
        Assert.Equal(255, histogram.ValueAtPercentile(100));
        Assert.Equal(0, histogram.Min);
    }

    [Theory]
    [InlineData(50.0)]
    [InlineData(90.0)]
    [InlineData(99.0)]
    [InlineData(99.9)]
    public void Percentiles_of_a_million_uniform_values_are_within_one_percent(double percentile)
    {
        var histogram = new LatencyHistogram();
        for (var v = 1; v <= 1_000_000; v++)
        {
            histogram.Record(v);
        }

        var expected = percentile / 100 * 1_000_000;
        var actual = histogram.ValueAtPercentile(percentile);
        Assert.InRange(actual, expected, expected * 1.01);
    }

    [Fact]
    public void Percentiles_of_a_skewed_distribution_match_the_sorted_samples()
    {
        var random = new Random(7);
        var samples = Enumerable.Range(0, 200_000).Select(_ => (long)(Math.Exp(random.NextDouble() * 14) * 10)).ToArray();
        var histogram = new LatencyHistogram();
        foreach (var sample in samples)
        {
            histogram.Record(sample);
        }

        Array.Sort(samples);
        foreach (var percentile in new[] { 50.0, 90.0, 99.0, 99.9 })
        {
            var exact = samples[(int)Math.Ceiling(percentile / 100 * samples.Length) - 1];
            var reported = histogram.ValueAtPercentile(percentile);
            Assert.InRange(reported, exact, Math.Max(exact + 1, exact * 1.008));
        }
    }

    [Fact]
    public void Max_and_min_are_exact_and_cap_the_top_percentile()
    {
        var histogram = new LatencyHistogram();
        histogram.Record(1_234_567);
        histogram.Record(300);
        histogram.Record(98_765_432_109);

        Assert.Equal(98_765_432_109, histogram.Max);
        Assert.Equal(300, histogram.Min);
        Assert.Equal(98_765_432_109, histogram.ValueAtPercentile(100));
        Assert.Equal(3, histogram.Count);
    }

    [Fact]
    public void Negative_values_count_as_zero()
    {
        var histogram = new LatencyHistogram();
        histogram.Record(-5);

        Assert.Equal(1, histogram.Count);
        Assert.Equal(0, histogram.Max);
    }

    [Fact]
    public void Merging_equals_recording_everything_into_one()
    {
        var random = new Random(11);
        var a = new LatencyHistogram();
        var b = new LatencyHistogram();
        var all = new LatencyHistogram();
        for (var i = 0; i < 50_000; i++)
        {
            var value = random.NextInt64(0, 10_000_000);
            (i % 3 == 0 ? a : b).Record(value);
            all.Record(value);
        }

        a.Merge(b);

        Assert.Equal(all.Count, a.Count);
        Assert.Equal(all.Max, a.Max);
        Assert.Equal(all.Min, a.Min);
        Assert.Equal(all.Mean, a.Mean, precision: 6);
        foreach (var percentile in new[] { 0.0, 10, 50, 90, 99, 99.9, 100 })
        {
            Assert.Equal(all.ValueAtPercentile(percentile), a.ValueAtPercentile(percentile));
        }
    }

    [Fact]
    public void Bucket_layout_is_monotonic_and_every_bucket_is_at_most_one_128th_wide()
    {
        var previous = -1;
        for (long v = 0; v < 5_000_000; v += 1 + (v / 300))
        {
            var index = LatencyHistogram.IndexOf(v);
            Assert.True(index >= previous, $"index of {v} went backwards");
            var highest = LatencyHistogram.HighestEquivalent(index);
            Assert.True(highest >= v, $"bucket of {v} ends at {highest}");
            Assert.True(highest - v <= Math.Max(0, v / 128.0), $"bucket of {v} is too wide: ends at {highest}");
            previous = index;
        }
    }

    [Fact]
    public async Task Concurrent_recording_loses_no_counts()
    {
        var histogram = new LatencyHistogram();
        await Task.WhenAll(Enumerable.Range(0, 8).Select(t => Task.Run(() =>
        {
            for (var i = 0; i < 100_000; i++)
            {
                histogram.Record((t * 1_000) + (i % 1_000));
            }
        })));

        Assert.Equal(800_000, histogram.Count);
        Assert.Equal(7_999, histogram.Max);
    }
}
