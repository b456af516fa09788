using System.Globalization;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using OrderGrains.Benchmarks;

// Filter and other BenchmarkDotNet options come from the command line: -- --filter '*GrainCall*'
var summaries = BenchmarkSwitcher.FromAssembly(typeof(GrainCallBenchmarks).Assembly).Run(args, SharedConfig.Create()).ToList();
foreach (var line in Headlines.From(summaries))
{
    Console.WriteLine(line);
}

return summaries.Any(s => s.HasCriticalValidationErrors || s.Reports.Any(r => !r.Success)) ? 1 : 0;

/// <summary>The figures, one line each, read from the summaries after the run.</summary>
internal static class Headlines
{
    public static IEnumerable<string> From(IEnumerable<Summary> summaries)
    {
        foreach (var summary in summaries)
        {
            foreach (var benchmarkCase in summary.BenchmarksCases)
            {
                if (StorageRates.OpsPerSecond(summary, benchmarkCase) is not { } rate)
                {
                    continue;
                }

                var report = summary[benchmarkCase];
                var allocated = report?.GcStats.GetBytesAllocatedPerOperation(benchmarkCase) is { } bytes
                    ? string.Create(CultureInfo.InvariantCulture, $", {bytes:N0} B allocated/op")
                    : string.Empty;
                if (benchmarkCase.Descriptor.Type == typeof(StorageWriteBenchmarks))
                {
                    var speedup = benchmarkCase.Parameters[nameof(StorageWriteBenchmarks.Commit)] is CommitMode.Grouped
                        && StorageRates.Speedup(summary, benchmarkCase) is { } ratio
                            ? string.Create(CultureInfo.InvariantCulture, $", {ratio:F2}x one tx per write")
                            : string.Empty;
                    yield return string.Create(CultureInfo.InvariantCulture,
                        $"RESULT {benchmarkCase.Parameters[nameof(StorageWriteBenchmarks.Provider)]} {benchmarkCase.Parameters[nameof(StorageWriteBenchmarks.Commit)]}: {rate:N0} durable writes/s{speedup}{allocated}");
                }
                else if (benchmarkCase.Descriptor.Type == typeof(HotGrainBenchmarks))
                {
                    var serial = summary.BenchmarksCases.FirstOrDefault(c => c.Descriptor.Baseline);
                    var ratio = serial is not null && serial != benchmarkCase && StorageRates.OpsPerSecond(summary, serial) is { } serialRate
                        ? string.Create(CultureInfo.InvariantCulture, $", {rate / serialRate:F2}x one write per request")
                        : string.Empty;
                    yield return string.Create(CultureInfo.InvariantCulture,
                        $"RESULT hot grain {benchmarkCase.Descriptor.WorkloadMethod.Name}: {rate:N0} durable decisions/s{ratio}{allocated}");
                }
                else
                {
                    yield return string.Create(CultureInfo.InvariantCulture,
                        $"RESULT {benchmarkCase.Descriptor.WorkloadMethod.Name}: {rate:N0} calls/s{allocated}");
                }
            }
        }
    }
}
