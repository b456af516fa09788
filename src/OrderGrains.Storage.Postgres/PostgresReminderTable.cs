using Npgsql;

namespace OrderGrains.Storage.Postgres;

/// <summary>
/// Orleans' reminder table on PostgreSQL, in the <c>OrleansRemindersTable</c> that Reminders.AdoNet used (same columns,
/// same ETag = <c>Version</c>, hash stored as a signed integer, period in milliseconds), so rows written before keep
/// working. Unlike Reminders.AdoNet, which commits every change on its own, changes queued at the same time are applied
/// in arrival order in one batch and one transaction: every order registers a reminder.
/// </summary>
public sealed class PostgresReminderTable : BatchedReminderTable
{
    private const string Columns = "GrainId, ReminderName, StartTime, Period, Version";

    private readonly PostgresStorageOptions _options;
    private readonly string _serviceId;
    private readonly string _table;
    private NpgsqlDataSource? _dataSource;

    /// <param name="options">Connection and schema.</param>
    /// <param name="serviceId">Orleans' ServiceId: reminders are kept per service.</param>
    public PostgresReminderTable(PostgresStorageOptions options, string serviceId)
        : base(maxVersion: int.MaxValue) // Version is an integer column, as Reminders.AdoNet made it.
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrEmpty(serviceId);
        _options = options;
        _serviceId = serviceId;
        _table = $"{options.QuotedSchema}.OrleansRemindersTable";
    }

    private NpgsqlDataSource DataSource => _dataSource ?? throw new InvalidOperationException("The reminder table is not started.");

    /// <inheritdoc />
    /// <remarks>Creates the schema if missing (idempotent, under the schema's lock).</remarks>
    public override async Task StartAsync(CancellationToken cancellationToken = default)
    {
        _dataSource ??= _options.CreateDataSource();
        await PostgresSchema.EnsureCreatedAsync(_dataSource, _options.QuotedSchema, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    protected override Task<ReminderTableData> ReadByGrainAsync(GrainId grainId, CancellationToken cancellationToken) =>
        QueryAsync($"SELECT {Columns} FROM {_table} WHERE ServiceId = $1 AND GrainId = $2", [grainId.ToString()], cancellationToken);

    /// <inheritdoc />
    /// <remarks>
    /// The column holds the hash as a signed integer (as Reminders.AdoNet wrote it), so the range is split into at most
    /// four signed intervals.
    /// </remarks>
    protected override Task<ReminderTableData> ReadByHashRangeAsync(uint begin, uint end, CancellationToken cancellationToken)
    {
        var bounds = new List<int>(8);
        foreach (var (low, high) in SignedIntervals(begin, end))
        {
            bounds.Add(low);
            bounds.Add(high);
        }

        while (bounds.Count < 8)
        {
            // Empty interval.
            bounds.Add(1);
            bounds.Add(0);
        }

        return QueryAsync(
            $"""
            SELECT {Columns} FROM {_table}
            WHERE ServiceId = $1 AND (GrainHash BETWEEN $2 AND $3 OR GrainHash BETWEEN $4 AND $5
                                      OR GrainHash BETWEEN $6 AND $7 OR GrainHash BETWEEN $8 AND $9)
            """,
            [.. bounds.Cast<object>()],
            cancellationToken);
    }

    /// <inheritdoc />
    protected override Task<ReminderTableData> ReadOneAsync(GrainId grainId, string reminderName, CancellationToken cancellationToken) =>
        QueryAsync(
            $"SELECT {Columns} FROM {_table} WHERE ServiceId = $1 AND GrainId = $2 AND ReminderName = $3",
            [grainId.ToString(), reminderName],
            cancellationToken);

    /// <inheritdoc />
    protected override async Task ClearAsync(CancellationToken cancellationToken)
    {
        await using var command = DataSource.CreateCommand($"DELETE FROM {_table} WHERE ServiceId = $1");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = _serviceId });
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    protected override async ValueTask DisposeStoreAsync()
    {
        if (Interlocked.Exchange(ref _dataSource, null) is { } dataSource)
        {
            await dataSource.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>(begin, end] of the unsigned hash ring as inclusive intervals of the hash cast to a signed integer.</summary>
    internal static IEnumerable<(int Low, int High)> SignedIntervals(uint begin, uint end)
    {
        var unsigned = new List<(uint Low, uint High)>(2);
        if (begin < end)
        {
            unsigned.Add((begin + 1, end));
        }
        else
        {
            if (begin < uint.MaxValue)
            {
                unsigned.Add((begin + 1, uint.MaxValue));
            }

            unsigned.Add((0, end));
        }

        const uint half = 0x8000_0000;
        foreach (var (low, high) in unsigned)
        {
            if (high < half || low >= half)
            {
                yield return (unchecked((int)low), unchecked((int)high));
            }
            else
            {
                yield return ((int)low, int.MaxValue);
                yield return (int.MinValue, unchecked((int)high));
            }
        }
    }

    private async Task<ReminderTableData> QueryAsync(string sql, object[] arguments, CancellationToken cancellationToken)
    {
        await using var command = DataSource.CreateCommand(sql);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = _serviceId });
        foreach (var argument in arguments)
        {
            command.Parameters.Add(argument switch
            {
                string text => new NpgsqlParameter<string> { TypedValue = text },
                int number => new NpgsqlParameter<int> { TypedValue = number },
                _ => throw new ArgumentException($"Unexpected argument type {argument.GetType()}.", nameof(arguments)),
            });
        }

        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var entries = new List<ReminderEntry>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            entries.Add(new ReminderEntry
            {
                GrainId = GrainId.Parse(reader.GetString(0)),
                ReminderName = reader.GetString(1),
                StartAt = DateTime.SpecifyKind(reader.GetDateTime(2), DateTimeKind.Utc),
                Period = TimeSpan.FromMilliseconds(reader.GetInt64(3)),
                ETag = FormatEtag(reader.GetInt32(4)),
            });
        }

        return new ReminderTableData(entries);
    }

    /// <inheritdoc />
    private protected override async ValueTask ApplyBatchAsync(IReadOnlyList<ReminderChange> changes)
    {
        // One round trip; a batch without an explicit transaction runs in one implicit transaction (all or nothing).
        await using var connection = await DataSource.OpenConnectionAsync().ConfigureAwait(false);
        await using var batch = new NpgsqlBatch(connection);
        foreach (var change in changes)
        {
            NpgsqlBatchCommand command;
            if (change.Entry is { } entry)
            {
                command = new NpgsqlBatchCommand($"""
                    INSERT INTO {_table} AS r (ServiceId, GrainId, ReminderName, StartTime, Period, GrainHash, Version)
                    VALUES ($1, $2, $3, $4, $5, $6, 0)
                    ON CONFLICT (ServiceId, GrainId, ReminderName)
                    DO UPDATE SET StartTime = EXCLUDED.StartTime, Period = EXCLUDED.Period, GrainHash = EXCLUDED.GrainHash, Version = r.Version + 1
                    RETURNING Version
                    """);
                command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = _serviceId });
                command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = change.GrainId });
                command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = change.ReminderName });
                command.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = DateTime.SpecifyKind(entry.StartAt.ToUniversalTime(), DateTimeKind.Utc) });
                command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = (long)entry.Period.TotalMilliseconds });
                command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = unchecked((int)change.GrainHash) });
            }
            else
            {
                command = new NpgsqlBatchCommand($"""
                    DELETE FROM {_table}
                    WHERE ServiceId = $1 AND GrainId = $2 AND ReminderName = $3 AND Version = $4
                    RETURNING 1
                    """);
                command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = _serviceId });
                command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = change.GrainId });
                command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = change.ReminderName });
                command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = checked((int)change.ExpectedVersion) });
            }

            batch.BatchCommands.Add(command);
        }

        await using var reader = await batch.ExecuteReaderAsync().ConfigureAwait(false);
        var index = 0;
        do
        {
            var change = changes[index++];
            if (change.Entry is not null)
            {
                change.Result = await reader.ReadAsync().ConfigureAwait(false) ? reader.GetInt32(0) : throw new InvalidOperationException("The reminder upsert returned no version.");
            }
            else
            {
                change.Result = await reader.ReadAsync().ConfigureAwait(false) ? 1 : 0;
            }
        }
        while (await reader.NextResultAsync().ConfigureAwait(false));
    }
}
