using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using OrderGrains.Client;
using OrderGrains.Contracts.V1;
using OrderGrains.Erp;
using OrderGrains.ErpForwarding;
using static OrderGrains.Host.Tests.LedgerProbe;

namespace OrderGrains.Host.Tests;

/// <summary>
/// Credit sales (issue 12 §3) through the gRPC contract, real grains, the embedded reference ledger and the admin API: a
/// customer on NET_30 ships before payment within the limit, is invoiced to 1200 Accounts receivable at completion and
/// settles the invoice in parts; AR nets to zero once settled and the trial balance stays zero.
/// </summary>
public sealed class CreditSalesLedgerTests
{
    private const int VatRate = 1300;
    private const long UnitPrice = 11_300;

    [Fact]
    public async Task Credit_sale_ships_before_payment_is_invoiced_to_receivables_and_settled_by_partial_payments()
    {
        await using var host = await TestHost.StartAsync();
        var client = host.Client;
        await SeedAsync(client, creditLimit: 100_000);

        var placed = (await client.PlaceOrderAsync(Place("b2b-1", 5))).Order;
        Assert.Equal((OrderStatus.PendingPayment, "NET_30"), (placed.Status, placed.PaymentTerms));
        Assert.Null(placed.ReservationExpiresAt);
        var released = await client.ReleaseOrderAsync(new ReleaseOrderRequest { OrderId = placed.OrderId, Actor = "ops" });
        Assert.Equal(OrderStatus.Released, released.Status);
        var completed = await ShipAndDeliverAsync(client, placed.OrderId, 5, "b2b-1");
        Assert.Equal((OrderStatus.Completed, 56_500L, 56_500L), (completed.Status, completed.InvoicedMinor, completed.BalanceDueMinor));
        Assert.NotNull(completed.PaymentDueAt);

        var receivables = await AdminJsonAsync(host, "admin/customers/dealer/receivables");
        Assert.Equal(56_500, (long)receivables["ageing"]![0]!["currentMinor"]!);
        Assert.Equal("Current", (string?)receivables["receivables"]![0]!["bucket"]);

        var first = await client.ConfirmPaymentAsync(Pay(placed.OrderId, "wire-1", 20_000));
        var replay = await client.ConfirmPaymentAsync(Pay(placed.OrderId, "wire-1", 20_000));
        Assert.Equal(36_500, first.BalanceDueMinor);
        Assert.Equal(first, replay);
        var reused = await Assert.ThrowsAsync<RpcException>(() => client.ConfirmPaymentAsync(Pay(placed.OrderId, "wire-1", 19_999)));
        Assert.Equal(StatusCode.AlreadyExists, reused.StatusCode);
        var over = await Assert.ThrowsAsync<RpcException>(() => client.ConfirmPaymentAsync(Pay(placed.OrderId, "wire-2", 36_501)));
        Assert.Equal(StatusCode.InvalidArgument, over.StatusCode);
        Assert.Contains("open balance of 36500 EUR", over.Status.Detail, StringComparison.Ordinal);
        var settled = await client.ConfirmPaymentAsync(Pay(placed.OrderId, "wire-2", 36_500));
        Assert.Equal(0, settled.BalanceDueMinor);
        Assert.Equal([("wire-1", 20_000L), ("wire-2", 36_500L)], settled.Payments.Select(p => (p.PaymentReference, p.AmountMinor)));

        var entries = await PostedAsync(host, placed.OrderId, DocumentTypes.SalesInvoice, DocumentTypes.CustomerPayment, DocumentTypes.CustomerPayment);
        var invoice = entries[0];
        var receivable = invoice.Lines.Single(l => l.Account == ChartOfAccounts.AccountsReceivable);
        Assert.Equal(56_500, receivable.DebitMinor);
        Assert.Contains("due " + completed.PaymentDueAt.ToDateTimeOffset().UtcDateTime.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture), receivable.Memo, StringComparison.Ordinal);
        Assert.Equal([20_000L, 36_500L], entries.Skip(1).Select(e => e.Lines.Single(l => l.Account == ChartOfAccounts.AccountsReceivable).CreditMinor));
        await AssertBooksAsync(host, entries, delivered: 56_500, returned: 0, cashIn: 56_500, paidBack: 0);
        Assert.Empty((await AdminJsonAsync(host, "admin/customers/dealer/receivables"))["receivables"]!.AsArray());
    }

    [Fact]
    public async Task Credit_order_beyond_the_limit_with_open_receivables_is_held()
    {
        await using var host = await TestHost.StartAsync();
        var client = host.Client;
        await SeedAsync(client, creditLimit: 60_000);
        var first = (await client.PlaceOrderAsync(Place("b2b-1", 4))).Order;
        await client.ReleaseOrderAsync(new ReleaseOrderRequest { OrderId = first.OrderId, Actor = "ops" });
        await ShipAndDeliverAsync(client, first.OrderId, 4, "b2b-1");

        // 452.00 open on the invoice: 113.00 more fits 600.00, another 113.00 does not.
        var within = (await client.PlaceOrderAsync(Place("b2b-2", 1))).Order;
        var beyond = (await client.PlaceOrderAsync(Place("b2b-3", 1))).Order;

        Assert.Equal((OrderStatus.OnHold, HoldReason.CreditLimit), (beyond.Status, beyond.HoldReason));
        Assert.Equal(OrderStatus.PendingPayment, within.Status);
    }

    [Fact]
    public async Task Return_after_a_partial_payment_credits_the_receivable_and_pays_back_only_the_overpaid_rest()
    {
        await using var host = await TestHost.StartAsync();
        var client = host.Client;
        await SeedAsync(client, creditLimit: 0);
        var placed = (await client.PlaceOrderAsync(Place("b2b-1", 5))).Order;
        await client.ReleaseOrderAsync(new ReleaseOrderRequest { OrderId = placed.OrderId, Actor = "ops" });
        await ShipAndDeliverAsync(client, placed.OrderId, 5, "b2b-1");
        await client.ConfirmPaymentAsync(Pay(placed.OrderId, "wire-1", 40_000));

        var rma = (await client.RequestReturnAsync(new ReturnRequest
        {
            OrderId = placed.OrderId,
            ReturnRequestId = "r1",
            Reason = "wrong size",
            Lines = { new LineQuantity { Sku = "sku-1", Quantity = 2 } },
        })).Returns.Single().RmaId;
        var returned = await client.ReceiveReturnAsync(new ReturnReceipt
        {
            OrderId = placed.OrderId,
            RmaId = rma,
            WarehouseId = "berlin",
            Lines = { new ReturnedLine { Sku = "sku-1", Quantity = 2, Condition = ItemCondition.Resalable } },
        });

        // 565.00 invoiced, 400.00 paid: 165.00 open; the return of 226.00 clears it and 61.00 is owed back and paid out.
        Assert.Equal(0, returned.BalanceDueMinor);
        var entries = await PostedAsync(host, placed.OrderId, DocumentTypes.SalesInvoice, DocumentTypes.CustomerPayment, DocumentTypes.CreditNote);
        var note = entries[^1];
        Assert.Equal(16_500, note.Lines.Single(l => l.Account == ChartOfAccounts.AccountsReceivable).CreditMinor);
        Assert.Equal(6_100, note.Lines.Single(l => l.Account == ChartOfAccounts.CustomerAdvances && l.CreditMinor > 0).CreditMinor);
        Assert.Equal(6_100, note.Lines.Single(l => l.Account == ChartOfAccounts.CustomerAdvances && l.DebitMinor > 0).DebitMinor);
        Assert.Equal(6_100, note.Lines.Single(l => l.Account == ChartOfAccounts.CashClearing).CreditMinor);
        await AssertBooksAsync(host, entries, delivered: 56_500, returned: 22_600, cashIn: 40_000, paidBack: 6_100);
    }

    [Fact]
    public async Task Cancelling_an_unshipped_credit_order_posts_nothing_and_releases_the_credit()
    {
        await using var host = await TestHost.StartAsync();
        var client = host.Client;
        await SeedAsync(client, creditLimit: 60_000);
        var placed = (await client.PlaceOrderAsync(Place("b2b-1", 5))).Order;

        var cancelled = await client.CancelOrderAsync(new CancelOrderRequest { OrderId = placed.OrderId, Reason = "not needed" });

        Assert.Equal(OrderStatus.Cancelled, cancelled.Status);
        var account = await AdminJsonAsync(host, "admin/customers/dealer");
        Assert.Equal(0, (long)account["account"]!["openExposureMinor"]!);
        Assert.Equal(OrderStatus.PendingPayment, (await client.PlaceOrderAsync(Place("b2b-2", 5))).Order.Status);
        Assert.Empty(await EntriesAsync(host, placed.OrderId));
    }

    [Fact]
    public async Task Cancelled_backorders_of_a_credit_order_lower_its_invoice_and_post_no_credit_note()
    {
        await using var host = await TestHost.StartAsync();
        var client = host.Client;
        await SeedAsync(client, creditLimit: 100_000);
        var placed = (await client.PlaceOrderAsync(Place("b2b-1", 5))).Order;
        await client.ReleaseOrderAsync(new ReleaseOrderRequest { OrderId = placed.OrderId, Actor = "ops" });
        await client.SetStockAsync(new SetStockRequest { WarehouseId = "berlin", Sku = "sku-1", OnHand = 3, SyncId = "count-1" });
        await OrderLifecycle.EventuallyAsync(client, placed.OrderId, o => o.Backordered.Sum(b => b.Quantity) == 2);

        var lowered = await client.CancelOrderAsync(new CancelOrderRequest { OrderId = placed.OrderId, CancellationId = "cx-1", Reason = "won't wait", Lines = { new LineQuantity { Sku = "sku-1", Quantity = 2 } } });

        // Nothing was paid: the total drops instead of a refund, and the exposure with it.
        Assert.Equal((OrderStatus.Released, 33_900L), (lowered.Status, lowered.TotalMinor));
        Assert.Empty(lowered.Refunds);
        var completed = await ShipAndDeliverAsync(client, placed.OrderId, 3, "b2b-1");
        Assert.Equal((OrderStatus.Completed, 33_900L, 33_900L), (completed.Status, completed.InvoicedMinor, completed.BalanceDueMinor));
        Assert.Equal(33_900, (long)(await AdminJsonAsync(host, "admin/customers/dealer/receivables"))["ageing"]![0]!["currentMinor"]!);
        await client.ConfirmPaymentAsync(Pay(placed.OrderId, "wire-1", 33_900));

        var entries = await PostedAsync(host, placed.OrderId, DocumentTypes.SalesInvoice, DocumentTypes.CustomerPayment);
        Assert.Equal(33_900, entries[0].Lines.Single(l => l.Account == ChartOfAccounts.AccountsReceivable).DebitMinor);
        await AssertBooksAsync(host, entries, delivered: 33_900, returned: 0, cashIn: 33_900, paidBack: 0);
        Assert.Empty((await AdminJsonAsync(host, "admin/customers/dealer/receivables"))["receivables"]!.AsArray());
    }

    [Fact]
    public async Task Cancelling_every_backordered_unit_of_a_released_credit_order_cancels_it_posts_nothing_and_releases_the_credit()
    {
        await using var host = await TestHost.StartAsync();
        var client = host.Client;
        await SeedAsync(client, creditLimit: 60_000);
        var placed = (await client.PlaceOrderAsync(Place("b2b-1", 5))).Order;
        await client.ReleaseOrderAsync(new ReleaseOrderRequest { OrderId = placed.OrderId, Actor = "ops" });
        await client.SetStockAsync(new SetStockRequest { WarehouseId = "berlin", Sku = "sku-1", OnHand = 0, SyncId = "count-1" });
        await OrderLifecycle.EventuallyAsync(client, placed.OrderId, o => o.Backordered.Sum(b => b.Quantity) == 5);

        var cancelled = await client.CancelOrderAsync(new CancelOrderRequest { OrderId = placed.OrderId, CancellationId = "cx-1", Reason = "won't wait", Lines = { new LineQuantity { Sku = "sku-1", Quantity = 5 } } });

        Assert.Equal(OrderStatus.Cancelled, cancelled.Status);
        Assert.Empty(cancelled.Refunds);
        Assert.Equal(0, (long)(await AdminJsonAsync(host, "admin/customers/dealer"))["account"]!["openExposureMinor"]!);
        await client.SetStockAsync(new SetStockRequest { WarehouseId = "berlin", Sku = "sku-1", OnHand = 50, SyncId = "restock-1" });
        Assert.Equal(OrderStatus.PendingPayment, (await client.PlaceOrderAsync(Place("b2b-2", 5))).Order.Status);
        await Task.Delay(1_000);
        Assert.Empty(await EntriesAsync(host, placed.OrderId));
        var trial = await Ledger(host).GetTrialBalanceAsync(default);
        Assert.All(trial.Totals, t => Assert.Equal(0, t.BalanceMinor));
    }

    [Fact]
    public async Task Overdue_invoice_rejects_new_orders_on_terms_over_the_wire_and_the_admin_api_ages_it_until_it_is_paid()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var host = await TestHost.StartWithAsync(b => b.Services.AddSingleton<TimeProvider>(new WallClockOf(clock)));
        var client = host.Client;
        await SeedAsync(client, creditLimit: 0);
        var first = (await client.PlaceOrderAsync(Place("b2b-1", 2))).Order;
        await client.ReleaseOrderAsync(new ReleaseOrderRequest { OrderId = first.OrderId, Actor = "ops" });
        var invoiced = await ShipAndDeliverAsync(client, first.OrderId, 2, "b2b-1");
        Assert.Equal(clock.GetUtcNow().AddDays(30), invoiced.PaymentDueAt.ToDateTimeOffset());
        var beforeDue = (await client.PlaceOrderAsync(Place("b2b-2", 1))).Order;
        Assert.Equal(OrderStatus.PendingPayment, beforeDue.Status);

        // 45 days after the invoice: 15 days past due.
        clock.Advance(TimeSpan.FromDays(45));
        var rejected = (await client.PlaceOrderAsync(Place("b2b-3", 1))).Order;

        Assert.Equal((OrderStatus.Rejected, RejectReason.PaymentOverdue), (rejected.Status, rejected.RejectReason));
        var report = await AdminJsonAsync(host, "admin/customers/dealer/receivables");
        var receivable = Assert.Single(report["receivables"]!.AsArray())!;
        Assert.Equal((first.OrderId, 15, "Overdue1To30", 22_600L), ((string?)receivable["orderId"], (int)receivable["daysOverdue"]!, (string?)receivable["bucket"], (long)receivable["openMinor"]!));
        var ageing = Assert.Single(report["ageing"]!.AsArray())!;
        Assert.Equal((0L, 22_600L, 0L, 0L, 22_600L), ((long)ageing["currentMinor"]!, (long)ageing["overdue1To30Minor"]!, (long)ageing["overdue31To60Minor"]!, (long)ageing["overdueOver60Minor"]!, (long)ageing["totalOpenMinor"]!));

        // Another 30 days: 45 days past due, and a part payment lowers what is overdue but not the age.
        clock.Advance(TimeSpan.FromDays(30));
        await client.ConfirmPaymentAsync(Pay(first.OrderId, "wire-1", 10_000));
        ageing = Assert.Single((await AdminJsonAsync(host, "admin/customers/dealer/receivables"))["ageing"]!.AsArray())!;
        Assert.Equal((0L, 12_600L), ((long)ageing["overdue1To30Minor"]!, (long)ageing["overdue31To60Minor"]!));
        Assert.Equal(OrderStatus.Rejected, (await client.PlaceOrderAsync(Place("b2b-4", 1))).Order.Status);

        await client.ConfirmPaymentAsync(Pay(first.OrderId, "wire-2", 12_600));

        Assert.Equal(OrderStatus.PendingPayment, (await client.PlaceOrderAsync(Place("b2b-5", 1))).Order.Status);
        Assert.Empty((await AdminJsonAsync(host, "admin/customers/dealer/receivables"))["receivables"]!.AsArray());
    }

    [Fact]
    public async Task With_the_hold_setting_an_overdue_invoice_holds_new_orders_on_terms_until_an_operator_approves()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var host = await TestHost.StartWithAsync(
            b => b.Services.AddSingleton<TimeProvider>(new WallClockOf(clock)),
            "--OrderGrains:Orders:OverdueCustomerOrders=Hold");
        var client = host.Client;
        await SeedAsync(client, creditLimit: 0);
        var first = (await client.PlaceOrderAsync(Place("b2b-1", 1))).Order;
        await client.ReleaseOrderAsync(new ReleaseOrderRequest { OrderId = first.OrderId, Actor = "ops" });
        await ShipAndDeliverAsync(client, first.OrderId, 1, "b2b-1");
        // 91 days after the invoice: 61 days past due.
        clock.Advance(TimeSpan.FromDays(91));

        var held = (await client.PlaceOrderAsync(Place("b2b-2", 1))).Order;

        Assert.Equal((OrderStatus.OnHold, HoldReason.OverdueReceivable), (held.Status, held.HoldReason));
        Assert.Equal("OverdueOver60", (string?)(await AdminJsonAsync(host, "admin/customers/dealer/receivables"))["receivables"]![0]!["bucket"]);
        using (var approve = await AdminPostAsync(host, $"admin/orders/{Uri.EscapeDataString(held.OrderId)}/approve"))
        {
            Assert.True(approve.IsSuccessStatusCode, await approve.Content.ReadAsStringAsync());
        }

        Assert.Equal(OrderStatus.PendingPayment, (await client.GetOrderAsync(held.OrderId)).Status);
        Assert.Equal(OrderStatus.Released, (await client.ReleaseOrderAsync(new ReleaseOrderRequest { OrderId = held.OrderId, Actor = "ops" })).Status);
    }

    [Fact]
    public async Task Receivables_of_an_unknown_customer_are_404()
    {
        await using var host = await TestHost.StartAsync();

        using var response = await AdminGetAsync(host, "admin/customers/nobody/receivables");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task Payment_terms_must_be_net_days()
    {
        await using var host = await TestHost.StartAsync();

        var error = await Assert.ThrowsAsync<RpcException>(() => host.Client.UpsertCustomerAsync(new Customer { CustomerId = "x", Name = "X", PaymentTerms = "NET_0" }));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("payment_terms", error.Status.Detail, StringComparison.Ordinal);
    }

    /// <summary>
    /// Revenue net + output VAT = delivered − returned; cash = paid in − paid back; receivables and customer advances
    /// net to zero (what a return owes back is paid out at receipt); every entry and the whole trial balance balance.
    /// </summary>
    private static async Task AssertBooksAsync(TestHost host, IReadOnlyList<JournalEntry> entries, long delivered, long returned, long cashIn, long paidBack)
    {
        Assert.All(entries, e => Assert.Equal(e.Lines.Sum(l => l.DebitMinor), e.Lines.Sum(l => l.CreditMinor)));
        foreach (var invoice in entries.Where(e => e.DocumentType == DocumentTypes.SalesInvoice))
        {
            var (net, vat) = ErpDocuments.Split(invoice.Lines.Sum(l => l.CreditMinor), VatRate);
            Assert.Equal(net, invoice.Lines.Single(l => l.Account == ChartOfAccounts.SalesRevenue).CreditMinor);
            Assert.Equal(vat, invoice.Lines.Single(l => l.Account == ChartOfAccounts.OutputVat).CreditMinor);
        }

        Assert.Equal(-(delivered - returned), Balance(entries, ChartOfAccounts.SalesRevenue) + Balance(entries, ChartOfAccounts.OutputVat));
        Assert.Equal(0, Balance(entries, ChartOfAccounts.AccountsReceivable));
        Assert.Equal(cashIn - paidBack, Balance(entries, ChartOfAccounts.CashClearing));
        Assert.Equal(0, Balance(entries, ChartOfAccounts.CustomerAdvances));
        var trial = await Ledger(host).GetTrialBalanceAsync(default);
        Assert.Equal(0, Assert.Single(trial.Totals).BalanceMinor);
    }

    private static async Task<HttpResponseMessage> AdminGetAsync(TestHost host, string path)
    {
        var token = (await File.ReadAllTextAsync(Path.Combine(host.DataDirectory, "admin-token"))).Trim();
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{host.AdminPort}/") };
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return await http.SendAsync(request);
    }

    private static async Task<HttpResponseMessage> AdminPostAsync(TestHost host, string path)
    {
        var token = (await File.ReadAllTextAsync(Path.Combine(host.DataDirectory, "admin-token"))).Trim();
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{host.AdminPort}/") };
        using var request = new HttpRequestMessage(HttpMethod.Post, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return await http.SendAsync(request);
    }

    private static async Task<JsonNode> AdminJsonAsync(TestHost host, string path)
    {
        using var response = await AdminGetAsync(host, path);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"GET {path}: {(int)response.StatusCode} {text}");
        return JsonNode.Parse(text)!;
    }

    private static async Task SeedAsync(OrderGrainsClient client, long creditLimit)
    {
        await client.UpsertWarehouseAsync(new Warehouse { WarehouseId = "berlin", Name = "berlin", Latitude = 52.52, Longitude = 13.40, Active = true });
        await client.SetStockAsync(new SetStockRequest { WarehouseId = "berlin", Sku = "sku-1", OnHand = 50, SyncId = "seed" });
        var customer = await client.UpsertCustomerAsync(new Customer { CustomerId = "dealer", Name = "Dealer", Tier = "b2b", CreditLimitMinor = creditLimit, PaymentTerms = "NET_30" });
        Assert.Equal("NET_30", customer.PaymentTerms);
    }

    private static PlaceOrderRequest Place(string externalId, int quantity) => new()
    {
        Channel = "b2b",
        ExternalOrderId = externalId,
        CustomerId = "dealer",
        Currency = "EUR",
        ShipTo = new Address { Recipient = "Dealer", Line1 = "Alexanderplatz 1", City = "Berlin", Country = "DE", Latitude = 52.5, Longitude = 13.4 },
        Lines = { new OrderLine { Sku = "sku-1", Quantity = quantity, UnitPriceMinor = UnitPrice } },
    };

    /// <summary>Ships a released order in one package from Berlin and confirms its delivery, as WMS and carrier would: no payment.</summary>
    private static async Task<Order> ShipAndDeliverAsync(OrderGrainsClient client, string orderId, int quantity, string reference)
    {
        await client.ReportShipmentAsync(new ShipmentReport
        {
            OrderId = orderId,
            WarehouseId = "berlin",
            ShipmentId = "s-" + reference,
            Carrier = "DHL",
            TrackingNumber = "T-" + reference,
            Lines = { new LineQuantity { Sku = "sku-1", Quantity = quantity } },
        });
        return await client.ConfirmDeliveryAsync(new DeliveryConfirmation { OrderId = orderId, ShipmentId = "s-" + reference });
    }

    private static ConfirmPaymentRequest Pay(string orderId, string reference, long amount) =>
        new() { OrderId = orderId, PaymentReference = reference, AmountMinor = amount };

    /// <summary>
    /// The fake's date with real timers: the whole host resolves this TimeProvider, and its timers (Orleans, the ERP
    /// forwarder, reminders) must neither stand still nor all fire when the test moves the date by weeks.
    /// </summary>
    private sealed class WallClockOf(FakeTimeProvider fake) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => fake.GetUtcNow();
    }
}
