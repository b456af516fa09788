using System.Globalization;
using System.Runtime.InteropServices;
using Microsoft.Data.Sqlite;

namespace OrderGrains.Storage.Sqlite;

/// <summary>
/// Grain storage in one SQLite file (WAL, synchronous = FULL, so an acknowledged write is on disk).
/// Writes are group-committed: one transaction per batch on a single writer connection; reads use pooled
/// connections of their own, which WAL lets run beside the writer.
/// </summary>
public sealed class SqliteStateStore : IStateStore, IStorageStatistics, IOutboxStore, IEntryStore, IAsyncDisposable
{
    private const string KeyMatch = "grain_type = $type AND grain_key = $key AND state_name = $name";

    private readonly string _connectionString;
    private readonly Func<CancellationToken, ValueTask>? _beforeCommit;
    private readonly SqliteConnection _writer;
    private readonly SqliteCommand _insert;
    private readonly SqliteCommand _update;
    private readonly SqliteCommand _readVersion;
    private readonly SqliteCommand _appendEvent;
    private readonly SqliteCommand _upsertEntry;
    private readonly SqliteCommand _deleteEntry;
    private readonly SqliteCommand _deleteSet;
    private readonly SqliteCommand _deleteEntries;
    private readonly GroupCommitQueue _queue;

    private SqliteStateStore(SqliteStorageOptions options, SqliteConnection writer)
    {
        _connectionString = options.ConnectionString;
        _beforeCommit = options.BeforeCommit;
        _writer = writer;
        // A write expecting no record inserts; any existing row, tombstones included, makes it a conflict.
        _insert = CreateWriteCommand(
            "INSERT INTO grain_state (grain_type, grain_key, state_name, version, record_exists, payload) " +
            "VALUES ($type, $key, $name, 1, $exists, $payload) ON CONFLICT DO NOTHING;");
        _update = CreateWriteCommand(
            "UPDATE grain_state SET version = version + 1, record_exists = $exists, payload = $payload " +
            $"WHERE {KeyMatch} AND version = $expected;");
        _readVersion = CreateCommand(writer, $"SELECT version FROM grain_state WHERE {KeyMatch};");
        _appendEvent = writer.CreateCommand();
        _appendEvent.CommandText = """
            INSERT INTO stream_events (ns, part, seq, stream_key, event_id, event_type, payload, appended_at_ticks, trace_parent)
            VALUES ($ns, $part, (SELECT COALESCE(MAX(seq), 0) + 1 FROM stream_events WHERE ns = $ns AND part = $part),
                    $skey, $id, $type, $payload, $at, $trace);
            """;
        foreach (var name in (string[])["$ns", "$part", "$skey", "$id", "$type", "$payload", "$at", "$trace"])
        {
            _appendEvent.Parameters.Add(new SqliteParameter { ParameterName = name });
        }

        _upsertEntry = CreateCommand(writer,
            "INSERT INTO grain_entries (grain_type, grain_key, state_name, set_name, entry_key, payload) VALUES ($type, $key, $name, $set, $entry, $payload) " +
            "ON CONFLICT (grain_type, grain_key, state_name, set_name, entry_key) DO UPDATE SET payload = excluded.payload;");
        _upsertEntry.Parameters.Add("$set", SqliteType.Text);
        _upsertEntry.Parameters.Add("$entry", SqliteType.Text);
        _upsertEntry.Parameters.Add("$payload", SqliteType.Blob);
        _deleteEntry = CreateCommand(writer, $"DELETE FROM grain_entries WHERE {KeyMatch} AND set_name = $set AND entry_key = $entry;");
        _deleteEntry.Parameters.Add("$set", SqliteType.Text);
        _deleteEntry.Parameters.Add("$entry", SqliteType.Text);
        _deleteSet = CreateCommand(writer, $"DELETE FROM grain_entries WHERE {KeyMatch} AND set_name = $set;");
        _deleteSet.Parameters.Add("$set", SqliteType.Text);
        _deleteEntries = CreateCommand(writer, $"DELETE FROM grain_entries WHERE {KeyMatch};");
        PartitionCount = options.StreamPartitions;
        _queue = new GroupCommitQueue(CommitAsync, options.GroupCommit, "sqlite");
    }

    /// <inheritdoc />
    public long WriteBatches => _queue.WriteBatches;

    /// <inheritdoc />
    public long Writes => _queue.Writes;

    /// <inheritdoc />
    public int LargestBatch => _queue.LargestBatch;

    /// <inheritdoc />
    public int LastBatchSize => _queue.LastBatchSize;

    /// <summary>Opens (creating if needed) the database and its schema, and starts the write loop.</summary>
    public static async Task<SqliteStateStore> CreateAsync(SqliteStorageOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.GroupCommit.MaxConcurrentBatches != 1)
        {
            throw new ArgumentException("SQLite has a single writer: GroupCommit.MaxConcurrentBatches must be 1.", nameof(options));
        }

        await SqliteSchema.EnsureCreatedAsync(options, cancellationToken).ConfigureAwait(false);
        var writer = await SqliteSchema.OpenAsync(options.ConnectionString, cancellationToken).ConfigureAwait(false);
        return new SqliteStateStore(options, writer);
    }

    /// <inheritdoc />
    public async Task<GrainStateRecord> ReadAsync(GrainStateKey key, CancellationToken cancellationToken)
    {
        await using var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = CreateCommand(connection, $"SELECT version, record_exists, payload FROM grain_state WHERE {KeyMatch};");
        SetKey(command, key);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            return GrainStateRecord.Missing;
        }

        return new GrainStateRecord(
            reader.GetFieldValue<byte[]>(2),
            FormatEtag(reader.GetInt64(0)),
            reader.GetInt64(1) != 0);
    }

    /// <inheritdoc />
    /// <remarks>The payload must stay unchanged until the returned task completes.</remarks>
    public Task<string> WriteAsync(GrainStateKey key, ReadOnlyMemory<byte> payload, string? expectedEtag, CancellationToken cancellationToken) =>
        _queue.EnqueueAsync(key, payload, expectedEtag, isClear: false, cancellationToken);

    /// <inheritdoc />
    public Task<string> ClearAsync(GrainStateKey key, string? expectedEtag, CancellationToken cancellationToken) =>
        _queue.EnqueueAsync(key, ReadOnlyMemory<byte>.Empty, expectedEtag, isClear: true, cancellationToken);

    /// <inheritdoc />
    public int PartitionCount { get; }

    /// <inheritdoc />
    public Task<string> WriteWithEventsAsync(GrainStateKey key, ReadOnlyMemory<byte> payload, string? expectedEtag, IReadOnlyList<StreamEventData> events, CancellationToken cancellationToken) =>
        _queue.EnqueueAsync(key, payload, expectedEtag, isClear: false, events, cancellationToken);

    /// <inheritdoc />
    public Task<string> WriteWithEntriesAsync(GrainStateKey key, ReadOnlyMemory<byte> payload, string? expectedEtag, IReadOnlyList<StreamEventData> events, IReadOnlyList<EntrySetChanges> entries, CancellationToken cancellationToken) =>
        _queue.EnqueueAsync(key, payload, expectedEtag, isClear: false, events, entries, cancellationToken);

    /// <inheritdoc />
    /// <remarks>One read transaction: the record and its rows come from the same snapshot of the WAL.</remarks>
    public async Task<GrainStateWithEntries> ReadWithEntriesAsync(GrainStateKey key, CancellationToken cancellationToken)
    {
        await using var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var record = GrainStateRecord.Missing;
        await using (var command = CreateCommand(connection, $"SELECT version, record_exists, payload FROM grain_state WHERE {KeyMatch};"))
        {
            command.Transaction = transaction;
            SetKey(command, key);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            if (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                record = new GrainStateRecord(reader.GetFieldValue<byte[]>(2), FormatEtag(reader.GetInt64(0)), reader.GetInt64(1) != 0);
            }
        }

        var entries = new List<StoredEntry>();
        await using (var command = CreateCommand(connection, $"SELECT set_name, entry_key, payload FROM grain_entries WHERE {KeyMatch};"))
        {
            command.Transaction = transaction;
            SetKey(command, key);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                entries.Add(new StoredEntry(reader.GetString(0), reader.GetString(1), reader.GetFieldValue<byte[]>(2)));
            }
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return new GrainStateWithEntries(record, entries);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<StoredStreamEvent>> ReadEventsAsync(string streamNamespace, int partition, long afterSequence, int maxCount, CancellationToken cancellationToken)
    {
        await using var connection = await SqliteSchema.OpenAsync(_connectionString, cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT seq, stream_key, event_id, event_type, payload, appended_at_ticks, trace_parent FROM stream_events
            WHERE ns = $ns AND part = $part AND seq > $after ORDER BY seq LIMIT $max;
            """;
        command.Parameters.AddWithValue("$ns", streamNamespace);
        command.Parameters.AddWithValue("$part", partition);
        command.Parameters.AddWithValue("$after", afterSequence);
        command.Parameters.AddWithValue("$max", maxCount);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var events = new List<StoredStreamEvent>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            events.Add(new StoredStreamEvent(streamNamespace, partition, reader.GetInt64(0), reader.GetString(1), reader.GetString(2),
                reader.GetString(3), (byte[])reader.GetValue(4), new DateTimeOffset(reader.GetInt64(5), TimeSpan.Zero),
                reader.IsDBNull(6) ? null : reader.GetString(6)));
        }

        return events;
    }

    /// <inheritdoc />
    public async Task<long> ReadHeadAsync(string streamNamespace, int partition, CancellationToken cancellationToken)
    {
        await using var connection = await SqliteSchema.OpenAsync(_connectionString, cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT COALESCE(MAX(seq), 0) FROM stream_events WHERE ns = $ns AND part = $part;";
        command.Parameters.AddWithValue("$ns", streamNamespace);
        command.Parameters.AddWithValue("$part", partition);
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is long seq ? seq : 0;
    }

    /// <inheritdoc />
    public async Task<long> ReadCheckpointAsync(string consumer, string streamNamespace, int partition, CancellationToken cancellationToken)
    {
        await using var connection = await SqliteSchema.OpenAsync(_connectionString, cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT seq FROM stream_checkpoints WHERE consumer = $c AND ns = $ns AND part = $part;";
        command.Parameters.AddWithValue("$c", consumer);
        command.Parameters.AddWithValue("$ns", streamNamespace);
        command.Parameters.AddWithValue("$part", partition);
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is long seq ? seq : 0;
    }

    /// <inheritdoc />
    public async Task WriteCheckpointAsync(string consumer, string streamNamespace, int partition, long sequence, CancellationToken cancellationToken)
    {
        await using var connection = await SqliteSchema.OpenAsync(_connectionString, cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            INSERT INTO stream_checkpoints (consumer, ns, part, seq) VALUES ($c, $ns, $part, $seq)
            ON CONFLICT (consumer, ns, part) DO UPDATE SET seq = excluded.seq;
            """;
        command.Parameters.AddWithValue("$c", consumer);
        command.Parameters.AddWithValue("$ns", streamNamespace);
        command.Parameters.AddWithValue("$part", partition);
        command.Parameters.AddWithValue("$seq", sequence);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Commits the writes already queued, then closes the database.</summary>
    public async ValueTask DisposeAsync()
    {
        await _queue.DisposeAsync().ConfigureAwait(false);
        await _insert.DisposeAsync().ConfigureAwait(false);
        await _update.DisposeAsync().ConfigureAwait(false);
        await _readVersion.DisposeAsync().ConfigureAwait(false);
        await _appendEvent.DisposeAsync().ConfigureAwait(false);
        await _upsertEntry.DisposeAsync().ConfigureAwait(false);
        await _deleteEntry.DisposeAsync().ConfigureAwait(false);
        await _deleteSet.DisposeAsync().ConfigureAwait(false);
        await _deleteEntries.DisposeAsync().ConfigureAwait(false);
        await _writer.DisposeAsync().ConfigureAwait(false);
        // Pooled reader connections would otherwise keep the file open after the provider is gone.
        using var poolKey = new SqliteConnection(_connectionString);
        SqliteConnection.ClearPool(poolKey);
    }

    private async ValueTask CommitAsync(GroupCommitBatch batch)
    {
        // BEGIN IMMEDIATE: take the write lock up front so that the batch cannot fail half-way on a busy database.
        using var transaction = _writer.BeginTransaction(deferred: false);
        _insert.Transaction = transaction;
        _update.Transaction = transaction;
        _readVersion.Transaction = transaction;
        _appendEvent.Transaction = transaction;
        _upsertEntry.Transaction = transaction;
        _deleteEntry.Transaction = transaction;
        _deleteSet.Transaction = transaction;
        _deleteEntries.Transaction = transaction;
        var appendedAt = DateTimeOffset.UtcNow.UtcTicks;
        for (int i = 0; i < batch.Count; i++)
        {
            var entry = batch[i];
            long expected = StateStoreErrors.ParseVersionEtag(entry.ExpectedEtag);
            SqliteCommand command = expected == 0 ? _insert : _update;
            if (expected >= 0)
            {
                SetKey(command, entry.Key);
                command.Parameters[3].Value = entry.IsClear ? 0L : 1L;
                command.Parameters[4].Value = ToArray(entry.Payload);
                command.Parameters[5].Value = expected;
                if (command.ExecuteNonQuery() == 1)
                {
                    AppendEvents(entry.Events, appendedAt);
                    ApplyEntries(entry);
                    batch.SetCommitted(i, FormatEtag(expected + 1));
                    continue;
                }
            }

            SetKey(_readVersion, entry.Key);
            batch.SetConflict(i, _readVersion.ExecuteScalar() is long stored ? FormatEtag(stored) : null);
        }

        if (_beforeCommit is not null)
        {
            await _beforeCommit(CancellationToken.None).ConfigureAwait(false);
        }

        transaction.Commit();
    }

    private void AppendEvents(IReadOnlyList<StreamEventData> events, long appendedAt)
    {
        foreach (var e in events)
        {
            _appendEvent.Parameters[0].Value = e.StreamNamespace;
            _appendEvent.Parameters[1].Value = StreamPartitioner.PartitionOf(e.StreamKey, PartitionCount);
            _appendEvent.Parameters[2].Value = e.StreamKey;
            _appendEvent.Parameters[3].Value = e.EventId;
            _appendEvent.Parameters[4].Value = e.EventType;
            _appendEvent.Parameters[5].Value = ToArray(e.Payload);
            _appendEvent.Parameters[6].Value = appendedAt;
            _appendEvent.Parameters[7].Value = (object?)e.TraceParent ?? DBNull.Value;
            _appendEvent.ExecuteNonQuery();
        }
    }

    // A clear deletes every entry of the state; a write applies its sets' changes.
    private void ApplyEntries(GroupCommitEntry entry)
    {
        if (entry.IsClear)
        {
            SetKey(_deleteEntries, entry.Key);
            _deleteEntries.ExecuteNonQuery();
            return;
        }

        foreach (var set in entry.Entries)
        {
            if (set.ReplaceAll)
            {
                SetKey(_deleteSet, entry.Key);
                _deleteSet.Parameters[3].Value = set.Set;
                _deleteSet.ExecuteNonQuery();
            }

            foreach (var change in set.Changes)
            {
                var command = change.Payload is null ? _deleteEntry : _upsertEntry;
                SetKey(command, entry.Key);
                command.Parameters[3].Value = set.Set;
                command.Parameters[4].Value = change.Key;
                if (change.Payload is { } payload)
                {
                    command.Parameters[5].Value = payload;
                }

                command.ExecuteNonQuery();
            }
        }
    }

    private SqliteCommand CreateWriteCommand(string sql)
    {
        var command = CreateCommand(_writer, sql);
        command.Parameters.Add("$exists", SqliteType.Integer);
        command.Parameters.Add("$payload", SqliteType.Blob);
        // Unused by the insert; SQLite ignores parameters a statement does not name.
        command.Parameters.Add("$expected", SqliteType.Integer);
        return command;
    }

    private static SqliteCommand CreateCommand(SqliteConnection connection, string sql)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Parameters.Add("$type", SqliteType.Text);
        command.Parameters.Add("$key", SqliteType.Text);
        command.Parameters.Add("$name", SqliteType.Text);
        return command;
    }

    private static void SetKey(SqliteCommand command, GrainStateKey key)
    {
        command.Parameters[0].Value = key.GrainType;
        command.Parameters[1].Value = key.GrainKey;
        command.Parameters[2].Value = key.StateName;
    }

    private static byte[] ToArray(ReadOnlyMemory<byte> payload) =>
        MemoryMarshal.TryGetArray(payload, out var segment) && segment.Offset == 0 && segment.Count == segment.Array!.Length
            ? segment.Array
            : payload.ToArray();

    private static string FormatEtag(long version) => version.ToString(CultureInfo.InvariantCulture);
}
