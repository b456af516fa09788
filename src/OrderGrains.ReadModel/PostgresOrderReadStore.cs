using System.Data.Common;
using System.Globalization;
using Npgsql;

namespace OrderGrains.ReadModel;

/// <summary>
/// The read model in the host's PostgreSQL schema, beside grain state. Order ids sort with the "C" collation, so the
/// paging order is the same on every server whatever its locale.
/// </summary>
public sealed class PostgresOrderReadStore : SqlOrderReadStore, IAsyncDisposable
{
    // Held while creating, so silos starting together do not race on CREATE ... IF NOT EXISTS.
    private const long CreateLock = 0x4f47_5244_4d4f_444c;

    private readonly NpgsqlDataSource _dataSource;
    private readonly string _schema;
    private readonly string _upsertAll;
    private readonly string _insertAllSkus;

    /// <param name="connectionString">The host's PostgreSQL connection string.</param>
    /// <param name="schema">The schema grain state lives in (letters, digits, underscores).</param>
    public PostgresOrderReadStore(string connectionString, string schema)
        : base($"\"{schema}\".order_read", $"\"{schema}\".order_read_skus")
    {
        _schema = schema;
        // The projector's statements are few and fixed: prepared once per connection. Nothing here changes session
        // state, so a connection going back to the pool needs no reset round trip.
        var builder = new NpgsqlConnectionStringBuilder(connectionString) { MaxPoolSize = 8, MaxAutoPrepare = 16, NoResetOnClose = true };
        _dataSource = NpgsqlDataSource.Create(builder.ConnectionString);
        _upsertAll = UpsertFrom("SELECT * FROM unnest(" + string.Join(", ", ColumnTypes.Select((type, i) => $"${i + 1}::{type}[]")) + ")");
        _insertAllSkus = $"INSERT INTO {SkusTable} (sku, order_id) SELECT * FROM unnest($1::text[], $2::text[]) ON CONFLICT DO NOTHING";
    }

    /// <summary>
    /// A page of rows in two statements, one per table, each taking one array per column (one round trip): a statement
    /// per row cost PostgreSQL a plan execution each, 60,000 of them for 30,000 refused flash-sale buyers. ON CONFLICT
    /// DO UPDATE cannot touch one row twice in a statement, so a page naming an order twice (the projector's never do)
    /// takes the statement-per-row path.
    /// </summary>
    protected override async Task WriteAsync(DbConnection connection, DbTransaction transaction, IReadOnlyList<OrderRow> rows, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(rows);
        if (rows.Select(r => r.OrderId).Distinct(StringComparer.Ordinal).Count() != rows.Count)
        {
            await base.WriteAsync(connection, transaction, rows, cancellationToken).ConfigureAwait(false);
            return;
        }

        var values = rows.Select(Values).ToList();
        await using var batch = new NpgsqlBatch((NpgsqlConnection)connection, (NpgsqlTransaction)transaction);
        var upsert = new NpgsqlBatchCommand(_upsertAll);
        for (var column = 0; column < ColumnTypes.Count; column++)
        {
            upsert.Parameters.Add(new NpgsqlParameter { Value = Column(values, column, ColumnTypes[column]) });
        }

        batch.BatchCommands.Add(upsert);
        var skus = rows.SelectMany(r => r.Skus.Select(sku => (Sku: sku, r.OrderId))).ToList();
        if (skus.Count > 0)
        {
            var insert = new NpgsqlBatchCommand(_insertAllSkus);
            insert.Parameters.Add(new NpgsqlParameter { Value = skus.Select(x => x.Sku).ToArray() });
            insert.Parameters.Add(new NpgsqlParameter { Value = skus.Select(x => x.OrderId).ToArray() });
            batch.BatchCommands.Add(insert);
        }

        await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static Array Column(List<object?[]> values, int column, string type) => type switch
    {
        "bigint" => values.Select(v => v[column] is { } x ? Convert.ToInt64(x, CultureInfo.InvariantCulture) : (long?)null).ToArray(),
        "integer" => values.Select(v => v[column] is { } x ? Convert.ToInt32(x, CultureInfo.InvariantCulture) : (int?)null).ToArray(),
        _ => values.Select(v => (string?)v[column]).ToArray(),
    };

    /// <inheritdoc />
    public override async Task<bool> EnsureCreatedAsync(CancellationToken cancellationToken)
    {
        var s = $"\"{_schema}\"";
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = $"SELECT pg_advisory_xact_lock({CreateLock}); CREATE SCHEMA IF NOT EXISTS {s}";
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        command.CommandText = $"SELECT to_regclass('{s}.order_read') IS NULL";
        var missing = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is true;
        command.CommandText = $"""
            CREATE TABLE IF NOT EXISTS {s}.order_read (
                order_id         text COLLATE "C" NOT NULL PRIMARY KEY,
                version          bigint  NOT NULL,
                status           integer NOT NULL,
                channel          text    NOT NULL,
                customer_id      text    NOT NULL,
                currency         text    NOT NULL,
                total_minor      bigint  NOT NULL,
                units            integer NOT NULL,
                cancelled_units  integer NOT NULL,
                returned_units   integer NOT NULL,
                hold_reason      integer NOT NULL,
                reject_reason    integer NOT NULL,
                paid             integer NOT NULL,
                created_at_ticks bigint  NOT NULL,
                created_day      text    NOT NULL,
                updated_at_ticks bigint  NOT NULL,
                skus             text    NOT NULL
            );
            CREATE INDEX IF NOT EXISTS order_read_by_created ON {s}.order_read (created_at_ticks DESC, order_id DESC);
            CREATE INDEX IF NOT EXISTS order_read_by_status ON {s}.order_read (status, created_at_ticks DESC, order_id DESC);
            CREATE INDEX IF NOT EXISTS order_read_by_channel ON {s}.order_read (channel, created_at_ticks DESC, order_id DESC);
            CREATE INDEX IF NOT EXISTS order_read_by_customer ON {s}.order_read (customer_id, created_at_ticks DESC, order_id DESC);
            CREATE INDEX IF NOT EXISTS order_read_by_day ON {s}.order_read (created_day, channel);
            CREATE TABLE IF NOT EXISTS {s}.order_read_skus (
                sku      text NOT NULL,
                order_id text COLLATE "C" NOT NULL,
                PRIMARY KEY (sku, order_id)
            );
            """;
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);

        // A table created by an earlier version lacks the review queue's columns: add them (in this transaction, under the lock).
        command.CommandText = $"SELECT count(*) FROM information_schema.columns WHERE table_schema = '{_schema}' AND table_name = 'order_read' AND column_name = 'held_since_ticks'";
        if (await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is 0L)
        {
            command.CommandText = string.Concat(ReviewColumns.Select(c => $"ALTER TABLE {s}.order_read ADD COLUMN IF NOT EXISTS {c.Name} {c.Definition};")) + BackfillHeldSince;
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        command.CommandText = ReviewIndex("order_read_review");
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return missing;
    }

    /// <inheritdoc />
    protected override string NotContaining(string text, string needle) => $"strpos({text}, {needle}) = 0";

    /// <inheritdoc />
    public ValueTask DisposeAsync() => _dataSource.DisposeAsync();

    /// <inheritdoc />
    protected override async Task<DbConnection> OpenAsync(CancellationToken cancellationToken) =>
        await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    protected override bool IsTableMissing(Exception exception) =>
        exception is PostgresException { SqlState: PostgresErrorCodes.UndefinedTable };
}
