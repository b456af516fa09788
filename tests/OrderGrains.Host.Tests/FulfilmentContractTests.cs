using OrderGrains.Client;
using OrderGrains.Contracts.V1;
using Grpc.Core;

namespace OrderGrains.Host.Tests;

/// <summary>Fulfilment and after-sale through the ordergrains.v1 contract with our client, against a real host.</summary>
public sealed class FulfilmentContractTests
{
    [Fact]
    public async Task Order_is_released_in_packages_shipped_in_parts_delivered_completed_and_returned()
    {
        await using var host = await TestHost.StartAsync(null, "--OrderGrains:Orders:MaxUnitsPerPackage=400");
        var client = host.Client;
        await SeedAsync(client, ("berlin", 52.52, 13.40, 1_000));
        var order = await PaidAsync(client, "1", 1_000, 10);

        var released = await client.ReleaseOrderAsync(new ReleaseOrderRequest { OrderId = order.OrderId, Actor = "ops" });
        var queue = await client.GetWarehouseQueueAsync("berlin");

        Assert.Equal(OrderStatus.Released, released.Status);
        Assert.Equal([400, 400, 200], queue.Packages.Select(p => p.Units));
        Assert.Equal(released, await client.ReleaseOrderAsync(new ReleaseOrderRequest { OrderId = order.OrderId }));

        var partial = await client.ReportShipmentAsync(Shipment(order.OrderId, "berlin", "s1", 400));
        Assert.Equal(partial, await client.ReportShipmentAsync(Shipment(order.OrderId, "berlin", "s1", 400)));
        var over = await StatusAsync(StatusCode.FailedPrecondition, () => client.ReportShipmentAsync(Shipment(order.OrderId, "berlin", "s2", 601)));
        await StatusAsync(StatusCode.AlreadyExists, () => client.ReportShipmentAsync(Shipment(order.OrderId, "berlin", "s1", 399)));
        var shipped = await client.ReportShipmentAsync(Shipment(order.OrderId, "berlin", "s2", 600));

        Assert.Equal(OrderStatus.PartiallyShipped, partial.Status);
        Assert.Contains("over-shipment", over, StringComparison.Ordinal);
        Assert.Equal(OrderStatus.Shipped, shipped.Status);
        Assert.Equal(("s2", "DHL", "TRK-s2"), (shipped.Shipments[1].ShipmentId, shipped.Shipments[1].Carrier, shipped.Shipments[1].TrackingNumber));
        var stock = await client.GetAvailabilityAsync("sku-1");
        Assert.Equal((0, 0), (stock.OnHand, stock.Reserved));
        Assert.Empty((await client.GetWarehouseQueueAsync("berlin")).Packages);

        await client.ConfirmDeliveryAsync(new DeliveryConfirmation { OrderId = order.OrderId, ShipmentId = "s1" });
        var completed = await client.ConfirmDeliveryAsync(new DeliveryConfirmation { OrderId = order.OrderId, ShipmentId = "s2" });
        Assert.Equal(OrderStatus.Completed, completed.Status);
        await StatusAsync(StatusCode.NotFound, () => client.ConfirmDeliveryAsync(new DeliveryConfirmation { OrderId = order.OrderId, ShipmentId = "nope" }));

        await StatusAsync(StatusCode.FailedPrecondition, () => client.RequestReturnAsync(Return(order.OrderId, "r0", 1_001)));
        var requested = await client.RequestReturnAsync(Return(order.OrderId, "r1", 5));
        Assert.Equal(requested, await client.RequestReturnAsync(Return(order.OrderId, "r1", 5)));
        var rma = Assert.Single(requested.Returns).RmaId;
        var receipt = new ReturnReceipt
        {
            OrderId = order.OrderId,
            RmaId = rma,
            WarehouseId = "berlin",
            Lines =
            {
                new ReturnedLine { Sku = "sku-1", Quantity = 3, Condition = ItemCondition.Resalable },
                new ReturnedLine { Sku = "sku-1", Quantity = 2, Condition = ItemCondition.Damaged },
            },
        };
        var returned = await client.ReceiveReturnAsync(receipt);
        Assert.Equal(returned, await client.ReceiveReturnAsync(receipt));

        Assert.Equal((OrderStatus.ReturnRequested, OrderStatus.PartiallyReturned), (requested.Status, returned.Status));
        Assert.Equal(50, returned.Returns[0].RefundMinor);
        Assert.Equal((50, "EUR"), (returned.Refunds[0].AmountMinor, returned.Refunds[0].Currency));
        Assert.Equal(3, (await client.GetAvailabilityAsync("sku-1")).OnHand);
        var history = await client.GetOrderHistoryAsync(order.OrderId);
        Assert.Equal(
            ["accepted", "paid", "released", "shipped", "shipped", "delivered", "delivered", "completed", "return_requested", "return_received", "refund"],
            history.Events.Select(e => e.Event));
        Assert.Equal((OrderStatus.ReturnRequested, OrderStatus.PartiallyReturned), (history.Events[9].FromStatus, history.Events[9].ToStatus));
        Assert.Equal("warehouse:berlin", history.Events[3].Actor);
        Assert.Equal(0, (await client.GetStockLedgerAsync("sku-1")).InvariantViolations);
    }

    [Fact]
    public async Task Shortage_is_re_sourced_then_backordered_filled_by_a_restock_and_a_backordered_line_can_be_cancelled()
    {
        await using var host = await TestHost.StartAsync();
        var client = host.Client;
        await SeedAsync(client, ("berlin", 52.52, 13.40, 5), ("munich", 48.14, 11.58, 2));
        var old = await PaidAsync(client, "old", 4, 100);
        var young = await PaidAsync(client, "young", 3, 100);
        await client.ReleaseOrderAsync(new ReleaseOrderRequest { OrderId = old.OrderId });
        await client.ReleaseOrderAsync(new ReleaseOrderRequest { OrderId = young.OrderId });

        // Berlin counts 2 instead of 5: Munich's spare units go to the youngest order, the rest is backordered.
        var counted = await client.AdjustStockAsync(new AdjustStockRequest { WarehouseId = "berlin", Sku = "sku-1", Delta = -3, Reason = StockAdjustmentReason.CountCorrection, AdjustmentId = "count-1" });
        Assert.Equal(counted, await client.AdjustStockAsync(new AdjustStockRequest { WarehouseId = "berlin", Sku = "sku-1", Delta = -3, Reason = StockAdjustmentReason.CountCorrection, AdjustmentId = "count-1" }));
        Assert.Equal((4, 4, 3), (counted.OnHand, counted.Reserved, counted.Backordered));

        var oldNow = await OrderLifecycle.EventuallyAsync(client, old.OrderId, o => o.Backordered.Sum(b => b.Quantity) == 2);
        var youngNow = await OrderLifecycle.EventuallyAsync(client, young.OrderId, o => o.Backordered.Sum(b => b.Quantity) == 1);
        Assert.Equal(2, oldNow.Allocations.Single().Quantity);
        Assert.Equal([("munich", 2)], youngNow.Allocations.Select(a => (a.WarehouseId, a.Quantity)));

        await client.SetStockAsync(new SetStockRequest { WarehouseId = "berlin", Sku = "sku-1", OnHand = 4, SyncId = "sync-9" });
        oldNow = await OrderLifecycle.EventuallyAsync(client, old.OrderId, o => o.Backordered.Count == 0);
        Assert.Equal(4, oldNow.Allocations.Sum(a => a.Quantity));
        await OrderLifecycle.EventuallyAsync(client, young.OrderId, o => o.Backordered.Sum(b => b.Quantity) == 1);
        await StatusAsync(StatusCode.FailedPrecondition, () => client.CancelOrderAsync(new CancelOrderRequest { OrderId = young.OrderId, Reason = "all of it" }));

        var cancel = new CancelOrderRequest { OrderId = young.OrderId, CancellationId = "cx-1", Reason = "won't wait", Lines = { new LineQuantity { Sku = "sku-1", Quantity = 1 } } };
        var partlyCancelled = await client.CancelOrderAsync(cancel);
        Assert.Equal(partlyCancelled, await client.CancelOrderAsync(cancel));

        Assert.Equal(OrderStatus.Released, partlyCancelled.Status);
        Assert.Empty(partlyCancelled.Backordered);
        Assert.Equal(1, partlyCancelled.Cancelled.Single().Quantity);
        Assert.Equal(100, partlyCancelled.Refunds.Single().AmountMinor);
        var queue = (await client.GetWarehouseQueueAsync("berlin")).Packages.Sum(p => p.Units) + (await client.GetWarehouseQueueAsync("munich")).Packages.Sum(p => p.Units);
        Assert.Equal(6, queue);
        var ledger = await client.GetStockLedgerAsync("sku-1", 50);
        Assert.Equal(0, ledger.InvariantViolations);
        Assert.Contains(ledger.Recent, m => m.Kind == StockMovementKind.Backorder);
        Assert.Contains(ledger.Recent, m => m.Kind == StockMovementKind.FillBackorder);
        Assert.Contains((await client.GetOrderHistoryAsync(young.OrderId)).Events, e => e.Event == "backordered");
    }

    [Fact]
    public async Task Snapshot_import_sets_every_listed_sku_and_a_replay_changes_nothing()
    {
        await using var host = await TestHost.StartAsync();
        var client = host.Client;
        await SeedAsync(client, ("berlin", 52.52, 13.40, 5));
        var snapshot = new StockSnapshot
        {
            WarehouseId = "berlin",
            SnapshotId = "night-2026-11-22",
            Items = { new StockCount { Sku = "sku-1", OnHand = 9 }, new StockCount { Sku = "sku-2", OnHand = 4 } },
        };

        var summary = await client.ImportStockSnapshotAsync(snapshot);
        await client.AdjustStockAsync(new AdjustStockRequest { WarehouseId = "berlin", Sku = "sku-2", Delta = 1, Reason = StockAdjustmentReason.Received, AdjustmentId = "a1" });
        await client.ImportStockSnapshotAsync(snapshot);

        Assert.Equal((2, 13L), (summary.Skus, summary.Units));
        Assert.Equal(9, (await client.GetAvailabilityAsync("sku-1")).OnHand);
        Assert.Equal(5, (await client.GetAvailabilityAsync("sku-2")).OnHand);
        await StatusAsync(StatusCode.NotFound, () => client.ImportStockSnapshotAsync(new StockSnapshot { WarehouseId = "nowhere", SnapshotId = "x" }));
        await StatusAsync(StatusCode.InvalidArgument, () => client.AdjustStockAsync(new AdjustStockRequest { WarehouseId = "berlin", Sku = "sku-2", Delta = 1, AdjustmentId = "a2" }));
        await StatusAsync(StatusCode.AlreadyExists, () => client.AdjustStockAsync(new AdjustStockRequest { WarehouseId = "berlin", Sku = "sku-2", Delta = 2, Reason = StockAdjustmentReason.Received, AdjustmentId = "a1" }));
    }

    [Fact]
    public async Task Paid_orders_of_one_customer_to_one_address_are_consolidated_within_the_window()
    {
        await using var host = await TestHost.StartAsync(null, "--OrderGrains:Orders:ConsolidationWindow=00:10:00");
        var client = host.Client;
        await SeedAsync(client, ("berlin", 52.52, 13.40, 50));
        foreach (var id in new[] { "a", "b" })
        {
            var order = await PaidAsync(client, id, 2, 100);
            await client.ReleaseOrderAsync(new ReleaseOrderRequest { OrderId = order.OrderId });
        }

        var package = Assert.Single((await client.GetWarehouseQueueAsync("berlin")).Packages);

        Assert.Equal(("web:a", 4), (package.ConsolidationId, package.Units));
        Assert.Equal(["web:a", "web:b"], package.Tasks.Select(t => t.OrderId));
    }

    [Fact]
    public async Task Order_held_for_manual_review_is_cancelled_when_the_hold_times_out()
    {
        await using var host = await TestHost.StartAsync(
            null,
            "--OrderGrains:Orders:ManualReviewThresholdMinor=500",
            "--OrderGrains:Orders:HoldTimeout=00:00:01");
        var client = host.Client;
        await SeedAsync(client, ("berlin", 52.52, 13.40, 10));

        var held = (await client.PlaceOrderAsync(Place("big", 6, 100))).Order;

        Assert.Equal((OrderStatus.OnHold, HoldReason.ManualReview, 1), (held.Status, held.HoldReason, held.ApprovalsRequired));
        Assert.NotNull(held.HoldExpiresAt);
        var cancelled = await OrderLifecycle.EventuallyAsync(client, held.OrderId, o => o.Status == OrderStatus.Cancelled);
        Assert.Empty(cancelled.Allocations);
        Assert.Equal(0, (await client.GetAvailabilityAsync("sku-1")).Reserved);
        Assert.Equal("hold timed out", (await client.GetOrderHistoryAsync(held.OrderId)).Events[^1].Details);
    }

    private static async Task SeedAsync(OrderGrainsClient client, params (string Id, double Lat, double Lon, int Units)[] warehouses)
    {
        foreach (var (id, lat, lon, units) in warehouses)
        {
            await client.UpsertWarehouseAsync(new Warehouse { WarehouseId = id, Name = id, Latitude = lat, Longitude = lon, Active = true });
            await client.SetStockAsync(new SetStockRequest { WarehouseId = id, Sku = "sku-1", OnHand = units, SyncId = "seed-" + id });
        }

        await client.UpsertCustomerAsync(new Customer { CustomerId = "ada", Name = "Ada" });
    }

    private static PlaceOrderRequest Place(string externalId, int quantity, long unitPrice) => new()
    {
        Channel = "web",
        ExternalOrderId = externalId,
        CustomerId = "ada",
        Currency = "EUR",
        ShipTo = new Address { Recipient = "Ada", Line1 = "Unter den Linden 1", City = "Berlin", Country = "DE", Latitude = 52.5, Longitude = 13.4 },
        Lines = { new OrderLine { Sku = "sku-1", Quantity = quantity, UnitPriceMinor = unitPrice } },
    };

    private static async Task<Order> PaidAsync(OrderGrainsClient client, string externalId, int quantity, long unitPrice)
    {
        var placed = (await client.PlaceOrderAsync(Place(externalId, quantity, unitPrice))).Order;
        Assert.Equal(OrderStatus.PendingPayment, placed.Status);
        return await client.ConfirmPaymentAsync(new ConfirmPaymentRequest { OrderId = placed.OrderId, PaymentReference = "pay-" + externalId, AmountMinor = placed.TotalMinor });
    }

    private static ShipmentReport Shipment(string orderId, string warehouseId, string shipmentId, int quantity) => new()
    {
        OrderId = orderId,
        WarehouseId = warehouseId,
        ShipmentId = shipmentId,
        Carrier = "DHL",
        TrackingNumber = "TRK-" + shipmentId,
        Lines = { new LineQuantity { Sku = "sku-1", Quantity = quantity } },
    };

    private static ReturnRequest Return(string orderId, string requestId, int quantity) => new()
    {
        OrderId = orderId,
        ReturnRequestId = requestId,
        Reason = "too big",
        Lines = { new LineQuantity { Sku = "sku-1", Quantity = quantity } },
    };


    private static async Task<string> StatusAsync(StatusCode expected, Func<Task> call)
    {
        var error = await Assert.ThrowsAsync<RpcException>(call);
        Assert.Equal(expected, error.StatusCode);
        return error.Message;
    }
}
