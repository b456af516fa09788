using OrderGrains.Abstractions;
using OrderGrains.Testing;

namespace OrderGrains.Grains.Tests;

/// <summary>Price lists, promotions and the price check on real grains.</summary>
public sealed class PricingTests
{
    private static PlaceOrderCommand Place(string externalId, long unitPrice, int quantity = 1, string channel = "web", string sku = "SKU-1", string? coupon = null) =>
        new(channel, externalId, "c1", [new OrderLine(sku, quantity, unitPrice)], Oms.Berlin, null, "EUR", coupon);

    private static Task<SkuPriceList> SetPriceAsync(AfterSaleOms oms, long price, string syncId, string sku = "SKU-1", string currency = "EUR") =>
        oms.Grains.GetGrain<IPriceListGrain>(sku).SetAsync(new SetListPriceCommand(currency, price, syncId));

    [Fact]
    public async Task A_price_sync_is_absolute_and_a_replayed_sync_id_does_not_overwrite_a_newer_price()
    {
        await using var oms = await AfterSaleOms.StartAsync();

        await SetPriceAsync(oms, 1_000, "s1");
        await SetPriceAsync(oms, 1_200, "s2");
        var replayed = await SetPriceAsync(oms, 1_000, "s1");
        await SetPriceAsync(oms, 99, "s3", currency: "USD");

        Assert.Equal(1_200, replayed.PriceIn("EUR"));
        var prices = await oms.Grains.GetGrain<IPriceListGrain>("SKU-1").GetAsync();
        Assert.Equal([new ListPrice("EUR", 1_200), new ListPrice("USD", 99)], prices.Prices);
        var removed = await SetPriceAsync(oms, 0, "s4", currency: "USD");
        Assert.Null(removed.PriceIn("USD"));
    }

    [Theory]
    [InlineData("EURO", 100, "x", "currency")]
    [InlineData("EUR", -1, "x", "list_price_minor")]
    [InlineData("EUR", 100, " ", "sync_id")]
    public async Task A_bad_price_sync_names_the_field(string currency, long price, string syncId, string field)
    {
        await using var oms = await AfterSaleOms.StartAsync();

        var error = await Assert.ThrowsAsync<DomainValidationException>(() => oms.Grains.GetGrain<IPriceListGrain>("SKU-1").SetAsync(new SetListPriceCommand(currency, price, syncId)));

        Assert.Equal(field, error.Field);
    }

    [Fact]
    public async Task A_line_below_its_list_price_is_rejected_with_PRICE_MISMATCH_and_nothing_stays_reserved()
    {
        await using var oms = await AfterSaleOms.StartAsync();
        await SetPriceAsync(oms, 1_000, "s1");

        var cheap = await oms.Order("cheap").PlaceAsync(Place("cheap", 999, quantity: 2));

        Assert.Equal((OrderStatus.Rejected, RejectReason.PriceMismatch), (cheap.Order.Status, cheap.Order.RejectReason));
        Assert.Equal(0, (await oms.Grains.GetGrain<ISkuStockGrain>("SKU-1").GetAvailabilityAsync()).Reserved);
        Assert.Equal(0, (await oms.Grains.GetGrain<ICustomerAccountGrain>("c1").GetAsync()).OpenExposureMinor);
    }

    [Fact]
    public async Task At_or_above_the_list_price_the_order_is_charged_the_list_price_and_a_SKU_without_one_the_channel_price()
    {
        await using var oms = await AfterSaleOms.StartAsync();
        await SetPriceAsync(oms, 1_000, "s1");

        var listed = (await oms.Order("listed").PlaceAsync(Place("listed", 1_050, quantity: 2))).Order;
        var unlisted = (await oms.Order("unlisted").PlaceAsync(Place("unlisted", 7, sku: "SKU-1", channel: "web") with { Currency = "USD" })).Order;

        Assert.Equal(OrderStatus.PendingPayment, listed.Status);
        Assert.Equal((1_000L, 1_000L, 2_000L), (listed.Lines[0].UnitPriceMinor, listed.Lines[0].ListPriceMinor, listed.TotalMinor));
        Assert.Equal(OrderStatus.PendingPayment, unlisted.Status);
        Assert.Equal(7, unlisted.TotalMinor);
    }

    [Fact]
    public async Task With_the_channel_setting_Hold_a_mismatch_is_held_for_PRICE_REVIEW_and_a_reviewer_can_approve_it()
    {
        await using var oms = await AfterSaleOms.StartAsync(new Dictionary<string, string?> { ["OrderGrains:Pricing:Channels:pos:PriceMismatch"] = "Hold" });
        await SetPriceAsync(oms, 1_000, "s1");

        var held = (await oms.Order("p1", "pos").PlaceAsync(Place("p1", 800, channel: "pos"))).Order;
        var web = (await oms.Order("w1").PlaceAsync(Place("w1", 800))).Order;

        Assert.Equal((OrderStatus.OnHold, HoldReason.PriceReview), (held.Status, held.HoldReason));
        Assert.Contains("SKU-1 at 800 EUR is below 1000", held.HoldDetails, StringComparison.Ordinal);
        Assert.Equal(1_000, held.TotalMinor);
        Assert.Equal(RejectReason.PriceMismatch, web.RejectReason);
        var approved = await oms.Order("p1", "pos").ApproveHoldAsync(Oms.Reviewer("rita"));
        Assert.Equal(OrderStatus.PendingPayment, approved.Status);
    }

    [Fact]
    public async Task Wrong_pricing_settings_stop_start_up_naming_the_key()
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(() => TestSilo.StartAsync(
            TestStorage.Memory(),
            b => b.AddOrderDomain(),
            settings: new Dictionary<string, string?> { ["OrderGrains:Pricing:Channels:pos:PriceMismatch"] = "Maybe" }));

        Assert.Contains("OrderGrains:Pricing:Channels:pos:PriceMismatch is 'Maybe'", Messages(error), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Promotions_price_the_order_and_each_line_shows_list_discount_paid_and_promotion_ids()
    {
        await using var oms = await AfterSaleOms.StartAsync();
        await oms.Grains.GetGrain<ISkuStockGrain>("SKU-2").SetStockAsync(new SetStockCommand("BER", 100, "seed"));
        await SetPriceAsync(oms, 20_000, "s1");
        await SetPriceAsync(oms, 15_000, "s2", sku: "SKU-2");
        var catalog = oms.Grains.GetGrain<IPromotionCatalogGrain>(IPromotionCatalogGrain.Key);
        await catalog.UpsertPromotionAsync(PromotionEngineTests.Percent("ten", 1_000, "SKU-1"));
        await catalog.UpsertPromotionAsync(PromotionEngineTests.Threshold("mj", 3_000, 30_000));

        var order = (await oms.Order("promo").PlaceAsync(new PlaceOrderCommand("web", "promo", "c1", [new OrderLine("SKU-1", 1, 20_000), new OrderLine("SKU-2", 1, 15_000)], Oms.Berlin, null, "EUR"))).Order;

        // 18,000 + 15,000 = 33,000 after 10% on SKU-1; 30.00 off every 300.00: 3,000 spread 18:15 = 1,636.36 / 1,363.64,
        // the extra unit to the larger remainder (SKU-2): 1,636 / 1,364.
        Assert.Equal(OrderStatus.PendingPayment, order.Status);
        Assert.Equal(30_000, order.TotalMinor);
        Assert.Equal(5_000, order.DiscountMinor);
        Assert.Equal([20_000L, 15_000L], order.Lines.Select(l => l.ListPriceMinor));
        Assert.Equal([3_636L, 1_364L], order.Lines.Select(OrderLines.Discount));
        Assert.Equal([16_364L, 13_636L], order.Lines.Select(OrderLines.Paid));
        Assert.Equal(["ten", "mj"], order.Lines[0].PromotionIds!);
        Assert.Equal(["mj"], order.Lines[1].PromotionIds!);
        Assert.Equal(30_000, (await oms.Grains.GetGrain<ICustomerAccountGrain>("c1").GetAsync()).OpenExposureMinor);
        var paid = await oms.Order("promo").ConfirmPaymentAsync(new ConfirmPaymentCommand("pay", 30_000));
        Assert.Equal(OrderStatus.Paid, paid.Status);
    }

    [Fact]
    public async Task Bad_promotions_and_overlapping_stacking_rules_name_the_field()
    {
        await using var oms = await AfterSaleOms.StartAsync();
        var catalog = oms.Grains.GetGrain<IPromotionCatalogGrain>(IPromotionCatalogGrain.Key);
        await catalog.UpsertStackingRuleAsync(new StackingRuleDefinition("r1", StackingMode.Exclusive, ["a", "b"]));

        var negative = await Assert.ThrowsAsync<DomainValidationException>(() => catalog.UpsertPromotionAsync(PromotionEngineTests.Percent("p", -5, "SKU-1")));
        var over = await Assert.ThrowsAsync<DomainValidationException>(() => catalog.UpsertPromotionAsync(PromotionEngineTests.Percent("p", 10_001, "SKU-1")));
        var overlap = await Assert.ThrowsAsync<DomainValidationException>(() => catalog.UpsertStackingRuleAsync(new StackingRuleDefinition("r2", StackingMode.Exclusive, ["c", "b"])));
        var lonely = await Assert.ThrowsAsync<DomainValidationException>(() => catalog.UpsertStackingRuleAsync(new StackingRuleDefinition("r3", StackingMode.Exclusive, ["c"])));

        Assert.Equal("percent_basis_points", negative.Field);
        Assert.Equal("percent_basis_points", over.Field);
        Assert.Equal("promotion_ids[1]", overlap.Field);
        Assert.Contains("already in stacking rule 'r1'", overlap.Message, StringComparison.Ordinal);
        Assert.Equal("promotion_ids", lonely.Field);
        var stored = await catalog.GetAsync();
        Assert.Empty(stored.Promotions);
        Assert.Single(stored.StackingRules);
        // Replacing a rule by its own id may keep its members.
        await catalog.UpsertStackingRuleAsync(new StackingRuleDefinition("r1", StackingMode.Exclusive, ["a", "b", "c"]));
    }

    [Fact]
    public async Task A_disabled_promotion_stops_applying_to_later_orders()
    {
        await using var oms = await AfterSaleOms.StartAsync();
        var catalog = oms.Grains.GetGrain<IPromotionCatalogGrain>(IPromotionCatalogGrain.Key);
        await catalog.UpsertPromotionAsync(PromotionEngineTests.Percent("half", 5_000, "SKU-1"));
        var before = (await oms.Order("a").PlaceAsync(Place("a", 1_000))).Order;

        await catalog.UpsertPromotionAsync(PromotionEngineTests.Percent("half", 5_000, "SKU-1") with { Enabled = false });
        var after = (await oms.Order("b").PlaceAsync(Place("b", 1_000))).Order;

        Assert.Equal((500L, 1_000L), (before.TotalMinor, after.TotalMinor));
    }

    [Fact]
    public async Task Once_a_silo_has_read_them_prices_and_promotions_cost_orders_no_grain_call_and_changes_on_the_silo_show_at_once()
    {
        var counter = new PricingCallCounter();
        await using var silo = await TestSilo.StartAsync(
            TestStorage.Memory(),
            b => b.AddOrderDomain().AddIncomingGrainCallFilter(counter),
            settings: new Dictionary<string, string?> { ["OrderGrains:Pricing:CacheDuration"] = "00:10:00" });
        await silo.GrainFactory.GetGrain<IWarehouseGrain>("BER").UpsertAsync(new WarehouseInfo("BER", "Berlin", Oms.BerlinWarehouse.Lat, Oms.BerlinWarehouse.Lon, true));
        await silo.GrainFactory.GetGrain<ISkuStockGrain>("SKU-1").SetStockAsync(new SetStockCommand("BER", 1_000, "seed"));
        await silo.GrainFactory.GetGrain<ICustomerAccountGrain>("c1").UpsertAsync(new CustomerProfile("c1", "Ada", "gold", 0, false));
        IOrderGrain Order(string id) => silo.GrainFactory.GetGrain<IOrderGrain>(OrderIds.For("web", id));

        await Order("warm").PlaceAsync(Place("warm", 1_000));
        var afterFirst = counter.Snapshot();
        await Task.WhenAll(Enumerable.Range(0, 50).Select(i => Order($"o{i}").PlaceAsync(Place($"o{i}", 1_000))));

        Assert.Equal((1, 1), afterFirst);
        Assert.Equal(afterFirst, counter.Snapshot());

        await silo.GrainFactory.GetGrain<IPromotionCatalogGrain>(IPromotionCatalogGrain.Key).UpsertPromotionAsync(PromotionEngineTests.Percent("ten", 1_000, "SKU-1"));
        await silo.GrainFactory.GetGrain<IPriceListGrain>("SKU-1").SetAsync(new SetListPriceCommand("EUR", 2_000, "s1"));
        var calls = counter.Snapshot();
        var discounted = (await Order("after").PlaceAsync(Place("after", 1_800))).Order;

        Assert.Equal(1_800, discounted.TotalMinor);
        Assert.Equal(calls, counter.Snapshot());
    }

    /// <summary>Counts calls that reach the price-list and promotion-catalog grains.</summary>
    private sealed class PricingCallCounter : IIncomingGrainCallFilter
    {
        private int _prices;
        private int _catalog;

        public (int Prices, int Catalog) Snapshot() => (Volatile.Read(ref _prices), Volatile.Read(ref _catalog));

        public Task Invoke(IIncomingGrainCallContext context)
        {
            if (context.Grain is PriceListGrain && context.MethodName == nameof(IPriceListGrain.GetAsync))
            {
                Interlocked.Increment(ref _prices);
            }
            else if (context.Grain is PromotionCatalogGrain && context.MethodName == nameof(IPromotionCatalogGrain.GetAsync))
            {
                Interlocked.Increment(ref _catalog);
            }

            return context.Invoke();
        }
    }

    internal static string Messages(Exception? error) => error is null ? string.Empty : error.Message + "\n" + Messages(error.InnerException) +
        (error is AggregateException aggregate ? string.Join("\n", aggregate.InnerExceptions.Select(Messages)) : string.Empty);
}
