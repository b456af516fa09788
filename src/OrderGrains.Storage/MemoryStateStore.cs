using System.Globalization;

namespace OrderGrains.Storage;

/// <summary>
/// Grain storage in memory, for tests: the same ETag and tombstone semantics as the SQL providers.
/// Keep one instance across runtime restarts to play the part of a database that outlives a silo.
/// </summary>
public sealed class MemoryStateStore : IStateStore, IStorageStatistics, IOutboxStore, IEntryStore
{
    private readonly Dictionary<GrainStateKey, StoredState> _states = [];
    private readonly Dictionary<GrainStateKey, Dictionary<(string Set, string Key), byte[]>> _entries = [];
    private readonly Dictionary<(string Namespace, int Partition), List<StoredStreamEvent>> _events = [];
    private readonly Dictionary<(string Consumer, string Namespace, int Partition), long> _checkpoints = [];

    /// <summary>Creates a store whose streams have <paramref name="partitionCount"/> partitions per namespace.</summary>
    public MemoryStateStore(int partitionCount = 8)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(partitionCount, 1);
        PartitionCount = partitionCount;
    }

    /// <inheritdoc />
    public int PartitionCount { get; }
    private readonly Lock _lock = new();
    private long _writes;

    /// <inheritdoc />
    public long WriteBatches => Interlocked.Read(ref _writes);

    /// <inheritdoc />
    public long Writes => Interlocked.Read(ref _writes);

    /// <inheritdoc />
    public int LargestBatch => Interlocked.Read(ref _writes) > 0 ? 1 : 0;

    /// <inheritdoc />
    public int LastBatchSize => LargestBatch;

    /// <inheritdoc />
    public Task<GrainStateRecord> ReadAsync(GrainStateKey key, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled<GrainStateRecord>(cancellationToken);
        }

        lock (_lock)
        {
            return Task.FromResult(_states.TryGetValue(key, out var stored)
                ? new GrainStateRecord(stored.Payload, FormatEtag(stored.Version), stored.RecordExists)
                : GrainStateRecord.Missing);
        }
    }

    /// <inheritdoc />
    public Task<string> WriteAsync(GrainStateKey key, ReadOnlyMemory<byte> payload, string? expectedEtag, CancellationToken cancellationToken) =>
        Apply(key, payload.ToArray(), expectedEtag, recordExists: true, [], [], cancellationToken);

    /// <inheritdoc />
    public Task<string> ClearAsync(GrainStateKey key, string? expectedEtag, CancellationToken cancellationToken) =>
        Apply(key, [], expectedEtag, recordExists: false, [], [], cancellationToken);

    /// <inheritdoc />
    public Task<string> WriteWithEventsAsync(GrainStateKey key, ReadOnlyMemory<byte> payload, string? expectedEtag, IReadOnlyList<StreamEventData> events, CancellationToken cancellationToken) =>
        Apply(key, payload.ToArray(), expectedEtag, recordExists: true, events, [], cancellationToken);

    /// <inheritdoc />
    public Task<string> WriteWithEntriesAsync(GrainStateKey key, ReadOnlyMemory<byte> payload, string? expectedEtag, IReadOnlyList<StreamEventData> events, IReadOnlyList<EntrySetChanges> entries, CancellationToken cancellationToken) =>
        Apply(key, payload.ToArray(), expectedEtag, recordExists: true, events, entries, cancellationToken);

    /// <inheritdoc />
    public Task<GrainStateWithEntries> ReadWithEntriesAsync(GrainStateKey key, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled<GrainStateWithEntries>(cancellationToken);
        }

        // One lock for both, as the SQL stores read both in one snapshot.
        lock (_lock)
        {
            var record = _states.TryGetValue(key, out var stored)
                ? new GrainStateRecord(stored.Payload, FormatEtag(stored.Version), stored.RecordExists)
                : GrainStateRecord.Missing;
            return Task.FromResult(new GrainStateWithEntries(record, _entries.TryGetValue(key, out var rows)
                ? [.. rows.Select(r => new StoredEntry(r.Key.Set, r.Key.Key, r.Value))]
                : []));
        }
    }

    /// <summary>How many entry rows a state has in storage (all its sets).</summary>
    public int EntryCount(GrainStateKey key)
    {
        lock (_lock)
        {
            return _entries.TryGetValue(key, out var rows) ? rows.Count : 0;
        }
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<StoredStreamEvent>> ReadEventsAsync(string streamNamespace, int partition, long afterSequence, int maxCount, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (!_events.TryGetValue((streamNamespace, partition), out var events))
            {
                return Task.FromResult<IReadOnlyList<StoredStreamEvent>>([]);
            }

            // Sequences are 1-based and gapless, so the index of sequence n is n - 1.
            var from = (int)Math.Min(Math.Max(afterSequence, 0), events.Count);
            return Task.FromResult<IReadOnlyList<StoredStreamEvent>>(events.GetRange(from, Math.Min(maxCount, events.Count - from)));
        }
    }

    /// <inheritdoc />
    public Task<long> ReadHeadAsync(string streamNamespace, int partition, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            return Task.FromResult<long>(_events.TryGetValue((streamNamespace, partition), out var events) ? events.Count : 0);
        }
    }

    /// <inheritdoc />
    public Task<long> ReadCheckpointAsync(string consumer, string streamNamespace, int partition, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            return Task.FromResult(_checkpoints.GetValueOrDefault((consumer, streamNamespace, partition)));
        }
    }

    /// <inheritdoc />
    public Task WriteCheckpointAsync(string consumer, string streamNamespace, int partition, long sequence, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            _checkpoints[(consumer, streamNamespace, partition)] = sequence;
        }

        return Task.CompletedTask;
    }

    private Task<string> Apply(GrainStateKey key, byte[] payload, string? expectedEtag, bool recordExists, IReadOnlyList<StreamEventData> events, IReadOnlyList<EntrySetChanges> entries, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled<string>(cancellationToken);
        }

        Interlocked.Increment(ref _writes);
        long expected = StateStoreErrors.ParseVersionEtag(expectedEtag);
        lock (_lock)
        {
            long storedVersion = _states.TryGetValue(key, out var stored) ? stored.Version : 0;
            if (storedVersion != expected)
            {
                return Task.FromException<string>(StateStoreErrors.EtagMismatch(
                    key, expectedEtag, storedVersion == 0 ? null : FormatEtag(storedVersion)));
            }

            long version = storedVersion + 1;
            _states[key] = new StoredState(payload, version, recordExists);
            ApplyEntries(key, recordExists, entries);
            var now = DateTimeOffset.UtcNow;
            foreach (var e in events)
            {
                var partition = StreamPartitioner.PartitionOf(e.StreamKey, PartitionCount);
                if (!_events.TryGetValue((e.StreamNamespace, partition), out var list))
                {
                    _events[(e.StreamNamespace, partition)] = list = [];
                }

                list.Add(new StoredStreamEvent(e.StreamNamespace, partition, list.Count + 1, e.StreamKey, e.EventId, e.EventType, e.Payload.ToArray(), now, e.TraceParent));
            }

            return Task.FromResult(FormatEtag(version));
        }
    }

    // Under _lock. A clear deletes every entry of the state.
    private void ApplyEntries(GrainStateKey key, bool recordExists, IReadOnlyList<EntrySetChanges> entries)
    {
        if (!recordExists)
        {
            _entries.Remove(key);
            return;
        }

        foreach (var set in entries)
        {
            if (!_entries.TryGetValue(key, out var rows))
            {
                _entries[key] = rows = [];
            }

            if (set.ReplaceAll)
            {
                foreach (var stale in rows.Keys.Where(k => string.Equals(k.Set, set.Set, StringComparison.Ordinal)).ToList())
                {
                    rows.Remove(stale);
                }
            }

            foreach (var change in set.Changes)
            {
                if (change.Payload is null)
                {
                    rows.Remove((set.Set, change.Key));
                }
                else
                {
                    rows[(set.Set, change.Key)] = [.. change.Payload];
                }
            }
        }
    }

    private static string FormatEtag(long version) => version.ToString(CultureInfo.InvariantCulture);

    // The payload array is a private copy and never mutated, so readers may share it.
    private readonly record struct StoredState(byte[] Payload, long Version, bool RecordExists);
}
