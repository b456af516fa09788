using Npgsql;

namespace OrderGrains.Storage.Postgres;

internal static class PostgresSchema
{
    // 2: Orleans' ADO.NET clustering and reminder tables; the runtime's own reminders table is gone (see MigrateRuntimeRemindersAsync).
    // 3: entry sets (grain_entries): an older version would read a hot grain's state without them, so it must refuse.
    private const int FormatVersion = 3;

    /// <summary>
    /// Creates the schema, our tables, and the tables and OrleansQuery rows of Orleans' ADO.NET clustering and reminders,
    /// if missing; safe when several silos start at once. Refuses a schema of a newer format.
    /// </summary>
    public static async Task EnsureCreatedAsync(NpgsqlDataSource dataSource, string quotedSchema, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        // The schema name is a validated identifier, so inlining it is safe.
        // CREATE ... IF NOT EXISTS is not safe against a concurrent creator, hence the lock.
        // Grain state rows are never deleted: a clear leaves a tombstone whose version keeps counting.
        // fillfactor leaves room on each page so that state updates stay HOT (no index write).
        // stream_partitions.last_seq is bumped inside the appending transaction; its row lock, held until commit,
        // makes sequence order equal commit order within a partition, so consumers reading "after N" skip nothing.
        command.CommandText = $"""
            SELECT pg_advisory_xact_lock(hashtext('ordergrains.schema:{quotedSchema}'));
            CREATE SCHEMA IF NOT EXISTS {quotedSchema};
            CREATE TABLE IF NOT EXISTS {quotedSchema}.grain_state (
                grain_type    text    NOT NULL,
                grain_key     text    NOT NULL,
                state_name    text    NOT NULL,
                version       bigint  NOT NULL,
                record_exists boolean NOT NULL,
                payload       bytea   NOT NULL,
                PRIMARY KEY (grain_type, grain_key, state_name)
            ) WITH (fillfactor = 80);
            CREATE TABLE IF NOT EXISTS {quotedSchema}.grain_entries (
                grain_type text  NOT NULL,
                grain_key  text  NOT NULL,
                state_name text  NOT NULL,
                set_name   text  NOT NULL,
                entry_key  text  NOT NULL,
                payload    bytea NOT NULL,
                PRIMARY KEY (grain_type, grain_key, state_name, set_name, entry_key)
            );
            CREATE TABLE IF NOT EXISTS {quotedSchema}.stream_partitions (
                ns       text    NOT NULL,
                part     integer NOT NULL,
                last_seq bigint  NOT NULL,
                PRIMARY KEY (ns, part)
            );
            CREATE TABLE IF NOT EXISTS {quotedSchema}.stream_events (
                ns          text        NOT NULL,
                part        integer     NOT NULL,
                seq         bigint      NOT NULL,
                stream_key  text        NOT NULL,
                event_id    text        NOT NULL,
                event_type  text        NOT NULL,
                payload     bytea       NOT NULL,
                appended_at timestamptz NOT NULL,
                trace_parent text,
                PRIMARY KEY (ns, part, seq)
            );
            ALTER TABLE {quotedSchema}.stream_events ADD COLUMN IF NOT EXISTS trace_parent text;
            CREATE TABLE IF NOT EXISTS {quotedSchema}.stream_checkpoints (
                consumer text    NOT NULL,
                ns       text    NOT NULL,
                part     integer NOT NULL,
                seq      bigint  NOT NULL,
                PRIMARY KEY (consumer, ns, part)
            );
            CREATE TABLE IF NOT EXISTS {quotedSchema}.ordergrains_format (
                singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
                format    integer NOT NULL
            );
            {OrleansAdoNetSchema.CreateTables(quotedSchema)}
            """;
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        command.CommandText = $"SELECT format FROM {quotedSchema}.ordergrains_format";
        var format = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
        if (format is int stored && stored > FormatVersion)
        {
            throw new StorageUpgradeException(
                $"The PostgreSQL schema {quotedSchema} was written by a newer OrderGrains (format {stored}; this version reads up to {FormatVersion}). " +
                "Run the newer version, or restore a backup taken before the upgrade. Nothing was changed.");
        }

        await using var batch = new NpgsqlBatch(connection, transaction);
        foreach (var (key, text) in OrleansAdoNetSchema.Queries(quotedSchema))
        {
            var upsert = new NpgsqlBatchCommand($"""
                INSERT INTO {quotedSchema}.OrleansQuery (QueryKey, QueryText) VALUES ($1, $2)
                ON CONFLICT (QueryKey) DO UPDATE SET QueryText = EXCLUDED.QueryText
                """);
            upsert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = key });
            upsert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = text });
            batch.BatchCommands.Add(upsert);
        }

        var record = new NpgsqlBatchCommand($"""
            INSERT INTO {quotedSchema}.ordergrains_format (format) VALUES ({FormatVersion})
            ON CONFLICT (singleton) DO UPDATE SET format = EXCLUDED.format
            """);
        batch.BatchCommands.Add(record);
        await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Moves the home-made runtime's reminders (table "reminders": grain type, grain key, name, UTC ticks) into Orleans'
    /// reminder table under <paramref name="serviceId"/>, in one transaction, then drops the old table: every reminder
    /// survives the upgrade and fires on the new runtime. Returns how many were moved.
    /// </summary>
    public static async Task<int> MigrateRuntimeRemindersAsync(NpgsqlDataSource dataSource, string quotedSchema, string serviceId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT pg_advisory_xact_lock(hashtext('ordergrains.schema:{quotedSchema}'))";
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        command.CommandText = $"SELECT to_regclass('{quotedSchema}.reminders') IS NOT NULL";
        if (await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is not true)
        {
            return 0;
        }

        command.CommandText = $"SELECT grain_type, grain_key, reminder_name, start_at_ticks, period_ticks FROM {quotedSchema}.reminders";
        var rows = new List<(string Type, string Key, string Name, long Start, long Period)>();
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                rows.Add((reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetInt64(3), reader.GetInt64(4)));
            }
        }

        await using var batch = new NpgsqlBatch(connection, transaction);
        foreach (var row in rows)
        {
            var grainId = GrainId.Create(row.Type, row.Key);
            var insert = new NpgsqlBatchCommand($"""
                INSERT INTO {quotedSchema}.OrleansRemindersTable (ServiceId, GrainId, ReminderName, StartTime, Period, GrainHash, Version)
                VALUES ($1, $2, $3, $4, $5, $6, 0)
                ON CONFLICT (ServiceId, GrainId, ReminderName) DO NOTHING
                """);
            insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = serviceId });
            insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = grainId.ToString() });
            insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = row.Name });
            insert.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = new DateTime(row.Start, DateTimeKind.Utc) });
            insert.Parameters.Add(new NpgsqlParameter<long> { TypedValue = (long)TimeSpan.FromTicks(row.Period).TotalMilliseconds });
            insert.Parameters.Add(new NpgsqlParameter<int> { TypedValue = unchecked((int)grainId.GetUniformHashCode()) });
            batch.BatchCommands.Add(insert);
        }

        batch.BatchCommands.Add(new NpgsqlBatchCommand($"DROP TABLE {quotedSchema}.reminders"));
        await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return rows.Count;
    }
}
