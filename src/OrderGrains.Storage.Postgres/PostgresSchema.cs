using Npgsql;

namespace OrderGrains.Storage.Postgres;

internal static class PostgresSchema
{
    /// <summary>Creates the schema and both tables if missing; safe when several silos start at once.</summary>
    public static async Task EnsureCreatedAsync(NpgsqlDataSource dataSource, string quotedSchema, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        // The schema name is a validated identifier, so inlining it is safe.
        // CREATE ... IF NOT EXISTS is not safe against a concurrent creator, hence the lock.
        // Grain state rows are never deleted: a clear leaves a tombstone whose version keeps counting.
        // fillfactor leaves room on each page so that state updates stay HOT (no index write).
        // Reminder times are UTC ticks so that a reminder reads back exactly as written.
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
            CREATE TABLE IF NOT EXISTS {quotedSchema}.reminders (
                grain_type     text   NOT NULL,
                grain_key      text   NOT NULL,
                reminder_name  text   NOT NULL,
                start_at_ticks bigint NOT NULL,
                period_ticks   bigint NOT NULL,
                PRIMARY KEY (grain_type, grain_key, reminder_name)
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
            """;
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }
}
