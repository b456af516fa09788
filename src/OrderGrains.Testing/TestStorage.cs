using OrderGrains.Runtime.Storage;

namespace OrderGrains.Testing;

/// <summary>
/// Where a test silo keeps grain state and reminders. Each <see cref="OpenAsync"/> opens fresh provider instances on
/// the same location (same file, same schema), as a restarted process would; the in-memory kind shares one instance.
/// </summary>
public abstract class TestStorage
{
    /// <summary>A name for test output: "memory", "sqlite", "postgres".</summary>
    public abstract string Name { get; }

    /// <summary>In-memory providers; state survives silo restarts within the test because the instance is shared.</summary>
    public static TestStorage Memory() => new MemoryTestStorage();

    /// <summary>Opens providers on this storage's location.</summary>
    public abstract Task<(IGrainStorage Storage, IReminderTable Reminders)> OpenAsync();

    /// <inheritdoc />
    public override string ToString() => Name;

    private sealed class MemoryTestStorage : TestStorage
    {
        private readonly MemoryGrainStorage _storage = new();
        private readonly MemoryReminderTable _reminders = new();

        public override string Name => "memory";

        public override Task<(IGrainStorage Storage, IReminderTable Reminders)> OpenAsync() =>
            Task.FromResult<(IGrainStorage, IReminderTable)>((_storage, _reminders));
    }
}
