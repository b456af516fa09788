using System.Collections.Concurrent;
using OrderGrains.Storage;

namespace OrderGrains.Testing;

/// <summary>
/// An in-memory store that counts the state reads and writes per grain and runs a hook before each write, for tests
/// that must see how many reads or writes reached storage, hold writes up, or make them fail.
/// </summary>
public sealed class InterceptingTestStorage : TestStorage
{
    private readonly SharedMemoryReminderTable _reminders = new();
    private readonly ConcurrentDictionary<(string Type, string Key), int> _writes = new();
    private readonly ConcurrentDictionary<(string Type, string Key), int> _reads = new();

    /// <summary>Runs before every state write reaches memory (after it is counted); a fault fails the write.</summary>
    public Func<GrainStateKey, Task>? BeforeWrite { get; set; }

    /// <summary>The store behind the hook, for reading what a write left.</summary>
    public MemoryStateStore Inner { get; } = new();

    public override string Name => "intercepted-memory";

    /// <summary>State writes (with or without events) that reached the hook for one grain.</summary>
    public int WritesOf(string grainType, string grainKey) => _writes.GetValueOrDefault((grainType, grainKey));

    /// <summary>State reads (activations loading their state) that reached storage for one grain.</summary>
    public int ReadsOf(string grainType, string grainKey) => _reads.GetValueOrDefault((grainType, grainKey));

    /// <summary>State writes that reached the hook for every grain of one type.</summary>
    public int WritesOfType(string grainType) => _writes.Where(w => w.Key.Type == grainType).Sum(w => w.Value);

    public override Task<OpenedStorage> OpenAsync() =>
        Task.FromResult(new OpenedStorage(new Intercepting(this), silo => UseSharedReminders(silo, _reminders), () => ValueTask.CompletedTask));

    private async Task BeforeWriteAsync(GrainStateKey key)
    {
        _writes.AddOrUpdate((key.GrainType, key.GrainKey), 1, (_, n) => n + 1);
        if (BeforeWrite is { } hook)
        {
            await hook(key);
        }
    }

    private sealed class Intercepting(InterceptingTestStorage owner) : IStateStore, IOutboxStore, IEntryStore
    {
        public int PartitionCount => owner.Inner.PartitionCount;

        public Task<GrainStateRecord> ReadAsync(GrainStateKey key, CancellationToken cancellationToken)
        {
            owner._reads.AddOrUpdate((key.GrainType, key.GrainKey), 1, (_, n) => n + 1);
            return owner.Inner.ReadAsync(key, cancellationToken);
        }

        public async Task<string> WriteAsync(GrainStateKey key, ReadOnlyMemory<byte> payload, string? expectedEtag, CancellationToken cancellationToken)
        {
            await owner.BeforeWriteAsync(key);
            return await owner.Inner.WriteAsync(key, payload, expectedEtag, cancellationToken);
        }

        public async Task<string> WriteWithEventsAsync(GrainStateKey key, ReadOnlyMemory<byte> payload, string? expectedEtag, IReadOnlyList<StreamEventData> events, CancellationToken cancellationToken)
        {
            await owner.BeforeWriteAsync(key);
            return await owner.Inner.WriteWithEventsAsync(key, payload, expectedEtag, events, cancellationToken);
        }

        public Task<GrainStateWithEntries> ReadWithEntriesAsync(GrainStateKey key, CancellationToken cancellationToken)
        {
            owner._reads.AddOrUpdate((key.GrainType, key.GrainKey), 1, (_, n) => n + 1);
            return owner.Inner.ReadWithEntriesAsync(key, cancellationToken);
        }

        public async Task<string> WriteWithEntriesAsync(GrainStateKey key, ReadOnlyMemory<byte> payload, string? expectedEtag, IReadOnlyList<StreamEventData> events, IReadOnlyList<EntrySetChanges> entries, CancellationToken cancellationToken)
        {
            await owner.BeforeWriteAsync(key);
            return await owner.Inner.WriteWithEntriesAsync(key, payload, expectedEtag, events, entries, cancellationToken);
        }

        public Task<string> ClearAsync(GrainStateKey key, string? expectedEtag, CancellationToken cancellationToken) => owner.Inner.ClearAsync(key, expectedEtag, cancellationToken);

        public Task<IReadOnlyList<StoredStreamEvent>> ReadEventsAsync(string streamNamespace, int partition, long afterSequence, int maxCount, CancellationToken cancellationToken) =>
            owner.Inner.ReadEventsAsync(streamNamespace, partition, afterSequence, maxCount, cancellationToken);

        public Task<long> ReadHeadAsync(string streamNamespace, int partition, CancellationToken cancellationToken) =>
            owner.Inner.ReadHeadAsync(streamNamespace, partition, cancellationToken);

        public Task<long> ReadCheckpointAsync(string consumer, string streamNamespace, int partition, CancellationToken cancellationToken) =>
            owner.Inner.ReadCheckpointAsync(consumer, streamNamespace, partition, cancellationToken);

        public Task WriteCheckpointAsync(string consumer, string streamNamespace, int partition, long sequence, CancellationToken cancellationToken) =>
            owner.Inner.WriteCheckpointAsync(consumer, streamNamespace, partition, sequence, cancellationToken);
    }
}
