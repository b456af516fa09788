using OrderGrains.Abstractions;
using OrderGrains.Storage;
using OrderGrains.Testing;

namespace OrderGrains.Grains.Tests;

public sealed class FulfilmentTests
{
    [Fact]
    public async Task Release_splits_a_large_order_into_packages_of_at_most_the_configured_units()
    {
        await using var oms = await Oms.StartAsync(configure: o => o.MaxUnitsPerPackage = 400);
        await oms.SeedSimpleAsync(units: 1_000);

        var released = await PaidAndReleasedAsync(oms, "big", new OrderLine("SKU-1", 1_000, 1));

        Assert.Equal(OrderStatus.Released, released.Status);
        var queue = await oms.Grains.GetGrain<IWarehouseGrain>("BER").GetQueueAsync();
        Assert.Equal([400, 400, 200], queue.Packages.Select(p => p.Units));
        Assert.All(queue.Packages, p => Assert.Equal("web:big", p.ConsolidationId));
    }

    [Fact]
    public async Task Orders_of_one_customer_to_one_address_within_the_window_ship_together()
    {
        await using var oms = await Oms.StartAsync(configure: o => o.ConsolidationWindow = TimeSpan.FromMinutes(10));
        await oms.SeedSimpleAsync(units: 100);
        await oms.CustomerAsync("c2");

        await PaidAndReleasedAsync(oms, "a", new OrderLine("SKU-1", 3, 1));
        await PaidAndReleasedAsync(oms, "b", new OrderLine("SKU-1", 4, 1));
        await PaidAndReleasedAsync(oms, "other", new OrderLine("SKU-1", 5, 1), customerId: "c2");

        var queue = await oms.Grains.GetGrain<IWarehouseGrain>("BER").GetQueueAsync();
        var together = Assert.Single(queue.Packages, p => p.ConsolidationId == "web:a");
        Assert.Equal(["web:a", "web:b"], together.Tasks.Select(t => t.OrderId));
        Assert.Equal(7, together.Units);
        Assert.Equal("web:other", Assert.Single(queue.Packages, p => p.ConsolidationId != "web:a").ConsolidationId);
    }

    [Fact]
    public async Task Partial_shipment_deducts_stock_then_the_last_one_ships_the_order_and_releases_credit()
    {
        await using var oms = await Oms.StartAsync();
        await oms.SeedSimpleAsync(units: 10);
        await PaidAndReleasedAsync(oms, "1", new OrderLine("SKU-1", 5, 100));

        var partial = await oms.Order("1").ReportShipmentAsync(Shipment("s1", "BER", 2));

        Assert.Equal(OrderStatus.PartiallyShipped, partial.Status);
        Assert.Equal((8, 3), await StockAsync(oms, "SKU-1"));
        Assert.Equal(3, (await oms.Grains.GetGrain<IWarehouseGrain>("BER").GetQueueAsync()).Packages.Sum(p => p.Units));
        Assert.Equal(500, (await oms.AccountAsync("c1")).OpenExposureMinor);

        var shipped = await oms.Order("1").ReportShipmentAsync(Shipment("s2", "BER", 3));

        Assert.Equal(OrderStatus.Shipped, shipped.Status);
        Assert.Equal([new Allocation("SKU-1", "BER", 5)], shipped.Allocations);
        Assert.Equal((5, 0), await StockAsync(oms, "SKU-1"));
        Assert.Empty((await oms.Grains.GetGrain<IWarehouseGrain>("BER").GetQueueAsync()).Packages);
        Assert.Equal(0, (await oms.AccountAsync("c1")).OpenExposureMinor);
        Assert.Equal(2, shipped.Shipments.Count);
    }

    [Fact]
    public async Task Over_shipment_is_refused_and_shipment_reports_are_idempotent()
    {
        await using var oms = await Oms.StartAsync();
        await oms.SeedSimpleAsync(units: 10);
        await PaidAndReleasedAsync(oms, "1", new OrderLine("SKU-1", 3, 100));
        var first = await oms.Order("1").ReportShipmentAsync(Shipment("s1", "BER", 2));

        var over = await Assert.ThrowsAsync<RuleViolationException>(() => oms.Order("1").ReportShipmentAsync(Shipment("s2", "BER", 2)));
        var replay = await oms.Order("1").ReportShipmentAsync(Shipment("s1", "BER", 2));

        Assert.Contains("over-shipment", over.Message, StringComparison.Ordinal);
        Oms.AssertSameOrder(first, replay);
        await Assert.ThrowsAsync<IdempotencyConflictException>(() => oms.Order("1").ReportShipmentAsync(Shipment("s1", "BER", 1)));
        Assert.Equal((8, 1), await StockAsync(oms, "SKU-1"));
        await Assert.ThrowsAsync<RuleViolationException>(() => oms.Order("1").ReportShipmentAsync(Shipment("s3", "MUC", 1)));
    }

    [Fact]
    public async Task Shipping_an_order_that_was_not_released_is_an_illegal_transition()
    {
        await using var oms = await Oms.StartAsync();
        await oms.SeedSimpleAsync(units: 10);
        await oms.PlaceAsync("1", "c1", new OrderLine("SKU-1", 3, 100));
        await oms.Order("1").ConfirmPaymentAsync(new ConfirmPaymentCommand("p", 300));

        var error = await Assert.ThrowsAsync<IllegalTransitionException>(() => oms.Order("1").ReportShipmentAsync(Shipment("s1", "BER", 3)));
        var cancelReleased = await PaidAndReleasedAsync(oms, "2", new OrderLine("SKU-1", 1, 100));

        Assert.Equal((OrderStatus.Paid, OrderStatus.PartiallyShipped), (error.From, error.To));
        Assert.Equal(OrderStatus.Released, cancelReleased.Status);
        await Assert.ThrowsAsync<IllegalTransitionException>(() => oms.Order("2").CancelAsync("too late"));
    }

    [Fact]
    public async Task Delivery_of_every_shipment_completes_the_order_and_the_history_tells_the_story()
    {
        await using var oms = await Oms.StartAsync();
        await oms.SeedSimpleAsync(units: 10);
        await PaidAndReleasedAsync(oms, "1", new OrderLine("SKU-1", 4, 100));
        await oms.Order("1").ReportShipmentAsync(Shipment("s1", "BER", 1));
        await oms.Order("1").ReportShipmentAsync(Shipment("s2", "BER", 3));

        var first = await oms.Order("1").ConfirmDeliveryAsync("s1");
        var completed = await oms.Order("1").ConfirmDeliveryAsync("s2");

        Assert.Equal(OrderStatus.Shipped, first.Status);
        Assert.Equal(OrderStatus.Completed, completed.Status);
        Oms.AssertSameOrder(completed, await oms.Order("1").ConfirmDeliveryAsync("s2"));
        await Assert.ThrowsAsync<NotFoundException>(() => oms.Order("1").ConfirmDeliveryAsync("nope"));
        var history = await oms.Order("1").GetHistoryAsync();
        Assert.Equal(
            ["accepted", "paid", "released", "shipped", "shipped", "delivered", "delivered", "completed"],
            history.Entries.Select(e => e.Event));
        Assert.Equal((OrderStatus.Delivered, OrderStatus.Completed), (history.Entries[^1].From, history.Entries[^1].To));
        Assert.Equal(history.Entries.Select((_, i) => (long)i + 1), history.Entries.Select(e => e.Sequence));
    }

    [Fact]
    public async Task Shortage_in_one_warehouse_is_re_sourced_from_another_and_the_pick_queues_follow()
    {
        await using var oms = await Oms.StartAsync();
        await oms.WarehouseAsync("BER", Oms.BerlinWarehouse);
        await oms.WarehouseAsync("MUC", Oms.MunichWarehouse);
        await oms.StockAsync("SKU-1", "BER", 5);
        await oms.StockAsync("SKU-1", "MUC", 10);
        await oms.CustomerAsync("c1");
        await PaidAndReleasedAsync(oms, "1", new OrderLine("SKU-1", 5, 100));

        var stock = await oms.Grains.GetGrain<ISkuStockGrain>("SKU-1").AdjustStockAsync(new AdjustStockCommand("BER", -3, StockAdjustmentReason.Damaged, "adj-1"));

        Assert.Equal((12, 5, 0), (stock.OnHand, stock.Reserved, stock.Backordered));
        await Oms.WaitUntilAsync(async () => (await oms.Order("1").GetAsync()).Allocations.Count == 2, TimeSpan.FromSeconds(10));
        var order = await oms.Order("1").GetAsync();
        Assert.Equal([new Allocation("SKU-1", "BER", 2), new Allocation("SKU-1", "MUC", 3)], order.Allocations);
        Assert.Empty(order.Backordered);
        await Oms.WaitUntilAsync(async () => (await oms.Grains.GetGrain<IWarehouseGrain>("MUC").GetQueueAsync()).Packages.Sum(p => p.Units) == 3, TimeSpan.FromSeconds(10));
        Assert.Equal(2, (await oms.Grains.GetGrain<IWarehouseGrain>("BER").GetQueueAsync()).Packages.Sum(p => p.Units));
        Assert.Contains((await oms.Order("1").GetHistoryAsync()).Entries, e => e.Event == "reallocated");
        await AssertLedgerCleanAsync(oms, "SKU-1");
    }

    [Fact]
    public async Task Shortage_emits_a_durable_alert_event_with_the_sku_warehouse_shortfall_and_cause()
    {
        var storage = TestStorage.Memory();
        await using var oms = await Oms.StartAsync(storage);
        await oms.SeedSimpleAsync(units: 6);
        await PaidAndReleasedAsync(oms, "a", new OrderLine("SKU-1", 5, 100));

        await oms.Grains.GetGrain<ISkuStockGrain>("SKU-1").AdjustStockAsync(new AdjustStockCommand("BER", -4, StockAdjustmentReason.Damaged, "adj-short"));

        var streams = (IOutboxStore)oms.Silo.Store;
        var partition = StreamPartitioner.PartitionOf("SKU-1", streams.PartitionCount);
        var alert = Assert.Single(await streams.ReadEventsAsync(InventoryStreams.AlertsNamespace, partition, 0, 10, default));
        Assert.Equal(nameof(ShortageAlert), alert.EventType);
        var payload = System.Text.Json.JsonSerializer.Deserialize<ShortageAlert>(alert.Payload.Span, OrderGrainsStorage.SerializerOptions)!;
        Assert.Equal(("SKU-1", "BER", 3), (payload.Sku, payload.WarehouseId, payload.Shortfall));
        Assert.Contains("adj-short", payload.Cause, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Shortage_without_other_stock_backorders_the_newest_order_and_restock_fills_the_oldest_first()
    {
        await using var oms = await Oms.StartAsync();
        await oms.SeedSimpleAsync(units: 6);
        await PaidAndReleasedAsync(oms, "old", new OrderLine("SKU-1", 3, 100));
        await PaidAndReleasedAsync(oms, "new", new OrderLine("SKU-1", 3, 100));

        await oms.StockAsync("SKU-1", "BER", 2);

        await Oms.WaitUntilAsync(async () => (await oms.Order("new").GetAsync()).Backordered.Sum(b => b.Quantity) == 3, TimeSpan.FromSeconds(10));
        await Oms.WaitUntilAsync(async () => (await oms.Order("old").GetAsync()).Backordered.Sum(b => b.Quantity) == 1, TimeSpan.FromSeconds(10));
        Assert.Empty((await oms.Order("new").GetAsync()).Allocations);
        Assert.Equal((2, 2), await StockAsync(oms, "SKU-1"));

        await oms.Grains.GetGrain<ISkuStockGrain>("SKU-1").AdjustStockAsync(new AdjustStockCommand("BER", 2, StockAdjustmentReason.Received, "recv-1"));

        await Oms.WaitUntilAsync(async () => (await oms.Order("old").GetAsync()).Backordered.Count == 0, TimeSpan.FromSeconds(10));
        await Oms.WaitUntilAsync(async () => (await oms.Order("new").GetAsync()).Backordered.Sum(b => b.Quantity) == 2, TimeSpan.FromSeconds(10));
        Assert.Equal([new Allocation("SKU-1", "BER", 1)], (await oms.Order("new").GetAsync()).Allocations);
        await Oms.WaitUntilAsync(async () => (await oms.Grains.GetGrain<IWarehouseGrain>("BER").GetQueueAsync()).Packages.Sum(p => p.Units) == 4, TimeSpan.FromSeconds(10));
        Assert.Contains((await oms.Order("old").GetHistoryAsync()).Entries, e => e.Event == "backorder_filled");
        await AssertLedgerCleanAsync(oms, "SKU-1");
    }

    [Fact]
    public async Task Customer_may_cancel_a_backordered_line_and_is_refunded_for_it()
    {
        await using var oms = await Oms.StartAsync();
        await oms.SeedSimpleAsync(units: 5);
        await oms.Grains.GetGrain<ISkuStockGrain>("SKU-2").SetStockAsync(new SetStockCommand("BER", 2, "s"));
        await PaidAndReleasedAsync(oms, "1", new OrderLine("SKU-1", 5, 100), new OrderLine("SKU-2", 2, 50));
        await oms.StockAsync("SKU-1", "BER", 3);
        await Oms.WaitUntilAsync(async () => (await oms.Order("1").GetAsync()).Backordered.Count == 1, TimeSpan.FromSeconds(10));

        var tooMany = await Assert.ThrowsAsync<RuleViolationException>(() =>
            oms.Order("1").CancelBackorderAsync(new CancelBackorderCommand("x-0", [new LineQuantity("SKU-1", 3)], "no", "customer")));
        var cancelled = await oms.Order("1").CancelBackorderAsync(new CancelBackorderCommand("x-1", [new LineQuantity("SKU-1", 2)], "won't wait", "customer"));

        Assert.Contains("backordered", tooMany.Message, StringComparison.Ordinal);
        Assert.Equal(OrderStatus.Released, cancelled.Status);
        Assert.Empty(cancelled.Backordered);
        Assert.Equal([new LineQuantity("SKU-1", 2)], cancelled.CancelledUnits);
        Assert.Equal(200, Assert.Single(cancelled.Refunds).AmountMinor);
        Assert.Equal(0, (await oms.AvailabilityAsync("SKU-1")).Backordered);
        Oms.AssertSameOrder(cancelled, await oms.Order("1").CancelBackorderAsync(new CancelBackorderCommand("x-1", [new LineQuantity("SKU-1", 2)], "won't wait", "customer")));

        await oms.Order("1").ReportShipmentAsync(new ReportShipmentCommand("BER", "s1", [new LineQuantity("SKU-1", 3), new LineQuantity("SKU-2", 2)], "DHL", "T1"));
        Assert.Equal(OrderStatus.Shipped, (await oms.Order("1").GetAsync()).Status);
        await AssertLedgerCleanAsync(oms, "SKU-1");
    }

    [Fact]
    public async Task Cancelling_the_last_backorder_after_a_partial_shipment_ships_the_order()
    {
        await using var oms = await Oms.StartAsync();
        await oms.SeedSimpleAsync(units: 4);
        await PaidAndReleasedAsync(oms, "1", new OrderLine("SKU-1", 4, 100));
        await oms.Order("1").ReportShipmentAsync(Shipment("s1", "BER", 2));
        await oms.StockAsync("SKU-1", "BER", 1);
        await Oms.WaitUntilAsync(async () => (await oms.Order("1").GetAsync()).Backordered.Count == 1, TimeSpan.FromSeconds(10));
        await oms.Order("1").ReportShipmentAsync(Shipment("s2", "BER", 1));

        var shipped = await oms.Order("1").CancelBackorderAsync(new CancelBackorderCommand("c", [new LineQuantity("SKU-1", 1)], "", ""));

        Assert.Equal(OrderStatus.Shipped, shipped.Status);
        Assert.Equal(0, (await oms.AccountAsync("c1")).OpenExposureMinor);
    }

    [Fact]
    public async Task Order_above_the_review_threshold_is_held_and_needs_two_distinct_approvers_above_the_second()
    {
        await using var oms = await Oms.StartAsync(configure: o =>
        {
            o.ManualReviewThresholdMinor = 1_000;
            o.DualApprovalThresholdMinor = 5_000;
        });
        await oms.SeedSimpleAsync(units: 100);

        var small = (await oms.PlaceAsync("small", "c1", new OrderLine("SKU-1", 2, 1_000))).Order;
        var large = (await oms.PlaceAsync("large", "c1", new OrderLine("SKU-1", 10, 1_000))).Order;

        Assert.Equal((OrderStatus.OnHold, HoldReason.ManualReview, 1), (small.Status, small.HoldReason, small.ApprovalsRequired));
        Assert.Equal((OrderStatus.OnHold, HoldReason.ManualReview, 2), (large.Status, large.HoldReason, large.ApprovalsRequired));
        Assert.NotNull(large.HoldExpiresAt);
        Assert.Equal(OrderStatus.PendingPayment, (await oms.Order("small").ApproveHoldAsync(Oms.Reviewer("alice"))).Status);

        var once = await oms.Order("large").ApproveHoldAsync(Oms.Reviewer("alice"));
        var sameAgain = await oms.Order("large").ApproveHoldAsync(Oms.Reviewer("alice"));
        var twice = await oms.Order("large").ApproveHoldAsync(Oms.Reviewer("bob"));

        Assert.Equal((OrderStatus.OnHold, 1), (once.Status, once.Approvers.Count));
        Assert.Equal(once.Version, sameAgain.Version);
        Assert.Equal(OrderStatus.PendingPayment, twice.Status);
        Assert.Equal(["alice", "bob"], twice.Approvers);
        await Assert.ThrowsAsync<DomainValidationException>(() => oms.Order("large").ApproveHoldAsync(Oms.Reviewer("")));
        Assert.Equal(["held", "approval", "approved"], (await oms.Order("large").GetHistoryAsync()).Entries.Select(e => e.Event));
    }

    [Fact]
    public async Task Deep_discount_against_list_price_is_held_for_review_and_rejecting_it_releases_the_stock()
    {
        await using var oms = await Oms.StartAsync(configure: o => o.ManualReviewDiscountPercent = 50);
        await oms.SeedSimpleAsync(units: 10);

        var fair = (await oms.PlaceAsync("fair", "c1", new OrderLine("SKU-1", 1, 600, ListPriceMinor: 1_000))).Order;
        var deep = (await oms.PlaceAsync("deep", "c1", new OrderLine("SKU-1", 2, 400, ListPriceMinor: 1_000))).Order;
        var rejected = await oms.Order("deep").RejectHoldAsync("carol", "looks like a pricing error");

        Assert.Equal(OrderStatus.PendingPayment, fair.Status);
        Assert.Equal((OrderStatus.OnHold, HoldReason.ManualReview), (deep.Status, deep.HoldReason));
        Assert.Equal(OrderStatus.Cancelled, rejected.Status);
        Assert.Equal(1, (await oms.AvailabilityAsync("SKU-1")).Reserved);
        var last = (await oms.Order("deep").GetHistoryAsync()).Entries[^1];
        Assert.Equal(("cancelled", "carol", OrderStatus.Cancelled), (last.Event, last.Actor, last.To));
    }

    [Fact]
    public async Task Held_order_is_cancelled_after_the_hold_timeout_and_releases_its_stock()
    {
        await using var oms = await Oms.StartAsync(configure: o =>
        {
            o.HoldTimeout = TimeSpan.FromSeconds(1);
            o.ExpiryRetryPeriod = TimeSpan.FromMilliseconds(200);
        });
        await oms.SeedSimpleAsync(units: 10);
        await oms.CustomerAsync("c1", creditLimitMinor: 100);
        var held = (await oms.PlaceAsync("1", "c1", new OrderLine("SKU-1", 2, 100))).Order;
        Assert.Equal((OrderStatus.OnHold, HoldReason.CreditLimit), (held.Status, held.HoldReason));

        await Oms.WaitUntilAsync(async () => (await oms.Order("1").GetAsync()).Status == OrderStatus.Cancelled, TimeSpan.FromSeconds(10));

        Assert.Equal(0, (await oms.AvailabilityAsync("SKU-1")).Reserved);
        Assert.Equal(0, (await oms.AccountAsync("c1")).OpenExposureMinor);
        Assert.Equal(("cancelled", "system"), ((await oms.Order("1").GetHistoryAsync()).Entries[^1].Event, (await oms.Order("1").GetHistoryAsync()).Entries[^1].Actor));
    }

    [Fact]
    public async Task Returns_restock_resalable_units_only_and_refund_every_received_unit()
    {
        await using var oms = await Oms.StartAsync();
        await oms.SeedSimpleAsync(units: 10);
        await DeliveredAsync(oms, "1", new OrderLine("SKU-1", 4, 250));
        await Assert.ThrowsAsync<RuleViolationException>(() => oms.Order("1").RequestReturnAsync(new RequestReturnCommand("r0", [new LineQuantity("SKU-1", 5)], "too many")));

        var requested = await oms.Order("1").RequestReturnAsync(new RequestReturnCommand("r1", [new LineQuantity("SKU-1", 3)], "wrong size"));
        var rma = Assert.Single(requested.Returns).RmaId;
        var partly = await oms.Order("1").ReceiveReturnAsync(new ReceiveReturnCommand(rma, "BER", [new ReturnedLine("SKU-1", 2, ItemCondition.Resalable), new ReturnedLine("SKU-1", 1, ItemCondition.Damaged)]));

        Assert.Equal(OrderStatus.ReturnRequested, requested.Status);
        Assert.Equal(OrderStatus.PartiallyReturned, partly.Status);
        Assert.Equal(750, partly.Returns[0].RefundMinor);
        Assert.Equal((6 + 2, 0), await StockAsync(oms, "SKU-1"));
        Oms.AssertSameOrder(partly, await oms.Order("1").ReceiveReturnAsync(new ReceiveReturnCommand(rma, "BER", [new ReturnedLine("SKU-1", 1, ItemCondition.Damaged), new ReturnedLine("SKU-1", 2, ItemCondition.Resalable)])));
        await Assert.ThrowsAsync<RuleViolationException>(() => oms.Order("1").RequestReturnAsync(new RequestReturnCommand("r2", [new LineQuantity("SKU-1", 2)], "more")));

        await oms.Order("1").RequestReturnAsync(new RequestReturnCommand("r2", [new LineQuantity("SKU-1", 1)], "last one"));
        var returned = await oms.Order("1").ReceiveReturnAsync(new ReceiveReturnCommand("RMA-web:1-2", "BER", [new ReturnedLine("SKU-1", 1, ItemCondition.Resalable)]));

        Assert.Equal(OrderStatus.Returned, returned.Status);
        Assert.Equal([750, 250], returned.Refunds.Select(r => r.AmountMinor));
        Assert.Equal(9, (await oms.AvailabilityAsync("SKU-1")).OnHand);
        Assert.Contains((await oms.Order("1").GetHistoryAsync()).Entries, e => e.Event == "refund" && e.Details.Contains("750 EUR", StringComparison.Ordinal));
        await AssertLedgerCleanAsync(oms, "SKU-1");
    }

    [Fact]
    public async Task Adjustments_and_snapshot_imports_are_idempotent()
    {
        await using var oms = await Oms.StartAsync();
        await oms.SeedSimpleAsync(units: 10);
        var pool = oms.Grains.GetGrain<ISkuStockGrain>("SKU-1");

        await pool.AdjustStockAsync(new AdjustStockCommand("BER", 5, StockAdjustmentReason.Received, "a1"));
        var replay = await pool.AdjustStockAsync(new AdjustStockCommand("BER", 5, StockAdjustmentReason.Received, "a1"));

        Assert.Equal(15, replay.OnHand);
        await Assert.ThrowsAsync<IdempotencyConflictException>(() => pool.AdjustStockAsync(new AdjustStockCommand("BER", 4, StockAdjustmentReason.Received, "a1")));
        Assert.Equal("delta", (await Assert.ThrowsAsync<DomainValidationException>(() => pool.AdjustStockAsync(new AdjustStockCommand("BER", -16, StockAdjustmentReason.CountCorrection, "a2")))).Field);
        Assert.Equal("reason", (await Assert.ThrowsAsync<DomainValidationException>(() => pool.AdjustStockAsync(new AdjustStockCommand("BER", 1, StockAdjustmentReason.Unspecified, "a3")))).Field);

        var warehouse = oms.Grains.GetGrain<IWarehouseGrain>("BER");
        var summary = await warehouse.ImportSnapshotAsync(new StockSnapshotCommand("night-1", [new SnapshotItem("SKU-1", 7), new SnapshotItem("SKU-9", 3)]));
        await pool.AdjustStockAsync(new AdjustStockCommand("BER", 1, StockAdjustmentReason.Received, "a4"));
        await warehouse.ImportSnapshotAsync(new StockSnapshotCommand("night-1", [new SnapshotItem("SKU-1", 7), new SnapshotItem("SKU-9", 3)]));

        Assert.Equal((2, 10L), (summary.Skus, summary.Units));
        Assert.Equal(8, (await oms.AvailabilityAsync("SKU-1")).OnHand);
        Assert.Equal(3, (await oms.AvailabilityAsync("SKU-9")).OnHand);
        var ledger = await pool.GetLedgerAsync(100);
        Assert.Equal(
            [StockMovementKind.SetStock, StockMovementKind.Adjust, StockMovementKind.SetStock, StockMovementKind.Adjust],
            ledger.Recent.Select(m => m.Kind));
        Assert.Equal("night-1", ledger.Recent[2].Reference);
    }

    [Fact]
    public async Task Ledger_keeps_only_the_configured_number_of_movements_but_counts_them_all()
    {
        await using var oms = await Oms.StartAsync(configure: o => o.LedgerEntriesKept = 8);
        await oms.SeedSimpleAsync(units: 10);
        var pool = oms.Grains.GetGrain<ISkuStockGrain>("SKU-1");
        for (var i = 0; i < 30; i++)
        {
            await pool.AdjustStockAsync(new AdjustStockCommand("BER", 1, StockAdjustmentReason.Received, $"a{i}"));
        }

        var ledger = await pool.GetLedgerAsync(1_000);

        Assert.InRange(ledger.Recent.Count, 8, 10);
        Assert.Equal(31, ledger.TotalMovements);
        Assert.Equal(31, ledger.Recent[^1].Sequence);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public async Task Restock_racing_new_orders_and_parallel_returns_leave_the_ledger_invariants_true(short silos)
    {
        await using var oms = await Oms.StartAsync(silos: silos);
        await oms.WarehouseAsync("BER", Oms.BerlinWarehouse);
        await oms.WarehouseAsync("MUC", Oms.MunichWarehouse);
        await oms.StockAsync("SKU-1", "BER", 100);
        await oms.CustomerAsync("c1");
        var delivered = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => DeliveredAsync(oms, $"d{i}", new OrderLine("SKU-1", 2, 100))));
        await oms.StockAsync("SKU-1", "BER", 10);

        var orders = Enumerable.Range(0, 300).Select(i => oms.PlaceAsync($"n{i}", "c1", new OrderLine("SKU-1", 1, 100)));
        var restocks = Enumerable.Range(0, 50).Select(i => oms.Grains.GetGrain<ISkuStockGrain>("SKU-1")
            .AdjustStockAsync(new AdjustStockCommand(i % 2 == 0 ? "BER" : "MUC", 2, StockAdjustmentReason.Received, $"r{i}")));
        var returns = delivered.Select(async d =>
        {
            var order = oms.Grains.GetGrain<IOrderGrain>(d.OrderId);
            var rma = (await order.RequestReturnAsync(new RequestReturnCommand("ret", [new LineQuantity("SKU-1", 2)], "x"))).Returns[0].RmaId;
            await order.ReceiveReturnAsync(new ReceiveReturnCommand(rma, "MUC", [new ReturnedLine("SKU-1", 1, ItemCondition.Resalable), new ReturnedLine("SKU-1", 1, ItemCondition.Damaged)]));
        });
        var placed = await Task.WhenAll(orders);
        await Task.WhenAll(restocks);
        await Task.WhenAll(returns);

        var accepted = placed.Count(p => p.Order.Status == OrderStatus.PendingPayment);
        var stock = await oms.AvailabilityAsync("SKU-1");
        Assert.Equal(10 + 100 + 20, stock.OnHand);
        Assert.True(accepted <= stock.OnHand);
        Assert.Equal(accepted, stock.Reserved);
        await AssertLedgerCleanAsync(oms, "SKU-1");
        Assert.All(await Task.WhenAll(delivered.Select(d => oms.Grains.GetGrain<IOrderGrain>(d.OrderId).GetAsync())), o => Assert.Equal(OrderStatus.Returned, o.Status));
        Assert.Equal(silos, await oms.SilosHostingAsync<OrderGrain>());
    }

    internal static ReportShipmentCommand Shipment(string id, string warehouseId, int quantity, string sku = "SKU-1") =>
        new(warehouseId, id, [new LineQuantity(sku, quantity)], "DHL", "TRK-" + id);

    internal static async Task<OrderSnapshot> PaidAndReleasedAsync(Oms oms, string externalId, OrderLine line, OrderLine? second = null, string customerId = "c1")
    {
        var placed = (await oms.PlaceAsync(second is null ? Oms.Command(externalId, customerId, line) : Oms.Command(externalId, customerId, line, second))).Order;
        await oms.Order(externalId).ConfirmPaymentAsync(new ConfirmPaymentCommand("pay-" + externalId, placed.TotalMinor));
        return await oms.Order(externalId).ReleaseAsync("ops");
    }

    private static Task<OrderSnapshot> PaidAndReleasedAsync(Oms oms, string externalId, OrderLine line, OrderLine second) =>
        PaidAndReleasedAsync(oms, externalId, line, second, "c1");

    internal static async Task<OrderSnapshot> DeliveredAsync(Oms oms, string externalId, OrderLine line)
    {
        await PaidAndReleasedAsync(oms, externalId, line);
        var order = oms.Order(externalId);
        var allocation = (await order.GetAsync()).Allocations.Single();
        await order.ReportShipmentAsync(Shipment("s-" + externalId, allocation.WarehouseId, line.Quantity, line.Sku));
        return await order.ConfirmDeliveryAsync("s-" + externalId);
    }

    private static async Task<(int OnHand, int Reserved)> StockAsync(Oms oms, string sku)
    {
        var stock = await oms.AvailabilityAsync(sku);
        return (stock.OnHand, stock.Reserved);
    }

    private static async Task AssertLedgerCleanAsync(Oms oms, string sku)
    {
        var ledger = await oms.Grains.GetGrain<ISkuStockGrain>(sku).GetLedgerAsync(10);
        Assert.Equal(0, ledger.InvariantViolations);
    }
}
