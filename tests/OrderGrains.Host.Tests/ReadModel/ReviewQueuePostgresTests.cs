using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Npgsql;
using OrderGrains.Client;
using OrderGrains.Contracts.V1;
using OrderGrains.Testing;

namespace OrderGrains.Host.Tests.ReadModel;

/// <summary>
/// The review queue on a real PostgreSQL: held-since and the chain's progress projected from the stream, kept by a
/// rebuild of the dropped table, and orders leaving it when approved, rejected, or cancelled when their hold times out.
/// </summary>
public sealed class ReviewQueuePostgresTests
{
    private readonly string _run = Guid.NewGuid().ToString("N")[..8];

    private string Channel => "rqpg-" + _run;

    private string Customer => "rqpg-cust-" + _run;

    [Fact]
    public async Task On_postgres_the_queue_shows_progress_survives_a_rebuild_and_loses_orders_approved_rejected_or_expired()
    {
        var schema = "t_rqpg_" + _run;
        try
        {
            await using var host = await TestHost.StartAsync(schema, [.. ReviewQueueHost.Settings, "--OrderGrains:Orders:HoldTimeout=00:00:40"]);
            using var probe = new ReadModelProbe(host.AdminPort, ReviewQueueHost.OperatorToken);
            await SeedAsync(host.Client);
            var large = await PlaceAsync(host.Client, "large", 300_000);
            var rejected = await PlaceAsync(host.Client, "rejected", 60_000);

            var queue = await QueueAsync(probe, q => ReviewQueueTests.Ids(q).Count == 2, TimeSpan.FromSeconds(20));
            Assert.Equal([large.OrderId, rejected.OrderId], ReviewQueueTests.Ids(queue));
            var heldAt = (await host.Client.GetOrderHistoryAsync(large.OrderId)).Events.Single(e => e.Event == "held").At.ToDateTimeOffset();
            Assert.Equal(heldAt, DateTimeOffset.Parse((string)queue["items"]![0]!["heldSince"]!, CultureInfo.InvariantCulture));

            Assert.Equal(HttpStatusCode.OK, await PostAsync(probe, large.OrderId, "approve", ReviewQueueHost.SupervisorToken));
            var progressed = await QueueAsync(probe, q => (int)q["items"]![0]!["stepsDone"]! == 1, TimeSpan.FromSeconds(20));
            var before = progressed["items"]!.ToJsonString();

            await ExecuteAsync($"DROP TABLE \"{schema}\".order_read");
            await host.RestartAsync();

            var rebuilt = await QueueAsync(probe, q => ReviewQueueTests.Ids(q).Count == 2, TimeSpan.FromSeconds(20));
            Assert.Equal(("finance", 1, 2), ((string?)rebuilt["items"]![0]!["nextRole"], (int)rebuilt["items"]![0]!["stepsDone"]!, (int)rebuilt["items"]![0]!["stepsRequired"]!));
            Assert.Equal(WithoutAges(before), WithoutAges(rebuilt["items"]!.ToJsonString()));

            Assert.Equal(HttpStatusCode.OK, await PostAsync(probe, large.OrderId, "approve", ReviewQueueHost.FinanceToken));
            Assert.Equal(HttpStatusCode.OK, await PostAsync(probe, rejected.OrderId, "reject", ReviewQueueHost.OperatorToken));
            await QueueAsync(probe, q => ReviewQueueTests.Ids(q).Count == 0, TimeSpan.FromSeconds(20));

            var expiring = await PlaceAsync(host.Client, "expiring", 60_000);
            await QueueAsync(probe, q => ReviewQueueTests.Ids(q).SequenceEqual([expiring.OrderId]), TimeSpan.FromSeconds(20));
            await QueueAsync(probe, q => ReviewQueueTests.Ids(q).Count == 0, TimeSpan.FromSeconds(120));
            await probe.RowAsync(Customer, expiring.OrderId, "Cancelled");
            Assert.Equal("hold timed out", (await host.Client.GetOrderHistoryAsync(expiring.OrderId)).Events[^1].Details);
        }
        finally
        {
            await ExecuteAsync($"DROP SCHEMA IF EXISTS \"{schema}\" CASCADE");
        }
    }

    // The age moves on between two reads; everything else of an item must be the same.
    private static string WithoutAges(string items)
    {
        var array = JsonNode.Parse(items)!.AsArray();
        foreach (var item in array)
        {
            item!.AsObject().Remove("ageSeconds");
        }

        return array.ToJsonString();
    }

    private async Task<JsonNode> QueueAsync(ReadModelProbe probe, Func<JsonNode, bool> condition, TimeSpan wait)
    {
        var deadline = DateTime.UtcNow + wait;
        while (true)
        {
            var queue = await probe.GetJsonAsync($"admin/review-queue?channel={Channel}");
            if (condition(queue))
            {
                return queue;
            }

            Assert.True(DateTime.UtcNow < deadline, "The review queue did not show the expected orders: " + queue.ToJsonString());
            await Task.Delay(200);
        }
    }

    private static async Task<HttpStatusCode> PostAsync(ReadModelProbe probe, string orderId, string action, string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"admin/orders/{Uri.EscapeDataString(orderId)}/{action}");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await probe.Http.SendAsync(request);
        return response.StatusCode;
    }

    private static async Task ExecuteAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(TestStorage.PostgresConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private async Task SeedAsync(OrderGrainsClient client)
    {
        await client.UpsertWarehouseAsync(new Warehouse { WarehouseId = "rqpg-wh-" + _run, Name = "Berlin", Latitude = 52.52, Longitude = 13.40, Active = true });
        await client.SetStockAsync(new SetStockRequest { WarehouseId = "rqpg-wh-" + _run, Sku = "rqpg-sku-" + _run, OnHand = 100, SyncId = "seed" });
        await client.UpsertCustomerAsync(new Customer { CustomerId = Customer, Name = "Ada" });
    }

    private async Task<Order> PlaceAsync(OrderGrainsClient client, string externalId, long unitPrice)
    {
        var order = (await client.PlaceOrderAsync(new PlaceOrderRequest
        {
            Channel = Channel,
            ExternalOrderId = externalId,
            CustomerId = Customer,
            Currency = "EUR",
            ShipTo = new Address { Recipient = "Ada", Line1 = "Unter den Linden 1", City = "Berlin", Country = "DE", Latitude = 52.5, Longitude = 13.4 },
            Lines = { new OrderLine { Sku = "rqpg-sku-" + _run, Quantity = 2, UnitPriceMinor = unitPrice } },
        })).Order;
        Assert.Equal(OrderStatus.OnHold, order.Status);
        return order;
    }
}
