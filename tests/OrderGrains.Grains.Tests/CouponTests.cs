using OrderGrains.Abstractions;
using OrderGrains.Testing;

namespace OrderGrains.Grains.Tests;

/// <summary>Coupons on real grains: redemption with the order, limits, give-back, and the quota under a spike.</summary>
public sealed class CouponTests
{
    private static PlaceOrderCommand Place(string externalId, string customerId, string? coupon, long unitPrice = 1_000) =>
        new("web", externalId, customerId, [new OrderLine("SKU-1", 1, unitPrice)], Oms.Berlin, null, "EUR", coupon);

    internal static async Task CouponAsync(IGrainFactory grains, string code, int quota, int perCustomerLimit = 0, string promotionId = "vip")
    {
        await grains.GetGrain<IPromotionCatalogGrain>(IPromotionCatalogGrain.Key).UpsertPromotionAsync(PromotionEngineTests.Percent(promotionId, 2_000, "SKU-1", "HOT") with { CouponOnly = true });
        await grains.GetGrain<ICouponGrain>(code).UpsertAsync(new CouponDefinition(code, promotionId, quota, perCustomerLimit, null, null));
    }

    [Fact]
    public async Task A_coupon_discounts_the_order_and_the_same_order_placed_twice_redeems_once()
    {
        await using var oms = await AfterSaleOms.StartAsync();
        await CouponAsync(oms.Grains, "SAVE20", quota: 5);

        var first = await oms.Order("1").PlaceAsync(Place("1", "c1", "SAVE20"));
        var again = await oms.Order("1").PlaceAsync(Place("1", "c1", "SAVE20"));

        Assert.Equal(OrderStatus.PendingPayment, first.Order.Status);
        Assert.Equal((800L, 200L, "SAVE20"), (first.Order.TotalMinor, first.Order.DiscountMinor, first.Order.CouponCode));
        Assert.Equal(["vip"], first.Order.Lines[0].PromotionIds!);
        Assert.True(again.Duplicate);
        Assert.Equal(1, (await oms.Grains.GetGrain<ICouponGrain>("SAVE20").GetAsync()).Redeemed);
        await Assert.ThrowsAsync<IdempotencyConflictException>(() => oms.Order("1").PlaceAsync(Place("1", "c1", null)));
    }

    [Fact]
    public async Task Quota_and_per_customer_limit_reject_and_a_cancelled_or_rejected_order_gives_its_redemption_back()
    {
        await using var oms = await AfterSaleOms.StartAsync();
        await oms.Grains.GetGrain<ICustomerAccountGrain>("c2").UpsertAsync(new CustomerProfile("c2", "Bo", "gold", 0, false));
        await CouponAsync(oms.Grains, "ONCE", quota: 2, perCustomerLimit: 1);
        var coupon = oms.Grains.GetGrain<ICouponGrain>("ONCE");

        var a = (await oms.Order("a").PlaceAsync(Place("a", "c1", "ONCE"))).Order;
        var b = (await oms.Order("b").PlaceAsync(Place("b", "c1", "ONCE"))).Order;
        var c = (await oms.Order("c").PlaceAsync(Place("c", "c2", "ONCE"))).Order;
        var d = (await oms.Order("d").PlaceAsync(Place("d", "c2", "ONCE") with { Lines = [new OrderLine("NO-SUCH-SKU", 1, 100)] })).Order;

        Assert.Equal(OrderStatus.PendingPayment, a.Status);
        Assert.Equal(RejectReason.CouponLimitExceeded, b.RejectReason);
        Assert.Equal(OrderStatus.PendingPayment, c.Status);
        Assert.Equal(RejectReason.CouponLimitExceeded, d.RejectReason);
        Assert.Equal(2, (await coupon.GetAsync()).Redeemed);

        await oms.Order("a").CancelAsync("changed my mind");
        Assert.Equal(1, (await coupon.GetAsync()).Redeemed);
        var e = (await oms.Order("e").PlaceAsync(Place("e", "c1", "ONCE"))).Order;
        Assert.Equal(OrderStatus.PendingPayment, e.Status);
        Assert.Equal((2, 0), ((await coupon.GetAsync()).Redeemed, (await coupon.GetAsync()).Remaining));
    }

    [Fact]
    public async Task An_order_rejected_after_redeeming_gives_the_coupon_back()
    {
        await using var oms = await AfterSaleOms.StartAsync();
        await CouponAsync(oms.Grains, "ONE", quota: 1);

        var rejected = (await oms.Order("big").PlaceAsync(Place("big", "c1", "ONE") with { Lines = [new OrderLine("SKU-1", 5_000, 1_000)] })).Order;

        Assert.Equal(RejectReason.OutOfStock, rejected.RejectReason);
        Assert.Equal(0, (await oms.Grains.GetGrain<ICouponGrain>("ONE").GetAsync()).Redeemed);
    }

    [Fact]
    public async Task An_unknown_coupon_is_not_found_and_leaves_no_order_and_a_coupon_that_gives_nothing_is_not_active()
    {
        await using var oms = await AfterSaleOms.StartAsync();
        await CouponAsync(oms.Grains, "HOTONLY", quota: 5);
        await oms.Grains.GetGrain<ISkuStockGrain>("SKU-9").SetStockAsync(new SetStockCommand("BER", 10, "seed"));

        var unknown = await Assert.ThrowsAsync<NotFoundException>(() => oms.Order("x").PlaceAsync(Place("x", "c1", "NOPE")));
        var useless = (await oms.Order("y").PlaceAsync(Place("y", "c1", "HOTONLY") with { Lines = [new OrderLine("SKU-9", 1, 100)] })).Order;

        Assert.Equal(("coupon", "NOPE"), (unknown.Entity, unknown.Id));
        await Assert.ThrowsAsync<NotFoundException>(() => oms.Order("x").GetAsync());
        Assert.Equal(RejectReason.CouponNotActive, useless.RejectReason);
        Assert.Equal(0, (await oms.Grains.GetGrain<ICouponGrain>("HOTONLY").GetAsync()).Redeemed);
    }

    [Fact]
    public async Task A_coupon_must_name_a_coupon_only_promotion()
    {
        await using var oms = await AfterSaleOms.StartAsync();
        await oms.Grains.GetGrain<IPromotionCatalogGrain>(IPromotionCatalogGrain.Key).UpsertPromotionAsync(PromotionEngineTests.Percent("open", 1_000, "SKU-1"));

        var missing = await Assert.ThrowsAsync<DomainValidationException>(() => oms.Grains.GetGrain<ICouponGrain>("A").UpsertAsync(new CouponDefinition("A", "nope", 1, 0, null, null)));
        var open = await Assert.ThrowsAsync<DomainValidationException>(() => oms.Grains.GetGrain<ICouponGrain>("A").UpsertAsync(new CouponDefinition("A", "open", 1, 0, null, null)));
        var quota = await Assert.ThrowsAsync<DomainValidationException>(() => oms.Grains.GetGrain<ICouponGrain>("A").UpsertAsync(new CouponDefinition("A", "open", -1, 0, null, null)));

        Assert.Equal(("promotion_id", "promotion_id", "quota"), (missing.Field, open.Field, quota.Field));
        Assert.Contains("no promotion 'nope'", missing.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_order_that_expires_unpaid_gives_its_redemption_back()
    {
        await using var oms = await Oms.StartAsync(configure: o =>
        {
            o.ReservationTimeout = TimeSpan.FromSeconds(1);
            o.ExpiryRetryPeriod = TimeSpan.FromMilliseconds(200);
        });
        await oms.SeedSimpleAsync(units: 10);
        await CouponAsync(oms.Grains, "BRIEF", quota: 1);
        var placed = (await oms.PlaceAsync(Place("1", "c1", "BRIEF"))).Order;
        Assert.Equal(1, (await oms.Grains.GetGrain<ICouponGrain>("BRIEF").GetAsync()).Redeemed);

        await Oms.WaitUntilAsync(async () => (await oms.Order("1").GetAsync()).Status == OrderStatus.Cancelled, TimeSpan.FromSeconds(10));

        Assert.Equal(OrderStatus.PendingPayment, placed.Status);
        Assert.Equal(0, (await oms.Grains.GetGrain<ICouponGrain>("BRIEF").GetAsync()).Redeemed);
    }

    [Fact]
    public async Task A_coupon_outside_its_window_rejects_with_COUPON_NOT_ACTIVE()
    {
        await using var oms = await AfterSaleOms.StartAsync();
        await CouponAsync(oms.Grains, "SOON", quota: 5);
        await oms.Grains.GetGrain<ICouponGrain>("SOON").UpsertAsync(new CouponDefinition("SOON", "vip", 5, 0, AfterSaleOms.Start.AddDays(1), null));

        var early = (await oms.Order("early").PlaceAsync(Place("early", "c1", "SOON"))).Order;
        oms.Clock.Advance(TimeSpan.FromDays(2));
        var onTime = (await oms.Order("on-time").PlaceAsync(Place("on-time", "c1", "SOON"))).Order;

        Assert.Equal((OrderStatus.Rejected, RejectReason.CouponNotActive), (early.Status, early.RejectReason));
        Assert.Equal((OrderStatus.PendingPayment, 800L), (onTime.Status, onTime.TotalMinor));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public async Task Coupon_quota_holds_under_1000_parallel_placements(short silos)
    {
        await using var oms = await Oms.StartAsync(silos: silos);
        await oms.WarehouseAsync("BER", Oms.BerlinWarehouse);
        await oms.StockAsync("HOT", "BER", 5_000);
        for (var c = 0; c < 50; c++)
        {
            await oms.CustomerAsync($"c{c}");
        }

        await CouponAsync(oms.Grains, "SPIKE", quota: 100, perCustomerLimit: 3);

        var results = await Task.WhenAll(Enumerable.Range(0, 1_000).Select(i =>
            oms.PlaceAsync(new PlaceOrderCommand("web", $"spike-{i}", $"c{i % 50}", [new OrderLine("HOT", 1, 1_000)], Oms.Berlin, null, "EUR", "SPIKE"))));

        var accepted = results.Where(r => r.Order.Status == OrderStatus.PendingPayment).ToList();
        Assert.Equal(100, accepted.Count);
        Assert.Equal(900, results.Count(r => r.Order is { Status: OrderStatus.Rejected, RejectReason: RejectReason.CouponLimitExceeded }));
        Assert.All(accepted, r => Assert.Equal(800, r.Order.TotalMinor));
        Assert.All(accepted.GroupBy(r => r.Order.CustomerId), g => Assert.InRange(g.Count(), 1, 3));
        var coupon = await oms.Grains.GetGrain<ICouponGrain>("SPIKE").GetAsync();
        Assert.Equal((100, 0), (coupon.Redeemed, coupon.Remaining));
        Assert.Equal(100, (await oms.AvailabilityAsync("HOT")).Reserved);

        // Cancelling gives redemptions back, exactly once each, even when cancelled twice at once.
        await Task.WhenAll(accepted.Take(10).SelectMany(r => new[] { oms.Grains.GetGrain<IOrderGrain>(r.Order.OrderId).CancelAsync("x"), oms.Grains.GetGrain<IOrderGrain>(r.Order.OrderId).CancelAsync("x") }));
        Assert.Equal(90, (await oms.Grains.GetGrain<ICouponGrain>("SPIKE").GetAsync()).Redeemed);
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task Prices_promotions_coupon_redemptions_and_priced_lines_survive_a_restart(string storageKind)
    {
        await using var storage = TestStorage.Create(storageKind);
        OrderSnapshot placed;
        await using (var first = await AfterSaleOms.StartAsync(storage: storage))
        {
            await first.Grains.GetGrain<IPriceListGrain>("SKU-1").SetAsync(new SetListPriceCommand("EUR", 1_000, "s1"));
            await CouponAsync(first.Grains, "KEEP", quota: 1);
            placed = (await first.Order("r").PlaceAsync(Place("r", "c1", "KEEP"))).Order;
            Assert.Equal(800, placed.TotalMinor);
            Assert.Equal(["vip"], placed.Lines[0].PromotionIds!);
        }

        await using var second = await AfterSaleOms.StartAsync(storage: storage);

        Oms.AssertSameOrder(placed, await second.Order("r").GetAsync());
        Assert.Equal(1_000, (await second.Grains.GetGrain<IPriceListGrain>("SKU-1").GetAsync()).PriceIn("EUR"));
        Assert.Equal(1, (await second.Grains.GetGrain<ICouponGrain>("KEEP").GetAsync()).Redeemed);
        var late = (await second.Order("s").PlaceAsync(Place("s", "c1", "KEEP"))).Order;
        Assert.Equal(RejectReason.CouponLimitExceeded, late.RejectReason);
        await second.Order("r").CancelAsync("restarted");
        Assert.Equal(0, (await second.Grains.GetGrain<ICouponGrain>("KEEP").GetAsync()).Redeemed);
    }
}
