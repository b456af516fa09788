using OrderGrains.Storage;

namespace OrderGrains.Testing;

/// <summary>A store opened on a test storage location, and how a silo uses it and its reminders.</summary>
public sealed class OpenedStorage(IStateStore store, Action<ISiloBuilder> useReminders, Func<ValueTask> close) : IAsyncDisposable
{
    /// <summary>The grain state store (and outbox, where it keeps one) every silo of the start shares.</summary>
    public IStateStore Store { get; } = store;

    /// <summary>Registers OrderGrains' grain storage over <see cref="Store"/> and the storage's reminders in <paramref name="silo"/>.</summary>
    public void Configure(ISiloBuilder silo)
    {
        silo.UseOrderGrainsStorage(Store);
        useReminders(silo);
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync() => close();
}
