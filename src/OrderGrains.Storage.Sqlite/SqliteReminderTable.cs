using OrderGrains.Runtime.Storage;

namespace OrderGrains.Storage.Sqlite;

/// <summary>
/// The reminder table in the same SQLite file as grain state. Changes queued at the same time share one durable
/// transaction, applied in arrival order.
/// </summary>
public sealed class SqliteReminderTable : IReminderTable, IAsyncDisposable
{
    private const string UpsertSql = """
        INSERT INTO reminders (grain_type, grain_key, reminder_name, start_at_ticks, period_ticks)
        VALUES ($type, $key, $name, $start, $period)
        ON CONFLICT (grain_type, grain_key, reminder_name)
        DO UPDATE SET start_at_ticks = excluded.start_at_ticks, period_ticks = excluded.period_ticks;
        """;

    private const string RemoveSql = "DELETE FROM reminders WHERE grain_type = $type AND grain_key = $key AND reminder_name = $name;";

    private readonly string _connectionString;
    private readonly ReminderChangeQueue _changes;

    private SqliteReminderTable(string connectionString)
    {
        _connectionString = connectionString;
        _changes = new ReminderChangeQueue(ApplyAsync);
    }

    /// <summary>Opens (creating if needed) the database and its schema.</summary>
    public static async Task<SqliteReminderTable> CreateAsync(SqliteStorageOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        await SqliteSchema.EnsureCreatedAsync(options, cancellationToken).ConfigureAwait(false);
        return new SqliteReminderTable(options.ConnectionString);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<ReminderEntry>> ReadAllAsync(CancellationToken cancellationToken)
    {
        await using var connection = await SqliteSchema.OpenAsync(_connectionString, cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT grain_type, grain_key, reminder_name, start_at_ticks, period_ticks FROM reminders;";
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var entries = new List<ReminderEntry>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            entries.Add(new ReminderEntry(
                reader.GetString(0),
                reader.GetString(1),
                reader.GetString(2),
                new DateTimeOffset(reader.GetInt64(3), TimeSpan.Zero),
                TimeSpan.FromTicks(reader.GetInt64(4))));
        }

        return entries;
    }

    /// <inheritdoc />
    public Task UpsertAsync(ReminderEntry entry, CancellationToken cancellationToken) => _changes.UpsertAsync(entry, cancellationToken);

    /// <inheritdoc />
    public Task<bool> RemoveAsync(string grainType, string grainKey, string reminderName, CancellationToken cancellationToken) =>
        _changes.RemoveAsync(grainType, grainKey, reminderName, cancellationToken);

    /// <summary>Reminder change transactions committed so far.</summary>
    public long ChangeBatches => _changes.Batches;

    /// <inheritdoc />
    public ValueTask DisposeAsync() => _changes.DisposeAsync();

    private async ValueTask ApplyAsync(IReadOnlyList<ReminderChange> changes, CancellationToken cancellationToken)
    {
        await using var connection = await SqliteSchema.OpenAsync(_connectionString, cancellationToken).ConfigureAwait(false);
        await using var transaction = (Microsoft.Data.Sqlite.SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        foreach (var change in changes)
        {
            await using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = change.Entry is null ? RemoveSql : UpsertSql;
            command.Parameters.AddWithValue("$type", change.GrainType);
            command.Parameters.AddWithValue("$key", change.GrainKey);
            command.Parameters.AddWithValue("$name", change.ReminderName);
            if (change.Entry is { } entry)
            {
                command.Parameters.AddWithValue("$start", entry.StartAt.UtcTicks);
                command.Parameters.AddWithValue("$period", entry.Period.Ticks);
            }

            change.Applied(await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }
}
