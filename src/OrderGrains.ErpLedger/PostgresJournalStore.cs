using Npgsql;
using NpgsqlTypes;
using OrderGrains.Erp;

namespace OrderGrains.ErpLedger;

/// <summary>
/// The journal in PostgreSQL. Posts run concurrently: INSERT ... ON CONFLICT DO NOTHING on the UNIQUE key makes a
/// concurrent duplicate wait for the first transaction and then find its row, so a key never yields two entries.
/// </summary>
internal sealed class PostgresJournalStore : IJournalStore
{
    private readonly NpgsqlDataSource _dataSource;
    // Validated by ErpLedgerOptions.Validate, so inlining it into SQL is safe.
    private readonly string _schema;
    private readonly string _prefix;

    public PostgresJournalStore(string connectionString, string schema, int maxPoolSize)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        if (!connectionString.Contains("Pool Size", StringComparison.OrdinalIgnoreCase))
        {
            builder.MaxPoolSize = maxPoolSize;
        }

        if (!connectionString.Contains("Reset On Close", StringComparison.OrdinalIgnoreCase))
        {
            // The store keeps no session state (its one lock is transaction-scoped), so a connection going back to the
            // pool needs no DISCARD ALL; that also lets the two statements of a posting stay prepared.
            builder.NoResetOnClose = true;
        }

        if (builder.MaxAutoPrepare == 0)
        {
            builder.MaxAutoPrepare = 8;
        }

        Location = $"{builder.Host}:{builder.Port}/{builder.Database} schema {schema}";
        _dataSource = NpgsqlDataSource.Create(builder.ConnectionString);
        _schema = $"\"{schema}\"";
        _prefix = _schema + ".";
    }

    public string Kind => "PostgreSQL";

    public string Location { get; }

    public async Task InitializeAsync(CancellationToken ct)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(ct).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        // CREATE ... IF NOT EXISTS is not safe against a concurrent creator (two ledgers starting), hence the lock.
        command.CommandText = $"""
            SELECT pg_advisory_xact_lock(hashtext('ordergrains.erp.schema:{_schema}'));
            CREATE SCHEMA IF NOT EXISTS {_schema};
            CREATE TABLE IF NOT EXISTS {_prefix}journal_entries (
                entry_id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                idempotency_key   text   NOT NULL UNIQUE,
                fingerprint       text   NOT NULL,
                document_type     text   NOT NULL,
                order_id          text   NOT NULL,
                currency          text   NOT NULL,
                posted_at_ticks   bigint NOT NULL,
                reference         text   NOT NULL,
                recorded_at_ticks bigint NOT NULL
            );
            CREATE INDEX IF NOT EXISTS journal_entries_by_order ON {_prefix}journal_entries (order_id, entry_id);
            CREATE TABLE IF NOT EXISTS {_prefix}journal_lines (
                entry_id     bigint  NOT NULL REFERENCES {_prefix}journal_entries (entry_id),
                line_no      integer NOT NULL,
                account      text    NOT NULL,
                debit_minor  bigint  NOT NULL CHECK (debit_minor >= 0),
                credit_minor bigint  NOT NULL CHECK (credit_minor >= 0),
                memo         text    NULL,
                PRIMARY KEY (entry_id, line_no)
            );
            """;
        await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        await transaction.CommitAsync(ct).ConfigureAwait(false);
    }

    public async Task<PostResult> PostAsync(string key, string fingerprint, JournalEntryRequest entry, DateTimeOffset recordedAt, CancellationToken ct)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        await using (var transaction = await connection.BeginTransactionAsync(ct).ConfigureAwait(false))
        {
            long? entryId;
            await using (var insert = connection.CreateCommand())
            {
                insert.CommandText =
                    $"INSERT INTO {_prefix}journal_entries (idempotency_key, fingerprint, document_type, order_id, currency, posted_at_ticks, reference, recorded_at_ticks) " +
                    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (idempotency_key) DO NOTHING RETURNING entry_id";
                insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = key });
                insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = fingerprint });
                insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = entry.DocumentType });
                insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = entry.OrderId });
                insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = entry.Currency });
                insert.Parameters.Add(new NpgsqlParameter<long> { TypedValue = entry.PostedAt.UtcTicks });
                insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = entry.Reference });
                insert.Parameters.Add(new NpgsqlParameter<long> { TypedValue = recordedAt.UtcTicks });
                entryId = (long?)await insert.ExecuteScalarAsync(ct).ConfigureAwait(false);
            }

            if (entryId is not null)
            {
                await using (var lines = connection.CreateCommand())
                {
                    lines.CommandText =
                        $"INSERT INTO {_prefix}journal_lines (entry_id, line_no, account, debit_minor, credit_minor, memo) " +
                        "SELECT $1, n, a, d, c, m FROM unnest($2::integer[], $3::text[], $4::bigint[], $5::bigint[], $6::text[]) AS t(n, a, d, c, m)";
                    lines.Parameters.Add(new NpgsqlParameter<long> { TypedValue = entryId.Value });
                    lines.Parameters.Add(new NpgsqlParameter<int[]> { TypedValue = [.. Enumerable.Range(1, entry.Lines.Count)] });
                    lines.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. entry.Lines.Select(l => l.Account)] });
                    lines.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = [.. entry.Lines.Select(l => l.DebitMinor)] });
                    lines.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = [.. entry.Lines.Select(l => l.CreditMinor)] });
                    lines.Parameters.Add(new NpgsqlParameter { Value = entry.Lines.Select(l => (object?)l.Memo ?? DBNull.Value).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
                    await lines.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
                }

                await transaction.CommitAsync(ct).ConfigureAwait(false);
                return new PostResult(PostOutcome.Created, new JournalEntry(
                    entryId.Value, key, entry.DocumentType, entry.OrderId, entry.Currency, entry.PostedAt, entry.Reference, entry.Lines, recordedAt));
            }

            await transaction.RollbackAsync(ct).ConfigureAwait(false);
        }

        // The conflicting insert waited for the key's first transaction to commit, so its row is visible now.
        await using var find = connection.CreateCommand();
        find.CommandText = JournalRows.Select(_prefix) + "WHERE e.idempotency_key = $1" + JournalRows.OrderBy;
        find.Parameters.Add(new NpgsqlParameter<string> { TypedValue = key });
        await using var reader = await find.ExecuteReaderAsync(ct).ConfigureAwait(false);
        var rows = await JournalRows.ReadAsync(reader, ct).ConfigureAwait(false);
        if (rows.Count == 0)
        {
            throw new InvalidOperationException($"Idempotency key '{key}' conflicted but has no entry.");
        }

        var (existing, existingFingerprint) = rows[0];
        return new PostResult(existingFingerprint == fingerprint ? PostOutcome.Replayed : PostOutcome.Conflict, existing);
    }

    public async Task<IReadOnlyList<JournalEntry>> GetByOrderAsync(string orderId, CancellationToken ct)
    {
        await using var command = _dataSource.CreateCommand(JournalRows.Select(_prefix) + "WHERE e.order_id = $1" + JournalRows.OrderBy);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = orderId });
        await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
        var rows = await JournalRows.ReadAsync(reader, ct).ConfigureAwait(false);
        return rows.ConvertAll(r => r.Entry);
    }

    public async Task<IReadOnlyList<AccountTotals>> GetAccountTotalsAsync(CancellationToken ct)
    {
        // SUM(bigint) is numeric in PostgreSQL; the cast fails loudly rather than wrap should a total exceed 64 bits.
        var sql = JournalRows.AccountTotals(_prefix)
            .Replace("SUM(l.debit_minor), SUM(l.credit_minor)", "SUM(l.debit_minor)::bigint, SUM(l.credit_minor)::bigint", StringComparison.Ordinal);
        await using var command = _dataSource.CreateCommand(sql);
        await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
        var totals = new List<AccountTotals>();
        while (await reader.ReadAsync(ct).ConfigureAwait(false))
        {
            totals.Add(new AccountTotals(reader.GetString(0), reader.GetString(1), reader.GetInt64(2), reader.GetInt64(3)));
        }

        return totals;
    }

    public async Task CheckAsync(CancellationToken ct)
    {
        await using var command = _dataSource.CreateCommand($"SELECT 1 FROM {_prefix}journal_entries LIMIT 1");
        await command.ExecuteScalarAsync(ct).ConfigureAwait(false);
    }

    public ValueTask DisposeAsync() => _dataSource.DisposeAsync();
}
