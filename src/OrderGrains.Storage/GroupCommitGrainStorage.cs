using System.Collections.Concurrent;
using System.Text.Json;
using Orleans.Serialization.Activators;
using Orleans.Serialization.Serializers;
using Orleans.Storage;

namespace OrderGrains.Storage;

/// <summary>
/// Orleans grain storage over an <see cref="IStateStore"/>: state as System.Text.Json, keyed by (grain type, grain
/// key, state name) exactly as the home-made runtime stored it, and every write group-committed by the store with
/// other grains' writes.
/// </summary>
/// <remarks>
/// <para>ETags follow Orleans' contract: null means never stored; a write or clear with a stale ETag, or with null
/// where a record (or tombstone) exists, throws <see cref="InconsistentStateException"/> and changes nothing; a
/// clear leaves a tombstone whose ETag keeps advancing, so <see cref="IGrainState{T}.ETag"/> stays set after it, and resets
/// the state to a new instance.</para>
/// <para>A write serialises the state before its first await. Writes made through <see cref="OutboxStateExtensions"/>
/// bring their own bytes (taken when the grain asked) and the outbox events to commit with them.</para>
/// </remarks>
public sealed class GroupCommitGrainStorage : IGrainStorage
{
    private readonly IStateStore _store;
    private readonly IOutboxStore? _outbox;
    private readonly IEntryStore? _entries;
    private readonly IActivatorProvider _activators;

    // Orleans' activator provider resolves by reflection on every call; a new order's first read would pay it each time.
    private readonly ConcurrentDictionary<Type, object> _activatorsByType = new();

    public GroupCommitGrainStorage(IStateStore store, IActivatorProvider activators)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(activators);
        _store = store;
        _outbox = store as IOutboxStore;
        _entries = store as IEntryStore;
        _activators = activators;
    }

    /// <summary>The byte-level store behind this provider.</summary>
    public IStateStore Store => _store;

    /// <summary>The record key a grain's state is stored under.</summary>
    public static GrainStateKey KeyOf(GrainId grainId, string stateName) =>
        new(grainId.Type.ToString()!, grainId.Key.ToString()!, stateName);

    /// <inheritdoc />
    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        ReadStateAsync(stateName, grainId, grainState, CancellationToken.None);

    /// <inheritdoc />
    public async Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(grainState);
        var key = KeyOf(grainId, stateName);
        if (!EntrySetsIn<T>.Declared)
        {
            var record = await _store.ReadAsync(key, WriteScope.Effective(cancellationToken)).ConfigureAwait(false);
            grainState.State = record.RecordExists ? Deserialize<T>(key, record.Payload) : NewState<T>();
            grainState.ETag = record.Etag;
            grainState.RecordExists = record.RecordExists;
            return;
        }

        var read = await EntryStore(key).ReadWithEntriesAsync(key, WriteScope.Effective(cancellationToken)).ConfigureAwait(false);
        var state = read.Record.RecordExists ? Deserialize<T>(key, read.Record.Payload) : NewState<T>();
        foreach (var set in ((IHasEntrySets)state!).EntrySets)
        {
            var rows = read.Entries.Where(e => string.Equals(e.Set, set.Name, StringComparison.Ordinal)).ToList();

            // A record stored before entry sets carries its entries inline, and no rows: those stay, and the next write stores them as rows.
            if (rows.Count > 0 || !set.ReplacePending)
            {
                LoadEntries(key, set, rows);
            }
        }

        grainState.State = state;
        grainState.ETag = read.Record.Etag;
        grainState.RecordExists = read.Record.RecordExists;
    }

    /// <inheritdoc />
    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        WriteStateAsync(stateName, grainId, grainState, CancellationToken.None);

    /// <inheritdoc />
    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(grainState);
        var key = KeyOf(grainId, stateName);

        // Everything up to the store call is synchronous: the bytes are the state as it is at this call, or the snapshot taken for it.
        var scope = WriteScope.Take();
        var payload = scope?.Snapshot ?? JsonSerializer.SerializeToUtf8Bytes(grainState.State, OrderGrainsStorage.SerializerOptions);
        var entries = scope?.Entries ?? OutboxStateExtensions.EntryChangesOf(grainState.State);
        var token = WriteScope.Effective(cancellationToken);
        Task<string> write;
        if (entries.Length > 0)
        {
            if (_entries is null)
            {
                MarkWriteFailed(grainState.State);
                return Task.FromException(new InvalidOperationException(
                    $"The state {key} has entry sets, but the store {_store.GetType().Name} keeps none (IEntryStore); nothing was written."));
            }

            write = _entries.WriteWithEntriesAsync(key, payload, grainState.ETag, scope?.Events ?? [], entries, token);
            return CompleteWriteAsync(write, grainState, entriesTaken: true);
        }

        if (scope is { Events.Length: > 0 })
        {
            if (_outbox is null)
            {
                return Task.FromException(new InvalidOperationException(
                    $"The state {key} was written with outbox events, but the store {_store.GetType().Name} keeps no outbox (IOutboxStore); nothing was written."));
            }

            write = _outbox.WriteWithEventsAsync(key, payload, grainState.ETag, scope.Events, token);
        }
        else
        {
            write = _store.WriteAsync(key, payload, grainState.ETag, token);
        }

        return CompleteWriteAsync(write, grainState, entriesTaken: false);
    }

    /// <inheritdoc />
    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        ClearStateAsync(stateName, grainId, grainState, CancellationToken.None);

    /// <inheritdoc />
    public async Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(grainState);
        grainState.ETag = await _store.ClearAsync(KeyOf(grainId, stateName), grainState.ETag, WriteScope.Effective(cancellationToken)).ConfigureAwait(false);
        grainState.RecordExists = false;

        // Orleans 10's bridge leaves resetting the in-memory state to the provider: a cleared state reads as a new one.
        grainState.State = NewState<T>();
    }

    private T NewState<T>() =>
        ((IActivator<T>)_activatorsByType.GetOrAdd(typeof(T), static (_, activators) => activators.GetActivator<T>(), _activators)).Create();

    private static async Task CompleteWriteAsync<T>(Task<string> write, IGrainState<T> grainState, bool entriesTaken)
    {
        try
        {
            grainState.ETag = await write.ConfigureAwait(false);
        }
        catch (Exception) when (entriesTaken)
        {
            // The taken changes are forgotten by the sets: unless the next write replaces them whole, storage would miss them.
            MarkWriteFailed(grainState.State);
            throw;
        }

        grainState.RecordExists = true;
    }

    private static void MarkWriteFailed<T>(T state)
    {
        if (state is IHasEntrySets withSets)
        {
            foreach (var set in withSets.EntrySets)
            {
                set.WriteFailed();
            }
        }
    }

    private IEntryStore EntryStore(GrainStateKey key) =>
        _entries ?? throw new InvalidOperationException(
            $"The state {key} has entry sets, but the store {_store.GetType().Name} keeps none (IEntryStore).");

    private static void LoadEntries(GrainStateKey key, IEntrySet set, List<StoredEntry> rows)
    {
        try
        {
            set.Load(rows, OrderGrainsStorage.SerializerOptions);
        }
        catch (JsonException exception)
        {
            throw new StoredStateUnreadableException(
                $"An entry of set '{set.Name}' of the stored state {key} cannot be read: {exception.Message} The rows are kept unchanged; " +
                "fix the state type (or the rows) before this grain can activate.", exception);
        }
    }

    private static T Deserialize<T>(GrainStateKey key, ReadOnlyMemory<byte> payload)
    {
        try
        {
            return JsonSerializer.Deserialize<T>(payload.Span, OrderGrainsStorage.SerializerOptions)
                ?? throw new JsonException("The stored state is JSON null.");
        }
        catch (JsonException exception)
        {
            throw new StoredStateUnreadableException(
                $"The stored state {key} cannot be read as {typeof(T).Name}: {exception.Message} The record is kept unchanged; " +
                "fix the state type (or the record) before this grain can activate.", exception);
        }
    }
}

/// <summary>Whether a state type keeps entry sets, decided once per type rather than on every read.</summary>
internal static class EntrySetsIn<T>
{
    public static readonly bool Declared = typeof(IHasEntrySets).IsAssignableFrom(typeof(T));
}
