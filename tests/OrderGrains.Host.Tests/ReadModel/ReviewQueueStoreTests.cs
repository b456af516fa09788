using System.Data.Common;
using Microsoft.Data.Sqlite;
using Npgsql;
using OrderGrains.Abstractions;
using OrderGrains.ReadModel;
using OrderGrains.Testing;

namespace OrderGrains.Host.Tests.ReadModel;

/// <summary>
/// The review queue's columns in the read model's tables on SQLite and on a real PostgreSQL: a table created before
/// them is migrated in place (held orders already in it keep their place, held since their creation), the age buckets
/// as of a given time, and rows leaving the queue when their order leaves ON_HOLD.
/// </summary>
public sealed class ReviewQueueStoreTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 3, 12, 0, 0, TimeSpan.Zero);

    // The order_read table as the first version of the read model created it, with one held and one pending order.
    private const string FirstShape = """
        CREATE TABLE {0}order_read (
            order_id text NOT NULL PRIMARY KEY, version bigint NOT NULL, status integer NOT NULL, channel text NOT NULL,
            customer_id text NOT NULL, currency text NOT NULL, total_minor bigint NOT NULL, units integer NOT NULL,
            cancelled_units integer NOT NULL, returned_units integer NOT NULL, hold_reason integer NOT NULL,
            reject_reason integer NOT NULL, paid integer NOT NULL, created_at_ticks bigint NOT NULL, created_day text NOT NULL,
            updated_at_ticks bigint NOT NULL, skus text NOT NULL);
        CREATE TABLE {0}order_read_skus (sku text NOT NULL, order_id text NOT NULL, PRIMARY KEY (sku, order_id));
        INSERT INTO {0}order_read VALUES ('web:old-held', 3, 2, 'web', 'ada', 'EUR', 5000, 1, 0, 0, 1, 0, 0, {1}, '2026-12-01', {2}, 'sku-1');
        INSERT INTO {0}order_read VALUES ('web:old-pending', 2, 1, 'web', 'ada', 'EUR', 100, 1, 0, 0, 0, 0, 0, {1}, '2026-12-01', {2}, 'sku-1');
        """;

    private static readonly DateTimeOffset OldCreated = Now.AddHours(-30);

    [Fact]
    public async Task On_sqlite_an_existing_table_is_migrated_and_the_queue_counts_ages_in_buckets()
    {
        var directory = Path.Combine(Path.GetTempPath(), "ordergrains-review-store", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, "read.db");
        try
        {
            await using (var connection = new SqliteConnection($"Data Source={path};Pooling=False"))
            {
                await connection.OpenAsync();
                await ExecuteAsync(connection, string.Format(System.Globalization.CultureInfo.InvariantCulture, FirstShape, string.Empty, OldCreated.UtcTicks, OldCreated.AddSeconds(1).UtcTicks));
            }

            await QueueBehavesAsync(new SqliteOrderReadStore(path));
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task On_postgres_an_existing_table_is_migrated_and_the_queue_counts_ages_in_buckets()
    {
        var schema = "t_rq_" + Guid.NewGuid().ToString("N")[..8];
        await using var connection = new NpgsqlConnection(TestStorage.PostgresConnectionString);
        await connection.OpenAsync();
        try
        {
            await ExecuteAsync(connection, $"CREATE SCHEMA \"{schema}\";" + string.Format(System.Globalization.CultureInfo.InvariantCulture, FirstShape, $"\"{schema}\".", OldCreated.UtcTicks, OldCreated.AddSeconds(1).UtcTicks));
            await using var store = new PostgresOrderReadStore(TestStorage.PostgresConnectionString, schema);
            await QueueBehavesAsync(store);
        }
        finally
        {
            await ExecuteAsync(connection, $"DROP SCHEMA IF EXISTS \"{schema}\" CASCADE");
        }
    }

    private static async Task QueueBehavesAsync(IOrderReadStore store)
    {
        Assert.False(await store.EnsureCreatedAsync(default));
        Assert.False(await store.EnsureCreatedAsync(default));

        var migrated = Assert.Single((await store.ReviewQueueAsync(Query(), default)).Orders);
        Assert.Equal(("web:old-held", HoldReason.CreditLimit), (migrated.OrderId, migrated.HoldReason));
        Assert.Equal((OldCreated, 0, (string?)null), (migrated.Hold!.HeldSince, migrated.Hold.StepsRequired, migrated.Hold.NextRole));

        // Ages 30 min, exactly 1 h, 3 h, exactly 4 h, 23 h and 25 h (plus the migrated order, 30 h).
        var ages = new[] { 0.5, 1, 3, 4, 23, 25 };
        await store.ApplyAsync([.. ages.Select((hours, i) => Held($"web:h{i}", Now.AddHours(-hours), i % 2 == 0 ? ["reviewer"] : ["supervisor", "finance"], i == 3 ? ["operator:sam"] : []))], default);

        var queue = await store.ReviewQueueAsync(Query(), default);
        Assert.Equal(["web:old-held", "web:h5", "web:h4", "web:h3", "web:h2", "web:h1", "web:h0"], queue.Orders.Select(o => o.OrderId));
        var counts = await store.ReviewCountsAsync(Query(), Now, default);
        Assert.Equal(
            [new ReviewReasonCounts(HoldReason.CreditLimit, 1, 0, 0, 0, 1, OldCreated), new ReviewReasonCounts(HoldReason.ManualReview, 6, 1, 2, 2, 1, Now.AddHours(-25))],
            counts);
        var h3 = queue.Orders.Single(o => o.OrderId == "web:h3").Hold!;
        Assert.Equal((1, 2, "finance"), (h3.StepsDone, h3.StepsRequired, h3.NextRole));
        Assert.Equal(["operator:sam"], h3.Approvers);

        Assert.Equal(["web:old-held", "web:h5", "web:h4", "web:h3"], (await store.ReviewQueueAsync(Query() with { HeldBefore = Now.AddHours(-4) }, default)).Orders.Select(o => o.OrderId));
        Assert.Equal(["web:h1", "web:h3", "web:h5"], (await store.ReviewQueueAsync(Query() with { QualifyingRoles = ["supervisor", "finance"] }, default)).Orders.Select(o => o.OrderId).Order(StringComparer.Ordinal));
        Assert.Equal(["web:h1", "web:h5"], (await store.ReviewQueueAsync(Query() with { QualifyingRoles = ["supervisor", "finance"], NotApprovedBy = "operator:sam" }, default)).Orders.Select(o => o.OrderId).Order(StringComparer.Ordinal));
        Assert.Equal(["web:h3"], (await store.ReviewQueueAsync(Query() with { NextRole = "finance" }, default)).Orders.Select(o => o.OrderId));
        Assert.Empty((await store.ReviewQueueAsync(Query() with { QualifyingRoles = [] }, default)).Orders);

        var firstPage = await store.ReviewQueueAsync(Query() with { Limit = 4 }, default);
        var secondPage = await store.ReviewQueueAsync(Query() with { Limit = 4, After = firstPage.Next }, default);
        Assert.Equal(queue.Orders.Select(o => o.OrderId), firstPage.Orders.Concat(secondPage.Orders).Select(o => o.OrderId));
        Assert.Null(secondPage.Next);

        // Leaving ON_HOLD (approved, rejected, cancelled or expired alike) takes the order out; an older version changes nothing.
        await store.ApplyAsync([Held("web:h5", Now.AddHours(-25), ["reviewer"], []) with { Version = 9, Status = OrderStatus.Cancelled, Hold = null }], default);
        await store.ApplyAsync([Held("web:h4", Now.AddHours(-23), ["reviewer"], []) with { Version = 1, Status = OrderStatus.PendingPayment, Hold = null }], default);
        Assert.Equal(["web:old-held", "web:h4", "web:h3", "web:h2", "web:h1", "web:h0"], (await store.ReviewQueueAsync(Query(), default)).Orders.Select(o => o.OrderId));
        var after = await store.SearchAsync(new OrderQuery(OrderStatus.Cancelled, null, null, null, null, null, null, 10, null), default);
        Assert.Equal(("web:h5", (HoldRow?)null), (after.Orders.Single().OrderId, after.Orders.Single().Hold));
    }

    private static ReviewQueueQuery Query() => new(null, null, null, null, null, null, 100, null);

    private static OrderRow Held(string id, DateTimeOffset heldSince, IReadOnlyList<string> steps, IReadOnlyList<string> approvers) => new(
        id, 2, OrderStatus.OnHold, "web", "ada", "EUR", 600_000, 2, 0, 0, HoldReason.ManualReview, RejectReason.Unspecified, false,
        heldSince.AddMilliseconds(-5), heldSince, ["sku-1"], new HoldRow(heldSince, "total above 100000", steps, approvers));

    private static async Task ExecuteAsync(DbConnection connection, string sql)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }
}
