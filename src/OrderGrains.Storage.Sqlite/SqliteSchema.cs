using Microsoft.Data.Sqlite;

namespace OrderGrains.Storage.Sqlite;

internal static class SqliteSchema
{
    // PRAGMA user_version: 0 = written by the home-made runtime (reminders by grain type and key), 2 = Orleans reminders,
    // 3 = entry sets (grain_entries): an older version would read a hot grain's state without them, so it must refuse.
    private const int FormatVersion = 3;

    // Grain state rows are never deleted: a clear leaves a tombstone (record_exists = 0) whose version keeps counting.
    // Reminder times are UTC ticks so that a reminder reads back exactly as written; a reminder's ETag is its version.
    // grain_hash is Orleans' uniform hash of the grain id: silos read the reminders of their hash range.
    // Stream events are numbered per (namespace, partition) by the single writer, so numbers follow commit order.
    private const string Create = """
        PRAGMA journal_mode = WAL;
        CREATE TABLE IF NOT EXISTS grain_state (
            grain_type    TEXT    NOT NULL,
            grain_key     TEXT    NOT NULL,
            state_name    TEXT    NOT NULL,
            version       INTEGER NOT NULL,
            record_exists INTEGER NOT NULL,
            payload       BLOB    NOT NULL,
            PRIMARY KEY (grain_type, grain_key, state_name)
        ) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS grain_entries (
            grain_type TEXT NOT NULL,
            grain_key  TEXT NOT NULL,
            state_name TEXT NOT NULL,
            set_name   TEXT NOT NULL,
            entry_key  TEXT NOT NULL,
            payload    BLOB NOT NULL,
            PRIMARY KEY (grain_type, grain_key, state_name, set_name, entry_key)
        ) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS orleans_reminders (
            grain_id       TEXT    NOT NULL,
            reminder_name  TEXT    NOT NULL,
            grain_hash     INTEGER NOT NULL,
            start_at_ticks INTEGER NOT NULL,
            period_ticks   INTEGER NOT NULL,
            version        INTEGER NOT NULL,
            PRIMARY KEY (grain_id, reminder_name)
        ) WITHOUT ROWID;
        CREATE INDEX IF NOT EXISTS orleans_reminders_by_hash ON orleans_reminders (grain_hash);
        CREATE TABLE IF NOT EXISTS stream_events (
            ns                TEXT    NOT NULL,
            part              INTEGER NOT NULL,
            seq               INTEGER NOT NULL,
            stream_key        TEXT    NOT NULL,
            event_id          TEXT    NOT NULL,
            event_type        TEXT    NOT NULL,
            payload           BLOB    NOT NULL,
            appended_at_ticks INTEGER NOT NULL,
            trace_parent      TEXT,
            PRIMARY KEY (ns, part, seq)
        ) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS stream_checkpoints (
            consumer TEXT    NOT NULL,
            ns       TEXT    NOT NULL,
            part     INTEGER NOT NULL,
            seq      INTEGER NOT NULL,
            PRIMARY KEY (consumer, ns, part)
        ) WITHOUT ROWID;
        """;

    /// <summary>Opens a pooled connection that acknowledges a commit only once it is on disk.</summary>
    public static async Task<SqliteConnection> OpenAsync(string connectionString, CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA synchronous = FULL;";
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            return connection;
        }
        catch (Exception)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public static async Task EnsureCreatedAsync(SqliteStorageOptions options, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(options.DatabasePath);
        string? directory = Path.GetDirectoryName(Path.GetFullPath(options.DatabasePath));
        if (directory is not null)
        {
            Directory.CreateDirectory(directory);
        }

        await using var connection = await OpenAsync(options.ConnectionString, cancellationToken).ConfigureAwait(false);
        await RefuseNewerFormatAsync(connection, options.DatabasePath, cancellationToken).ConfigureAwait(false);
        using var command = connection.CreateCommand();
        command.CommandText = Create;
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);

        // Databases created before events carried their trace context lack the column; SQLite has no ADD COLUMN IF NOT EXISTS.
        command.CommandText = "SELECT COUNT(*) FROM pragma_table_info('stream_events') WHERE name = 'trace_parent';";
        if (await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is 0L)
        {
            command.CommandText = "ALTER TABLE stream_events ADD COLUMN trace_parent TEXT;";
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await MigrateRuntimeRemindersAsync(connection, cancellationToken).ConfigureAwait(false);
        command.CommandText = $"PRAGMA user_version = {FormatVersion};";
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static async Task RefuseNewerFormatAsync(SqliteConnection connection, string path, CancellationToken cancellationToken)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA user_version;";
        var version = (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        if (version > FormatVersion)
        {
            throw new StorageUpgradeException(
                $"The database {path} was written by a newer OrderGrains (format {version}; this version reads up to {FormatVersion}). " +
                "Run the newer version, or restore a backup taken before the upgrade. Nothing was changed.");
        }
    }

    /// <summary>
    /// Moves the reminders of the home-made runtime's table (grain type, grain key, name) into Orleans' form (grain id,
    /// uniform hash, version) in one transaction, then drops the old table: every reminder survives the upgrade.
    /// </summary>
    private static async Task MigrateRuntimeRemindersAsync(SqliteConnection connection, CancellationToken cancellationToken)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'reminders';";
        if (await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is 0L)
        {
            return;
        }

        using var transaction = connection.BeginTransaction(deferred: false);
        command.Transaction = transaction;
        command.CommandText = "SELECT grain_type, grain_key, reminder_name, start_at_ticks, period_ticks FROM reminders;";
        var rows = new List<(string Type, string Key, string Name, long Start, long Period)>();
        using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                rows.Add((reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetInt64(3), reader.GetInt64(4)));
            }
        }

        using var insert = connection.CreateCommand();
        insert.Transaction = transaction;
        insert.CommandText = """
            INSERT INTO orleans_reminders (grain_id, reminder_name, grain_hash, start_at_ticks, period_ticks, version)
            VALUES ($id, $name, $hash, $start, $period, 1)
            ON CONFLICT (grain_id, reminder_name) DO NOTHING;
            """;
        foreach (var row in rows)
        {
            var grainId = GrainId.Create(row.Type, row.Key);
            insert.Parameters.Clear();
            insert.Parameters.AddWithValue("$id", grainId.ToString());
            insert.Parameters.AddWithValue("$name", row.Name);
            insert.Parameters.AddWithValue("$hash", (long)grainId.GetUniformHashCode());
            insert.Parameters.AddWithValue("$start", row.Start);
            insert.Parameters.AddWithValue("$period", row.Period);
            await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        command.CommandText = "DROP TABLE reminders;";
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        transaction.Commit();
    }
}
