using System.Globalization;
using System.Runtime.InteropServices;
using Npgsql;
using NpgsqlTypes;

namespace OrderGrains.Storage.Postgres;

/// <summary>
/// Grain storage in PostgreSQL. Writes are group-committed: each batch is one statement (hence one implicit
/// transaction and one round trip) that inserts the writes expecting no record, updates those whose version
/// matches, and returns which of them took effect; a failed ETag check changes nothing and aborts nothing.
/// </summary>
public sealed class PostgresStateStore : IStateStore, IStorageStatistics, IOutboxStore, IEntryStore, IAsyncDisposable
{
    private readonly NpgsqlDataSource _dataSource;
    private readonly Func<CancellationToken, ValueTask>? _beforeCommit;
    private readonly ReadBatcher _reads;
    private readonly string _readVersionSql;
    private readonly string _readEventsSql;
    private readonly string _readCheckpointSql;
    private readonly string _readHeadSql;
    private readonly string _writeCheckpointSql;
    private readonly string _readStateSql;
    private readonly string _readEntriesSql;
    // Enough loops that one slow statement does not hold up reads; few enough to leave the pool to the writers.
    private const int ReadLoops = 4;

    private readonly BatchWriter[] _writers;
    private readonly GroupCommitQueue _queue;
    private readonly StatisticsRefresh _statistics;

    private PostgresStateStore(PostgresStorageOptions options, NpgsqlDataSource dataSource, string schema)
    {
        var table = $"{schema}.grain_state";
        PartitionCount = options.StreamPartitions;
        _readEventsSql = $"""
            SELECT seq, stream_key, event_id, event_type, payload, appended_at, trace_parent FROM {schema}.stream_events
            WHERE ns = $1 AND part = $2 AND seq > $3 ORDER BY seq LIMIT $4
            """;
        _readCheckpointSql = $"SELECT seq FROM {schema}.stream_checkpoints WHERE consumer = $1 AND ns = $2 AND part = $3";
        _readHeadSql = $"SELECT last_seq FROM {schema}.stream_partitions WHERE ns = $1 AND part = $2";
        _writeCheckpointSql = $"""
            INSERT INTO {schema}.stream_checkpoints (consumer, ns, part, seq) VALUES ($1, $2, $3, $4)
            ON CONFLICT (consumer, ns, part) DO UPDATE SET seq = EXCLUDED.seq
            """;
        _dataSource = dataSource;
        _beforeCommit = options.BeforeCommit;
        const string keyMatch = "grain_type = $1 AND grain_key = $2 AND state_name = $3";
        _reads = new ReadBatcher(dataSource, table, ReadLoops, options.GroupCommit.MaxBatchSize);
        _readVersionSql = $"SELECT version FROM {table} WHERE {keyMatch}";
        _readStateSql = $"SELECT version, record_exists, payload FROM {table} WHERE {keyMatch}";
        _readEntriesSql = $"SELECT set_name, entry_key, payload FROM {schema}.grain_entries WHERE {keyMatch}";
        _writers = new BatchWriter[options.GroupCommit.MaxConcurrentBatches];
        for (int i = 0; i < _writers.Length; i++)
        {
            _writers[i] = new BatchWriter(schema, options.GroupCommit.MaxBatchSize, PartitionCount);
        }

        _queue = new GroupCommitQueue(CommitAsync, options.GroupCommit, "postgres");
        _statistics = new StatisticsRefresh(dataSource, schema);
    }

    /// <inheritdoc />
    public long WriteBatches => _queue.WriteBatches;

    /// <inheritdoc />
    public long Writes => _queue.Writes;

    /// <inheritdoc />
    public int LargestBatch => _queue.LargestBatch;

    /// <inheritdoc />
    public int LastBatchSize => _queue.LastBatchSize;

    /// <summary>Read statements run so far; <see cref="Reads"/> ÷ this is the mean read batch.</summary>
    public long ReadBatches => _reads.Batches;

    /// <summary>State reads answered so far.</summary>
    public long Reads => _reads.Reads;

    /// <summary>Times this store analyzed its tables while they filled up (see <see cref="StatisticsRefresh"/>).</summary>
    public long StatisticsRefreshes => _statistics.Runs;

    /// <summary>Refreshes that failed (not counted in <see cref="StatisticsRefreshes"/>); autovacuum analyzes the tables in time anyway.</summary>
    public long StatisticsRefreshFailures => _statistics.Failures;

    /// <summary>Creates the schema and tables if missing and starts the write loops.</summary>
    public static async Task<PostgresStateStore> CreateAsync(PostgresStorageOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        string schema = options.QuotedSchema;
        var dataSource = options.CreateDataSource();
        try
        {
            await PostgresSchema.EnsureCreatedAsync(dataSource, schema, cancellationToken).ConfigureAwait(false);
            return new PostgresStateStore(options, dataSource, schema);
        }
        catch (Exception)
        {
            await dataSource.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <inheritdoc />
    /// <remarks>Concurrent reads share one statement (see <see cref="ReadBatcher"/>).</remarks>
    public Task<GrainStateRecord> ReadAsync(GrainStateKey key, CancellationToken cancellationToken) =>
        _reads.ReadAsync(key, cancellationToken);

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
    /// <remarks>Both statements run in one REPEATABLE READ transaction, so the rows match the record's version.</remarks>
    public async Task<GrainStateWithEntries> ReadWithEntriesAsync(GrainStateKey key, CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, cancellationToken).ConfigureAwait(false);
        var record = GrainStateRecord.Missing;
        await using (var command = KeyCommand(new NpgsqlCommand(_readStateSql, connection, transaction), key))
        {
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            if (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                record = new GrainStateRecord(reader.GetFieldValue<byte[]>(2), FormatEtag(reader.GetInt64(0)), reader.GetBoolean(1));
            }
        }

        var entries = new List<StoredEntry>();
        await using (var command = KeyCommand(new NpgsqlCommand(_readEntriesSql, connection, transaction), key))
        {
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
        await using var command = _dataSource.CreateCommand(_readEventsSql);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = streamNamespace });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = partition });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = afterSequence });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = maxCount });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var events = new List<StoredStreamEvent>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            events.Add(new StoredStreamEvent(streamNamespace, partition, reader.GetInt64(0), reader.GetString(1), reader.GetString(2),
                reader.GetString(3), reader.GetFieldValue<byte[]>(4), reader.GetFieldValue<DateTimeOffset>(5),
                reader.IsDBNull(6) ? null : reader.GetString(6)));
        }

        return events;
    }

    /// <inheritdoc />
    public async Task<long> ReadHeadAsync(string streamNamespace, int partition, CancellationToken cancellationToken)
    {
        await using var command = _dataSource.CreateCommand(_readHeadSql);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = streamNamespace });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = partition });
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is long seq ? seq : 0;
    }

    /// <inheritdoc />
    public async Task<long> ReadCheckpointAsync(string consumer, string streamNamespace, int partition, CancellationToken cancellationToken)
    {
        await using var command = _dataSource.CreateCommand(_readCheckpointSql);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = consumer });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = streamNamespace });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = partition });
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is long seq ? seq : 0;
    }

    /// <inheritdoc />
    public async Task WriteCheckpointAsync(string consumer, string streamNamespace, int partition, long sequence, CancellationToken cancellationToken)
    {
        await using var command = _dataSource.CreateCommand(_writeCheckpointSql);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = consumer });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = streamNamespace });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = partition });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = sequence });
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Commits the writes already queued, then closes every connection.</summary>
    public async ValueTask DisposeAsync()
    {
        await _queue.DisposeAsync().ConfigureAwait(false);
        await _statistics.DrainAsync().ConfigureAwait(false);
        await _reads.DisposeAsync().ConfigureAwait(false);
        foreach (var writer in _writers)
        {
            await writer.DisposeAsync().ConfigureAwait(false);
        }

        await _dataSource.DisposeAsync().ConfigureAwait(false);
    }

    private async ValueTask CommitAsync(GroupCommitBatch batch)
    {
        var writer = _writers[batch.Slot];
        try
        {
            await writer.ExecuteAsync(batch, _dataSource, _beforeCommit).ConfigureAwait(false);
            _statistics.Observe(_queue.Writes + batch.Count);
        }
        catch (Exception)
        {
            // The connection's state is unknown after a failure; the next batch of this slot opens a fresh one.
            await writer.ResetAsync().ConfigureAwait(false);
            throw;
        }

        // Rare: the ETag checks that failed. The batch is committed; read what the store holds to name it in the error.
        for (int i = 0; i < batch.Count; i++)
        {
            if (!writer.Committed[i])
            {
                batch.SetConflict(i, await TryReadEtagAsync(batch[i].Key).ConfigureAwait(false));
            }
        }
    }

    private async Task<string?> TryReadEtagAsync(GrainStateKey key)
    {
        try
        {
            await using var command = CreateKeyCommand(_readVersionSql, key);
            return await command.ExecuteScalarAsync().ConfigureAwait(false) is long version ? FormatEtag(version) : null;
        }
        catch (NpgsqlException)
        {
            // The batch has committed: failing it now would tell its successful writers they failed.
            // The conflict is certain; only the stored ETag it names is lost.
            return null;
        }
    }

    private NpgsqlCommand CreateKeyCommand(string sql, GrainStateKey key) => KeyCommand(_dataSource.CreateCommand(sql), key);

    private static NpgsqlCommand KeyCommand(NpgsqlCommand command, GrainStateKey key)
    {
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = key.GrainType });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = key.GrainKey });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = key.StateName });
        return command;
    }

    private static string FormatEtag(long version) => version.ToString(CultureInfo.InvariantCulture);

    /// <summary>One batch slot's connection, prepared statement and parameter lists, reused batch after batch.</summary>
    private sealed class BatchWriter : IAsyncDisposable
    {
        private readonly NpgsqlCommand _command;
        private readonly NpgsqlCommand _appendEvents;
        private readonly int _partitionCount;
        private readonly List<string> _eventNamespaces = [];
        private readonly List<int> _eventPartitions = [];
        private readonly List<string> _eventKeys = [];
        private readonly List<string> _eventIds = [];
        private readonly List<string> _eventTypes = [];
        private readonly List<byte[]> _eventPayloads = [];
        private readonly List<string?> _eventTraceParents = [];
        private readonly List<string> _types;
        private readonly List<string> _keys;
        private readonly List<string> _names;
        // 0 where the writer expects no record: versions start at 1.
        private readonly List<long> _expected;
        private readonly List<bool> _exists;
        private readonly List<byte[]> _payloads;
        private readonly EntryWriter _entries;
        private NpgsqlConnection? _connection;

        public BatchWriter(string schema, int maxBatchSize, int partitionCount)
        {
            var table = $"{schema}.grain_state";
            _partitionCount = partitionCount;

            // One statement: count the new events per partition, bump each partition's counter (its row lock is held
            // until commit, so sequence order is commit order), and number the events after the old counter value.
            // Concurrent batches lock their partition rows in one global order (ns, part), or two batches touching
            // the same two partitions in opposite orders deadlock (seen as 40P01 in the stream tests).
            _appendEvents = new NpgsqlCommand($"""
                WITH ev AS (
                    SELECT * FROM unnest($1::text[], $2::integer[], $3::text[], $4::text[], $5::text[], $6::bytea[], $7::text[])
                        WITH ORDINALITY AS e (ns, part, skey, id, typ, p, tp, o)
                ),
                counts AS (SELECT ns, part, count(*) AS n FROM ev GROUP BY ns, part),
                bumped AS (
                    INSERT INTO {schema}.stream_partitions AS s (ns, part, last_seq)
                    SELECT ns, part, n FROM counts ORDER BY ns, part
                    ON CONFLICT (ns, part) DO UPDATE SET last_seq = s.last_seq + EXCLUDED.last_seq
                    RETURNING s.ns, s.part, s.last_seq
                )
                INSERT INTO {schema}.stream_events (ns, part, seq, stream_key, event_id, event_type, payload, appended_at, trace_parent)
                SELECT ev.ns, ev.part, b.last_seq - c.n + row_number() OVER (PARTITION BY ev.ns, ev.part ORDER BY ev.o),
                       ev.skey, ev.id, ev.typ, ev.p, now(), ev.tp
                FROM ev
                JOIN counts AS c ON c.ns = ev.ns AND c.part = ev.part
                JOIN bumped AS b ON b.ns = ev.ns AND b.part = ev.part
                """);
            AddArray(_appendEvents, _eventNamespaces, NpgsqlDbType.Text);
            AddArray(_appendEvents, _eventPartitions, NpgsqlDbType.Integer);
            AddArray(_appendEvents, _eventKeys, NpgsqlDbType.Text);
            AddArray(_appendEvents, _eventIds, NpgsqlDbType.Text);
            AddArray(_appendEvents, _eventTypes, NpgsqlDbType.Text);
            AddArray(_appendEvents, _eventPayloads, NpgsqlDbType.Bytea);
            AddArray(_appendEvents, _eventTraceParents, NpgsqlDbType.Text);
            // Keys are unique within a batch (the queue guarantees it), so each input row meets at most one effect.
            // The ordinality o (1-based) is how a returned row names its write.
            _command = new NpgsqlCommand($"""
                WITH input AS (
                    SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::boolean[], $6::bytea[])
                        WITH ORDINALITY AS i (t, k, n, e, x, p, o)
                ),
                inserted AS (
                    INSERT INTO {table} AS g (grain_type, grain_key, state_name, version, record_exists, payload)
                    SELECT t, k, n, 1, x, p FROM input WHERE e = 0
                    ON CONFLICT DO NOTHING
                    RETURNING g.grain_type, g.grain_key, g.state_name
                ),
                updated AS (
                    UPDATE {table} AS g SET version = g.version + 1, record_exists = i.x, payload = i.p
                    FROM input AS i
                    WHERE i.e > 0 AND g.grain_type = i.t AND g.grain_key = i.k AND g.state_name = i.n AND g.version = i.e
                    RETURNING i.o, g.version
                )
                SELECT o, version FROM updated
                UNION ALL
                SELECT i.o, 1::bigint FROM inserted AS d JOIN input AS i ON i.t = d.grain_type AND i.k = d.grain_key AND i.n = d.state_name
                """);
            int capacity = Math.Min(maxBatchSize, 1024);
            _types = new List<string>(capacity);
            _keys = new List<string>(capacity);
            _names = new List<string>(capacity);
            _expected = new List<long>(capacity);
            _exists = new List<bool>(capacity);
            _payloads = new List<byte[]>(capacity);
            Committed = new bool[maxBatchSize];
            AddArray(_command, _types, NpgsqlDbType.Text);
            AddArray(_command, _keys, NpgsqlDbType.Text);
            AddArray(_command, _names, NpgsqlDbType.Text);
            AddArray(_command, _expected, NpgsqlDbType.Bigint);
            AddArray(_command, _exists, NpgsqlDbType.Boolean);
            AddArray(_command, _payloads, NpgsqlDbType.Bytea);
            _entries = new EntryWriter(schema);
        }

        /// <summary>Which writes of the last batch took effect; the rest failed their ETag check.</summary>
        public bool[] Committed { get; }

        public async Task ExecuteAsync(GroupCommitBatch batch, NpgsqlDataSource dataSource, Func<CancellationToken, ValueTask>? beforeCommit)
        {
            int count = batch.Count;
            ClearLists();
            Array.Clear(Committed, 0, count);
            var carriesEvents = false;
            var carriesEntries = false;
            for (int i = 0; i < count; i++)
            {
                var entry = batch[i];
                _types.Add(entry.Key.GrainType);
                _keys.Add(entry.Key.GrainKey);
                _names.Add(entry.Key.StateName);
                _expected.Add(StateStoreErrors.ParseVersionEtag(entry.ExpectedEtag));
                _exists.Add(!entry.IsClear);
                _payloads.Add(ToArray(entry.Payload));
                carriesEvents |= entry.Events.Count > 0;
                carriesEntries |= entry.Entries.Count > 0 || entry.IsClear;
            }

            if (_connection is null)
            {
                _connection = await dataSource.OpenConnectionAsync().ConfigureAwait(false);
                _command.Connection = _connection;
                _appendEvents.Connection = _connection;
                _entries.Connection = _connection;
                await _command.PrepareAsync().ConfigureAwait(false);
            }

            if (beforeCommit is not null)
            {
                await beforeCommit(CancellationToken.None).ConfigureAwait(false);
            }

            // Without events or entries the statement is its own transaction (one round trip). With them, the state
            // statement, the event append and the entry changes share an explicit transaction: events and entries only
            // for writes that passed their ETag check. A clear deletes its state's entries, so it takes one too.
            await using var transaction = carriesEvents || carriesEntries ? await _connection.BeginTransactionAsync().ConfigureAwait(false) : null;
            var etags = new string?[count];
            await using (var reader = await _command.ExecuteReaderAsync().ConfigureAwait(false))
            {
                while (await reader.ReadAsync().ConfigureAwait(false))
                {
                    int index = (int)reader.GetInt64(0) - 1;
                    Committed[index] = true;
                    etags[index] = FormatEtag(reader.GetInt64(1));
                }
            }

            if (transaction is not null)
            {
                for (int i = 0; i < count; i++)
                {
                    if (!Committed[i])
                    {
                        continue;
                    }

                    foreach (var e in batch[i].Events)
                    {
                        _eventNamespaces.Add(e.StreamNamespace);
                        _eventPartitions.Add(StreamPartitioner.PartitionOf(e.StreamKey, _partitionCount));
                        _eventKeys.Add(e.StreamKey);
                        _eventIds.Add(e.EventId);
                        _eventTypes.Add(e.EventType);
                        _eventPayloads.Add(ToArray(e.Payload));
                        _eventTraceParents.Add(e.TraceParent);
                    }
                }

                if (_eventIds.Count > 0)
                {
                    await _appendEvents.ExecuteNonQueryAsync().ConfigureAwait(false);
                }

                if (carriesEntries)
                {
                    await _entries.ExecuteAsync(batch, Committed).ConfigureAwait(false);
                }

                await transaction.CommitAsync().ConfigureAwait(false);
            }

            // Outcomes are reported only after the commit: before it, nothing in the batch is durable.
            for (int i = 0; i < count; i++)
            {
                if (Committed[i])
                {
                    batch.SetCommitted(i, etags[i]!);
                }
            }

            // The lists must not pin payloads until the next batch.
            ClearLists();
        }

        public async ValueTask ResetAsync()
        {
            ClearLists();
            if (_connection is not null)
            {
                var connection = _connection;
                _connection = null;
                _command.Connection = null;
                _appendEvents.Connection = null;
                _entries.Connection = null;
                await connection.DisposeAsync().ConfigureAwait(false);
            }
        }

        public async ValueTask DisposeAsync()
        {
            await ResetAsync().ConfigureAwait(false);
            await _command.DisposeAsync().ConfigureAwait(false);
            await _appendEvents.DisposeAsync().ConfigureAwait(false);
            await _entries.DisposeAsync().ConfigureAwait(false);
        }

        internal static void AddArray<T>(NpgsqlCommand command, List<T> values, NpgsqlDbType elementType) =>
            command.Parameters.Add(new NpgsqlParameter<List<T>> { NpgsqlDbType = NpgsqlDbType.Array | elementType, TypedValue = values });

        private void ClearLists()
        {
            _eventNamespaces.Clear();
            _eventPartitions.Clear();
            _eventKeys.Clear();
            _eventIds.Clear();
            _eventTypes.Clear();
            _eventPayloads.Clear();
            _eventTraceParents.Clear();
            _types.Clear();
            _keys.Clear();
            _names.Clear();
            _expected.Clear();
            _exists.Clear();
            _payloads.Clear();
            _entries.Clear();
        }

        internal static byte[] ToArray(ReadOnlyMemory<byte> payload) =>
            MemoryMarshal.TryGetArray(payload, out var segment) && segment.Offset == 0 && segment.Count == segment.Array!.Length
                ? segment.Array
                : payload.ToArray();
    }

    /// <summary>
    /// A batch's entry-set changes as four array statements (whole sets and cleared states deleted first, then single
    /// entries deleted and upserted), run in the batch's transaction for the writes that committed.
    /// </summary>
    private sealed class EntryWriter : IAsyncDisposable
    {
        private readonly NpgsqlCommand _deleteStates;
        private readonly NpgsqlCommand _deleteSets;
        private readonly NpgsqlCommand _deleteEntries;
        private readonly NpgsqlCommand _upsertEntries;
        private readonly List<string> _clearedTypes = [], _clearedKeys = [], _clearedNames = [];
        private readonly List<string> _setTypes = [], _setKeys = [], _setNames = [], _sets = [];
        private readonly List<string> _deletedTypes = [], _deletedKeys = [], _deletedNames = [], _deletedSets = [], _deletedEntries = [];
        private readonly List<string> _types = [], _keys = [], _names = [], _entrySets = [], _entryKeys = [];
        private readonly List<byte[]> _payloads = [];

        public EntryWriter(string schema)
        {
            var table = $"{schema}.grain_entries";
            const string match = "g.grain_type = d.t AND g.grain_key = d.k AND g.state_name = d.n";
            _deleteStates = new NpgsqlCommand($"DELETE FROM {table} AS g USING unnest($1::text[], $2::text[], $3::text[]) AS d (t, k, n) WHERE {match}");
            _deleteSets = new NpgsqlCommand($"DELETE FROM {table} AS g USING unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS d (t, k, n, s) WHERE {match} AND g.set_name = d.s");
            _deleteEntries = new NpgsqlCommand($"""
                DELETE FROM {table} AS g USING unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[]) AS d (t, k, n, s, e)
                WHERE {match} AND g.set_name = d.s AND g.entry_key = d.e
                """);
            _upsertEntries = new NpgsqlCommand($"""
                INSERT INTO {table} (grain_type, grain_key, state_name, set_name, entry_key, payload)
                SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bytea[])
                ON CONFLICT (grain_type, grain_key, state_name, set_name, entry_key) DO UPDATE SET payload = EXCLUDED.payload
                """);
            foreach (var list in (List<string>[])[_clearedTypes, _clearedKeys, _clearedNames])
            {
                BatchWriter.AddArray(_deleteStates, list, NpgsqlDbType.Text);
            }

            foreach (var list in (List<string>[])[_setTypes, _setKeys, _setNames, _sets])
            {
                BatchWriter.AddArray(_deleteSets, list, NpgsqlDbType.Text);
            }

            foreach (var list in (List<string>[])[_deletedTypes, _deletedKeys, _deletedNames, _deletedSets, _deletedEntries])
            {
                BatchWriter.AddArray(_deleteEntries, list, NpgsqlDbType.Text);
            }

            foreach (var list in (List<string>[])[_types, _keys, _names, _entrySets, _entryKeys])
            {
                BatchWriter.AddArray(_upsertEntries, list, NpgsqlDbType.Text);
            }

            BatchWriter.AddArray(_upsertEntries, _payloads, NpgsqlDbType.Bytea);
        }

        public NpgsqlConnection? Connection
        {
            set
            {
                _deleteStates.Connection = value;
                _deleteSets.Connection = value;
                _deleteEntries.Connection = value;
                _upsertEntries.Connection = value;
            }
        }

        public async Task ExecuteAsync(GroupCommitBatch batch, bool[] committed)
        {
            Clear();
            for (int i = 0; i < batch.Count; i++)
            {
                if (!committed[i])
                {
                    continue;
                }

                var write = batch[i];
                var key = write.Key;
                if (write.IsClear)
                {
                    _clearedTypes.Add(key.GrainType);
                    _clearedKeys.Add(key.GrainKey);
                    _clearedNames.Add(key.StateName);
                    continue;
                }

                foreach (var set in write.Entries)
                {
                    if (set.ReplaceAll)
                    {
                        _setTypes.Add(key.GrainType);
                        _setKeys.Add(key.GrainKey);
                        _setNames.Add(key.StateName);
                        _sets.Add(set.Set);
                    }

                    foreach (var change in set.Changes)
                    {
                        if (change.Payload is { } payload)
                        {
                            _types.Add(key.GrainType);
                            _keys.Add(key.GrainKey);
                            _names.Add(key.StateName);
                            _entrySets.Add(set.Set);
                            _entryKeys.Add(change.Key);
                            _payloads.Add(payload);
                        }
                        else
                        {
                            _deletedTypes.Add(key.GrainType);
                            _deletedKeys.Add(key.GrainKey);
                            _deletedNames.Add(key.StateName);
                            _deletedSets.Add(set.Set);
                            _deletedEntries.Add(change.Key);
                        }
                    }
                }
            }

            // Whole sets go before their replacement rows are inserted.
            foreach (var (command, rows) in (IEnumerable<(NpgsqlCommand, int)>)[(_deleteStates, _clearedTypes.Count), (_deleteSets, _setTypes.Count), (_deleteEntries, _deletedTypes.Count), (_upsertEntries, _types.Count)])
            {
                if (rows > 0)
                {
                    await command.ExecuteNonQueryAsync().ConfigureAwait(false);
                }
            }

            Clear();
        }

        public void Clear()
        {
            foreach (var list in (List<string>[])[_clearedTypes, _clearedKeys, _clearedNames, _setTypes, _setKeys, _setNames, _sets,
                         _deletedTypes, _deletedKeys, _deletedNames, _deletedSets, _deletedEntries, _types, _keys, _names, _entrySets, _entryKeys])
            {
                list.Clear();
            }

            _payloads.Clear();
        }

        public async ValueTask DisposeAsync()
        {
            await _deleteStates.DisposeAsync().ConfigureAwait(false);
            await _deleteSets.DisposeAsync().ConfigureAwait(false);
            await _deleteEntries.DisposeAsync().ConfigureAwait(false);
            await _upsertEntries.DisposeAsync().ConfigureAwait(false);
        }
    }
}
