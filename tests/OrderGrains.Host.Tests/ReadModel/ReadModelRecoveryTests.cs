using System.Text.Json.Nodes;
using Npgsql;
using OrderGrains.Client;
using OrderGrains.Contracts.V1;
using OrderGrains.Testing;

namespace OrderGrains.Host.Tests.ReadModel;

/// <summary>
/// The read model across host restarts, on SQLite and on a real PostgreSQL: catching up on events written while it was
/// behind, and rebuilding its table from the stream after the table was dropped.
/// </summary>
public sealed class ReadModelRecoveryTests
{
    private const string Token = "rm-recovery-token-0123456789abcdef";

    private readonly string _run = Guid.NewGuid().ToString("N")[..8];

    private string Customer => "rec-cust-" + _run;

    private string Sku => "rec-sku-" + _run;

    [Fact]
    public async Task Events_written_while_the_projection_was_behind_are_applied_after_a_restart_and_a_dropped_table_is_rebuilt()
    {
        // A poll once a minute: after its first step at start-up the projector looks again only after this test is over.
        await using var host = await TestHost.StartAsync(null, [.. TokenSettings(), "--OrderGrains:ReadModel:PollInterval=00:01:00"]);
        using var probe = new ReadModelProbe(host.AdminPort, Token);
        await SeedAsync(host.Client);
        var placed = new List<string>();
        JsonNode lag;
        var attempt = 0;
        do
        {
            // The first step may still take the first orders; later ones wait for the next poll.
            placed.Add((await PlaceAsync(host.Client, $"o{attempt++}")).OrderId);
            await Task.Delay(200);
            lag = await probe.GetJsonAsync("admin/read-model");
        }
        while ((long)lag["backlog"]! == 0 && attempt < 20);
        Assert.True((long)lag["backlog"]! > 0, "the projector took every order at once: " + lag.ToJsonString());
        Assert.True((double)lag["lagSeconds"]! >= 0);
        Assert.True((await probe.OrdersAsync($"customer={Customer}&limit=500")).Count < placed.Count);

        await host.RestartAsync();

        var rows = await probe.EventuallyAsync($"customer={Customer}&limit=500", r => r.Count == placed.Count);
        Assert.Equal(placed.OrderDescending(StringComparer.Ordinal), rows.Select(r => (string)r!["orderId"]!).OrderDescending(StringComparer.Ordinal));
        var before = rows.ToJsonString();

        await OrderReadModelTests.DropTableAsync(host.DataDirectory);
        await host.RestartAsync();

        var rebuilt = await probe.EventuallyAsync($"customer={Customer}&limit=500", r => r.Count == placed.Count);
        Assert.Equal(before, rebuilt.ToJsonString());
    }

    [Fact]
    public async Task On_postgres_the_read_model_searches_pages_and_rebuilds_a_dropped_table()
    {
        var schema = "t_rm_" + _run;
        try
        {
            await using var host = await TestHost.StartAsync(schema, TokenSettings());
            using var probe = new ReadModelProbe(host.AdminPort, Token);
            await SeedAsync(host.Client);
            var placed = new List<string>();
            for (var i = 0; i < 7; i++)
            {
                placed.Add((await PlaceAsync(host.Client, $"pg{i}")).OrderId);
            }

            await host.Client.CancelOrderAsync(new CancelOrderRequest { OrderId = placed[0], Reason = "x" });
            await probe.RowAsync(Customer, placed[0], "Cancelled");
            await probe.EventuallyAsync($"customer={Customer}&limit=500", r => r.Count == placed.Count);

            Assert.Equal([placed[0]], (await probe.OrdersAsync($"customer={Customer}&status=Cancelled")).Select(r => (string)r!["orderId"]!));
            Assert.Equal(6, (await probe.OrdersAsync($"sku={Sku}&status=PENDING_PAYMENT")).Count);
            var paged = new List<string>();
            string? cursor = null;
            do
            {
                var page = await probe.GetJsonAsync($"admin/orders?customer={Customer}&limit=3" + (cursor is null ? string.Empty : "&cursor=" + Uri.EscapeDataString(cursor)));
                paged.AddRange(page["orders"]!.AsArray().Select(r => (string)r!["orderId"]!));
                cursor = (string?)page["nextCursor"];
            }
            while (cursor is not null);
            Assert.Equal(placed.Order(StringComparer.Ordinal), paged.Order(StringComparer.Ordinal));
            var figures = await probe.GetJsonAsync($"admin/read-model/channels?channel=rec-{_run}");
            var day = Assert.Single(figures["days"]!.AsArray())!;
            Assert.Equal((7L, 1L, 6 * 2 * 250L), ((long)day["orders"]!, (long)day["cancelled"]!, (long)day["revenueMinor"]!));
            var before = (await probe.OrdersAsync($"customer={Customer}&limit=500")).ToJsonString();

            await ExecuteAsync($"DROP TABLE \"{schema}\".order_read");
            await host.RestartAsync();

            var rebuilt = await probe.EventuallyAsync($"customer={Customer}&limit=500", r => r.Count == placed.Count);
            Assert.Equal(before, rebuilt.ToJsonString());
        }
        finally
        {
            await ExecuteAsync($"DROP SCHEMA IF EXISTS \"{schema}\" CASCADE");
        }
    }

    private static string[] TokenSettings() =>
    [
        $"--OrderGrains:Admin:Tokens:0:Token={Token}",
        "--OrderGrains:Admin:Tokens:0:Name=rita",
        "--OrderGrains:Admin:Tokens:0:Role=viewer",
    ];

    private static async Task ExecuteAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(TestStorage.PostgresConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private async Task SeedAsync(OrderGrainsClient client)
    {
        await client.UpsertWarehouseAsync(new Warehouse { WarehouseId = "rec-wh-" + _run, Name = "Berlin", Latitude = 52.52, Longitude = 13.40, Active = true });
        await client.SetStockAsync(new SetStockRequest { WarehouseId = "rec-wh-" + _run, Sku = Sku, OnHand = 100, SyncId = "seed" });
        await client.UpsertCustomerAsync(new Customer { CustomerId = Customer, Name = "Ada" });
    }

    private async Task<Order> PlaceAsync(OrderGrainsClient client, string externalId) =>
        (await client.PlaceOrderAsync(new PlaceOrderRequest
        {
            Channel = "rec-" + _run,
            ExternalOrderId = externalId,
            CustomerId = Customer,
            Currency = "EUR",
            ShipTo = new Address { Recipient = "Ada", Line1 = "Unter den Linden 1", City = "Berlin", Country = "DE", Latitude = 52.5, Longitude = 13.4 },
            Lines = { new OrderLine { Sku = Sku, Quantity = 2, UnitPriceMinor = 250 } },
        })).Order;
}
