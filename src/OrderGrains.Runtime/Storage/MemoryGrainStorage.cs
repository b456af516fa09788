using System.Globalization;

namespace OrderGrains.Runtime.Storage;

/// <summary>
/// Grain storage in memory, for tests: the same ETag and tombstone semantics as the SQL providers.
/// Keep one instance across runtime restarts to play the part of a database that outlives a silo.
/// </summary>
public sealed class MemoryGrainStorage : IGrainStorage, IStorageStatistics
{
    private readonly Dictionary<GrainStateKey, StoredState> _states = [];
    private readonly Lock _lock = new();
    private long _writes;

    /// <inheritdoc />
    public long WriteBatches => Interlocked.Read(ref _writes);

    /// <inheritdoc />
    public long Writes => Interlocked.Read(ref _writes);

    /// <inheritdoc />
    public int LargestBatch => Interlocked.Read(ref _writes) > 0 ? 1 : 0;

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
        Apply(key, payload.ToArray(), expectedEtag, recordExists: true, cancellationToken);

    /// <inheritdoc />
    public Task<string> ClearAsync(GrainStateKey key, string? expectedEtag, CancellationToken cancellationToken) =>
        Apply(key, [], expectedEtag, recordExists: false, cancellationToken);

    private Task<string> Apply(GrainStateKey key, byte[] payload, string? expectedEtag, bool recordExists, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled<string>(cancellationToken);
        }

        Interlocked.Increment(ref _writes);
        long expected = GrainStorageErrors.ParseVersionEtag(expectedEtag);
        lock (_lock)
        {
            long storedVersion = _states.TryGetValue(key, out var stored) ? stored.Version : 0;
            if (storedVersion != expected)
            {
                return Task.FromException<string>(GrainStorageErrors.EtagMismatch(
                    key, expectedEtag, storedVersion == 0 ? null : FormatEtag(storedVersion)));
            }

            long version = storedVersion + 1;
            _states[key] = new StoredState(payload, version, recordExists);
            return Task.FromResult(FormatEtag(version));
        }
    }

    private static string FormatEtag(long version) => version.ToString(CultureInfo.InvariantCulture);

    // The payload array is a private copy and never mutated, so readers may share it.
    private readonly record struct StoredState(byte[] Payload, long Version, bool RecordExists);
}
