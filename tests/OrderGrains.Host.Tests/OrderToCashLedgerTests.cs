using Grpc.Core;
using OrderGrains.Client;
using OrderGrains.Contracts.V1;
using OrderGrains.Erp;
using OrderGrains.ErpForwarding;
using static OrderGrains.Host.Tests.LedgerProbe;

namespace OrderGrains.Host.Tests;

/// <summary>
/// What the reference ledger holds for one order after shortages, partial cancels, re-sourcing, returns and exchanges, through
/// the gRPC contract, real grains and the embedded ledger: the invoice bills what was delivered, net of what was
/// cancelled, and customer advances of a settled order net to zero.
/// </summary>
public sealed class OrderToCashLedgerTests
{
    private const int VatRate = 1300;
    private const long UnitPrice = 11_300;

    [Fact]
    public async Task Paid_order_with_cancelled_backorder_invoices_only_the_delivered_units()
    {
        await using var host = await TestHost.StartAsync();
        var client = host.Client;
        await SeedAsync(client, ("berlin", 52.52, 13.40, 5));
        var order = await PaidAsync(client, "count", 5);
        Assert.Equal(56_500, order.TotalMinor);
        await client.ReleaseOrderAsync(new ReleaseOrderRequest { OrderId = order.OrderId, Actor = "ops" });

        await client.SetStockAsync(new SetStockRequest { WarehouseId = "berlin", Sku = "sku-1", OnHand = 3, SyncId = "count-1" });
        await OrderLifecycle.EventuallyAsync(client, order.OrderId, o => o.Backordered.Sum(b => b.Quantity) == 2);
        var cancelled = await client.CancelOrderAsync(CancelUnits(order.OrderId, "cx-1", 2));
        Assert.Equal(22_600, cancelled.Refunds.Single().AmountMinor);
        await client.ReportShipmentAsync(Shipment(order.OrderId, "berlin", "s1", 3));
        var completed = await client.ConfirmDeliveryAsync(new DeliveryConfirmation { OrderId = order.OrderId, ShipmentId = "s1" });
        Assert.Equal(OrderStatus.Completed, completed.Status);

        var entries = await PostedAsync(host, order.OrderId, DocumentTypes.CustomerPayment, DocumentTypes.CreditNote, DocumentTypes.SalesInvoice);
        await AssertSettledAsync(host, entries, delivered: 33_900, returned: 0, cashIn: 56_500, cashOut: 22_600);
    }

    [Fact]
    public async Task Backorder_cancelled_after_the_rest_shipped_invoices_only_the_shipped_units()
    {
        await using var host = await TestHost.StartAsync();
        var client = host.Client;
        await SeedAsync(client, ("berlin", 52.52, 13.40, 5));
        var order = await PaidAsync(client, "late", 5);
        await client.ReleaseOrderAsync(new ReleaseOrderRequest { OrderId = order.OrderId, Actor = "ops" });
        await client.AdjustStockAsync(new AdjustStockRequest { WarehouseId = "berlin", Sku = "sku-1", Delta = -2, Reason = StockAdjustmentReason.CountCorrection, AdjustmentId = "count-1" });
        await OrderLifecycle.EventuallyAsync(client, order.OrderId, o => o.Backordered.Sum(b => b.Quantity) == 2);

        var partial = await client.ReportShipmentAsync(Shipment(order.OrderId, "berlin", "s1", 3));
        Assert.Equal(OrderStatus.PartiallyShipped, partial.Status);
        var shipped = await client.CancelOrderAsync(CancelUnits(order.OrderId, "cx-1", 2));
        Assert.Equal(OrderStatus.Shipped, shipped.Status);
        var completed = await client.ConfirmDeliveryAsync(new DeliveryConfirmation { OrderId = order.OrderId, ShipmentId = "s1" });
        Assert.Equal(OrderStatus.Completed, completed.Status);

        var entries = await PostedAsync(host, order.OrderId, DocumentTypes.CustomerPayment, DocumentTypes.CreditNote, DocumentTypes.SalesInvoice);
        await AssertSettledAsync(host, entries, delivered: 33_900, returned: 0, cashIn: 56_500, cashOut: 22_600);
    }

    [Fact]
    public async Task Backorder_cancelled_after_the_rest_was_delivered_completes_the_order_and_invoices_the_delivered_units()
    {
        await using var host = await TestHost.StartAsync();
        var client = host.Client;
        await SeedAsync(client, ("berlin", 52.52, 13.40, 5));
        var order = await PaidAsync(client, "delivered", 5);
        await client.ReleaseOrderAsync(new ReleaseOrderRequest { OrderId = order.OrderId, Actor = "ops" });
        await client.SetStockAsync(new SetStockRequest { WarehouseId = "berlin", Sku = "sku-1", OnHand = 3, SyncId = "count-1" });
        await OrderLifecycle.EventuallyAsync(client, order.OrderId, o => o.Backordered.Sum(b => b.Quantity) == 2);
        await client.ReportShipmentAsync(Shipment(order.OrderId, "berlin", "s1", 3));
        var delivered = await client.ConfirmDeliveryAsync(new DeliveryConfirmation { OrderId = order.OrderId, ShipmentId = "s1" });
        Assert.Equal(OrderStatus.PartiallyShipped, delivered.Status);

        var completed = await client.CancelOrderAsync(CancelUnits(order.OrderId, "cx-1", 2));

        Assert.Equal(OrderStatus.Completed, completed.Status);
        Assert.Equal(
            ["backorder_cancelled", "refund", "delivered", "completed"],
            (await client.GetOrderHistoryAsync(order.OrderId)).Events.TakeLast(4).Select(e => e.Event));
        var entries = await PostedAsync(host, order.OrderId, DocumentTypes.CustomerPayment, DocumentTypes.CreditNote, DocumentTypes.SalesInvoice);
        await AssertSettledAsync(host, entries, delivered: 33_900, returned: 0, cashIn: 56_500, cashOut: 22_600);
    }

    [Fact]
    public async Task Backorder_cancelled_before_payment_lowers_the_total_and_the_invoice_bills_it()
    {
        await using var host = await TestHost.StartAsync();
        var client = host.Client;
        await SeedAsync(client, ("berlin", 52.52, 13.40, 5));
        var placed = (await client.PlaceOrderAsync(Place("unpaid", 5))).Order;
        await client.SetStockAsync(new SetStockRequest { WarehouseId = "berlin", Sku = "sku-1", OnHand = 3, SyncId = "count-1" });
        await OrderLifecycle.EventuallyAsync(client, placed.OrderId, o => o.Backordered.Sum(b => b.Quantity) == 2);

        var lowered = await client.CancelOrderAsync(CancelUnits(placed.OrderId, "cx-1", 2));
        Assert.Equal((OrderStatus.PendingPayment, 33_900L), (lowered.Status, lowered.TotalMinor));
        Assert.Empty(lowered.Refunds);
        var completed = await OrderLifecycle.CompleteAsync(client, lowered, "berlin", "sku-1", 3, "unpaid");
        Assert.Equal(OrderStatus.Completed, completed.Status);

        var entries = await PostedAsync(host, placed.OrderId, DocumentTypes.CustomerPayment, DocumentTypes.SalesInvoice);
        await AssertSettledAsync(host, entries, delivered: 33_900, returned: 0, cashIn: 33_900, cashOut: 0);
    }

    [Fact]
    public async Task Re_sourced_and_refilled_backorder_ships_in_full_and_the_invoice_bills_the_full_amount()
    {
        await using var host = await TestHost.StartAsync();
        var client = host.Client;
        await SeedAsync(client, ("berlin", 52.52, 13.40, 5), ("munich", 48.14, 11.58, 1));
        var order = await PaidAsync(client, "refill", 5);
        await client.ReleaseOrderAsync(new ReleaseOrderRequest { OrderId = order.OrderId, Actor = "ops" });

        // Berlin counts 2: one unit is re-sourced from Munich, two wait as backorder until Berlin is restocked.
        await client.SetStockAsync(new SetStockRequest { WarehouseId = "berlin", Sku = "sku-1", OnHand = 2, SyncId = "count-1" });
        var shortage = await OrderLifecycle.EventuallyAsync(client, order.OrderId, o => o.Backordered.Sum(b => b.Quantity) == 2);
        Assert.Equal([("berlin", 2), ("munich", 1)], shortage.Allocations.OrderBy(a => a.WarehouseId, StringComparer.Ordinal).Select(a => (a.WarehouseId, a.Quantity)));
        await client.SetStockAsync(new SetStockRequest { WarehouseId = "berlin", Sku = "sku-1", OnHand = 4, SyncId = "restock-1" });
        await OrderLifecycle.EventuallyAsync(client, order.OrderId, o => o.Backordered.Count == 0);

        await client.ReportShipmentAsync(Shipment(order.OrderId, "berlin", "s1", 4));
        await client.ReportShipmentAsync(Shipment(order.OrderId, "munich", "s2", 1));
        await client.ConfirmDeliveryAsync(new DeliveryConfirmation { OrderId = order.OrderId, ShipmentId = "s1" });
        var completed = await client.ConfirmDeliveryAsync(new DeliveryConfirmation { OrderId = order.OrderId, ShipmentId = "s2" });
        Assert.Equal(OrderStatus.Completed, completed.Status);

        var entries = await PostedAsync(host, order.OrderId, DocumentTypes.CustomerPayment, DocumentTypes.SalesInvoice);
        await AssertSettledAsync(host, entries, delivered: 56_500, returned: 0, cashIn: 56_500, cashOut: 0);
    }

    [Fact]
    public async Task Return_after_a_cancelled_backorder_is_credited_once_against_the_delivered_value()
    {
        await using var host = await TestHost.StartAsync();
        var client = host.Client;
        await SeedAsync(client, ("berlin", 52.52, 13.40, 5));
        var order = await PaidAsync(client, "back", 5);
        await client.ReleaseOrderAsync(new ReleaseOrderRequest { OrderId = order.OrderId, Actor = "ops" });
        await client.SetStockAsync(new SetStockRequest { WarehouseId = "berlin", Sku = "sku-1", OnHand = 3, SyncId = "count-1" });
        await OrderLifecycle.EventuallyAsync(client, order.OrderId, o => o.Backordered.Sum(b => b.Quantity) == 2);
        await client.CancelOrderAsync(CancelUnits(order.OrderId, "cx-1", 2));
        await client.ReportShipmentAsync(Shipment(order.OrderId, "berlin", "s1", 3));
        await client.ConfirmDeliveryAsync(new DeliveryConfirmation { OrderId = order.OrderId, ShipmentId = "s1" });

        var rma = (await client.RequestReturnAsync(new ReturnRequest
        {
            OrderId = order.OrderId,
            ReturnRequestId = "r1",
            Reason = "too big",
            Lines = { new LineQuantity { Sku = "sku-1", Quantity = 1 } },
        })).Returns.Single().RmaId;
        var returned = await client.ReceiveReturnAsync(new ReturnReceipt
        {
            OrderId = order.OrderId,
            RmaId = rma,
            WarehouseId = "berlin",
            Lines = { new ReturnedLine { Sku = "sku-1", Quantity = 1, Condition = ItemCondition.Resalable } },
        });
        Assert.Equal(UnitPrice, returned.Refunds.Single(r => r.RefundId == rma).AmountMinor);

        var entries = await PostedAsync(host, order.OrderId, DocumentTypes.CustomerPayment, DocumentTypes.CreditNote, DocumentTypes.SalesInvoice, DocumentTypes.CreditNote);
        var returnNote = entries[^1];
        Assert.Equal(UnitPrice, returnNote.Lines.Where(l => l.Account is ChartOfAccounts.SalesRevenue or ChartOfAccounts.OutputVat).Sum(l => l.DebitMinor));
        // The return's refund is paid out from cash in the same credit note, so 2100 nets to zero as for every settled order.
        Assert.Equal(
            [(ChartOfAccounts.CustomerAdvances, UnitPrice), (ChartOfAccounts.CashClearing, UnitPrice)],
            returnNote.Lines.Where(l => l.CreditMinor > 0).Select(l => (l.Account, l.CreditMinor)));
        await AssertSettledAsync(host, entries, delivered: 33_900, returned: UnitPrice, cashIn: 56_500, cashOut: 22_600 + UnitPrice);
    }

    [Fact]
    public async Task Cancelling_every_backordered_unit_of_a_released_paid_order_refunds_the_payment_once()
    {
        await using var host = await TestHost.StartAsync();
        var client = host.Client;
        await SeedAsync(client, ("berlin", 52.52, 13.40, 5));
        var order = await PaidAsync(client, "gone", 5);
        await client.ReleaseOrderAsync(new ReleaseOrderRequest { OrderId = order.OrderId, Actor = "ops" });
        await client.SetStockAsync(new SetStockRequest { WarehouseId = "berlin", Sku = "sku-1", OnHand = 0, SyncId = "count-1" });
        await OrderLifecycle.EventuallyAsync(client, order.OrderId, o => o.Backordered.Sum(b => b.Quantity) == 5);

        var cancelled = await client.CancelOrderAsync(CancelUnits(order.OrderId, "cx-1", 5));
        Assert.Equal(OrderStatus.Cancelled, cancelled.Status);

        await PostedAsync(host, order.OrderId, DocumentTypes.CustomerPayment, DocumentTypes.CreditNote);
        await Task.Delay(1_000);
        var entries = await EntriesAsync(host, order.OrderId);
        Assert.Equal([DocumentTypes.CustomerPayment, DocumentTypes.CreditNote], entries.Select(e => e.DocumentType));
        await AssertSettledAsync(host, entries, delivered: 0, returned: 0, cashIn: 56_500, cashOut: 56_500);
    }

    [Fact]
    public async Task Exchange_for_a_cheaper_size_credits_the_returned_unit_refunds_the_difference_and_invoices_the_replacement()
    {
        await using var host = await TestHost.StartAsync();
        var client = host.Client;
        await SeedAsync(client, ("berlin", 52.52, 13.40, 5));
        await client.SetStockAsync(new SetStockRequest { WarehouseId = "berlin", Sku = "sku-2", OnHand = 5, SyncId = "seed-sku-2" });
        var order = await PaidAsync(client, "swap", 2);
        await client.ReleaseOrderAsync(new ReleaseOrderRequest { OrderId = order.OrderId, Actor = "ops" });
        await client.ReportShipmentAsync(Shipment(order.OrderId, "berlin", "s1", 2));
        await client.ConfirmDeliveryAsync(new DeliveryConfirmation { OrderId = order.OrderId, ShipmentId = "s1" });
        var request = Exchange(order.OrderId, "ex-1", "sku-2", UnitPrice / 2);

        var unknown = await Assert.ThrowsAsync<RpcException>(() => client.RequestExchangeAsync(Exchange(order.OrderId, "ex-0", "sku-none", UnitPrice)));
        var tooMany = await Assert.ThrowsAsync<RpcException>(() => client.RequestExchangeAsync(Exchange(order.OrderId, "ex-0", "sku-2", UnitPrice, returned: 3)));
        var requested = await client.RequestExchangeAsync(request);
        var replayed = await client.RequestExchangeAsync(request);
        var conflict = await Assert.ThrowsAsync<RpcException>(() => client.RequestExchangeAsync(Exchange(order.OrderId, "ex-1", "sku-2", UnitPrice)));

        Assert.Equal((StatusCode.NotFound, StatusCode.FailedPrecondition, StatusCode.AlreadyExists), (unknown.StatusCode, tooMany.StatusCode, conflict.StatusCode));
        Assert.Equal(requested, replayed);
        var exchange = requested.Exchanges.Single();
        Assert.Equal((OrderStatus.ReturnRequested, ExchangeStatus.ExchangeReserved, 0L), (requested.Status, exchange.Status, exchange.AmountDueMinor));
        var received = await client.ReceiveReturnAsync(new ReturnReceipt
        {
            OrderId = order.OrderId,
            RmaId = exchange.RmaId,
            WarehouseId = "berlin",
            Lines = { new ReturnedLine { Sku = "sku-1", Quantity = 1, Condition = ItemCondition.Resalable } },
        });
        Assert.Equal((OrderStatus.PartiallyReturned, ExchangeStatus.ExchangeReleased), (received.Status, received.Exchanges.Single().Status));
        Assert.Equal(("ex-1", "exchange", UnitPrice / 2), received.Refunds.Select(r => (r.RefundId, r.Cause, r.AmountMinor)).Single());
        await client.ReportShipmentAsync(Shipment(order.OrderId, "berlin", "s-ex-1", 1, "sku-2"));
        var delivered = await client.ConfirmDeliveryAsync(new DeliveryConfirmation { OrderId = order.OrderId, ShipmentId = "s-ex-1" });
        Assert.Equal(ExchangeStatus.ExchangeDelivered, delivered.Exchanges.Single().Status);

        // Payment, invoice; at receipt the refunded difference (paid out) and the credit note for the returned unit; the replacement's invoice.
        var entries = await PostedAsync(host, order.OrderId, DocumentTypes.CustomerPayment, DocumentTypes.SalesInvoice, DocumentTypes.CreditNote, DocumentTypes.CreditNote, DocumentTypes.SalesInvoice);
        var credit = entries[3];
        Assert.Equal(UnitPrice, credit.Lines.Where(l => l.Account is ChartOfAccounts.SalesRevenue or ChartOfAccounts.OutputVat).Sum(l => l.DebitMinor));
        Assert.Equal([(ChartOfAccounts.CustomerAdvances, UnitPrice)], credit.Lines.Where(l => l.CreditMinor > 0).Select(l => (l.Account, l.CreditMinor)));
        Assert.Equal(UnitPrice / 2, entries[2].Lines.Single(l => l.Account == ChartOfAccounts.CashClearing).CreditMinor);
        await AssertSettledAsync(host, entries, delivered: (2 * UnitPrice) + (UnitPrice / 2), returned: UnitPrice, cashIn: 2 * UnitPrice, cashOut: UnitPrice / 2);

        var replacementStock = await client.GetStockLedgerAsync("sku-2");
        Assert.Equal([StockMovementKind.SetStock, StockMovementKind.Reserve, StockMovementKind.Deduct], replacementStock.Recent.Select(m => m.Kind));
        Assert.Equal(0, replacementStock.InvariantViolations);
        var returnedStock = await client.GetStockLedgerAsync("sku-1");
        Assert.Equal((StockMovementKind.Restock, 1, exchange.RmaId), (returnedStock.Recent[^1].Kind, returnedStock.Recent[^1].Quantity, returnedStock.Recent[^1].Reference));
        Assert.Equal(0, returnedStock.InvariantViolations);
        Assert.Equal((5 - 2 + 1, 5 - 1), ((await client.GetAvailabilityAsync("sku-1")).OnHand, (await client.GetAvailabilityAsync("sku-2")).OnHand));
    }

    [Fact]
    public async Task Advance_exchange_for_a_dearer_replacement_ships_once_the_difference_is_paid_and_settles_the_ledger()
    {
        await using var host = await TestHost.StartAsync();
        var client = host.Client;
        await SeedAsync(client, ("berlin", 52.52, 13.40, 5));
        await client.SetStockAsync(new SetStockRequest { WarehouseId = "berlin", Sku = "sku-2", OnHand = 5, SyncId = "seed-sku-2" });
        var customer = await client.UpsertCustomerAsync(new Customer { CustomerId = "ada", Name = "Ada", AdvanceExchange = true });
        Assert.True(customer.AdvanceExchange);
        var order = await PaidAsync(client, "upgrade", 1);
        await client.ReleaseOrderAsync(new ReleaseOrderRequest { OrderId = order.OrderId, Actor = "ops" });
        await client.ReportShipmentAsync(Shipment(order.OrderId, "berlin", "s1", 1));
        await client.ConfirmDeliveryAsync(new DeliveryConfirmation { OrderId = order.OrderId, ShipmentId = "s1" });

        var requested = await client.RequestExchangeAsync(Exchange(order.OrderId, "ex-1", "sku-2", UnitPrice + (UnitPrice / 2)));
        var exchange = requested.Exchanges.Single();
        Assert.Equal((true, ExchangeStatus.ExchangeReserved, UnitPrice / 2), (exchange.Advance, exchange.Status, exchange.AmountDueMinor));
        var wrong = await Assert.ThrowsAsync<RpcException>(() => client.ConfirmPaymentAsync(new ConfirmPaymentRequest { OrderId = order.OrderId, PaymentReference = "pay-ex", AmountMinor = 1, ExchangeId = "ex-1" }));
        Assert.Equal(StatusCode.InvalidArgument, wrong.StatusCode);
        var paid = await client.ConfirmPaymentAsync(new ConfirmPaymentRequest { OrderId = order.OrderId, PaymentReference = "pay-ex", AmountMinor = UnitPrice / 2, ExchangeId = "ex-1" });
        Assert.Equal((OrderStatus.ReturnRequested, ExchangeStatus.ExchangeReleased, "pay-ex"), (paid.Status, paid.Exchanges.Single().Status, paid.Exchanges.Single().PaymentReference));
        Assert.Equal(1, (await client.GetWarehouseQueueAsync("berlin")).Packages.SelectMany(p => p.Tasks).Where(t => t.Sku == "sku-2").Sum(t => t.Quantity));
        await client.ReportShipmentAsync(Shipment(order.OrderId, "berlin", "s-ex-1", 1, "sku-2"));
        await client.ConfirmDeliveryAsync(new DeliveryConfirmation { OrderId = order.OrderId, ShipmentId = "s-ex-1" });
        var received = await client.ReceiveReturnAsync(new ReturnReceipt
        {
            OrderId = order.OrderId,
            RmaId = exchange.RmaId,
            WarehouseId = "berlin",
            Lines = { new ReturnedLine { Sku = "sku-1", Quantity = 1, Condition = ItemCondition.Damaged } },
        });
        Assert.Empty(received.Refunds);

        var entries = await PostedAsync(host, order.OrderId, DocumentTypes.CustomerPayment, DocumentTypes.SalesInvoice, DocumentTypes.CustomerPayment, DocumentTypes.SalesInvoice, DocumentTypes.CreditNote);
        Assert.Equal(UnitPrice / 2, entries[2].Lines.Single(l => l.Account == ChartOfAccounts.CashClearing).DebitMinor);
        await AssertSettledAsync(host, entries, delivered: UnitPrice + UnitPrice + (UnitPrice / 2), returned: UnitPrice, cashIn: UnitPrice + (UnitPrice / 2), cashOut: 0);
        Assert.Equal(5 - 1, (await client.GetAvailabilityAsync("sku-1")).OnHand);
        Assert.Equal(0, (await client.GetStockLedgerAsync("sku-2")).InvariantViolations);
    }

    /// <summary>
    /// Customer advances net to zero (return refunds are paid out at receipt); revenue net + output VAT = delivered −
    /// returned; cash clearing = paid in − paid out; every entry and the whole trial balance balance.
    /// </summary>
    private static async Task AssertSettledAsync(TestHost host, IReadOnlyList<JournalEntry> entries, long delivered, long returned, long cashIn, long cashOut)
    {
        Assert.All(entries, e => Assert.Equal(e.Lines.Sum(l => l.DebitMinor), e.Lines.Sum(l => l.CreditMinor)));
        var invoices = entries.Where(e => e.DocumentType == DocumentTypes.SalesInvoice).ToList();
        Assert.Equal(delivered, invoices.Sum(e => e.Lines.Where(l => l.Account == ChartOfAccounts.CustomerAdvances).Sum(l => l.DebitMinor)));
        foreach (var invoice in invoices)
        {
            var gross = invoice.Lines.Sum(l => l.CreditMinor);
            var (net, vat) = ErpDocuments.Split(gross, VatRate);
            Assert.Equal(net, invoice.Lines.Single(l => l.Account == ChartOfAccounts.SalesRevenue).CreditMinor);
            Assert.Equal(vat, invoice.Lines.Single(l => l.Account == ChartOfAccounts.OutputVat).CreditMinor);
        }

        Assert.Equal(0, Balance(entries, ChartOfAccounts.CustomerAdvances));
        Assert.Equal(-(delivered - returned), Balance(entries, ChartOfAccounts.SalesRevenue) + Balance(entries, ChartOfAccounts.OutputVat));
        Assert.Equal(cashIn - cashOut, Balance(entries, ChartOfAccounts.CashClearing));
        Assert.Equal(0, Balance(entries, ChartOfAccounts.AccountsReceivable));

        var trial = await Ledger(host).GetTrialBalanceAsync(default);
        Assert.Equal(0, Assert.Single(trial.Totals).BalanceMinor);
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

    private static PlaceOrderRequest Place(string externalId, int quantity) => new()
    {
        Channel = "web",
        ExternalOrderId = externalId,
        CustomerId = "ada",
        Currency = "EUR",
        ShipTo = new Address { Recipient = "Ada", Line1 = "Unter den Linden 1", City = "Berlin", Country = "DE", Latitude = 52.5, Longitude = 13.4 },
        Lines = { new OrderLine { Sku = "sku-1", Quantity = quantity, UnitPriceMinor = UnitPrice } },
    };

    private static async Task<Order> PaidAsync(OrderGrainsClient client, string externalId, int quantity)
    {
        var placed = (await client.PlaceOrderAsync(Place(externalId, quantity))).Order;
        Assert.Equal(OrderStatus.PendingPayment, placed.Status);
        return await client.ConfirmPaymentAsync(new ConfirmPaymentRequest { OrderId = placed.OrderId, PaymentReference = "pay-" + externalId, AmountMinor = placed.TotalMinor });
    }

    private static CancelOrderRequest CancelUnits(string orderId, string cancellationId, int quantity) => new()
    {
        OrderId = orderId,
        CancellationId = cancellationId,
        Reason = "won't wait",
        Lines = { new LineQuantity { Sku = "sku-1", Quantity = quantity } },
    };

    private static ShipmentReport Shipment(string orderId, string warehouseId, string shipmentId, int quantity, string sku = "sku-1") => new()
    {
        OrderId = orderId,
        WarehouseId = warehouseId,
        ShipmentId = shipmentId,
        Carrier = "DHL",
        TrackingNumber = "TRK-" + shipmentId,
        Lines = { new LineQuantity { Sku = sku, Quantity = quantity } },
    };

    private static ExchangeRequest Exchange(string orderId, string exchangeId, string replacementSku, long unitPrice, int returned = 1) => new()
    {
        OrderId = orderId,
        ExchangeId = exchangeId,
        Returned = new LineQuantity { Sku = "sku-1", Quantity = returned },
        Replacement = new OrderLine { Sku = replacementSku, Quantity = 1, UnitPriceMinor = unitPrice },
        Reason = "other size",
    };
}
