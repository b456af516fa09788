namespace OrderGrains.Runtime;

/// <summary>A grain's persistent state, loaded before activation completes. Writes are durable when their task completes.</summary>
public interface IPersistentState<TState>
    where TState : class, new()
{
    /// <summary>The state; replace it or mutate it, then call <see cref="WriteStateAsync(CancellationToken)"/>.</summary>
    TState State { get; set; }

    /// <summary>The ETag of the last read or write, or null when no record was ever stored.</summary>
    string? Etag { get; }

    /// <summary>Whether a record exists in storage (false before the first write and after a clear).</summary>
    bool RecordExists { get; }

    /// <summary>Re-reads the state from storage.</summary>
    Task ReadStateAsync(CancellationToken cancellationToken = default);

    /// <summary>Writes the state, failing with <see cref="InconsistentStateException"/> if someone else wrote since our ETag.</summary>
    Task WriteStateAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Writes the state and appends <paramref name="events"/> to their durable streams in the same transaction: if the
    /// write fails (a stale ETag too), no event is appended. Needs a store that keeps streams.
    /// </summary>
    Task WriteStateAsync(IReadOnlyList<Streams.StreamEvent> events, CancellationToken cancellationToken = default);

    /// <summary>Clears the stored record and resets <see cref="State"/> to a new instance.</summary>
    Task ClearStateAsync(CancellationToken cancellationToken = default);
}
