namespace OrderGrains.Runtime.Diagnostics;

/// <summary>What the silo is doing now, for the admin API: activations, call rates, mailboxes, storage batches, reminders.</summary>
public interface IRuntimeStatistics
{
    /// <summary>A consistent-enough picture of the silo; <paramref name="hottestCount"/> caps the hottest grains listed.</summary>
    RuntimeSnapshot GetSnapshot(int hottestCount = 10);
}

/// <summary>The silo at one moment.</summary>
public sealed record RuntimeSnapshot(DateTimeOffset StartedAt, TimeSpan Uptime, IReadOnlyList<GrainTypeStatistics> GrainTypes, IReadOnlyList<HotGrainStatistics> HottestGrains, StorageBatchStatistics Storage, int RemindersDue);

/// <summary>One grain type: live activations, recent call rate, queued requests, calls since start.</summary>
public sealed record GrainTypeStatistics(string GrainType, int Activations, double CallsPerSecond, int MailboxDepth, long TotalCalls);

/// <summary>One of the grains called most over the recent window.</summary>
public sealed record HotGrainStatistics(string GrainType, string Key, double CallsPerSecond);

/// <summary>Group-commit batches since start.</summary>
public sealed record StorageBatchStatistics(long Batches, long Writes, double AverageBatchSize, int LastBatchSize, int MaxBatchSize);
