using System.Globalization;

namespace OrderGrains.LoadTests.Metrics;

/// <summary>
/// The whole machine's CPU time as Linux counts it in <c>/proc/stat</c>: busy is every state but idle and iowait. A
/// phase's figure is the difference of two readings. With the load generator, the host and PostgreSQL on one machine it
/// is what the orders cost all of them together, the figure to hold against the machine's budget (cores ÷ offered rate).
/// </summary>
internal readonly record struct MachineCpu(long BusyTicks, long TotalTicks)
{
    private const string StatPath = "/proc/stat";

    /// <summary>The counters now; null where <c>/proc/stat</c> cannot be read (not Linux).</summary>
    public static MachineCpu? Now()
    {
        try
        {
            using var reader = new StreamReader(StatPath);
            return Parse(reader.ReadLine());
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>The aggregate <c>cpu</c> line: user nice system idle iowait irq softirq steal (guest time is inside user).</summary>
    public static MachineCpu? Parse(string? line)
    {
        var fields = line?.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (fields is not { Length: >= 9 } || fields[0] != "cpu")
        {
            return null;
        }

        var ticks = new long[8];
        for (var i = 0; i < ticks.Length; i++)
        {
            if (!long.TryParse(fields[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out ticks[i]))
            {
                return null;
            }
        }

        var total = ticks.Sum();
        return new MachineCpu(total - ticks[3] - ticks[4], total);
    }

    /// <summary>
    /// The share of the machine that was busy between two readings, and the CPU seconds that is over
    /// <paramref name="elapsed"/> on <paramref name="cores"/> cores.
    /// </summary>
    public static (double Busy, double CpuSeconds)? Between(MachineCpu? before, MachineCpu? after, TimeSpan elapsed, int cores)
    {
        if (before is not { } b || after is not { } a || a.TotalTicks <= b.TotalTicks)
        {
            return null;
        }

        var busy = (double)(a.BusyTicks - b.BusyTicks) / (a.TotalTicks - b.TotalTicks);
        return (busy, busy * elapsed.TotalSeconds * cores);
    }
}
