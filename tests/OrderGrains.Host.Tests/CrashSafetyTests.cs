using System.Collections.Concurrent;
using OrderGrains.Client;
using OrderGrains.Contracts.V1;
using Grpc.Core;
using OrderGrains.Testing;

namespace OrderGrains.Host.Tests;

/// <summary>Kill -9 the host while orders are being placed; what it acknowledged must be there after restart.</summary>
public sealed class CrashSafetyTests
{
    private const string Sku = "crash-sku";

    [Fact]
    public async Task Acknowledged_orders_survive_sigkill_orphans_resolve_and_unpaid_ones_expire_after_restart()
    {
        var schema = "t_" + Guid.NewGuid().ToString("N");
        var grpcPort = TestHost.FreePort();
        var adminPort = TestHost.FreePort();
        var settings = HostProcess.PostgresSettings(
            schema,
            grpcPort,
            adminPort,
            "--OrderGrains:Orders:ReservationTimeout=00:00:25",
            "--OrderGrains:Orders:ExpiryRetryPeriod=00:00:01",
            "--OrderGrains:Silo:Reminders:MinimumReminderPeriod=00:00:01");
        using var client = HostProcess.Client(grpcPort);
        var acknowledged = new ConcurrentDictionary<string, Order>();
        var attempted = new ConcurrentBag<string>();

        using (var first = HostProcess.Start(settings))
        {
            await first.WaitHealthyAsync(adminPort, TimeSpan.FromSeconds(60));
            await client.UpsertWarehouseAsync(new Warehouse { WarehouseId = "north", Name = "North", Latitude = 53.55, Longitude = 9.99, Active = true });
            await client.UpsertWarehouseAsync(new Warehouse { WarehouseId = "south", Name = "South", Latitude = 48.14, Longitude = 11.58, Active = true });
            await client.SetStockAsync(new SetStockRequest { WarehouseId = "north", Sku = Sku, OnHand = 5_000, SyncId = "n" });
            await client.SetStockAsync(new SetStockRequest { WarehouseId = "south", Sku = Sku, OnHand = 5_000, SyncId = "s" });
            await Task.WhenAll(Enumerable.Range(0, 40).Select(c => client.UpsertCustomerAsync(new Customer { CustomerId = $"c{c}", Name = $"C{c}" })));

            using var stop = new CancellationTokenSource();
            var workers = Enumerable.Range(0, 16).Select(w => Task.Run(async () =>
            {
                for (var i = 0; !stop.IsCancellationRequested; i++)
                {
                    var external = $"{w}-{i}";
                    attempted.Add("web:" + external);
                    try
                    {
                        var reply = await client.PlaceOrderAsync(Order(external, $"c{(w + i) % 40}", (i % 3) + 1), OrderGrainsClient.Timeout(TimeSpan.FromSeconds(10)));
                        acknowledged[reply.Order.OrderId] = reply.Order;
                    }
                    catch (Exception exception) when (exception is RpcException or HttpRequestException or OperationCanceledException or IOException)
                    {
                        // Not acknowledged: the process died under this call.
                        return;
                    }
                }
            })).ToArray();

            await WaitUntilAsync(() => acknowledged.Count >= 150, TimeSpan.FromSeconds(60));
            first.Kill();
            await stop.CancelAsync();
            await Task.WhenAll(workers);
        }

        using var second = HostProcess.Start(settings);
        await second.WaitHealthyAsync(adminPort, TimeSpan.FromSeconds(60));

        // A new channel: the old one saw the first host die and fails calls fast until its reconnect backoff runs out.
        using var restarted = HostProcess.Client(grpcPort);

        foreach (var (orderId, before) in acknowledged)
        {
            var after = await restarted.GetOrderAsync(orderId);
            Assert.Equal(before.Status, after.Status);
            Assert.Equal(before.Allocations, after.Allocations);
            Assert.Equal(before.TotalMinor, after.TotalMinor);
        }

        // Orders in flight at the kill either never became durable or finish (or compensate) when reactivated.
        var holding = 0;
        foreach (var orderId in attempted.Distinct())
        {
            try
            {
                var order = await restarted.GetOrderAsync(orderId);
                if (order.Status is OrderStatus.PendingPayment or OrderStatus.OnHold or OrderStatus.Paid)
                {
                    holding += order.Allocations.Sum(a => a.Quantity);
                }
            }
            catch (RpcException exception) when (exception.StatusCode == StatusCode.NotFound)
            {
                // Never acknowledged and never durable: nothing may be reserved for it.
            }
        }

        var availability = await restarted.GetAvailabilityAsync(Sku);
        Assert.Equal(holding, availability.Reserved);
        Assert.Equal(10_000, availability.OnHand);

        // Every order is unpaid, so every reservation expires through its durable reminder.
        await WaitUntilAsync(() => restarted.GetAvailabilityAsync(Sku).Result.Reserved == 0, TimeSpan.FromSeconds(90));
        foreach (var orderId in acknowledged.Keys)
        {
            Assert.Equal(OrderStatus.Cancelled, (await restarted.GetOrderAsync(orderId)).Status);
        }

        second.Kill();
        await DropSchemaAsync(schema);
    }

    private static PlaceOrderRequest Order(string externalId, string customer, int quantity) => new()
    {
        Channel = "web",
        ExternalOrderId = externalId,
        CustomerId = customer,
        Currency = "EUR",
        ShipTo = new Address { Latitude = 51.0, Longitude = 10.0 },
        Lines = { new OrderLine { Sku = Sku, Quantity = quantity, UnitPriceMinor = 1_250 } },
    };

    private static async Task WaitUntilAsync(Func<bool> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("Condition not met in time.");
            }

            await Task.Delay(250);
        }
    }

    private static async Task DropSchemaAsync(string schema)
    {
        await using var connection = new Npgsql.NpgsqlConnection(TestStorage.PostgresConnectionString);
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand($"DROP SCHEMA IF EXISTS \"{schema}\" CASCADE", connection);
        await command.ExecuteNonQueryAsync();
    }
}
