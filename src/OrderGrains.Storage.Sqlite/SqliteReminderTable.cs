using Microsoft.Data.Sqlite;

namespace OrderGrains.Storage.Sqlite;

/// <summary>
/// Orleans' reminder table in the same SQLite file as grain state, so reminders survive a restart (unpaid orders still
/// expire). A reminder's ETag is its version: an upsert bumps it, and a removal naming an older version removes nothing.
/// Changes queued at the same time share one durable transaction, applied in arrival order.
/// </summary>
public sealed class SqliteReminderTable : BatchedReminderTable
{
    private const string Columns = "grain_id, reminder_name, start_at_ticks, period_ticks, version";

    private const string UpsertSql = """
        INSERT INTO orleans_reminders (grain_id, reminder_name, grain_hash, start_at_ticks, period_ticks, version)
        VALUES ($id, $name, $hash, $start, $period, 1)
        ON CONFLICT (grain_id, reminder_name)
        DO UPDATE SET start_at_ticks = excluded.start_at_ticks, period_ticks = excluded.period_ticks, version = version + 1
        RETURNING version;
        """;

    private const string RemoveSql = "DELETE FROM orleans_reminders WHERE grain_id = $id AND reminder_name = $name AND version = $version;";

    private readonly SqliteStorageOptions _options;

    public SqliteReminderTable(SqliteStorageOptions options)
        : base(maxVersion: long.MaxValue)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
    }

    /// <inheritdoc />
    public override Task StartAsync(CancellationToken cancellationToken = default) => SqliteSchema.EnsureCreatedAsync(_options, cancellationToken);

    /// <inheritdoc />
    protected override Task<ReminderTableData> ReadByGrainAsync(GrainId grainId, CancellationToken cancellationToken) =>
        QueryAsync($"SELECT {Columns} FROM orleans_reminders WHERE grain_id = $id;", c => c.Parameters.AddWithValue("$id", grainId.ToString()), cancellationToken);

    /// <inheritdoc />
    protected override Task<ReminderTableData> ReadByHashRangeAsync(uint begin, uint end, CancellationToken cancellationToken) =>
        QueryAsync(
            begin < end
                ? $"SELECT {Columns} FROM orleans_reminders WHERE grain_hash > $begin AND grain_hash <= $end;"
                : $"SELECT {Columns} FROM orleans_reminders WHERE grain_hash > $begin OR grain_hash <= $end;",
            c =>
            {
                c.Parameters.AddWithValue("$begin", (long)begin);
                c.Parameters.AddWithValue("$end", (long)end);
            },
            cancellationToken);

    /// <inheritdoc />
    protected override Task<ReminderTableData> ReadOneAsync(GrainId grainId, string reminderName, CancellationToken cancellationToken) =>
        QueryAsync(
            $"SELECT {Columns} FROM orleans_reminders WHERE grain_id = $id AND reminder_name = $name;",
            c =>
            {
                c.Parameters.AddWithValue("$id", grainId.ToString());
                c.Parameters.AddWithValue("$name", reminderName);
            },
            cancellationToken);

    /// <inheritdoc />
    protected override async Task ClearAsync(CancellationToken cancellationToken)
    {
        await using var connection = await SqliteSchema.OpenAsync(_options.ConnectionString, cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = "DELETE FROM orleans_reminders;";
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task<ReminderTableData> QueryAsync(string sql, Action<SqliteCommand> bind, CancellationToken cancellationToken)
    {
        await using var connection = await SqliteSchema.OpenAsync(_options.ConnectionString, cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        bind(command);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var entries = new List<ReminderEntry>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            entries.Add(new ReminderEntry
            {
                GrainId = GrainId.Parse(reader.GetString(0)),
                ReminderName = reader.GetString(1),
                StartAt = new DateTime(reader.GetInt64(2), DateTimeKind.Utc),
                Period = TimeSpan.FromTicks(reader.GetInt64(3)),
                ETag = FormatEtag(reader.GetInt64(4)),
            });
        }

        return new ReminderTableData(entries);
    }

    /// <inheritdoc />
    private protected override async ValueTask ApplyBatchAsync(IReadOnlyList<ReminderChange> changes)
    {
        await using var connection = await SqliteSchema.OpenAsync(_options.ConnectionString, CancellationToken.None).ConfigureAwait(false);
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync().ConfigureAwait(false);
        foreach (var change in changes)
        {
            await using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.Parameters.AddWithValue("$id", change.GrainId);
            command.Parameters.AddWithValue("$name", change.ReminderName);
            if (change.Entry is { } entry)
            {
                command.CommandText = UpsertSql;
                command.Parameters.AddWithValue("$hash", (long)change.GrainHash);
                command.Parameters.AddWithValue("$start", entry.StartAt.ToUniversalTime().Ticks);
                command.Parameters.AddWithValue("$period", entry.Period.Ticks);
                change.Result = (long)(await command.ExecuteScalarAsync().ConfigureAwait(false))!;
            }
            else
            {
                command.CommandText = RemoveSql;
                command.Parameters.AddWithValue("$version", change.ExpectedVersion);
                change.Result = await command.ExecuteNonQueryAsync().ConfigureAwait(false);
            }
        }

        await transaction.CommitAsync().ConfigureAwait(false);
    }
}
