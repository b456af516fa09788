using Microsoft.Data.Sqlite;
using OrderGrains.Erp;

namespace OrderGrains.ErpLedger;

/// <summary>
/// The journal in one SQLite file (WAL, synchronous = FULL, so an acknowledged entry is on disk). SQLite has one
/// writer, so posts queue on one connection in this process; reads use pooled connections, which WAL lets run beside it.
/// </summary>
internal sealed class SqliteJournalStore : IJournalStore
{
    private const int SqliteConstraint = 19;

    private const string Schema = """
        PRAGMA journal_mode = WAL;
        CREATE TABLE IF NOT EXISTS journal_entries (
            entry_id          INTEGER PRIMARY KEY AUTOINCREMENT,
            idempotency_key   TEXT    NOT NULL UNIQUE,
            fingerprint       TEXT    NOT NULL,
            document_type     TEXT    NOT NULL,
            order_id          TEXT    NOT NULL,
            currency          TEXT    NOT NULL,
            posted_at_ticks   INTEGER NOT NULL,
            reference         TEXT    NOT NULL,
            recorded_at_ticks INTEGER NOT NULL
        );
        CREATE INDEX IF NOT EXISTS journal_entries_by_order ON journal_entries (order_id, entry_id);
        CREATE TABLE IF NOT EXISTS journal_lines (
            entry_id     INTEGER NOT NULL REFERENCES journal_entries (entry_id),
            line_no      INTEGER NOT NULL,
            account      TEXT    NOT NULL,
            debit_minor  INTEGER NOT NULL CHECK (debit_minor >= 0),
            credit_minor INTEGER NOT NULL CHECK (credit_minor >= 0),
            memo         TEXT    NULL,
            PRIMARY KEY (entry_id, line_no)
        ) WITHOUT ROWID;
        """;

    private readonly string _path;
    private readonly string _connectionString;
    // One writer connection, used by one post at a time: SQLite serialises writers anyway, and queueing here
    // instead of on the file lock avoids busy retries under a burst of posts.
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private SqliteConnection? _writer;

    public SqliteJournalStore(string path)
    {
        _path = path;
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = true,
            ForeignKeys = true,
        }.ToString();
    }

    public string Kind => "SQLite";

    public string Location => _path;

    public async Task InitializeAsync(CancellationToken ct)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(_path)!);
        var writer = await OpenAsync(ct).ConfigureAwait(false);
        try
        {
            await using var command = writer.CreateCommand();
            command.CommandText = Schema;
            await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }
        catch (Exception)
        {
            await writer.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        _writer = writer;
    }

    public async Task<PostResult> PostAsync(string key, string fingerprint, JournalEntryRequest entry, DateTimeOffset recordedAt, CancellationToken ct)
    {
        var writer = _writer ?? throw new InvalidOperationException("The SQLite journal is not initialized.");
        await _writeLock.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            // Past the queue the outcome is decided by this transaction alone; it runs to the end (no cancellation)
            // so the writer connection never holds a half-finished transaction.
            var none = CancellationToken.None;
            using (var transaction = writer.BeginTransaction(deferred: false))
            {
                var existing = await FindByKeyAsync(writer, transaction, key, none).ConfigureAwait(false);
                if (existing is not null)
                {
                    return Resolve(existing.Value, fingerprint);
                }

                try
                {
                    var entryId = await InsertAsync(writer, transaction, key, fingerprint, entry, recordedAt, none).ConfigureAwait(false);
                    transaction.Commit();
                    return new PostResult(PostOutcome.Created, ToEntry(entryId, key, entry, recordedAt));
                }
                catch (SqliteException exception) when (exception.SqliteErrorCode == SqliteConstraint)
                {
                    // Another process sharing the file recorded the key between our read and insert.
                    transaction.Rollback();
                }
            }

            var winner = await FindByKeyAsync(writer, null, key, none).ConfigureAwait(false)
                ?? throw new InvalidOperationException($"Idempotency key '{key}' violated a constraint but has no entry.");
            return Resolve(winner, fingerprint);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    public async Task<IReadOnlyList<JournalEntry>> GetByOrderAsync(string orderId, CancellationToken ct)
    {
        await using var connection = await OpenAsync(ct).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = JournalRows.Select(string.Empty) + "WHERE e.order_id = $order" + JournalRows.OrderBy;
        command.Parameters.AddWithValue("$order", orderId);
        await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
        var rows = await JournalRows.ReadAsync(reader, ct).ConfigureAwait(false);
        return rows.ConvertAll(r => r.Entry);
    }

    public async Task<IReadOnlyList<AccountTotals>> GetAccountTotalsAsync(CancellationToken ct)
    {
        await using var connection = await OpenAsync(ct).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = JournalRows.AccountTotals(string.Empty);
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
        await using var connection = await OpenAsync(ct).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM journal_entries WHERE entry_id < 0;";
        await command.ExecuteScalarAsync(ct).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await _writeLock.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_writer is not null)
            {
                await _writer.DisposeAsync().ConfigureAwait(false);
                _writer = null;
            }

            // Pooled readers would otherwise keep the file open after the ledger stops; only this file's pool, as a
            // host embedding the ledger has pools of its own.
            using var pooled = new SqliteConnection(_connectionString);
            SqliteConnection.ClearPool(pooled);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    private static PostResult Resolve((JournalEntry Entry, string Fingerprint) existing, string fingerprint) =>
        new(existing.Fingerprint == fingerprint ? PostOutcome.Replayed : PostOutcome.Conflict, existing.Entry);

    private static JournalEntry ToEntry(long entryId, string key, JournalEntryRequest entry, DateTimeOffset recordedAt) =>
        new(entryId, key, entry.DocumentType, entry.OrderId, entry.Currency, entry.PostedAt, entry.Reference, entry.Lines, recordedAt);

    /// <summary>Opens a connection that acknowledges a commit only once it is on disk.</summary>
    private async Task<SqliteConnection> OpenAsync(CancellationToken ct)
    {
        var connection = new SqliteConnection(_connectionString);
        try
        {
            await connection.OpenAsync(ct).ConfigureAwait(false);
            await using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA synchronous = FULL;";
            await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
            return connection;
        }
        catch (Exception)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private static async Task<(JournalEntry, string)?> FindByKeyAsync(SqliteConnection connection, SqliteTransaction? transaction, string key, CancellationToken ct)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = JournalRows.Select(string.Empty) + "WHERE e.idempotency_key = $key" + JournalRows.OrderBy;
        command.Parameters.AddWithValue("$key", key);
        await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
        var rows = await JournalRows.ReadAsync(reader, ct).ConfigureAwait(false);
        return rows.Count == 0 ? null : rows[0];
    }

    private static async Task<long> InsertAsync(
        SqliteConnection connection, SqliteTransaction transaction, string key, string fingerprint, JournalEntryRequest entry, DateTimeOffset recordedAt, CancellationToken ct)
    {
        long entryId;
        await using (var command = connection.CreateCommand())
        {
            command.Transaction = transaction;
            command.CommandText =
                "INSERT INTO journal_entries (idempotency_key, fingerprint, document_type, order_id, currency, posted_at_ticks, reference, recorded_at_ticks) " +
                "VALUES ($key, $fingerprint, $type, $order, $currency, $posted, $reference, $recorded) RETURNING entry_id;";
            command.Parameters.AddWithValue("$key", key);
            command.Parameters.AddWithValue("$fingerprint", fingerprint);
            command.Parameters.AddWithValue("$type", entry.DocumentType);
            command.Parameters.AddWithValue("$order", entry.OrderId);
            command.Parameters.AddWithValue("$currency", entry.Currency);
            command.Parameters.AddWithValue("$posted", entry.PostedAt.UtcTicks);
            command.Parameters.AddWithValue("$reference", entry.Reference);
            command.Parameters.AddWithValue("$recorded", recordedAt.UtcTicks);
            entryId = (long)(await command.ExecuteScalarAsync(ct).ConfigureAwait(false))!;
        }

        await using var line = connection.CreateCommand();
        line.Transaction = transaction;
        line.CommandText =
            "INSERT INTO journal_lines (entry_id, line_no, account, debit_minor, credit_minor, memo) " +
            "VALUES ($entry, $no, $account, $debit, $credit, $memo);";
        var no = line.Parameters.Add("$no", SqliteType.Integer);
        var account = line.Parameters.Add("$account", SqliteType.Text);
        var debit = line.Parameters.Add("$debit", SqliteType.Integer);
        var credit = line.Parameters.Add("$credit", SqliteType.Integer);
        var memo = line.Parameters.Add("$memo", SqliteType.Text);
        line.Parameters.AddWithValue("$entry", entryId);
        for (var i = 0; i < entry.Lines.Count; i++)
        {
            no.Value = i + 1;
            account.Value = entry.Lines[i].Account;
            debit.Value = entry.Lines[i].DebitMinor;
            credit.Value = entry.Lines[i].CreditMinor;
            memo.Value = (object?)entry.Lines[i].Memo ?? DBNull.Value;
            await line.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }

        return entryId;
    }
}
