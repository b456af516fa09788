using System.Data.Common;
using Microsoft.Data.Sqlite;

namespace OrderGrains.ReadModel;

/// <summary>The read model in the host's SQLite database file, beside grain state (WAL lets its reads run beside the state writer).</summary>
public sealed class SqliteOrderReadStore(string databasePath) : SqlOrderReadStore("order_read", "order_read_skus")
{
    private const string Create = """
        CREATE TABLE IF NOT EXISTS order_read (
            order_id         TEXT    NOT NULL PRIMARY KEY,
            version          INTEGER NOT NULL,
            status           INTEGER NOT NULL,
            channel          TEXT    NOT NULL,
            customer_id      TEXT    NOT NULL,
            currency         TEXT    NOT NULL,
            total_minor      INTEGER NOT NULL,
            units            INTEGER NOT NULL,
            cancelled_units  INTEGER NOT NULL,
            returned_units   INTEGER NOT NULL,
            hold_reason      INTEGER NOT NULL,
            reject_reason    INTEGER NOT NULL,
            paid             INTEGER NOT NULL,
            created_at_ticks INTEGER NOT NULL,
            created_day      TEXT    NOT NULL,
            updated_at_ticks INTEGER NOT NULL,
            skus             TEXT    NOT NULL
        ) WITHOUT ROWID;
        CREATE INDEX IF NOT EXISTS order_read_by_created ON order_read (created_at_ticks DESC, order_id DESC);
        CREATE INDEX IF NOT EXISTS order_read_by_status ON order_read (status, created_at_ticks DESC, order_id DESC);
        CREATE INDEX IF NOT EXISTS order_read_by_channel ON order_read (channel, created_at_ticks DESC, order_id DESC);
        CREATE INDEX IF NOT EXISTS order_read_by_customer ON order_read (customer_id, created_at_ticks DESC, order_id DESC);
        CREATE INDEX IF NOT EXISTS order_read_by_day ON order_read (created_day, channel);
        CREATE TABLE IF NOT EXISTS order_read_skus (
            sku      TEXT NOT NULL,
            order_id TEXT NOT NULL,
            PRIMARY KEY (sku, order_id)
        ) WITHOUT ROWID;
        """;

    private readonly string _connectionString = new SqliteConnectionStringBuilder
    {
        DataSource = databasePath,
        Mode = SqliteOpenMode.ReadWriteCreate,
        Pooling = true,
    }.ToString();

    /// <inheritdoc />
    /// <remarks>
    /// The table, its indexes and the columns added since the first version are created in one transaction: a search
    /// running beside it sees either no table (an empty page) or the whole table, never one still lacking a column.
    /// </remarks>
    public override async Task<bool> EnsureCreatedAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'order_read';";
        var existed = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is not 0L;
        command.CommandText = Create;
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        await MigrateAsync(command, cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return !existed;
    }

    /// <inheritdoc />
    protected override string NotContaining(string text, string needle) => $"instr({text}, {needle}) = 0";

    // Adds the columns a table created by an earlier version lacks (SQLite has no ADD COLUMN IF NOT EXISTS), inside
    // the caller's transaction, so a host stopped halfway finds either none or all of them.
    private async Task MigrateAsync(DbCommand command, CancellationToken cancellationToken)
    {
        command.CommandText = "SELECT name FROM pragma_table_info('order_read')";
        var present = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                present.Add(reader.GetString(0));
            }
        }

        var missing = ReviewColumns.Where(c => !present.Contains(c.Name)).ToList();
        if (missing.Count > 0)
        {
            command.CommandText = string.Concat(missing.Select(c => $"ALTER TABLE order_read ADD COLUMN {c.Name} {c.Definition};")) + BackfillHeldSince + ";";
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        command.CommandText = ReviewIndex("order_read_review");
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    protected override async Task<DbConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(_connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            return connection;
        }
        catch (Exception)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <inheritdoc />
    protected override bool IsTableMissing(Exception exception) =>
        exception is SqliteException { SqliteErrorCode: 1 } sqlite && sqlite.Message.Contains("no such table", StringComparison.Ordinal);
}
