using System.Diagnostics;
using System.Text.Json;
using Orleans.Core;
using Orleans.Storage;

namespace OrderGrains.Storage;

/// <summary>
/// Writes of an <see cref="IPersistentState{TState}"/> kept by <see cref="GroupCommitGrainStorage"/> that Orleans'
/// own <c>WriteStateAsync()</c> cannot express: state and outbox events in one transaction, and a write of the state
/// exactly as it is at the call.
/// </summary>
/// <remarks>
/// Orleans 10's state bridge queues every storage operation and yields before it reaches the provider, which then
/// serialises <see cref="IStorage{TState}.State"/> as it is by then: in a reentrant grain another request may have
/// changed it in between. These methods serialise synchronously, before returning, and hand the bytes (and events)
/// to the provider in an ambient scope that flows with the call; so what is stored is the state at the call.
/// </remarks>
public static class OutboxStateExtensions
{
    /// <summary>
    /// Writes the state as it is now and appends <paramref name="events"/> to the outbox in the same transaction: if the
    /// write fails (a stale ETag too), no event is appended. Needs <see cref="GroupCommitGrainStorage"/> over an
    /// <see cref="IOutboxStore"/>.
    /// </summary>
    public static Task WriteStateAsync<TState>(this IPersistentState<TState> state, IReadOnlyList<StreamEvent> events, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(events);
        return WriteInScopeAsync(state, new WriteScope(Serialize(state), Encode(events), EntryChangesOf(state.State)), cancellationToken);
    }

    /// <summary>Writes the state exactly as it is at this call, whatever the grain does to it before storage runs.</summary>
    public static Task WriteStateSnapshotAsync<TState>(this IPersistentState<TState> state, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(state);
        return WriteInScopeAsync(state, new WriteScope(Serialize(state), [], EntryChangesOf(state.State)), cancellationToken);
    }

    /// <summary>
    /// Writes the state exactly as it is at this call and appends <paramref name="events"/> in the same transaction
    /// (what a <see cref="CommitBatcher"/> of a grain that emits events writes at batch close).
    /// </summary>
    public static Task WriteStateSnapshotAsync<TState>(this IPersistentState<TState> state, IReadOnlyList<StreamEvent> events, CancellationToken cancellationToken = default) =>
        state.WriteStateAsync(events, cancellationToken);

    /// <summary>
    /// Writes a grain's state straight through <paramref name="storage"/> (no activation of that grain, e.g. an
    /// insert-only write with no ETag) and appends <paramref name="events"/> in the same transaction. Needs
    /// <see cref="GroupCommitGrainStorage"/> over an <see cref="IOutboxStore"/>.
    /// </summary>
    public static async Task WriteStateAsync<TState>(this IGrainStorage storage, string stateName, GrainId grainId, IGrainState<TState> grainState, IReadOnlyList<StreamEvent> events)
    {
        ArgumentNullException.ThrowIfNull(storage);
        ArgumentNullException.ThrowIfNull(grainState);
        ArgumentNullException.ThrowIfNull(events);
        var scope = new WriteScope(JsonSerializer.SerializeToUtf8Bytes(grainState.State, OrderGrainsStorage.SerializerOptions), Encode(events), EntryChangesOf(grainState.State));

        // Set inside this async method, the scope flows into the provider's synchronous start and is gone for our caller on return.
        WriteScope.Current = scope;
        await storage.WriteStateAsync(stateName, grainId, grainState);
        if (!scope.Taken)
        {
            throw new InvalidOperationException(
                $"The state {stateName} of {grainId} was written by a storage provider other than OrderGrains' group-commit storage, " +
                $"so the {scope.Events.Length} outbox event(s) were not stored with it.");
        }
    }

    private static byte[] Serialize<TState>(IPersistentState<TState> state) =>
        JsonSerializer.SerializeToUtf8Bytes(state.State, OrderGrainsStorage.SerializerOptions);

    /// <summary>The changes of the state's entry sets since its last write, taken now (see <see cref="IHasEntrySets"/>); empty for most states.</summary>
    internal static EntrySetChanges[] EntryChangesOf<TState>(TState state)
    {
        if (state is not IHasEntrySets withSets)
        {
            return [];
        }

        List<EntrySetChanges>? changes = null;
        foreach (var set in withSets.EntrySets)
        {
            var taken = set.TakeChanges(OrderGrainsStorage.SerializerOptions);
            if (!taken.IsEmpty)
            {
                (changes ??= []).Add(taken);
            }
        }

        return changes is null ? [] : [.. changes];
    }

    private static StreamEventData[] Encode(IReadOnlyList<StreamEvent> events)
    {
        if (events.Count == 0)
        {
            return [];
        }

        var traceParent = Activity.Current is { IdFormat: ActivityIdFormat.W3C } current ? current.Id : null;
        var data = new StreamEventData[events.Count];
        for (var i = 0; i < data.Length; i++)
        {
            var e = events[i];
            ArgumentNullException.ThrowIfNull(e.Payload);
            data[i] = new StreamEventData(e.Stream.Namespace, e.Stream.Key, e.EventId, e.EventType,
                JsonSerializer.SerializeToUtf8Bytes(e.Payload, e.Payload.GetType(), OrderGrainsStorage.SerializerOptions), traceParent);
        }

        return data;
    }

    private static async Task WriteInScopeAsync<TState>(IPersistentState<TState> state, WriteScope scope, CancellationToken cancellationToken)
    {
        // Set inside this async method, the scope flows into the bridge's queued operation and is gone for our caller on return.
        WriteScope.Current = scope;

        // A token that can be cancelled keeps the bridge from merging this write into another queued one, which would drop this scope.
        await ((IStorage)state).WriteStateAsync(cancellationToken.CanBeCanceled ? cancellationToken : WriteScope.Unmerged);
        if (!scope.Taken)
        {
            throw new InvalidOperationException(
                $"The state of type {typeof(TState).Name} was written by a storage provider other than OrderGrains' group-commit storage, " +
                $"so the {scope.Events.Length} outbox event(s) were not stored with it. Declare the state with [PersistentState(name, OrderGrainsStorage.Name)].");
        }
    }
}

/// <summary>The bytes, events and entry changes of one write, handed from <see cref="OutboxStateExtensions"/> to <see cref="GroupCommitGrainStorage"/>.</summary>
internal sealed class WriteScope(byte[] snapshot, StreamEventData[] events, EntrySetChanges[] entries)
{
    private static readonly AsyncLocal<WriteScope?> Ambient = new();

    // Never cancelled; only its ability to be cancelled matters (see WriteInScopeAsync).
    private static readonly CancellationTokenSource NeverCancelled = new();

    public static CancellationToken Unmerged => NeverCancelled.Token;

    public static WriteScope? Current
    {
        get => Ambient.Value;
        set => Ambient.Value = value;
    }

    public byte[] Snapshot { get; } = snapshot;

    public StreamEventData[] Events { get; } = events;

    public EntrySetChanges[] Entries { get; } = entries;

    public bool Taken { get; private set; }

    /// <summary>The scope of the write in progress, at most once: a later write in the same flow must not reuse it.</summary>
    public static WriteScope? Take()
    {
        var scope = Ambient.Value;
        if (scope is null || scope.Taken)
        {
            return null;
        }

        scope.Taken = true;
        return scope;
    }

    /// <summary>The token to pass on to the store: the marker that only prevents merging means "not cancellable".</summary>
    public static CancellationToken Effective(CancellationToken cancellationToken) =>
        cancellationToken == NeverCancelled.Token ? CancellationToken.None : cancellationToken;
}
