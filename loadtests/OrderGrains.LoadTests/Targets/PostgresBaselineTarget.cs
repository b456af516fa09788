using System.Globalization;
using Npgsql;
using OrderGrains.LoadTests.Scenarios;

namespace OrderGrains.LoadTests.Targets;

/// <summary>
/// The approach people pick without an actor system: one inventory row per SKU, decremented per order in its own
/// transaction (row lock held until commit), in its own schema on the same PostgreSQL server.
/// </summary>
public sealed class PostgresBaselineTarget : IOrderTarget
{
    private readonly NpgsqlDataSource _dataSource;
    private readonly string _schema;
    private readonly bool _dropSchema;

    // Per-customer limit of each campaign, by id; written once in SetupAsync, read by every PlaceAsync.
    private readonly Dictionary<string, int> _limits = new(StringComparer.Ordinal);

    public PostgresBaselineTarget(string connectionString, string schema, int connections, bool dropSchema)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString)
        {
            MaxPoolSize = connections,
            MinPoolSize = 0,
            SearchPath = schema,
            MaxAutoPrepare = 16,
            AutoPrepareMinUsages = 2,
            NoResetOnClose = true,
        };
        _dataSource = NpgsqlDataSource.Create(builder.ConnectionString);
        _schema = schema;
        _dropSchema = dropSchema;
    }

    public string Name => "baseline";

    public string Description =>
        "Plain PostgreSQL, one transaction per order on a pooled connection: [campaign orders: INSERT INTO campaign_buys ... " +
        "ON CONFLICT (campaign_id, customer_id) DO UPDATE SET quantity = quantity + q WHERE quantity + q <= limit, 0 rows = " +
        "CAMPAIGN_LIMIT_EXCEEDED]; per line in SKU order: UPDATE inventory SET available = available - q WHERE sku = $1 AND " +
        "available >= q (0 rows = OUT_OF_STOCK, rollback); INSERT INTO orders (one row) and order_lines (one row per line) in one statement; " +
        "COMMIT (synchronous_commit as configured on the server). Payment: UPDATE orders SET status = 'PAID' in its own " +
        "transaction; cancel: status CANCELLED, inventory and campaign_buys given back, one transaction. One inventory row per " +
        "SKU (no warehouses), no customer lookup, no reservation expiry.";

    public async Task SetupAsync(ScenarioPlan plan, CancellationToken cancellationToken)
    {
        foreach (var campaign in plan.Campaigns)
        {
            _limits[campaign.CampaignId] = campaign.PerCustomerLimit;
        }

        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await using (var create = connection.CreateCommand())
        {
            create.CommandText = $"""
                DROP SCHEMA IF EXISTS {_schema} CASCADE;
                CREATE SCHEMA {_schema};
                CREATE TABLE {_schema}.inventory (sku text PRIMARY KEY, available integer NOT NULL, on_hand integer NOT NULL);
                CREATE TABLE {_schema}.orders (order_id text PRIMARY KEY, customer_id text NOT NULL, campaign_id text,
                    status text NOT NULL, total_minor bigint NOT NULL, created_at timestamptz NOT NULL DEFAULT now());
                CREATE TABLE {_schema}.order_lines (order_id text NOT NULL, sku text NOT NULL, quantity integer NOT NULL,
                    PRIMARY KEY (order_id, sku));
                CREATE TABLE {_schema}.campaign_buys (campaign_id text NOT NULL, customer_id text NOT NULL, quantity integer NOT NULL,
                    PRIMARY KEY (campaign_id, customer_id));
                """;
            await create.ExecuteNonQueryAsync(cancellationToken);
        }

        await using var import = await connection.BeginBinaryImportAsync($"COPY {_schema}.inventory (sku, available, on_hand) FROM STDIN (FORMAT BINARY)", cancellationToken);
        foreach (var (sku, onHand) in plan.OnHandBySku)
        {
            await import.StartRowAsync(cancellationToken);
            await import.WriteAsync(sku, cancellationToken);
            await import.WriteAsync(onHand, cancellationToken);
            await import.WriteAsync(onHand, cancellationToken);
        }

        await import.CompleteAsync(cancellationToken);
    }

    public async Task<CallOutcome> PlaceAsync(PlannedOrder order, CancellationToken cancellationToken)
    {
        var limit = order.CampaignId is null ? 0 : CampaignLimit(order.CampaignId);
        try
        {
            await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            if (order.CampaignId is not null)
            {
                await using var buy = new NpgsqlCommand(
                    "INSERT INTO campaign_buys (campaign_id, customer_id, quantity) VALUES ($1, $2, $3) " +
                    "ON CONFLICT (campaign_id, customer_id) DO UPDATE SET quantity = campaign_buys.quantity + EXCLUDED.quantity " +
                    "WHERE campaign_buys.quantity + EXCLUDED.quantity <= $4",
                    connection,
                    transaction);
                buy.Parameters.Add(new NpgsqlParameter<string> { TypedValue = order.CampaignId });
                buy.Parameters.Add(new NpgsqlParameter<string> { TypedValue = order.CustomerId });
                buy.Parameters.Add(new NpgsqlParameter<int> { TypedValue = order.Lines.Sum(l => l.Quantity) });
                buy.Parameters.Add(new NpgsqlParameter<int> { TypedValue = limit });
                if (await buy.ExecuteNonQueryAsync(cancellationToken) == 0)
                {
                    await transaction.RollbackAsync(cancellationToken);
                    return new CallOutcome(OutcomeKind.Rejected, "CampaignLimitExceeded");
                }
            }

            // Lines in SKU order, so two multi-line orders never lock rows in opposite orders (deadlock).
            foreach (var line in order.Lines.OrderBy(l => l.Sku, StringComparer.Ordinal))
            {
                await using var take = new NpgsqlCommand("UPDATE inventory SET available = available - $2 WHERE sku = $1 AND available >= $2", connection, transaction);
                take.Parameters.Add(new NpgsqlParameter<string> { TypedValue = line.Sku });
                take.Parameters.Add(new NpgsqlParameter<int> { TypedValue = line.Quantity });
                if (await take.ExecuteNonQueryAsync(cancellationToken) == 0)
                {
                    await transaction.RollbackAsync(cancellationToken);
                    return new CallOutcome(OutcomeKind.Rejected, "OutOfStock");
                }
            }

            await using (var insert = new NpgsqlCommand(
                "WITH o AS (INSERT INTO orders (order_id, customer_id, campaign_id, status, total_minor) VALUES ($1, $2, $3, 'PENDING_PAYMENT', $4) RETURNING order_id) " +
                "INSERT INTO order_lines (order_id, sku, quantity) SELECT o.order_id, l.s, l.q FROM o, unnest($5::text[], $6::int[]) AS l(s, q)",
                connection,
                transaction))
            {
                insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = order.OrderId });
                insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = order.CustomerId });
                insert.Parameters.Add(new NpgsqlParameter { Value = (object?)order.CampaignId ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
                insert.Parameters.Add(new NpgsqlParameter<long> { TypedValue = order.TotalMinor });
                insert.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = order.Lines.Select(l => l.Sku).ToArray() });
                insert.Parameters.Add(new NpgsqlParameter<int[]> { TypedValue = order.Lines.Select(l => l.Quantity).ToArray() });
                await insert.ExecuteNonQueryAsync(cancellationToken);
            }

            await transaction.CommitAsync(cancellationToken);
            return CallOutcome.Accepted;
        }
        catch (NpgsqlException ex)
        {
            return new CallOutcome(OutcomeKind.Error, ex.SqlState ?? ex.GetType().Name);
        }
        catch (OperationCanceledException)
        {
            return new CallOutcome(OutcomeKind.Error, "cancelled");
        }
    }

    public async Task<CallOutcome> PayAsync(PlannedOrder order, CancellationToken cancellationToken)
    {
        try
        {
            await using var pay = _dataSource.CreateCommand("UPDATE orders SET status = 'PAID' WHERE order_id = $1 AND status = 'PENDING_PAYMENT'");
            pay.Parameters.Add(new NpgsqlParameter<string> { TypedValue = order.OrderId });
            return await pay.ExecuteNonQueryAsync(cancellationToken) == 1 ? CallOutcome.Accepted : new CallOutcome(OutcomeKind.Error, "FailedPrecondition");
        }
        catch (NpgsqlException ex)
        {
            return new CallOutcome(OutcomeKind.Error, ex.SqlState ?? ex.GetType().Name);
        }
    }

    public async Task<CallOutcome> CancelAsync(PlannedOrder order, CancellationToken cancellationToken)
    {
        try
        {
            await using var cancel = _dataSource.CreateCommand("""
                WITH c AS (UPDATE orders SET status = 'CANCELLED' WHERE order_id = $1 AND status IN ('PENDING_PAYMENT', 'PAID') RETURNING order_id, customer_id, campaign_id),
                     l AS (SELECT ol.sku, ol.quantity FROM order_lines ol JOIN c ON c.order_id = ol.order_id),
                     i AS (UPDATE inventory SET available = available + l.quantity FROM l WHERE inventory.sku = l.sku RETURNING 1),
                     b AS (UPDATE campaign_buys cb SET quantity = cb.quantity - (SELECT COALESCE(sum(quantity), 0) FROM l)
                           FROM c WHERE cb.campaign_id = c.campaign_id AND cb.customer_id = c.customer_id RETURNING 1)
                SELECT count(*) FROM c
                """);
            cancel.Parameters.Add(new NpgsqlParameter<string> { TypedValue = order.OrderId });
            var cancelled = (long)(await cancel.ExecuteScalarAsync(cancellationToken) ?? 0L);
            return cancelled == 1 ? CallOutcome.Accepted : new CallOutcome(OutcomeKind.Error, "FailedPrecondition");
        }
        catch (NpgsqlException ex)
        {
            return new CallOutcome(OutcomeKind.Error, ex.SqlState ?? ex.GetType().Name);
        }
    }

    public async Task<IReadOnlyList<InvariantCheck>> VerifyAsync(ScenarioPlan plan, CancellationToken cancellationToken)
    {
        var checks = new List<InvariantCheck>();
        await using var command = _dataSource.CreateCommand("""
            SELECT i.sku, i.on_hand, i.available, COALESCE(SUM(ol.quantity) FILTER (WHERE o.status IN ('PENDING_PAYMENT', 'PAID')), 0)
            FROM inventory i LEFT JOIN order_lines ol ON ol.sku = i.sku LEFT JOIN orders o ON o.order_id = ol.order_id
            GROUP BY i.sku, i.on_hand, i.available
            """);
        var oversold = new List<string>();
        var mismatch = new List<string>();
        long sold = 0;
        var measured = plan.MeasuredSkus;
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                var sku = reader.GetString(0);
                var onHand = reader.GetInt32(1);
                var available = reader.GetInt32(2);
                var live = reader.GetInt64(3);
                sold += measured.Contains(sku) ? live : 0;
                if (available < 0 || live > onHand)
                {
                    oversold.Add($"{sku}: on hand {onHand}, sold {live}, available {available}");
                }

                if (onHand - available != live)
                {
                    mismatch.Add($"{sku}: on hand {onHand} - available {available} != live order lines {live}");
                }
            }
        }

        checks.Add(new InvariantCheck("accepted units <= stock, per SKU", oversold.Count == 0, oversold.Count == 0 ? "none oversold" : string.Join("; ", oversold.Take(5))));
        checks.Add(new InvariantCheck("taken stock = sum of live order lines, per SKU", mismatch.Count == 0, mismatch.Count == 0 ? "all match" : string.Join("; ", mismatch.Take(5))));
        foreach (var campaign in plan.Campaigns)
        {
            await using var over = _dataSource.CreateCommand("SELECT count(*) FROM campaign_buys WHERE campaign_id = $1 AND quantity > $2");
            over.Parameters.Add(new NpgsqlParameter<string> { TypedValue = campaign.CampaignId });
            over.Parameters.Add(new NpgsqlParameter<int> { TypedValue = campaign.PerCustomerLimit });
            var count = (long)(await over.ExecuteScalarAsync(cancellationToken) ?? 0L);
            checks.Add(new InvariantCheck($"per-customer limit {campaign.PerCustomerLimit} held in campaign {campaign.CampaignId}", count == 0, $"{count.ToString(CultureInfo.InvariantCulture)} customers over the limit"));
        }

        if (plan.Scenario == "flash-sale")
        {
            var units = plan.OnHandBySku.Where(s => measured.Contains(s.Key)).Sum(s => s.Value);
            checks.Add(new InvariantCheck("flash sale sold no more than the stock", sold <= units, $"stock {units}, sold {sold}"));
        }

        return checks;
    }

    public async ValueTask DisposeAsync()
    {
        if (_dropSchema)
        {
            try
            {
                await using var drop = _dataSource.CreateCommand($"DROP SCHEMA IF EXISTS {_schema} CASCADE");
                await drop.ExecuteNonQueryAsync();
            }
            catch (NpgsqlException ex)
            {
                // A left-over schema costs disk, not correctness: say so and keep the run's result.
                await Console.Error.WriteLineAsync($"baseline: could not drop schema {_schema}: {ex.Message}");
            }
        }

        await _dataSource.DisposeAsync();
    }

    private int CampaignLimit(string campaignId) => _limits.TryGetValue(campaignId, out var limit) ? limit : int.MaxValue;
}
