using OrderGrains.Client;
using OrderGrains.Contracts.V1;

namespace OrderGrains.Host.Tests;

/// <summary>Drives a placed, single-SKU order through the rest of its life over gRPC, as channel, WMS and carrier would.</summary>
internal static class OrderLifecycle
{
    /// <summary>Pays, releases, ships everything from <paramref name="warehouseId"/> in one package and confirms delivery; returns the order as delivery left it.</summary>
    public static async Task<Order> CompleteAsync(OrderGrainsClient client, Order placed, string warehouseId, string sku, int quantity, string reference)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(placed);
        var call = OrderGrainsClient.Timeout(TimeSpan.FromSeconds(30));
        await client.ConfirmPaymentAsync(new ConfirmPaymentRequest { OrderId = placed.OrderId, PaymentReference = "pay-" + reference, AmountMinor = placed.TotalMinor }, call);
        await client.ReleaseOrderAsync(new ReleaseOrderRequest { OrderId = placed.OrderId, Actor = "test" }, call);
        await client.ReportShipmentAsync(new ShipmentReport
        {
            OrderId = placed.OrderId,
            WarehouseId = warehouseId,
            ShipmentId = "s-" + reference,
            Carrier = "DHL",
            TrackingNumber = "T-" + reference,
            Lines = { new LineQuantity { Sku = sku, Quantity = quantity } },
        }, call);
        return await client.ConfirmDeliveryAsync(new DeliveryConfirmation { OrderId = placed.OrderId, ShipmentId = "s-" + reference }, call);
    }

    /// <summary>Reads the order until <paramref name="condition"/> holds (what another part of the system does asynchronously); fails after 15 s.</summary>
    public static async Task<Order> EventuallyAsync(OrderGrainsClient client, string orderId, Func<Order, bool> condition)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(condition);
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (true)
        {
            var order = await client.GetOrderAsync(orderId);
            if (condition(order))
            {
                return order;
            }

            Assert.True(DateTime.UtcNow < deadline, $"Order {orderId} did not reach the expected state: {order}");
            await Task.Delay(50);
        }
    }
}
