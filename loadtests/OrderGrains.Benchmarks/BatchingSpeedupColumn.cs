using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace OrderGrains.Benchmarks;

/// <summary>Writes/s of each storage case divided by the one-transaction-per-write case of the same provider in the same run.</summary>
public sealed class BatchingSpeedupColumn : IColumn
{
    public string Id => nameof(BatchingSpeedupColumn);

    public string ColumnName => "vs OneTxPerWrite";

    public bool AlwaysShow => true;

    public ColumnCategory Category => ColumnCategory.Custom;

    public int PriorityInCategory => 0;

    public bool IsNumeric => true;

    public UnitType UnitType => UnitType.Dimensionless;

    public string Legend => "Write rate relative to one transaction per write on the same provider, same run";

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        ArgumentNullException.ThrowIfNull(summary);
        ArgumentNullException.ThrowIfNull(benchmarkCase);
        return StorageRates.Speedup(summary, benchmarkCase) is { } speedup ? $"{speedup:F2}x" : "?";
    }

    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;

    public bool IsAvailable(Summary summary) => true;
}

/// <summary>Reads write rates out of a summary of <see cref="StorageWriteBenchmarks"/>.</summary>
internal static class StorageRates
{
    /// <summary>Operations per second of a case (BenchmarkDotNet's mean is per operation, in nanoseconds).</summary>
    public static double? OpsPerSecond(Summary summary, BenchmarkCase benchmarkCase) =>
        summary[benchmarkCase]?.ResultStatistics is { Mean: > 0 } statistics ? 1e9 / statistics.Mean : null;

    public static double? Speedup(Summary summary, BenchmarkCase benchmarkCase)
    {
        var provider = benchmarkCase.Parameters[nameof(StorageWriteBenchmarks.Provider)];
        var baseline = summary.BenchmarksCases.FirstOrDefault(c =>
            Equals(c.Parameters[nameof(StorageWriteBenchmarks.Provider)], provider)
            && Equals(c.Parameters[nameof(StorageWriteBenchmarks.Commit)], CommitMode.OneTxPerWrite));
        if (baseline is null || OpsPerSecond(summary, benchmarkCase) is not { } rate || OpsPerSecond(summary, baseline) is not { } baseRate)
        {
            return null;
        }

        return rate / baseRate;
    }
}
