using System.Diagnostics;
using OrderGrains.Runtime.Serialization;
using OrderGrains.Runtime.Storage;

namespace OrderGrains.Runtime.Core;

/// <summary>A grain state bound to one storage record; conflicts deactivate the owning activation.</summary>
internal sealed class PersistentState<TState>(IGrainStorage storage, GrainSerializer serializer, GrainStateKey key, ActivationData activation)
    : IPersistentState<TState>, IStateLoader
    where TState : class, new()
{
    public TState State { get; set; } = new();

    public string? Etag { get; private set; }

    public bool RecordExists { get; private set; }

    public Task LoadAsync(CancellationToken cancellationToken) => ReadStateAsync(cancellationToken);

    public async Task ReadStateAsync(CancellationToken cancellationToken = default)
    {
        var record = await storage.ReadAsync(key, cancellationToken);
        State = record.RecordExists ? serializer.Deserialize<TState>(record.Payload.Span) : new TState();
        Etag = record.Etag;
        RecordExists = record.RecordExists;
    }

    public async Task WriteStateAsync(CancellationToken cancellationToken = default)
    {
        var payload = serializer.Serialize(State);
        try
        {
            Etag = await storage.WriteAsync(key, payload, Etag, cancellationToken);
            RecordExists = true;
        }
        catch (InconsistentStateException)
        {
            activation.RequestDeactivation(DeactivationReason.InconsistentState);
            throw;
        }
    }

    public async Task WriteStateAsync(IReadOnlyList<Streams.StreamEvent> events, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(events);
        if (events.Count == 0)
        {
            await WriteStateAsync(cancellationToken);
            return;
        }

        if (storage is not IStreamStorage streams)
        {
            throw new InvalidOperationException($"The storage of {key} ({storage.GetType().Name}) keeps no streams; events need a store implementing IStreamStorage.");
        }

        var payload = serializer.Serialize(State);
        var data = new StreamEventData[events.Count];
        var traceParent = Activity.Current is { IdFormat: ActivityIdFormat.W3C } current ? current.Id : null;
        for (var i = 0; i < data.Length; i++)
        {
            var e = events[i];
            data[i] = new StreamEventData(e.Stream.Namespace, e.Stream.Key, e.EventId, e.EventType, serializer.SerializeBoxed(e.Payload), traceParent);
        }

        try
        {
            Etag = await streams.WriteWithEventsAsync(key, payload, Etag, data, cancellationToken);
            RecordExists = true;
            activation.Runtime.Streams.NotifyAppended(data);
        }
        catch (InconsistentStateException)
        {
            activation.RequestDeactivation(DeactivationReason.InconsistentState);
            throw;
        }
    }

    public async Task ClearStateAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            Etag = await storage.ClearAsync(key, Etag, cancellationToken);
            RecordExists = false;
            State = new TState();
        }
        catch (InconsistentStateException)
        {
            activation.RequestDeactivation(DeactivationReason.InconsistentState);
            throw;
        }
    }
}
