using Npgsql;
using OrderGrains.Runtime.Storage;

namespace OrderGrains.Storage.Postgres;

/// <summary>The reminder table in PostgreSQL; each change is its own (autocommitted, durable) statement.</summary>
public sealed class PostgresReminderTable : IReminderTable, IAsyncDisposable
{
    private readonly NpgsqlDataSource _dataSource;
    private readonly string _readAllSql;
    private readonly string _upsertSql;
    private readonly string _removeSql;

    private PostgresReminderTable(NpgsqlDataSource dataSource, string table)
    {
        _dataSource = dataSource;
        _readAllSql = $"SELECT grain_type, grain_key, reminder_name, start_at_ticks, period_ticks FROM {table}";
        _upsertSql = $"""
            INSERT INTO {table} (grain_type, grain_key, reminder_name, start_at_ticks, period_ticks)
            VALUES ($1, $2, $3, $4, $5)
            ON CONFLICT (grain_type, grain_key, reminder_name)
            DO UPDATE SET start_at_ticks = EXCLUDED.start_at_ticks, period_ticks = EXCLUDED.period_ticks
            """;
        _removeSql = $"DELETE FROM {table} WHERE grain_type = $1 AND grain_key = $2 AND reminder_name = $3";
    }

    /// <summary>Creates the schema and tables if missing.</summary>
    public static async Task<PostgresReminderTable> CreateAsync(PostgresStorageOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        string schema = options.QuotedSchema;
        var dataSource = options.CreateDataSource();
        try
        {
            await PostgresSchema.EnsureCreatedAsync(dataSource, schema, cancellationToken).ConfigureAwait(false);
            return new PostgresReminderTable(dataSource, $"{schema}.reminders");
        }
        catch (Exception)
        {
            await dataSource.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<ReminderEntry>> ReadAllAsync(CancellationToken cancellationToken)
    {
        await using var command = _dataSource.CreateCommand(_readAllSql);
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
        await using var command = _dataSource.CreateCommand(_upsertSql);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = entry.GrainType });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = entry.GrainKey });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = entry.ReminderName });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = entry.StartAt.UtcTicks });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = entry.Period.Ticks });
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<bool> RemoveAsync(string grainType, string grainKey, string reminderName, CancellationToken cancellationToken)
    {
        await using var command = _dataSource.CreateCommand(_removeSql);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = grainType });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = grainKey });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = reminderName });
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
    }

    public ValueTask DisposeAsync() => _dataSource.DisposeAsync();
}
