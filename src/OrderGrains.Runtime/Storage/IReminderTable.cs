namespace OrderGrains.Runtime.Storage;

/// <summary>Durable table of reminders; the reminder service reads it at start and after every change.</summary>
public interface IReminderTable
{
    /// <summary>Reads every reminder.</summary>
    Task<IReadOnlyList<ReminderEntry>> ReadAllAsync(CancellationToken cancellationToken);

    /// <summary>Inserts or replaces the reminder (grain type, grain key, name). Durable on return.</summary>
    Task UpsertAsync(ReminderEntry entry, CancellationToken cancellationToken);

    /// <summary>Removes a reminder; returns false when none existed. Durable on return.</summary>
    Task<bool> RemoveAsync(string grainType, string grainKey, string reminderName, CancellationToken cancellationToken);
}

/// <summary>A persisted reminder: it first fires at <see cref="StartAt"/> and then every <see cref="Period"/>.</summary>
public sealed record ReminderEntry(string GrainType, string GrainKey, string ReminderName, DateTimeOffset StartAt, TimeSpan Period);
