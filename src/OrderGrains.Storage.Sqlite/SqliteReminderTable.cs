using OrderGrains.Runtime.Storage;

namespace OrderGrains.Storage.Sqlite;

/// <summary>The reminder table in the same SQLite file as grain state; each change is its own durable transaction.</summary>
public sealed class SqliteReminderTable : IReminderTable
{
    private readonly string _connectionString;

    private SqliteReminderTable(string connectionString) => _connectionString = connectionString;

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
    public async Task UpsertAsync(ReminderEntry entry, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entry);
        await using var connection = await SqliteSchema.OpenAsync(_connectionString, cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            INSERT INTO reminders (grain_type, grain_key, reminder_name, start_at_ticks, period_ticks)
            VALUES ($type, $key, $name, $start, $period)
            ON CONFLICT (grain_type, grain_key, reminder_name)
            DO UPDATE SET start_at_ticks = excluded.start_at_ticks, period_ticks = excluded.period_ticks;
            """;
        command.Parameters.AddWithValue("$type", entry.GrainType);
        command.Parameters.AddWithValue("$key", entry.GrainKey);
        command.Parameters.AddWithValue("$name", entry.ReminderName);
        command.Parameters.AddWithValue("$start", entry.StartAt.UtcTicks);
        command.Parameters.AddWithValue("$period", entry.Period.Ticks);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<bool> RemoveAsync(string grainType, string grainKey, string reminderName, CancellationToken cancellationToken)
    {
        await using var connection = await SqliteSchema.OpenAsync(_connectionString, cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = "DELETE FROM reminders WHERE grain_type = $type AND grain_key = $key AND reminder_name = $name;";
        command.Parameters.AddWithValue("$type", grainType);
        command.Parameters.AddWithValue("$key", grainKey);
        command.Parameters.AddWithValue("$name", reminderName);
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
    }
}
