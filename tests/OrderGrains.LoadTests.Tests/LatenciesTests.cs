using OrderGrains.LoadTests.Metrics;

namespace OrderGrains.LoadTests.Tests;

/// <summary>The load tool's latencies on HdrHistogram: the accuracy the report relies on, against exact percentiles.</summary>
public sealed class LatenciesTests
{
    [Fact]
    public void Empty_histogram_reports_zero_everywhere()
    {
        var histogram = Latencies.NewHistogram();

        Assert.Equal(0, histogram.TotalCount);
        Assert.Equal(0, histogram.ValueAt(50));
        Assert.Equal(0, histogram.ValueAt(99.9));
        Assert.Equal(0, histogram.Max());
        Assert.Equal(0, histogram.Mean());
    }

    [Fact]
    public void Values_below_the_sub_bucket_count_are_exact()
    {
        var histogram = Latencies.NewHistogram();
        for (var v = 0; v < 256; v++)
        {
            histogram.RecordMicros(v);
        }

        Assert.Equal(127, histogram.ValueAt(50));
        Assert.Equal(253, histogram.ValueAt(99));
        Assert.Equal(255, histogram.ValueAt(100));
        Assert.Equal(255, histogram.Max());
    }

    [Theory]
    [InlineData(50.0)]
    [InlineData(90.0)]
    [InlineData(99.0)]
    [InlineData(99.9)]
    public void Percentiles_of_a_million_uniform_values_are_within_one_percent(double percentile)
    {
        var histogram = Latencies.NewHistogram();
        for (var v = 1; v <= 1_000_000; v++)
        {
            histogram.RecordMicros(v);
        }

        var expected = percentile / 100 * 1_000_000;
        var actual = histogram.ValueAt(percentile);
        Assert.InRange(actual, expected, expected * 1.01);
    }

    [Fact]
    public void Percentiles_of_a_skewed_distribution_match_the_sorted_samples()
    {
        var random = new Random(7);
        var samples = Enumerable.Range(0, 200_000).Select(_ => (long)(Math.Exp(random.NextDouble() * 14) * 10)).ToArray();
        var histogram = Latencies.NewHistogram();
        foreach (var sample in samples)
        {
            histogram.RecordMicros(sample);
        }

        Array.Sort(samples);
        foreach (var percentile in new[] { 50.0, 90.0, 99.0, 99.9 })
        {
            var exact = samples[(int)Math.Ceiling(percentile / 100 * samples.Length) - 1];
            var reported = histogram.ValueAt(percentile);
            Assert.InRange(reported, exact, Math.Max(exact + 1, exact * 1.008));
        }

        Assert.InRange(histogram.Max(), samples[^1], samples[^1] * 1.008);
        Assert.InRange(histogram.Mean(), samples.Average() * 0.992, samples.Average() * 1.008);
    }

    [Fact]
    public void Max_is_within_the_precision_and_caps_the_top_percentile()
    {
        var histogram = Latencies.NewHistogram();
        histogram.RecordMicros(1_234_567);
        histogram.RecordMicros(300);
        histogram.RecordMicros(98_765_432);

        Assert.InRange(histogram.Max(), 98_765_432, 98_765_432 * 1.008);
        Assert.Equal(histogram.Max(), histogram.ValueAt(100));
        Assert.InRange(histogram.ValueAt(0), 300, 300 * 1.008);
        Assert.Equal(3, histogram.TotalCount);
    }

    [Fact]
    public void Values_outside_the_range_are_clamped_and_still_counted()
    {
        var histogram = Latencies.NewHistogram();
        histogram.RecordMicros(-5);
        histogram.RecordMicros(Latencies.HighestMicros * 10);

        Assert.Equal(2, histogram.TotalCount);
        Assert.Equal(0, histogram.ValueAt(50));
        Assert.InRange(histogram.Max(), Latencies.HighestMicros, Latencies.HighestMicros * 1.008);
    }

    [Fact]
    public async Task Concurrent_recording_loses_no_counts()
    {
        var histogram = Latencies.NewHistogram();
        await Task.WhenAll(Enumerable.Range(0, 8).Select(t => Task.Run(() =>
        {
            for (var i = 0; i < 100_000; i++)
            {
                histogram.RecordMicros((t * 1_000) + (i % 1_000));
            }
        })));

        Assert.Equal(800_000, histogram.TotalCount);
        Assert.Equal(7_999, histogram.ValueAt(100), (double)7_999 * 0.008);
    }
}
