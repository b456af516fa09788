using Orleans.Storage;

namespace OrderGrains.Storage;

/// <summary>
/// A durable store of grain state records, keyed by (grain type, grain key, state name).
/// Every provider must behave identically; the shared contract test suite holds them to it.
/// </summary>
/// <remarks>
/// ETags are opaque strings chosen by the provider. A write or clear names the ETag it last saw
/// (<c>null</c> when it saw no record at all) and fails with <see cref="InconsistentStateException"/>
/// when the stored ETag differs, without changing anything. Clearing leaves a tombstone whose ETag
/// keeps advancing, so a writer that last saw "no record" cannot overwrite a newer clear.
/// A returned task completes only after the change is durable (committed).
/// </remarks>
public interface IStateStore
{
    /// <summary>Reads one record; returns <see cref="GrainStateRecord.Missing"/> when none was ever written.</summary>
    Task<GrainStateRecord> ReadAsync(GrainStateKey key, CancellationToken cancellationToken);

    /// <summary>Writes a payload if the stored ETag equals <paramref name="expectedEtag"/>; returns the new ETag.</summary>
    Task<string> WriteAsync(GrainStateKey key, ReadOnlyMemory<byte> payload, string? expectedEtag, CancellationToken cancellationToken);

    /// <summary>Clears a record (leaving a tombstone) if the stored ETag equals <paramref name="expectedEtag"/>; returns the new ETag.</summary>
    Task<string> ClearAsync(GrainStateKey key, string? expectedEtag, CancellationToken cancellationToken);
}

/// <summary>Identifies one persisted state of one grain.</summary>
public readonly record struct GrainStateKey(string GrainType, string GrainKey, string StateName)
{
    /// <inheritdoc />
    public override string ToString() => $"{GrainType}/{GrainKey}/{StateName}";
}

/// <summary>A stored state: its payload (empty when cleared or missing), ETag, and whether a live record exists.</summary>
public sealed record GrainStateRecord(ReadOnlyMemory<byte> Payload, string? Etag, bool RecordExists)
{
    /// <summary>The record of a state never written.</summary>
    public static GrainStateRecord Missing { get; } = new(ReadOnlyMemory<byte>.Empty, null, false);
}
