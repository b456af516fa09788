using Grpc.Core;
using OrderGrains.Client;
using OrderGrains.Contracts.V1;

namespace OrderGrains.Host.Tests;

/// <summary>A host that stops ends its open server streams itself instead of waiting them out.</summary>
public sealed class GrpcShutdownTests
{
    [Fact]
    public async Task An_open_WatchOrder_stream_ends_UNAVAILABLE_when_the_host_stops()
    {
        var host = await TestHost.StartAsync();
        var client = host.ClientWith(host.Token);
        await client.UpsertWarehouseAsync(new Warehouse { WarehouseId = "berlin", Name = "Berlin", Latitude = 52.52, Longitude = 13.40, Active = true });
        await client.SetStockAsync(new SetStockRequest { WarehouseId = "berlin", Sku = "sku-1", OnHand = 10, SyncId = "seed" });
        await client.UpsertCustomerAsync(new Customer { CustomerId = "ada", Name = "Ada" });
        var placed = (await client.PlaceOrderAsync(new PlaceOrderRequest
        {
            Channel = "web",
            ExternalOrderId = "watched",
            CustomerId = "ada",
            Currency = "EUR",
            ShipTo = new Address { Latitude = 52.5, Longitude = 13.4 },
            Lines = { new OrderLine { Sku = "sku-1", Quantity = 1, UnitPriceMinor = 100 } },
        })).Order;
        var first = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var watching = Task.Run(async () =>
        {
            await foreach (var order in client.WatchOrderAsync(placed.OrderId, OrderGrainsClient.Timeout(TimeSpan.FromMinutes(5))))
            {
                first.TrySetResult();
            }
        });
        await first.Task.WaitAsync(TimeSpan.FromSeconds(20));

        await host.DisposeAsync();

        var error = await Assert.ThrowsAsync<RpcException>(() => watching.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
        client.Dispose();
    }
}
