using Microsoft.Data.Sqlite;

namespace OrderGrains.Storage.Sqlite;

internal static class SqliteSchema
{
    // Grain state rows are never deleted: a clear leaves a tombstone (record_exists = 0) whose version keeps counting.
    // Reminder times are UTC ticks so that a reminder reads back exactly as written.
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
        CREATE TABLE IF NOT EXISTS reminders (
            grain_type     TEXT    NOT NULL,
            grain_key      TEXT    NOT NULL,
            reminder_name  TEXT    NOT NULL,
            start_at_ticks INTEGER NOT NULL,
            period_ticks   INTEGER NOT NULL,
            PRIMARY KEY (grain_type, grain_key, reminder_name)
        ) WITHOUT ROWID;
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
    }
}
