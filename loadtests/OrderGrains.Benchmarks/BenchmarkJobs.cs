using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Engines;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace OrderGrains.Benchmarks;

/// <summary>Short jobs: a full run must fit in minutes on a shared 2-core machine.</summary>
internal static class BenchmarkJobs
{
    // In-process: the default toolchain would generate and rebuild a copy of the solution per run, which costs
    // minutes of the two cores other engineers build on; the figures are per-operation means either way.
    public static Job InProcess => Job.Default
        .WithToolchain(InProcessEmitToolchain.Instance)
        .WithLaunchCount(1)
        .WithWarmupCount(2);
}

/// <summary>Grain calls: microsecond-scale operations, so the engine picks invocations per iteration.</summary>
public sealed class GrainCallConfig : ManualConfig
{
    public GrainCallConfig()
    {
        AddJob(BenchmarkJobs.InProcess.WithIterationCount(8).WithId("calls"));
    }
}

/// <summary>Durable writes: each invocation commits thousands of writes, so one invocation per iteration (Monitoring).</summary>
public sealed class StorageWriteConfig : ManualConfig
{
    public StorageWriteConfig()
    {
        AddJob(BenchmarkJobs.InProcess.WithStrategy(RunStrategy.Monitoring).WithIterationCount(6).WithId("writes"));
        AddColumn(new BatchingSpeedupColumn());
    }
}

/// <summary>Settings shared by every benchmark class: an operations-per-second column and where reports go.</summary>
internal static class SharedConfig
{
    public static IConfig Create() => DefaultConfig.Instance
        .AddColumn(StatisticColumn.OperationsPerSecond)
        .WithArtifactsPath(Path.Combine(AppContext.BaseDirectory, "BenchmarkDotNet.Artifacts"));
}
