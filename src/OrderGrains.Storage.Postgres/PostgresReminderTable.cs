using Npgsql;
using OrderGrains.Runtime.Storage;

namespace OrderGrains.Storage.Postgres;

/// <summary>
/// The reminder table in PostgreSQL. Changes queued at the same time are sent as one batch: one round trip, one
/// implicit transaction, statements applied in arrival order.
/// </summary>
public sealed class PostgresReminderTable : IReminderTable, IAsyncDisposable
{
    private readonly NpgsqlDataSource _dataSource;
    private readonly string _readAllSql;
    private readonly string _upsertSql;
    private readonly string _removeSql;
    private readonly ReminderChangeQueue _changes;

    private PostgresReminderTable(NpgsqlDataSource dataSource, string table)
    {
        _dataSource = dataSource;
        _changes = new ReminderChangeQueue(ApplyAsync);
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
    public Task UpsertAsync(ReminderEntry entry, CancellationToken cancellationToken) => _changes.UpsertAsync(entry, cancellationToken);

    /// <inheritdoc />
    public Task<bool> RemoveAsync(string grainType, string grainKey, string reminderName, CancellationToken cancellationToken) =>
        _changes.RemoveAsync(grainType, grainKey, reminderName, cancellationToken);

    /// <summary>Reminder change batches sent so far.</summary>
    public long ChangeBatches => _changes.Batches;

    public async ValueTask DisposeAsync()
    {
        await _changes.DisposeAsync().ConfigureAwait(false);
        await _dataSource.DisposeAsync().ConfigureAwait(false);
    }

    // Npgsql sends a batch in one round trip and runs it in one implicit transaction.
    private async ValueTask ApplyAsync(IReadOnlyList<ReminderChange> changes, CancellationToken cancellationToken)
    {
        await using var batch = _dataSource.CreateBatch();
        foreach (var change in changes)
        {
            var command = batch.CreateBatchCommand();
            command.CommandText = change.Entry is null ? _removeSql : _upsertSql;
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = change.GrainType });
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = change.GrainKey });
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = change.ReminderName });
            if (change.Entry is { } entry)
            {
                command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = entry.StartAt.UtcTicks });
                command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = entry.Period.Ticks });
            }

            batch.BatchCommands.Add(command);
        }

        await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        for (var i = 0; i < changes.Count; i++)
        {
            changes[i].Applied(batch.BatchCommands[i].RecordsAffected == 1);
        }
    }
}
