using OrderGrains.LoadTests.Metrics;

namespace OrderGrains.LoadTests.Tests;

/// <summary>The machine's CPU from /proc/stat: busy is every state but idle and iowait, and a phase is two readings apart.</summary>
public sealed class MachineCpuTests
{
    [Fact]
    public void The_aggregate_line_counts_idle_and_iowait_as_not_busy_and_guest_time_once()
    {
        // user nice system idle iowait irq softirq steal guest guest_nice
        var cpu = MachineCpu.Parse("cpu  100 5 40 800 30 2 3 0 7 0");

        Assert.Equal(new MachineCpu(BusyTicks: 150, TotalTicks: 980), cpu);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("cpu0 1 2 3 4 5 6 7 8")]
    [InlineData("cpu  1 2 3")]
    [InlineData("cpu  1 2 3 4 5 6 x 8")]
    public void A_line_that_is_not_the_aggregate_counters_reads_as_unknown(string? line) =>
        Assert.Null(MachineCpu.Parse(line));

    [Fact]
    public void Between_two_readings_the_busy_share_of_the_elapsed_time_on_every_core_is_the_CPU_used()
    {
        var before = new MachineCpu(BusyTicks: 1_000, TotalTicks: 10_000);
        var after = new MachineCpu(BusyTicks: 1_750, TotalTicks: 11_000);

        var (busy, seconds) = MachineCpu.Between(before, after, TimeSpan.FromSeconds(5), cores: 2)!.Value;

        Assert.Equal(0.75, busy, 6);
        Assert.Equal(7.5, seconds, 6);
        Assert.Null(MachineCpu.Between(null, after, TimeSpan.FromSeconds(5), 2));
        Assert.Null(MachineCpu.Between(after, after, TimeSpan.FromSeconds(5), 2));
    }

    [Fact]
    public void This_machine_reads_its_counters()
    {
        // The load tests run on Linux, where /proc/stat is.
        var now = MachineCpu.Now();

        Assert.NotNull(now);
        Assert.InRange(now!.Value.BusyTicks, 1, now.Value.TotalTicks);
    }
}
