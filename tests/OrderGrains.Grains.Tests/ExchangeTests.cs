using OrderGrains.Abstractions;
using OrderGrains.Testing;

namespace OrderGrains.Grains.Tests;

public sealed class ExchangeTests
{
    private const string Medium = "TEE-M";
    private const string Large = "TEE-L";

    [Fact]
    public async Task Exchange_for_another_size_reserves_the_replacement_and_ships_it_once_the_return_arrives()
    {
        await using var oms = await StartAsync();
        await FulfilmentTests.DeliveredAsync(oms, "1", new OrderLine(Medium, 2, 1_000));

        var requested = await oms.Order("1").RequestExchangeAsync(new RequestExchangeCommand("ex-1", new LineQuantity(Medium, 1), new OrderLine(Large, 1, 1_000), "too small"));

        var exchange = Assert.Single(requested.Exchanges!);
        Assert.Equal(OrderStatus.ReturnRequested, requested.Status);
        Assert.Equal((ExchangeStatus.Reserved, 1_000, 1_000, 0L), (exchange.Status, exchange.ReturnedValueMinor, exchange.ReplacementValueMinor, exchange.AmountDueMinor));
        Assert.Equal([new WarehouseQuantity("BER", 1)], exchange.Allocations);
        Assert.Equal(exchange.RmaId, Assert.Single(requested.Returns).RmaId);
        Assert.Equal("ex-1", requested.Returns[0].ReturnRequestId);
        Assert.Equal((5, 1), await StockAsync(oms, Large));
        Assert.Empty(await QueueAsync(oms, Large));

        var received = await oms.Order("1").ReceiveReturnAsync(new ReceiveReturnCommand(exchange.RmaId, "BER", [new ReturnedLine(Medium, 1, ItemCondition.Resalable)]));

        Assert.Equal(OrderStatus.PartiallyReturned, received.Status);
        Assert.Equal(ExchangeStatus.Released, received.Exchanges![0].Status);
        Assert.Empty(received.Refunds);
        Assert.Equal(0, received.Returns[0].RefundMinor);
        Assert.Equal((10 - 2 + 1, 0), await StockAsync(oms, Medium));
        Assert.Equal([("web:1", 1)], (await QueueAsync(oms, Large)).Select(t => (t.OrderId, t.Quantity)));

        var shipped = await oms.Order("1").ReportShipmentAsync(FulfilmentTests.Shipment("s-ex-1", "BER", 1, Large));
        Assert.Equal((OrderStatus.PartiallyReturned, ExchangeStatus.Shipped), (shipped.Status, shipped.Exchanges![0].Status));
        Assert.Equal((4, 0), await StockAsync(oms, Large));
        Assert.Empty(await QueueAsync(oms, Large));

        var delivered = await oms.Order("1").ConfirmDeliveryAsync("s-ex-1");

        Assert.Equal(ExchangeStatus.Delivered, delivered.Exchanges![0].Status);
        Assert.Equal(["s-ex-1"], delivered.Exchanges[0].ShipmentIds);
        var history = (await oms.Order("1").GetHistoryAsync()).Entries.Select(e => e.Event).ToList();
        Assert.Equal(["exchange_requested", "exchange_reserved", "exchange_settlement", "return_received", "exchange_credited", "exchange_released", "exchange_shipped", "exchange_delivered"], history.SkipWhile(e => e != "exchange_requested"));
        var ledger = await oms.Grains.GetGrain<ISkuStockGrain>(Large).GetLedgerAsync(10);
        Assert.Equal([StockMovementKind.SetStock, StockMovementKind.Reserve, StockMovementKind.Deduct], ledger.Recent.Select(m => m.Kind));
        Assert.All(ledger.Recent.Skip(1), m => Assert.Equal(ReservationHolders.ForExchange("web:1", "ex-1"), m.OrderId));
        Assert.Equal(0, ledger.InvariantViolations);
    }

    [Fact]
    public async Task Advance_exchange_ships_the_replacement_before_the_return_arrives()
    {
        await using var oms = await StartAsync();
        await oms.Grains.GetGrain<ICustomerAccountGrain>("c1").UpsertAsync(new CustomerProfile("c1", "Customer c1", "gold", 0, false, AdvanceExchange: true));
        await FulfilmentTests.DeliveredAsync(oms, "1", new OrderLine(Medium, 2, 1_000));

        var requested = await oms.Order("1").RequestExchangeAsync(new RequestExchangeCommand("ex-1", new LineQuantity(Medium, 1), new OrderLine(Medium, 1, 0), "defect"));

        var exchange = Assert.Single(requested.Exchanges!);
        Assert.True(exchange.Advance);
        Assert.Equal((ExchangeStatus.Released, 1_000L), (exchange.Status, exchange.Replacement.UnitPriceMinor));
        Assert.Equal([("web:1", 1)], (await QueueAsync(oms, Medium)).Select(t => (t.OrderId, t.Quantity)));

        await oms.Order("1").ReportShipmentAsync(FulfilmentTests.Shipment("s-ex-1", "BER", 1, Medium));
        var delivered = await oms.Order("1").ConfirmDeliveryAsync("s-ex-1");
        Assert.Equal((OrderStatus.ReturnRequested, ExchangeStatus.Delivered), (delivered.Status, delivered.Exchanges![0].Status));

        var received = await oms.Order("1").ReceiveReturnAsync(new ReceiveReturnCommand(exchange.RmaId, "BER", [new ReturnedLine(Medium, 1, ItemCondition.Damaged)]));

        Assert.Equal(OrderStatus.PartiallyReturned, received.Status);
        Assert.Empty(received.Refunds);
        Assert.Equal((10 - 2 - 1, 0), await StockAsync(oms, Medium));
        Assert.Equal(0, (await oms.Grains.GetGrain<ISkuStockGrain>(Medium).GetLedgerAsync(10)).InvariantViolations);
    }

    [Fact]
    public async Task A_delivered_carrier_scan_of_the_replacement_shipment_delivers_the_exchange()
    {
        await using var oms = await StartAsync();
        await oms.Grains.GetGrain<ICustomerAccountGrain>("c1").UpsertAsync(new CustomerProfile("c1", "Customer c1", "gold", 0, false, AdvanceExchange: true));
        await FulfilmentTests.DeliveredAsync(oms, "1", new OrderLine(Medium, 2, 1_000));
        await oms.Order("1").RequestExchangeAsync(new RequestExchangeCommand("ex-1", new LineQuantity(Medium, 1), new OrderLine(Medium, 1, 0), "defect"));
        await oms.Order("1").ReportShipmentAsync(FulfilmentTests.Shipment("s-ex-1", "BER", 1, Medium));

        var scanned = await oms.Grains.GetGrain<IOrderTrackingGrain>(OrderIds.For("web", "1"))
            .ReportTrackingEventAsync(new ReportTrackingEventCommand("s-ex-1", "scan-1", "DHL", "TRK-s-ex-1", TrackingEventCode.Delivered, DateTimeOffset.UtcNow.AddMinutes(-5), null));

        Assert.Equal((OrderStatus.ReturnRequested, ExchangeStatus.Delivered), (scanned.Status, scanned.Exchanges![0].Status));
        var shipment = scanned.Shipments.Single(s => s.ShipmentId == "s-ex-1");
        Assert.NotNull(shipment.DeliveredAt);
        Assert.Equal(TrackingEventCode.Delivered, shipment.TrackingStatus);
        Assert.Contains((await oms.Order("1").GetHistoryAsync()).Entries, e => e.Event == "exchange_delivered");
    }

    [Fact]
    public async Task Dearer_replacement_is_released_only_after_the_extra_payment()
    {
        await using var oms = await StartAsync();
        await FulfilmentTests.DeliveredAsync(oms, "1", new OrderLine(Medium, 2, 1_000));
        var exchange = Assert.Single((await oms.Order("1").RequestExchangeAsync(new RequestExchangeCommand("ex-1", new LineQuantity(Medium, 1), new OrderLine(Large, 1, 1_500), "bigger"))).Exchanges!);
        Assert.Equal(500, exchange.AmountDueMinor);

        var received = await oms.Order("1").ReceiveReturnAsync(new ReceiveReturnCommand(exchange.RmaId, "BER", [new ReturnedLine(Medium, 1, ItemCondition.Resalable)]));
        Assert.Equal(ExchangeStatus.Reserved, received.Exchanges![0].Status);
        Assert.Empty(await QueueAsync(oms, Large));

        var wrongAmount = await Assert.ThrowsAsync<DomainValidationException>(() => oms.Order("1").ConfirmPaymentAsync(new ConfirmPaymentCommand("pay-ex", 400, "ex-1")));
        Assert.Equal("amount_minor", wrongAmount.Field);
        await Assert.ThrowsAsync<NotFoundException>(() => oms.Order("1").ConfirmPaymentAsync(new ConfirmPaymentCommand("pay-ex", 500, "ex-nope")));
        var paid = await oms.Order("1").ConfirmPaymentAsync(new ConfirmPaymentCommand("pay-ex", 500, "ex-1"));

        Assert.Equal((ExchangeStatus.Released, "pay-ex"), (paid.Exchanges![0].Status, paid.Exchanges[0].PaymentReference));
        Assert.Equal([("web:1", 1)], (await QueueAsync(oms, Large)).Select(t => (t.OrderId, t.Quantity)));
        Oms.AssertSameOrder(paid, await oms.Order("1").ConfirmPaymentAsync(new ConfirmPaymentCommand("pay-ex", 500, "ex-1")));
        await Assert.ThrowsAsync<IdempotencyConflictException>(() => oms.Order("1").ConfirmPaymentAsync(new ConfirmPaymentCommand("pay-ex", 501, "ex-1")));
        await Assert.ThrowsAsync<RuleViolationException>(() => oms.Order("1").ConfirmPaymentAsync(new ConfirmPaymentCommand("pay-other", 500, "ex-1")));
        Assert.Contains((await oms.Order("1").GetHistoryAsync()).Entries, e => e.Event == "exchange_paid" && e.Actor == "payment:pay-ex");
    }

    [Fact]
    public async Task Cheaper_replacement_refunds_the_difference_when_the_return_arrives()
    {
        await using var oms = await StartAsync();
        await FulfilmentTests.DeliveredAsync(oms, "1", new OrderLine(Medium, 2, 1_000));
        var exchange = Assert.Single((await oms.Order("1").RequestExchangeAsync(new RequestExchangeCommand("ex-1", new LineQuantity(Medium, 2), new OrderLine(Large, 2, 600), "cheaper"))).Exchanges!);
        Assert.Equal((0L, 0L), (exchange.AmountDueMinor, exchange.RefundMinor));
        await Assert.ThrowsAsync<RuleViolationException>(() => oms.Order("1").ConfirmPaymentAsync(new ConfirmPaymentCommand("pay-ex", 0, "ex-1")));
        await Assert.ThrowsAsync<RuleViolationException>(() => oms.Order("1").ReceiveReturnAsync(new ReceiveReturnCommand(exchange.RmaId, "BER", [new ReturnedLine(Medium, 1, ItemCondition.Resalable)])));

        var received = await oms.Order("1").ReceiveReturnAsync(new ReceiveReturnCommand(exchange.RmaId, "BER", [new ReturnedLine(Medium, 2, ItemCondition.Resalable)]));

        var refund = Assert.Single(received.Refunds);
        Assert.Equal(("ex-1", OrderMoney.ExchangeCause, 800L), (refund.RefundId, refund.Cause, refund.AmountMinor));
        Assert.Equal((800L, 800L, ExchangeStatus.Released), (received.Exchanges![0].RefundMinor, received.Returns[0].RefundMinor, received.Exchanges[0].Status));
        Assert.Contains((await oms.Order("1").GetHistoryAsync()).Entries, e => e.Event == "refund" && e.Details == "ex-1: 800 EUR");
    }

    [Fact]
    public async Task Exchange_is_idempotent_per_exchange_id()
    {
        await using var oms = await StartAsync();
        await FulfilmentTests.DeliveredAsync(oms, "1", new OrderLine(Medium, 2, 1_000));
        var command = new RequestExchangeCommand("ex-1", new LineQuantity(Medium, 1), new OrderLine(Large, 1, 1_000), "too small");

        var first = await oms.Order("1").RequestExchangeAsync(command);
        var again = await oms.Order("1").RequestExchangeAsync(command with { Reason = "retry" });

        Oms.AssertSameOrder(first, again);
        await Assert.ThrowsAsync<IdempotencyConflictException>(() => oms.Order("1").RequestExchangeAsync(command with { Replacement = new OrderLine(Large, 1, 900) }));
        await Assert.ThrowsAsync<IdempotencyConflictException>(() => oms.Order("1").RequestExchangeAsync(command with { Returned = new LineQuantity(Medium, 2) }));
        Assert.Equal((5, 1), await StockAsync(oms, Large));

        var received = await oms.Order("1").ReceiveReturnAsync(new ReceiveReturnCommand(first.Exchanges![0].RmaId, "BER", [new ReturnedLine(Medium, 1, ItemCondition.Resalable)]));
        Oms.AssertSameOrder(received, await oms.Order("1").RequestExchangeAsync(command));
    }

    [Fact]
    public async Task Exchange_refuses_bad_input_with_precise_errors_and_holds_nothing()
    {
        await using var oms = await StartAsync();
        await oms.StockAsync("TEE-XL", "BER", 0);
        var paid = (await oms.PlaceAsync("paid", "c1", new OrderLine(Medium, 1, 1_000))).Order;
        await oms.Order("paid").ConfirmPaymentAsync(new ConfirmPaymentCommand("pay-paid", paid.TotalMinor));
        await FulfilmentTests.DeliveredAsync(oms, "1", new OrderLine(Medium, 2, 1_000));
        var order = oms.Order("1");
        RequestExchangeCommand Exchange(int returned, string replacementSku, long price = 1_000, string returnedSku = Medium) =>
            new("ex-1", new LineQuantity(returnedSku, returned), new OrderLine(replacementSku, 1, price), "x");

        Assert.Equal("exchange_id", (await Assert.ThrowsAsync<DomainValidationException>(() => order.RequestExchangeAsync(Exchange(1, Large) with { ExchangeId = "" }))).Field);
        Assert.Equal("returned[0].quantity", (await Assert.ThrowsAsync<DomainValidationException>(() => order.RequestExchangeAsync(Exchange(0, Large)))).Field);
        Assert.Equal("replacement.unit_price_minor", (await Assert.ThrowsAsync<DomainValidationException>(() => order.RequestExchangeAsync(Exchange(1, Large, price: 0)))).Field);
        Assert.Equal("sku 'TEE-NONE' does not exist.", (await Assert.ThrowsAsync<NotFoundException>(() => order.RequestExchangeAsync(Exchange(1, "TEE-NONE")))).Message);
        var tooMany = await Assert.ThrowsAsync<RuleViolationException>(() => order.RequestExchangeAsync(Exchange(3, Large)));
        Assert.Contains("only 2 delivered units can be exchanged, not 3", tooMany.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<RuleViolationException>(() => order.RequestExchangeAsync(Exchange(1, Large, returnedSku: Large)));
        var noStock = await Assert.ThrowsAsync<RuleViolationException>(() => order.RequestExchangeAsync(Exchange(1, "TEE-XL")));
        Assert.Contains("no warehouse has 1 free units of replacement SKU 'TEE-XL'", noStock.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<IllegalTransitionException>(() => oms.Order("paid").RequestExchangeAsync(Exchange(1, Large)));

        var after = await order.GetAsync();
        Assert.Equal((OrderStatus.Completed, 0), (after.Status, after.Exchanges!.Count));
        Assert.Equal((5, 0), await StockAsync(oms, Large));
        Assert.Equal(0, (await oms.AvailabilityAsync("TEE-XL")).Reserved);
    }

    [Fact]
    public async Task An_exchange_interrupted_after_its_reservation_is_released_and_can_be_requested_again()
    {
        var storage = new InterceptingTestStorage();
        await using var oms = await Oms.StartAsync(storage);
        await oms.SeedSimpleAsync(Medium, units: 10);
        await oms.StockAsync(Large, "BER", 5);
        await FulfilmentTests.DeliveredAsync(oms, "1", new OrderLine(Medium, 2, 1_000));
        var failAt = -1;
        storage.BeforeWrite = key => key.GrainKey.EndsWith("web:1", StringComparison.Ordinal) && storage.WritesOf(key.GrainType, key.GrainKey) == failAt
            ? throw new InvalidOperationException("disk full")
            : Task.CompletedTask;
        failAt = storage.WritesOfType("order") + 2;

        await Assert.ThrowsAnyAsync<Exception>(() => oms.Order("1").RequestExchangeAsync(new RequestExchangeCommand("ex-1", new LineQuantity(Medium, 1), new OrderLine(Large, 2, 1_000), "x")));
        var after = await oms.Order("1").GetAsync();

        Assert.Equal((OrderStatus.Completed, 0), (after.Status, after.Exchanges!.Count));
        Assert.Equal((5, 0), await StockAsync(oms, Large));
        var retried = await oms.Order("1").RequestExchangeAsync(new RequestExchangeCommand("ex-2", new LineQuantity(Medium, 1), new OrderLine(Large, 1, 1_000), "x"));
        Assert.Equal("ex-2", Assert.Single(retried.Exchanges!).ExchangeId);
        Assert.Equal((5, 1), await StockAsync(oms, Large));
        var ledger = await oms.Grains.GetGrain<ISkuStockGrain>(Large).GetLedgerAsync(10);
        Assert.Equal(
            [(StockMovementKind.SetStock, null), (StockMovementKind.Reserve, "ex-1"), (StockMovementKind.Release, "ex-1"), (StockMovementKind.Reserve, "ex-2")],
            ledger.Recent.Select(m => (m.Kind, m.OrderId is null ? null : m.OrderId.Contains("ex-1", StringComparison.Ordinal) ? "ex-1" : "ex-2")));
        Assert.Equal(0, ledger.InvariantViolations);
    }

    [Fact]
    public void Reservation_holders_of_exchanges_lead_back_to_their_order()
    {
        Assert.Equal("web:a:b", ReservationHolders.OrderOf(ReservationHolders.ForExchange("web:a:b", "ex:1:2")));
        Assert.Equal("web:1", ReservationHolders.OrderOf("web:1"));
        Assert.NotEqual(ReservationHolders.ForExchange("web:1", "a"), ReservationHolders.ForExchange("web:1", "b"));
    }

    private static async Task<Oms> StartAsync()
    {
        var oms = await Oms.StartAsync();
        await oms.SeedSimpleAsync(Medium, units: 10);
        await oms.StockAsync(Large, "BER", 5);
        return oms;
    }

    private static async Task<(int OnHand, int Reserved)> StockAsync(Oms oms, string sku)
    {
        var stock = await oms.AvailabilityAsync(sku);
        return (stock.OnHand, stock.Reserved);
    }

    private static async Task<List<PickTask>> QueueAsync(Oms oms, string sku) =>
        [.. (await oms.Grains.GetGrain<IWarehouseGrain>("BER").GetQueueAsync()).Packages.SelectMany(p => p.Tasks).Where(t => t.Sku == sku)];
}
