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
    private readonly IActivatorProvider _activators;

    // Orleans' activator provider resolves by reflection on every call; a new order's first read would pay it each time.
    private readonly ConcurrentDictionary<Type, object> _activatorsByType = new();

    public GroupCommitGrainStorage(IStateStore store, IActivatorProvider activators)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(activators);
        _store = store;
        _outbox = store as IOutboxStore;
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
        var record = await _store.ReadAsync(key, WriteScope.Effective(cancellationToken)).ConfigureAwait(false);
        grainState.State = record.RecordExists ? Deserialize<T>(key, record.Payload) : NewState<T>();
        grainState.ETag = record.Etag;
        grainState.RecordExists = record.RecordExists;
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
        var token = WriteScope.Effective(cancellationToken);
        Task<string> write;
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

        return CompleteWriteAsync(write, grainState);
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

    private static async Task CompleteWriteAsync<T>(Task<string> write, IGrainState<T> grainState)
    {
        grainState.ETag = await write.ConfigureAwait(false);
        grainState.RecordExists = true;
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
