using OrderGrains.Abstractions;

namespace OrderGrains.Grains.Tests;

public sealed class RejectionTests
{
    [Fact]
    public async Task Out_of_stock_rejects_and_leaves_nothing_reserved()
    {
        await using var oms = await Oms.StartAsync();
        await oms.SeedSimpleAsync(units: 2);

        var result = await oms.PlaceAsync("1", "c1", new OrderLine("SKU-1", 3, 100));

        AssertRejected(result, RejectReason.OutOfStock);
        Assert.Equal(0, (await oms.AvailabilityAsync("SKU-1")).Reserved);
        Assert.Equal(0, (await oms.AccountAsync("c1")).OpenExposureMinor);
    }

    [Fact]
    public async Task Sku_never_given_stock_rejects_as_unknown_sku_and_releases_other_lines()
    {
        await using var oms = await Oms.StartAsync();
        await oms.SeedSimpleAsync(units: 5);

        var result = await oms.PlaceAsync("1", "c1", new OrderLine("SKU-1", 1, 100), new OrderLine("NOPE", 1, 100));

        AssertRejected(result, RejectReason.UnknownSku);
        Assert.Equal(0, (await oms.AvailabilityAsync("SKU-1")).Reserved);
        await Assert.ThrowsAsync<NotFoundException>(() => oms.AvailabilityAsync("NOPE"));
    }

    [Fact]
    public async Task Blocked_customer_is_rejected_and_nothing_is_reserved()
    {
        await using var oms = await Oms.StartAsync();
        await oms.SeedSimpleAsync(units: 5);
        await oms.CustomerAsync("bad", blocked: true);

        var result = await oms.PlaceAsync("1", "bad", new OrderLine("SKU-1", 1, 100));

        AssertRejected(result, RejectReason.CustomerBlocked);
        Assert.Equal(0, (await oms.AvailabilityAsync("SKU-1")).Reserved);
        Assert.Equal(0, (await oms.AccountAsync("bad")).OpenExposureMinor);
    }

    [Theory]
    [InlineData("not started")]
    [InlineData("ended")]
    [InlineData("other sku")]
    [InlineData("unknown campaign")]
    public async Task Inactive_campaign_rejects_as_campaign_not_active(string situation)
    {
        await using var oms = await Oms.StartAsync();
        await oms.SeedSimpleAsync(units: 5);
        var now = DateTimeOffset.UtcNow;
        var campaign = situation switch
        {
            "not started" => Campaign("SKU-1", now.AddHours(1), now.AddHours(2)),
            "ended" => Campaign("SKU-1", now.AddHours(-2), now.AddSeconds(-1)),
            "other sku" => Campaign("SKU-9", now.AddHours(-1), now.AddHours(1)),
            _ => null,
        };
        if (campaign is not null)
        {
            await oms.Grains.GetGrain<ICampaignGrain>("flash").UpsertAsync(campaign);
        }

        var result = await oms.PlaceAsync(Oms.Command("1", "c1", new OrderLine("SKU-1", 1, 100)) with { CampaignId = "flash" });

        AssertRejected(result, RejectReason.CampaignNotActive);
        Assert.Equal(0, (await oms.AvailabilityAsync("SKU-1")).Reserved);
    }

    [Fact]
    public async Task Campaign_quota_exceeded_rejects_and_leaves_nothing_reserved()
    {
        await using var oms = await Oms.StartAsync();
        await oms.SeedSimpleAsync(units: 50);
        await oms.CustomerAsync("c2");
        var now = DateTimeOffset.UtcNow;
        await oms.Grains.GetGrain<ICampaignGrain>("flash").UpsertAsync(Campaign("SKU-1", now.AddHours(-1), now.AddHours(1), quota: 3));

        var first = await oms.PlaceAsync(Oms.Command("1", "c1", new OrderLine("SKU-1", 2, 100)) with { CampaignId = "flash" });
        var second = await oms.PlaceAsync(Oms.Command("2", "c2", new OrderLine("SKU-1", 2, 100)) with { CampaignId = "flash" });

        Assert.Equal(OrderStatus.PendingPayment, first.Order.Status);
        AssertRejected(second, RejectReason.CampaignLimitExceeded);
        Assert.Equal(2, (await oms.AvailabilityAsync("SKU-1")).Reserved);
        Assert.Equal(2, (await oms.Grains.GetGrain<ICampaignGrain>("flash").GetAsync()).Taken);
        Assert.Equal(0, (await oms.AccountAsync("c2")).OpenExposureMinor);
    }

    [Fact]
    public async Task Campaign_price_replaces_the_unit_price_of_the_campaign_sku_only()
    {
        await using var oms = await Oms.StartAsync();
        await oms.SeedSimpleAsync(units: 50);
        await oms.StockAsync("SKU-2", "BER", 5);
        var now = DateTimeOffset.UtcNow;
        await oms.Grains.GetGrain<ICampaignGrain>("flash").UpsertAsync(Campaign("SKU-1", now.AddHours(-1), now.AddHours(1)));

        var result = await oms.PlaceAsync(Oms.Command("1", "c1", new OrderLine("SKU-1", 2, 1_000), new OrderLine("SKU-2", 1, 300)) with { CampaignId = "flash" });

        // The campaign line shows the price it came from and the campaign as its promotion (issue 13 §1).
        Assert.Equal([("SKU-1", 2, 499L, 1_000L), ("SKU-2", 1, 300L, 0L)], result.Order.Lines.Select(l => (l.Sku, l.Quantity, l.UnitPriceMinor, l.ListPriceMinor)));
        Assert.Equal(["campaign:flash"], result.Order.Lines[0].PromotionIds!);
        Assert.Null(result.Order.Lines[1].PromotionIds);
        Assert.Equal(1_298, result.Order.TotalMinor);
        Assert.Equal("flash", result.Order.CampaignId);
    }

    [Fact]
    public async Task Over_the_credit_limit_the_order_is_held_with_stock_reserved()
    {
        await using var oms = await Oms.StartAsync();
        await oms.SeedSimpleAsync(units: 10);
        await oms.CustomerAsync("c1", creditLimitMinor: 1_000);

        var within = await oms.PlaceAsync("1", "c1", new OrderLine("SKU-1", 1, 600));
        var over = await oms.PlaceAsync("2", "c1", new OrderLine("SKU-1", 2, 300));

        Assert.Equal(OrderStatus.PendingPayment, within.Order.Status);
        Assert.Equal((OrderStatus.OnHold, HoldReason.CreditLimit), (over.Order.Status, over.Order.HoldReason));
        Assert.Null(over.Order.ReservationExpiresAt);
        Assert.Equal([new Allocation("SKU-1", "BER", 2)], over.Order.Allocations);
        Assert.Equal(3, (await oms.AvailabilityAsync("SKU-1")).Reserved);
        Assert.Equal(1_200, (await oms.AccountAsync("c1")).OpenExposureMinor);
    }

    internal static CampaignDefinition Campaign(string sku, DateTimeOffset startsAt, DateTimeOffset endsAt, int quota = 100, int perCustomerLimit = 0, TimeSpan? holdTime = null) =>
        new("flash", sku, 499, quota, perCustomerLimit, startsAt, endsAt, holdTime);

    private static void AssertRejected(PlaceOrderResult result, RejectReason reason)
    {
        Assert.Equal(OrderStatus.Rejected, result.Order.Status);
        Assert.Equal(reason, result.Order.RejectReason);
        Assert.Empty(result.Order.Allocations);
        Assert.Null(result.Order.ReservationExpiresAt);
        Assert.Equal(1, result.Order.Version);
    }
}
