using System.Data.Common;
using System.Globalization;
using OrderGrains.Abstractions;

namespace OrderGrains.ReadModel;

/// <summary>
/// The read model's statements, written once for both databases (named parameters, <c>ON CONFLICT ... DO UPDATE ...
/// WHERE</c>, which SQLite and PostgreSQL both understand); each database adds its schema and connections.
/// </summary>
/// <remarks>
/// Times are UTC ticks (exact, and ordered as numbers); <c>created_day</c> (yyyy-MM-dd, UTC) groups the channel figures.
/// SKUs of an order never change after placement, so <c>order_read_skus</c> is only ever inserted into.
/// </remarks>
public abstract class SqlOrderReadStore : IOrderReadStore
{
    private const string Columns =
        "order_id, version, status, channel, customer_id, currency, total_minor, units, cancelled_units, returned_units, " +
        "hold_reason, reject_reason, paid, created_at_ticks, created_day, updated_at_ticks, skus, " +
        "held_since_ticks, hold_details, approval_steps, approvers, steps_done, steps_required, next_role";

    /// <summary>
    /// The review queue's columns, added to a table created before them (by <see cref="EnsureCreatedAsync"/>, which
    /// creates every table in its first shape and then adds what it lacks). Set only while the order is ON_HOLD.
    /// </summary>
    protected static readonly IReadOnlyList<(string Name, string Definition)> ReviewColumns =
    [
        ("held_since_ticks", "bigint NULL"),
        ("hold_details", "text NULL"),
        ("approval_steps", "text NOT NULL DEFAULT ''"),
        ("approvers", "text NOT NULL DEFAULT ''"),
        ("steps_done", "integer NOT NULL DEFAULT 0"),
        ("steps_required", "integer NOT NULL DEFAULT 0"),
        ("next_role", "text NULL"),
    ];

    // Names in the approvers column are each wrapped in this separator, so "is X among them" is a substring test.
    private const char ApproverSeparator = '\n';

    // A status of 0 comes from an event written before events carried the status: keep what is stored.
    private const string OnConflict = """
            ON CONFLICT (order_id) DO UPDATE SET
                version = excluded.version,
                status = CASE WHEN excluded.status <> 0 THEN excluded.status ELSE o.status END,
                total_minor = excluded.total_minor,
                units = excluded.units,
                cancelled_units = excluded.cancelled_units,
                returned_units = excluded.returned_units,
                hold_reason = excluded.hold_reason,
                reject_reason = excluded.reject_reason,
                paid = excluded.paid,
                updated_at_ticks = excluded.updated_at_ticks,
                held_since_ticks = CASE WHEN excluded.status <> 0 THEN excluded.held_since_ticks ELSE o.held_since_ticks END,
                hold_details = excluded.hold_details,
                approval_steps = excluded.approval_steps,
                approvers = excluded.approvers,
                steps_done = excluded.steps_done,
                steps_required = excluded.steps_required,
                next_role = excluded.next_role
            WHERE excluded.version > o.version
            """;

    private readonly string _orders;
    private readonly string _skus;
    private readonly string _upsert;
    private readonly string _insertSku;

    protected SqlOrderReadStore(string ordersTable, string skusTable)
    {
        _orders = ordersTable;
        _skus = skusTable;
        _upsert = UpsertFrom("""
            VALUES (@id, @version, @status, @channel, @customer, @currency, @total, @units, @cancelled, @returned,
                    @hold, @reject, @paid, @created, @day, @updated, @skus,
                    @heldSince, @holdDetails, @steps, @approvers, @stepsDone, @stepsRequired, @nextRole)
            """);
        _insertSku = $"INSERT INTO {_skus} (sku, order_id) VALUES (@sku, @id) ON CONFLICT DO NOTHING";
    }

    /// <inheritdoc />
    public abstract Task<bool> EnsureCreatedAsync(CancellationToken cancellationToken);

    /// <summary>A connection, open.</summary>
    protected abstract Task<DbConnection> OpenAsync(CancellationToken cancellationToken);

    /// <summary>Whether <paramref name="exception"/> says the orders table does not exist.</summary>
    protected abstract bool IsTableMissing(Exception exception);

    /// <inheritdoc />
    public async Task ApplyAsync(IReadOnlyList<OrderRow> rows, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(rows);
        if (rows.Count == 0)
        {
            return;
        }

        try
        {
            await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await WriteAsync(connection, transaction, rows, cancellationToken).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (IsTableMissing(exception))
        {
            throw new ReadModelTableMissingException($"The read model's table {_orders} is missing: {exception.Message}", exception);
        }
    }

    /// <summary>Writes <paramref name="rows"/> (one per order) inside <paramref name="transaction"/>: one statement per row and SKU, sent in one round trip where the provider batches.</summary>
    protected virtual async Task WriteAsync(DbConnection connection, DbTransaction transaction, IReadOnlyList<OrderRow> rows, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        if (connection.CanCreateBatch)
        {
            // One round trip for the whole page of rows (PostgreSQL): one statement each was 18,000 round trips for
            // 9,000 orders in the flash-sale profile.
            await using var batch = connection.CreateBatch();
            batch.Transaction = transaction;
            foreach (var (sql, parameters) in Statements(rows))
            {
                var command = batch.CreateBatchCommand();
                command.CommandText = sql;
                foreach (var (name, value) in parameters)
                {
                    command.Parameters.Add(Parameter(command.CreateParameter(), name, value));
                }

                batch.BatchCommands.Add(command);
            }

            await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        else
        {
            // One command per statement text (the upsert and the SKU insert), so each is prepared once per page.
            var commands = new Dictionary<string, DbCommand>(StringComparer.Ordinal);
            try
            {
                foreach (var (sql, parameters) in Statements(rows))
                {
                    if (!commands.TryGetValue(sql, out var command))
                    {
                        command = connection.CreateCommand();
                        command.Transaction = transaction;
                        command.CommandText = sql;
                        commands.Add(sql, command);
                    }

                    command.Parameters.Clear();
                    foreach (var (name, value) in parameters)
                    {
                        command.Parameters.Add(Parameter(command.CreateParameter(), name, value));
                    }

                    await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }
            }
            finally
            {
                foreach (var command in commands.Values)
                {
                    await command.DisposeAsync().ConfigureAwait(false);
                }
            }
        }
    }

    /// <summary>The upsert of each row and the inserts of its SKUs, in order.</summary>
    private IEnumerable<(string Sql, (string Name, object? Value)[] Parameters)> Statements(IReadOnlyList<OrderRow> rows)
    {
        foreach (var row in rows)
        {
            yield return (_upsert, [.. ParameterNames.Zip(Values(row))]);
            foreach (var sku in row.Skus)
            {
                yield return (_insertSku, [("@sku", sku), ("@id", row.OrderId)]);
            }
        }
    }

    /// <summary>The insert or update of the rows an <paramref name="source"/> (<c>VALUES ...</c> or <c>SELECT ...</c>) gives, in <see cref="Columns"/>' order.</summary>
    protected string UpsertFrom(string source) => $"INSERT INTO {_orders} AS o ({Columns})\n{source}\n{OnConflict}";

    /// <summary>The table of each order's SKUs (sku, order_id).</summary>
    protected string SkusTable => _skus;

    /// <summary>A row's values in <see cref="Columns"/>' order; their PostgreSQL types are <see cref="ColumnTypes"/>.</summary>
    protected static object?[] Values(OrderRow row)
    {
        ArgumentNullException.ThrowIfNull(row);
        var hold = row.Hold;
        return
        [
            row.OrderId,
            row.Version,
            (int)row.Status,
            row.Channel,
            row.CustomerId,
            row.Currency,
            row.TotalMinor,
            row.Units,
            row.CancelledUnits,
            row.ReturnedUnits,
            (int)row.HoldReason,
            (int)row.RejectReason,
            row.Paid ? 1 : 0,
            row.CreatedAt.UtcTicks,
            DayOf(row.CreatedAt),
            row.UpdatedAt.UtcTicks,
            string.Join(',', row.Skus),
            hold?.HeldSince.UtcTicks,
            hold?.Details,
            hold is null ? string.Empty : string.Join(',', hold.Steps),
            hold is null ? string.Empty : ApproversText(hold.Approvers),
            hold?.StepsDone ?? 0,
            hold?.StepsRequired ?? 0,
            hold?.NextRole,
        ];
    }

    /// <summary>The PostgreSQL type of each of <see cref="Columns"/>, in order.</summary>
    protected static readonly IReadOnlyList<string> ColumnTypes =
    [
        "text", "bigint", "integer", "text", "text", "text", "bigint", "integer", "integer", "integer",
        "integer", "integer", "integer", "bigint", "text", "bigint", "text",
        "bigint", "text", "text", "text", "integer", "integer", "text",
    ];

    private static readonly string[] ParameterNames =
    [
        "@id", "@version", "@status", "@channel", "@customer", "@currency", "@total", "@units", "@cancelled", "@returned",
        "@hold", "@reject", "@paid", "@created", "@day", "@updated", "@skus",
        "@heldSince", "@holdDetails", "@steps", "@approvers", "@stepsDone", "@stepsRequired", "@nextRole",
    ];

    /// <inheritdoc />
    public async Task<OrderPage> SearchAsync(OrderQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        var where = Where(command, query.CreatedFrom, query.CreatedTo);
        if (query.Status is { } status)
        {
            where.Add("status = @status");
            Add(command, "@status", (int)status);
        }

        if (query.Channel is { } channel)
        {
            where.Add("channel = @channel");
            Add(command, "@channel", channel);
        }

        if (query.CustomerId is { } customer)
        {
            where.Add("customer_id = @customer");
            Add(command, "@customer", customer);
        }

        if (query.Sku is { } sku)
        {
            where.Add($"order_id IN (SELECT order_id FROM {_skus} WHERE sku = @sku)");
            Add(command, "@sku", sku);
        }

        if (query.HoldReason is { } hold)
        {
            where.Add("hold_reason = @hold");
            Add(command, "@hold", (int)hold);
        }

        if (query.After is { } after)
        {
            where.Add("(created_at_ticks < @afterTicks OR (created_at_ticks = @afterTicks AND order_id < @afterId))");
            Add(command, "@afterTicks", after.CreatedAtTicks);
            Add(command, "@afterId", after.OrderId);
        }

        // One row more than asked tells whether another page follows.
        Add(command, "@limit", query.Limit + 1);
        command.CommandText = $"SELECT {Columns} FROM {_orders} {WhereClause(where)} ORDER BY created_at_ticks DESC, order_id DESC LIMIT @limit";
        var rows = new List<OrderRow>(Math.Min(query.Limit + 1, 1024));
        try
        {
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                rows.Add(ReadRow(reader));
            }
        }
        catch (Exception exception) when (IsTableMissing(exception))
        {
            // Dropped and not yet rebuilt: nothing to show until the projection recreates it.
            return new OrderPage([], null);
        }

        if (rows.Count <= query.Limit)
        {
            return new OrderPage(rows, null);
        }

        rows.RemoveAt(rows.Count - 1);
        return new OrderPage(rows, OrderCursor.After(rows[^1]));
    }

    /// <inheritdoc />
    public async Task<OrderCounts> CountAsync(DateTimeOffset? createdFrom, DateTimeOffset? createdTo, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        var where = WhereClause(Where(command, createdFrom, createdTo));
        command.CommandText = $"SELECT status, channel, COUNT(*) FROM {_orders} {where} GROUP BY status, channel";
        var byStatus = new SortedDictionary<OrderStatus, long>();
        var byChannel = new SortedDictionary<string, long>(StringComparer.Ordinal);
        long total = 0;
        try
        {
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var status = (OrderStatus)Convert.ToInt32(reader.GetValue(0), CultureInfo.InvariantCulture);
                var channel = reader.GetString(1);
                var count = Convert.ToInt64(reader.GetValue(2), CultureInfo.InvariantCulture);
                byStatus[status] = byStatus.GetValueOrDefault(status) + count;
                byChannel[channel] = byChannel.GetValueOrDefault(channel) + count;
                total += count;
            }
        }
        catch (Exception exception) when (IsTableMissing(exception))
        {
            return new OrderCounts(0, byStatus, byChannel);
        }

        return new OrderCounts(total, byStatus, byChannel);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<ChannelDayFigures>> ChannelFiguresAsync(DateTimeOffset from, DateTimeOffset to, string? channel, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        var where = Where(command, from, to);
        if (channel is not null)
        {
            where.Add("channel = @channel");
            Add(command, "@channel", channel);
        }

        Add(command, "@rejected", (int)OrderStatus.Rejected);
        Add(command, "@cancelled", (int)OrderStatus.Cancelled);
        command.CommandText = $"""
            SELECT created_day, channel, currency,
                   SUM(CASE WHEN status <> @rejected THEN 1 ELSE 0 END),
                   SUM(CASE WHEN status <> @rejected THEN units ELSE 0 END),
                   SUM(CASE WHEN status <> @rejected AND status <> @cancelled THEN total_minor ELSE 0 END),
                   SUM(CASE WHEN status = @cancelled THEN 1 ELSE 0 END),
                   SUM(CASE WHEN status <> @rejected AND returned_units > 0 THEN 1 ELSE 0 END),
                   SUM(CASE WHEN status = @rejected THEN 1 ELSE 0 END)
            FROM {_orders} {WhereClause(where)}
            GROUP BY created_day, channel, currency
            ORDER BY created_day, channel, currency
            """;
        var figures = new List<ChannelDayFigures>();
        try
        {
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                figures.Add(new ChannelDayFigures(
                    DateOnly.ParseExact(reader.GetString(0), "yyyy-MM-dd", CultureInfo.InvariantCulture),
                    reader.GetString(1),
                    reader.GetString(2),
                    Long(reader, 3),
                    Long(reader, 4),
                    Long(reader, 5),
                    Long(reader, 6),
                    Long(reader, 7),
                    Long(reader, 8)));
            }
        }
        catch (Exception exception) when (IsTableMissing(exception))
        {
            return [];
        }

        return figures;
    }

    /// <inheritdoc />
    public async Task<ReviewQueuePage> ReviewQueueAsync(ReviewQueueQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        var where = ReviewWhere(command, query);
        if (query.HoldReason is { } reason)
        {
            where.Add("hold_reason = @reason");
            Add(command, "@reason", (int)reason);
        }

        if (query.HeldBefore is { } before)
        {
            where.Add("held_since_ticks <= @heldBefore");
            Add(command, "@heldBefore", before.UtcTicks);
        }

        if (query.After is { } after)
        {
            where.Add("(held_since_ticks > @afterTicks OR (held_since_ticks = @afterTicks AND order_id > @afterId))");
            Add(command, "@afterTicks", after.HeldSinceTicks);
            Add(command, "@afterId", after.OrderId);
        }

        Add(command, "@limit", query.Limit + 1);
        command.CommandText = $"SELECT {Columns} FROM {_orders} {WhereClause(where)} ORDER BY held_since_ticks, order_id LIMIT @limit";
        var rows = new List<OrderRow>(Math.Min(query.Limit + 1, 1024));
        try
        {
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                rows.Add(ReadRow(reader));
            }
        }
        catch (Exception exception) when (IsTableMissing(exception))
        {
            return new ReviewQueuePage([], null);
        }

        if (rows.Count <= query.Limit)
        {
            return new ReviewQueuePage(rows, null);
        }

        rows.RemoveAt(rows.Count - 1);
        return new ReviewQueuePage(rows, ReviewCursor.After(rows[^1]));
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<ReviewReasonCounts>> ReviewCountsAsync(ReviewQueueQuery filter, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(filter);
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        var where = ReviewWhere(command, filter);
        // Held after now - 1 h is younger than an hour; a bucket holds its lower bound (exactly 1 h old is "1 to 4 h").
        Add(command, "@h1", (now - TimeSpan.FromHours(1)).UtcTicks);
        Add(command, "@h4", (now - TimeSpan.FromHours(4)).UtcTicks);
        Add(command, "@h24", (now - TimeSpan.FromHours(24)).UtcTicks);
        command.CommandText = $"""
            SELECT hold_reason, COUNT(*),
                   SUM(CASE WHEN held_since_ticks > @h1 THEN 1 ELSE 0 END),
                   SUM(CASE WHEN held_since_ticks <= @h1 AND held_since_ticks > @h4 THEN 1 ELSE 0 END),
                   SUM(CASE WHEN held_since_ticks <= @h4 AND held_since_ticks > @h24 THEN 1 ELSE 0 END),
                   SUM(CASE WHEN held_since_ticks <= @h24 THEN 1 ELSE 0 END),
                   MIN(held_since_ticks)
            FROM {_orders} {WhereClause(where)}
            GROUP BY hold_reason
            ORDER BY hold_reason
            """;
        var counts = new List<ReviewReasonCounts>();
        try
        {
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                counts.Add(new ReviewReasonCounts(
                    (HoldReason)Int(reader, 0),
                    Long(reader, 1),
                    Long(reader, 2),
                    Long(reader, 3),
                    Long(reader, 4),
                    Long(reader, 5),
                    reader.IsDBNull(6) ? null : new DateTimeOffset(Long(reader, 6), TimeSpan.Zero)));
            }
        }
        catch (Exception exception) when (IsTableMissing(exception))
        {
            return [];
        }

        return counts;
    }

    /// <summary>SQL that is true when <paramref name="text"/> does not contain <paramref name="needle"/> (both SQL expressions).</summary>
    protected abstract string NotContaining(string text, string needle);

    /// <summary>Sets held-since for rows of held orders projected before the review columns existed: holds begin at placement.</summary>
    protected string BackfillHeldSince => $"UPDATE {_orders} SET held_since_ticks = created_at_ticks WHERE status = {(int)OrderStatus.OnHold} AND held_since_ticks IS NULL";

    /// <summary>The review queue's index: held orders only, in queue order.</summary>
    protected string ReviewIndex(string indexName) =>
        $"CREATE INDEX IF NOT EXISTS {indexName} ON {_orders} (held_since_ticks, order_id) WHERE status = {(int)OrderStatus.OnHold}";

    // The filters the queue and its counts share: held orders of a channel, whose next step needs a role, that the caller may approve.
    private List<string> ReviewWhere(DbCommand command, ReviewQueueQuery query)
    {
        var where = new List<string> { "status = @onHold" };
        Add(command, "@onHold", (int)OrderStatus.OnHold);
        if (query.Channel is { } channel)
        {
            where.Add("channel = @channel");
            Add(command, "@channel", channel);
        }

        if (query.NextRole is { } role)
        {
            where.Add("next_role = @nextRole");
            Add(command, "@nextRole", role);
        }

        if (query.QualifyingRoles is { } roles)
        {
            if (roles.Count == 0)
            {
                where.Add("1 = 0");
            }
            else
            {
                var names = roles.Select((r, i) => "@qualifies" + i.ToString(CultureInfo.InvariantCulture)).ToList();
                where.Add($"next_role IN ({string.Join(", ", names)})");
                for (var i = 0; i < roles.Count; i++)
                {
                    Add(command, names[i], roles[i]);
                }
            }
        }

        if (query.NotApprovedBy is { } approver)
        {
            where.Add(NotContaining("approvers", "@approver"));
            Add(command, "@approver", ApproverSeparator + approver + ApproverSeparator);
        }

        return where;
    }

    /// <summary>The UTC day a creation time falls on, as stored in <c>created_day</c>.</summary>
    public static string DayOf(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private static List<string> Where(DbCommand command, DateTimeOffset? from, DateTimeOffset? to)
    {
        var where = new List<string>();
        if (from is { } f)
        {
            where.Add("created_at_ticks >= @from");
            Add(command, "@from", f.UtcTicks);
        }

        if (to is { } t)
        {
            where.Add("created_at_ticks < @to");
            Add(command, "@to", t.UtcTicks);
        }

        return where;
    }

    private static string WhereClause(List<string> where) => where.Count == 0 ? string.Empty : "WHERE " + string.Join(" AND ", where);

    private static long Long(DbDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? 0 : Convert.ToInt64(reader.GetValue(ordinal), CultureInfo.InvariantCulture);

    private static int Int(DbDataReader reader, int ordinal) => Convert.ToInt32(reader.GetValue(ordinal), CultureInfo.InvariantCulture);

    private static OrderRow ReadRow(DbDataReader reader)
    {
        var skus = reader.GetString(16);
        var status = (OrderStatus)Int(reader, 2);
        HoldRow? hold = null;
        if (status == OrderStatus.OnHold)
        {
            var steps = reader.GetString(19);
            // A row projected before the review columns existed: the migration gave it its creation time.
            hold = new HoldRow(
                new DateTimeOffset(reader.IsDBNull(17) ? Long(reader, 13) : Long(reader, 17), TimeSpan.Zero),
                reader.IsDBNull(18) ? null : reader.GetString(18),
                steps.Length == 0 ? [] : steps.Split(','),
                ApproversOf(reader.GetString(20)));
        }

        return new OrderRow(
            reader.GetString(0),
            Long(reader, 1),
            status,
            reader.GetString(3),
            reader.GetString(4),
            reader.GetString(5),
            Long(reader, 6),
            Int(reader, 7),
            Int(reader, 8),
            Int(reader, 9),
            (HoldReason)Int(reader, 10),
            (RejectReason)Int(reader, 11),
            Int(reader, 12) != 0,
            new DateTimeOffset(Long(reader, 13), TimeSpan.Zero),
            new DateTimeOffset(Long(reader, 15), TimeSpan.Zero),
            skus.Length == 0 ? [] : skus.Split(','),
            hold);
    }

    private static string ApproversText(IReadOnlyList<string> approvers) =>
        approvers.Count == 0 ? string.Empty : ApproverSeparator + string.Join(ApproverSeparator, approvers) + ApproverSeparator;

    private static string[] ApproversOf(string text) => text.Split(ApproverSeparator, StringSplitOptions.RemoveEmptyEntries);

    private static void Add(DbCommand command, string name, object? value) => command.Parameters.Add(Parameter(command.CreateParameter(), name, value));

    private static DbParameter Parameter(DbParameter parameter, string name, object? value)
    {
        parameter.ParameterName = name;
        parameter.Value = value ?? DBNull.Value;
        return parameter;
    }
}
