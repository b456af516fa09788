namespace OrderGrains.Runtime.Diagnostics;

/// <summary>A snapshot of what the silo is doing, for operators (the admin API's <c>GET /admin/runtime</c>).</summary>
public interface IRuntimeStatistics
{
    /// <summary>Per grain type counts and rates, the <paramref name="hottestCount"/> grains with the highest call rate, storage batching and due reminders.</summary>
    RuntimeSnapshot GetSnapshot(int hottestCount = 10);
}

/// <summary>The silo at one moment. Rates are over the last 10 seconds (or the time since start or activation, if shorter).</summary>
public sealed record RuntimeSnapshot(
    DateTimeOffset StartedAt,
    TimeSpan Uptime,
    IReadOnlyList<GrainTypeStatistics> GrainTypes,
    IReadOnlyList<HotGrainStatistics> HottestGrains,
    StorageBatchStatistics Storage,
    int RemindersDue);

/// <summary>One grain type: live activations, recent call rate, requests waiting in mailboxes, calls since start.</summary>
public sealed record GrainTypeStatistics(string GrainType, int Activations, double CallsPerSecond, int MailboxDepth, long TotalCalls);

/// <summary>One live activation with a high recent call rate.</summary>
public sealed record HotGrainStatistics(string GrainType, string Key, double CallsPerSecond);

/// <summary>Group commit of the grain store: committed batches, the writes they carried, and batch sizes.</summary>
public sealed record StorageBatchStatistics(long Batches, long Writes, double AverageBatchSize, int LastBatchSize, int MaxBatchSize);
