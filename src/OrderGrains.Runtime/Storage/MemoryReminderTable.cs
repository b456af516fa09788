namespace OrderGrains.Runtime.Storage;

/// <summary>A reminder table in memory, for tests; keep one instance across runtime restarts to model a durable table.</summary>
public sealed class MemoryReminderTable : IReminderTable
{
    private readonly Dictionary<(string GrainType, string GrainKey, string ReminderName), ReminderEntry> _entries = [];
    private readonly Lock _lock = new();

    /// <inheritdoc />
    public Task<IReadOnlyList<ReminderEntry>> ReadAllAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_lock)
        {
            return Task.FromResult<IReadOnlyList<ReminderEntry>>([.. _entries.Values]);
        }
    }

    /// <inheritdoc />
    public Task UpsertAsync(ReminderEntry entry, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entry);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_lock)
        {
            _entries[(entry.GrainType, entry.GrainKey, entry.ReminderName)] = entry;
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task<bool> RemoveAsync(string grainType, string grainKey, string reminderName, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_lock)
        {
            return Task.FromResult(_entries.Remove((grainType, grainKey, reminderName)));
        }
    }
}
