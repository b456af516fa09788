using Microsoft.Data.Sqlite;
using Npgsql;
using OrderGrains.Abstractions;
using OrderGrains.ReadModel;
using OrderGrains.Testing;

namespace OrderGrains.Host.Tests.ReadModel;

/// <summary>
/// PostgreSQL writes a page of rows as one statement per table (arrays per column); SQLite writes a statement per row.
/// The same pages, applied to both, must leave the same rows: newer versions win, a status of 0 keeps the stored one,
/// hold details and their nulls survive, SKUs are indexed once, and a page that names an order twice still applies in
/// order.
/// </summary>
public sealed class ReadStoreWriteTests
{
    private static readonly DateTimeOffset Created = new(2026, 12, 3, 9, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Postgres_and_sqlite_leave_the_same_rows_after_the_same_pages()
    {
        var directory = Path.Combine(Path.GetTempPath(), "ordergrains-read-write", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        var schema = "t_rw_" + Guid.NewGuid().ToString("N")[..8];
        try
        {
            var sqlite = await RowsAfterPagesAsync(new SqliteOrderReadStore(Path.Combine(directory, "read.db")));
            await using var postgres = new PostgresOrderReadStore(TestStorage.PostgresConnectionString, schema);
            var onPostgres = await RowsAfterPagesAsync(postgres);

            Assert.Equal(Describe(sqlite), Describe(onPostgres));
            Assert.Equal(4, onPostgres.Count);
            var held = onPostgres.Single(r => r.OrderId == "web:held");
            Assert.Equal((OrderStatus.OnHold, 1, "finance", (string?)null), (held.Status, held.Hold!.StepsDone, held.Hold.NextRole, held.Hold.Details));
            var noStatus = onPostgres.Single(r => r.OrderId == "web:no-status");
            Assert.Equal((OrderStatus.PendingPayment, 5L), (noStatus.Status, noStatus.Version));
            var twice = onPostgres.Single(r => r.OrderId == "web:twice");
            Assert.Equal((OrderStatus.Paid, 7L), (twice.Status, twice.Version));
            Assert.Equal(["web:plain", "web:twice"], (await postgres.SearchAsync(Query() with { Sku = "sku-b" }, default)).Orders.Select(r => r.OrderId).Order(StringComparer.Ordinal));
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(directory, recursive: true);
            await using var connection = new NpgsqlConnection(TestStorage.PostgresConnectionString);
            await connection.OpenAsync();
            await using var drop = new NpgsqlCommand($"DROP SCHEMA IF EXISTS \"{schema}\" CASCADE", connection);
            await drop.ExecuteNonQueryAsync();
        }
    }

    private static async Task<IReadOnlyList<OrderRow>> RowsAfterPagesAsync(IOrderReadStore store)
    {
        await store.EnsureCreatedAsync(default);
        await store.ApplyAsync(
        [
            Row("web:plain", 1, OrderStatus.PendingPayment, ["sku-a", "sku-b"]),
            Row("web:held", 2, OrderStatus.OnHold, ["sku-a"]) with { HoldReason = HoldReason.ManualReview, Hold = new HoldRow(Created.AddMinutes(1), "total above 100000", ["supervisor", "finance"], []) },
            Row("web:no-status", 4, OrderStatus.PendingPayment, ["sku-a"]),
        ], default);
        await store.ApplyAsync(
        [
            // Approved by one step; details cleared (null) on purpose.
            Row("web:held", 3, OrderStatus.OnHold, ["sku-a"]) with { HoldReason = HoldReason.ManualReview, Hold = new HoldRow(Created.AddMinutes(1), null, ["supervisor", "finance"], ["operator:sam"]) },
            // An event written before events carried the status: the stored status stays.
            Row("web:no-status", 5, OrderStatus.Unspecified, ["sku-a"]),
            // Older than what is stored: ignored.
            Row("web:plain", 0, OrderStatus.Cancelled, ["sku-a", "sku-b"]),
        ], default);

        // One page naming an order twice, in version order.
        await store.ApplyAsync([Row("web:twice", 6, OrderStatus.PendingPayment, ["sku-b"]), Row("web:twice", 7, OrderStatus.Paid, ["sku-b"]) with { Paid = true }], default);
        return (await store.SearchAsync(Query(), default)).Orders;
    }

    private static OrderQuery Query() => new(null, null, null, null, null, null, null, 50, null);

    private static OrderRow Row(string id, long version, OrderStatus status, IReadOnlyList<string> skus) => new(
        id, version, status, "web", "ada", "EUR", 1_000 * version, skus.Count, 0, 0, HoldReason.Unspecified, RejectReason.Unspecified, false,
        Created, Created.AddMinutes(version), skus);

    private static List<string> Describe(IReadOnlyList<OrderRow> rows) =>
        [.. rows.OrderBy(r => r.OrderId, StringComparer.Ordinal).Select(r =>
            $"{r with { Skus = [], Hold = null }} skus={string.Join(',', r.Skus)} hold={r.Hold?.HeldSince:o}|{r.Hold?.Details}|{string.Join(',', r.Hold?.Steps ?? [])}|{string.Join(',', r.Hold?.Approvers ?? [])}")];
}

