using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using OrderGrains.Abstractions;
using OrderGrains.Storage;
using OrderGrains.Testing;

namespace OrderGrains.Grains.Tests;

/// <summary>
/// Credit sales (issue 12 §3) on real grains: customers on NET_&lt;days&gt; terms ship before payment within their limit,
/// are invoiced at completion, pay in parts, and are refused new orders on terms while an invoice is overdue. Time is a
/// <see cref="FakeTimeProvider"/>, so due dates and ageing are exact.
/// </summary>
public sealed class CreditSalesTests
{
    private const long Price = 1_000;

    [Fact]
    public async Task Order_on_terms_within_the_limit_is_released_shipped_and_invoiced_before_payment()
    {
        await using var oms = await CreditOms.StartAsync();
        await oms.SeedAsync(creditLimit: 10_000);

        var placed = (await oms.PlaceAsync("1", 3)).Order;
        Assert.Equal((OrderStatus.PendingPayment, "NET_30"), (placed.Status, placed.PaymentTerms));
        Assert.Null(placed.ReservationExpiresAt);

        var released = await oms.Order("1").ReleaseAsync("ops");
        Assert.Equal(OrderStatus.Released, released.Status);
        await oms.Order("1").ReportShipmentAsync(new ReportShipmentCommand("BER", "s1", [new LineQuantity("SKU-1", 3)], "DHL", "T1"));
        var account = await oms.AccountAsync();
        Assert.Equal((3_000L, 0L), (account.OpenExposureMinor, account.OpenReceivablesMinor));

        oms.Clock.Advance(TimeSpan.FromDays(2));
        var completed = await oms.Order("1").ConfirmDeliveryAsync("s1");

        Assert.Equal(OrderStatus.Completed, completed.Status);
        Assert.Equal((3_000L, 3_000L), (completed.InvoicedMinor, completed.BalanceDueMinor));
        Assert.Equal(oms.Clock.GetUtcNow().AddDays(30), completed.PaymentDueAt);
        account = await oms.AccountAsync();
        Assert.Equal((0L, 3_000L), (account.OpenExposureMinor, account.OpenReceivablesMinor));
    }

    [Fact]
    public async Task With_auto_release_an_accepted_order_on_terms_goes_to_the_warehouse_at_once()
    {
        await using var oms = await CreditOms.StartAsync(o => o.AutoRelease = true);
        await oms.SeedAsync(creditLimit: 10_000);

        var placed = (await oms.PlaceAsync("1", 2)).Order;

        Assert.Equal((OrderStatus.Released, 0L), (placed.Status, placed.BalanceDueMinor));
        Assert.Equal(["accepted", "released"], (await oms.Order("1").GetHistoryAsync()).Entries.Select(e => e.Event));
    }

    [Fact]
    public async Task Order_on_terms_beyond_the_limit_with_open_receivables_is_held_for_credit()
    {
        await using var oms = await CreditOms.StartAsync();
        await oms.SeedAsync(creditLimit: 10_000);
        await oms.CompleteAsync("1", 6);

        var within = (await oms.PlaceAsync("2", 4)).Order;
        var beyond = (await oms.PlaceAsync("3", 1)).Order;

        Assert.Equal(OrderStatus.PendingPayment, within.Status);
        Assert.Equal((OrderStatus.OnHold, HoldReason.CreditLimit), (beyond.Status, beyond.HoldReason));
    }

    [Fact]
    public async Task Partial_payments_settle_the_invoice_and_a_replayed_reference_changes_nothing()
    {
        await using var oms = await CreditOms.StartAsync();
        await oms.SeedAsync(creditLimit: 10_000);
        await oms.CompleteAsync("1", 5);
        var order = oms.Order("1");

        var first = await order.ConfirmPaymentAsync(new ConfirmPaymentCommand("pay-1", 1_200));
        var replay = await order.ConfirmPaymentAsync(new ConfirmPaymentCommand("pay-1", 1_200));

        Assert.Equal(3_800, first.BalanceDueMinor);
        Oms.AssertSameOrder(first, replay);
        Assert.Equal(3_800, (await oms.AccountAsync()).OpenReceivablesMinor);
        await Assert.ThrowsAsync<IdempotencyConflictException>(() => order.ConfirmPaymentAsync(new ConfirmPaymentCommand("pay-1", 1_000)));

        var settled = await order.ConfirmPaymentAsync(new ConfirmPaymentCommand("pay-2", 3_800));

        Assert.Equal((OrderStatus.Completed, 0L), (settled.Status, settled.BalanceDueMinor));
        Assert.Equal(["pay-1", "pay-2"], settled.Payments!.Select(p => p.PaymentReference));
        Assert.Equal(0, (await oms.AccountAsync()).OpenReceivablesMinor);
        Assert.Empty((await oms.Customer.GetReceivablesAsync()).Receivables);
    }

    [Fact]
    public async Task Overpayment_is_refused_naming_the_open_balance()
    {
        await using var oms = await CreditOms.StartAsync();
        await oms.SeedAsync(creditLimit: 10_000);
        await oms.CompleteAsync("1", 2);
        await oms.Order("1").ConfirmPaymentAsync(new ConfirmPaymentCommand("pay-1", 500));

        var error = await Assert.ThrowsAsync<DomainValidationException>(() => oms.Order("1").ConfirmPaymentAsync(new ConfirmPaymentCommand("pay-2", 1_501)));

        Assert.Equal("amount_minor", error.Field);
        Assert.Contains("open balance of 1500 EUR", error.Reason, StringComparison.Ordinal);
        Assert.Equal(1_500, (await oms.Order("1").GetAsync()).BalanceDueMinor);
    }

    [Fact]
    public async Task Released_order_on_terms_takes_no_payment_before_its_invoice()
    {
        await using var oms = await CreditOms.StartAsync();
        await oms.SeedAsync(creditLimit: 10_000);
        await oms.PlaceAsync("1", 2);
        await oms.Order("1").ReleaseAsync("ops");

        var error = await Assert.ThrowsAsync<RuleViolationException>(() => oms.Order("1").ConfirmPaymentAsync(new ConfirmPaymentCommand("pay-1", 2_000)));

        Assert.Contains("NET_30", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Overdue_invoice_rejects_new_orders_on_terms_and_releases_their_stock()
    {
        await using var oms = await CreditOms.StartAsync();
        await oms.SeedAsync(creditLimit: 100_000);
        await oms.CompleteAsync("1", 2);
        var notYet = (await oms.PlaceAsync("2", 1)).Order;
        Assert.Equal(OrderStatus.PendingPayment, notYet.Status);

        oms.Clock.Advance(TimeSpan.FromDays(30) + TimeSpan.FromSeconds(1));
        var rejected = (await oms.PlaceAsync("3", 1)).Order;

        Assert.Equal((OrderStatus.Rejected, RejectReason.PaymentOverdue), (rejected.Status, rejected.RejectReason));
        Assert.Equal(1, (await oms.Grains.GetGrain<ISkuStockGrain>("SKU-1").GetAvailabilityAsync()).Reserved);
        Assert.Equal(1_000, (await oms.AccountAsync()).OpenExposureMinor);

        await oms.Order("1").ConfirmPaymentAsync(new ConfirmPaymentCommand("pay-1", 2_000));
        Assert.Equal(OrderStatus.PendingPayment, (await oms.PlaceAsync("4", 1)).Order.Status);
    }

    [Fact]
    public async Task Overdue_invoice_holds_new_orders_on_terms_when_configured()
    {
        await using var oms = await CreditOms.StartAsync(o => o.OverdueCustomerOrders = OverduePolicy.Hold);
        await oms.SeedAsync(creditLimit: 100_000);
        await oms.CompleteAsync("1", 2);
        oms.Clock.Advance(TimeSpan.FromDays(31));

        var held = (await oms.PlaceAsync("2", 1)).Order;

        Assert.Equal((OrderStatus.OnHold, HoldReason.OverdueReceivable), (held.Status, held.HoldReason));
        var approved = await oms.Order("2").ApproveHoldAsync(Oms.Reviewer("credit-desk"));
        Assert.Equal(OrderStatus.PendingPayment, approved.Status);
        Assert.Null(approved.ReservationExpiresAt);
        Assert.Equal(OrderStatus.Released, (await oms.Order("2").ReleaseAsync("ops")).Status);
    }

    [Fact]
    public async Task Receivables_are_aged_into_current_1_to_30_31_to_60_and_over_60_days()
    {
        await using var oms = await CreditOms.StartAsync();
        await oms.SeedAsync(creditLimit: 0, units: 100);
        foreach (var id in new[] { "a", "b", "c", "d" })
        {
            await oms.PlaceAsync(id, 1);
            await oms.Order(id).ReleaseAsync("ops");
            await oms.Order(id).ReportShipmentAsync(new ReportShipmentCommand("BER", "s-" + id, [new LineQuantity("SKU-1", 1)], "DHL", id));
        }

        // Invoiced on days 0, 20, 45 and 75 with NET_30: due on days 30, 50, 75 and 105.
        await oms.Order("a").ConfirmDeliveryAsync("s-a");
        oms.Clock.Advance(TimeSpan.FromDays(20));
        await oms.Order("b").ConfirmDeliveryAsync("s-b");
        oms.Clock.Advance(TimeSpan.FromDays(25));
        await oms.Order("c").ConfirmDeliveryAsync("s-c");
        oms.Clock.Advance(TimeSpan.FromDays(30));
        await oms.Order("d").ConfirmDeliveryAsync("s-d");
        await oms.Order("b").ConfirmPaymentAsync(new ConfirmPaymentCommand("pay-b", 400));
        oms.Clock.Advance(TimeSpan.FromDays(25));

        var report = await oms.Customer.GetReceivablesAsync();

        Assert.Equal(
            [("web:a", 70, AgeingBucket.OverdueOver60, 1_000L), ("web:b", 50, AgeingBucket.Overdue31To60, 600L), ("web:c", 25, AgeingBucket.Overdue1To30, 1_000L), ("web:d", 0, AgeingBucket.Current, 1_000L)],
            report.Receivables.Select(r => (r.OrderId, r.DaysOverdue, r.Bucket, r.OpenMinor)));
        Assert.Equal(new AgeingTotals("EUR", 1_000, 1_000, 600, 1_000, 3_600), Assert.Single(report.Ageing));
        Assert.Equal(oms.Clock.GetUtcNow(), report.AsOf);
    }

    [Fact]
    public async Task Cancelling_an_unshipped_order_on_terms_releases_its_exposure_and_opens_no_receivable()
    {
        await using var oms = await CreditOms.StartAsync();
        await oms.SeedAsync(creditLimit: 10_000);
        await oms.PlaceAsync("1", 4);
        Assert.Equal(4_000, (await oms.AccountAsync()).OpenExposureMinor);

        var cancelled = await oms.Order("1").CancelAsync("changed mind");

        Assert.Equal((OrderStatus.Cancelled, 0L, 0L), (cancelled.Status, cancelled.InvoicedMinor, cancelled.BalanceDueMinor));
        var account = await oms.AccountAsync();
        Assert.Equal((0L, 0L), (account.OpenExposureMinor, account.OpenReceivablesMinor));
    }

    [Fact]
    public async Task Return_after_a_partial_payment_lowers_the_balance_and_only_the_rest_is_owed_back()
    {
        await using var oms = await CreditOms.StartAsync();
        await oms.SeedAsync(creditLimit: 10_000);
        await oms.CompleteAsync("1", 5);
        await oms.Order("1").ConfirmPaymentAsync(new ConfirmPaymentCommand("pay-1", 3_500));

        var rma = (await oms.Order("1").RequestReturnAsync(new RequestReturnCommand("r1", [new LineQuantity("SKU-1", 2)], "damaged"))).Returns.Single().RmaId;
        var returned = await oms.Order("1").ReceiveReturnAsync(new ReceiveReturnCommand(rma, "BER", [new ReturnedLine("SKU-1", 2, ItemCondition.Damaged)]));

        Assert.Equal((OrderStatus.PartiallyReturned, 0L), (returned.Status, returned.BalanceDueMinor));
        Assert.Equal(2_000, returned.Refunds.Single().AmountMinor);
        Assert.Equal(0, (await oms.AccountAsync()).OpenReceivablesMinor);
    }

    [Fact]
    public async Task Customer_payment_terms_must_be_net_days()
    {
        await using var oms = await CreditOms.StartAsync();

        var error = await Assert.ThrowsAsync<DomainValidationException>(() =>
            oms.Customer.UpsertAsync(new CustomerProfile("c1", "C", "b2b", 0, false, "NET_ZERO")));

        Assert.Equal("payment_terms", error.Field);
        Assert.Equal("NET_45", (await oms.Customer.UpsertAsync(new CustomerProfile("c1", "C", "b2b", 0, false, "NET_45"))).PaymentTerms);
    }

    [Fact]
    public void State_and_events_written_before_credit_sales_open_as_cash_sales_without_receivables()
    {
        var account = JsonSerializer.Deserialize<CustomerAccountState>(
            """{"Profile":{"CustomerId":"c1","Name":"C","Tier":"gold","CreditLimitMinor":500,"Blocked":false},"Exposures":{"web:1":{"AmountMinor":300,"Decision":1}},"OpenExposureMinor":300}""",
            OrderGrainsStorage.SerializerOptions)!;
        var order = JsonSerializer.Deserialize<OrderState>("""{"OrderId":"web:1","Status":3,"TotalMinor":300,"PaidMinor":300,"PaymentReference":"p1"}""", OrderGrainsStorage.SerializerOptions)!;
        var paid = JsonSerializer.Deserialize<OrderEvent>(
            """{"OrderId":"web:1","Version":2,"Kind":2,"Channel":"web","CustomerId":"c1","Currency":"EUR","TotalMinor":300,"AmountMinor":300,"Paid":true,"Lines":[],"At":"2026-12-01T09:00:00+00:00","Reference":"paid"}""",
            OrderGrainsStorage.SerializerOptions)!;

        Assert.Null(account.Profile!.PaymentTerms);
        Assert.Empty(account.Receivables);
        Assert.Equal((0, 0L, false), (order.PaymentTermDays, OrderMoney.BalanceDue(order), order.ReceivableDirty));
        Assert.Empty(order.Payments);
        Assert.Equal((0L, (DateTimeOffset?)null), (paid.ReceivableMinor, paid.DueAt));
    }

    [Theory]
    [InlineData(0, AgeingBucket.Current)]
    [InlineData(1, AgeingBucket.Overdue1To30)]
    [InlineData(30, AgeingBucket.Overdue1To30)]
    [InlineData(31, AgeingBucket.Overdue31To60)]
    [InlineData(60, AgeingBucket.Overdue31To60)]
    [InlineData(61, AgeingBucket.OverdueOver60)]
    public void Buckets_follow_whole_days_overdue(int days, AgeingBucket bucket) =>
        Assert.Equal(bucket, ReceivableAgeing.BucketOf(days));

    [Fact]
    public void A_started_day_past_due_counts_as_a_day_overdue()
    {
        var due = new DateTimeOffset(2026, 12, 1, 10, 0, 0, TimeSpan.Zero);
        Assert.Equal(0, ReceivableAgeing.DaysOverdue(due, due));
        Assert.Equal(1, ReceivableAgeing.DaysOverdue(due, due.AddMinutes(1)));
        Assert.Equal(30, ReceivableAgeing.DaysOverdue(due, due.AddDays(30)));
        Assert.Equal(31, ReceivableAgeing.DaysOverdue(due, due.AddDays(30).AddSeconds(1)));
    }

    /// <summary>
    /// The fake's wall-clock time with real timers and timestamps: Orleans resolves the same TimeProvider, and its timers
    /// (membership, grain collection) must neither stand still nor all fire when the test moves the date by weeks.
    /// </summary>
    private sealed class WallClockOf(FakeTimeProvider fake) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => fake.GetUtcNow();
    }

    /// <summary>The order domain on a fake clock, with one warehouse, SKU-1 at <see cref="Price"/> and customer c1 on NET_30.</summary>
    private sealed class CreditOms(TestSilo silo, FakeTimeProvider clock) : IAsyncDisposable
    {
        public FakeTimeProvider Clock { get; } = clock;

        public IGrainFactory Grains => silo.GrainFactory;

        public ICustomerAccountGrain Customer => Grains.GetGrain<ICustomerAccountGrain>("c1");

        public static async Task<CreditOms> StartAsync(Action<OrderOptions>? configure = null)
        {
            var clock = new FakeTimeProvider(new DateTimeOffset(2026, 12, 1, 9, 0, 0, TimeSpan.Zero));
            var silo = await TestSilo.StartAsync(TestStorage.Memory(), b => b.AddOrderDomain(configure), services => services.AddSingleton<TimeProvider>(new WallClockOf(clock)));
            return new CreditOms(silo, clock);
        }

        public async Task SeedAsync(long creditLimit, int units = 20)
        {
            await Grains.GetGrain<IWarehouseGrain>("BER").UpsertAsync(new WarehouseInfo("BER", "Berlin", Oms.BerlinWarehouse.Lat, Oms.BerlinWarehouse.Lon, true));
            await Grains.GetGrain<ISkuStockGrain>("SKU-1").SetStockAsync(new SetStockCommand("BER", units, "seed"));
            await Customer.UpsertAsync(new CustomerProfile("c1", "Dealer", "b2b", creditLimit, false, "NET_30"));
        }

        public IOrderGrain Order(string externalId) => Grains.GetGrain<IOrderGrain>(OrderIds.For("web", externalId));

        public Task<PlaceOrderResult> PlaceAsync(string externalId, int quantity) =>
            Order(externalId).PlaceAsync(new PlaceOrderCommand("web", externalId, "c1", [new OrderLine("SKU-1", quantity, Price)], Oms.Berlin, null, "EUR"));

        public Task<CustomerAccount> AccountAsync() => Customer.GetAsync();

        /// <summary>Places, releases, ships and delivers an order on terms: it completes and is invoiced.</summary>
        public async Task<OrderSnapshot> CompleteAsync(string externalId, int quantity)
        {
            var placed = (await PlaceAsync(externalId, quantity)).Order;
            Assert.Equal(OrderStatus.PendingPayment, placed.Status);
            await Order(externalId).ReleaseAsync("ops");
            await Order(externalId).ReportShipmentAsync(new ReportShipmentCommand("BER", "s-" + externalId, [new LineQuantity("SKU-1", quantity)], "DHL", externalId));
            var completed = await Order(externalId).ConfirmDeliveryAsync("s-" + externalId);
            Assert.Equal(OrderStatus.Completed, completed.Status);
            return completed;
        }

        public ValueTask DisposeAsync() => silo.DisposeAsync();
    }
}
