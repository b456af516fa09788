using OrderGrains.Abstractions;

namespace OrderGrains.Grains.Tests;

/// <summary>The promotion arithmetic without a silo: rounding, allocation, stacking, the price check.</summary>
public sealed class PromotionEngineTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 3, 12, 0, 0, TimeSpan.Zero);

    internal static PromotionDefinition Percent(string id, int basisPoints, params string[] skus) =>
        new(id, PromotionKind.SkuPercent, skus, basisPoints, 0, 0, 0, null, 0, null, null, CouponOnly: false, Enabled: true);

    internal static PromotionDefinition Amount(string id, long amount, params string[] skus) =>
        new(id, PromotionKind.SkuAmount, skus, 0, amount, 0, 0, "EUR", 0, null, null, CouponOnly: false, Enabled: true);

    internal static PromotionDefinition Threshold(string id, long amount, long threshold, int maxSteps = 0) =>
        new(id, PromotionKind.OrderThreshold, [], 0, amount, threshold, maxSteps, "EUR", 0, null, null, CouponOnly: false, Enabled: true);

    private static PricedOrder Price(IReadOnlyList<OrderLine> lines, PromotionCatalog catalog, Dictionary<string, long>? list = null, CampaignPrice? campaign = null, string? coupon = null) =>
        PromotionEngine.Price(lines, list ?? [], catalog, "EUR", Now, campaign, coupon);

    private static PromotionCatalog Catalog(params PromotionDefinition[] promotions) => new(promotions, [], 1);

    [Fact]
    public void An_order_without_promotions_or_list_prices_is_priced_as_requested()
    {
        var lines = new[] { new OrderLine("A", 2, 1_000), new OrderLine("B", 1, 550, ListPriceMinor: 600) };

        var priced = Price(lines, PromotionCatalog.Empty);

        Assert.Equal(lines, priced.Lines);
        Assert.Equal(2_550, priced.TotalMinor);
        Assert.Equal(50, priced.DiscountMinor);
        Assert.Empty(priced.Mismatches);
    }

    [Fact]
    public void A_percentage_takes_the_floor_of_each_unit_and_never_more_than_stated()
    {
        // 12.5% of 999 = 124.875: 124 off, 875 per unit.
        var priced = Price([new OrderLine("A", 3, 999)], Catalog(Percent("p", 1_250, "A")));

        var line = Assert.Single(priced.Lines);
        Assert.Equal((999L, 875L, 372L, 2_625L), (line.ListPriceMinor, line.UnitPriceMinor, OrderLines.Discount(line), OrderLines.Paid(line)));
        Assert.Equal(["p"], line.PromotionIds!);
        Assert.Equal(2_625, priced.TotalMinor);
    }

    [Fact]
    public void Threshold_discount_takes_30_off_every_300_and_respects_its_cap()
    {
        var lines = new[] { new OrderLine("A", 7, 10_000) };

        Assert.Equal(70_000 - 6_000, Price(lines, Catalog(Threshold("mj", 3_000, 30_000))).TotalMinor);
        Assert.Equal(70_000 - 3_000, Price(lines, Catalog(Threshold("mj", 3_000, 30_000, maxSteps: 1))).TotalMinor);
        var below = new OrderLine("A", 2, 10_000);
        Assert.Equal(below, Price([below], Catalog(Threshold("mj", 3_000, 30_000))).Lines[0]);
    }

    [Fact]
    public void An_order_discount_is_spread_over_the_lines_exactly_by_largest_remainder()
    {
        // 100 off 3 lines of 1,000 each: 33.33 each, the extra unit to the earliest line.
        var lines = new[] { new OrderLine("A", 1, 1_000), new OrderLine("B", 1, 1_000), new OrderLine("C", 1, 1_000) };

        var priced = Price(lines, Catalog(Threshold("mj", 100, 3_000)));

        Assert.Equal([34L, 33L, 33L], priced.Lines.Select(l => l.OrderDiscountMinor));
        Assert.Equal(100, priced.DiscountMinor);
        Assert.Equal(2_900, priced.Lines.Sum(OrderLines.Paid));
        Assert.Equal(priced.TotalMinor, priced.Lines.Sum(OrderLines.Paid));
        Assert.All(priced.Lines, l => Assert.Equal(["mj"], l.PromotionIds!));
    }

    [Theory]
    [InlineData(1L, new long[] { 1, 1, 1 })]
    [InlineData(7L, new long[] { 3, 5, 11, 13 })]
    [InlineData(999L, new long[] { 1, 998 })]
    [InlineData(1_000L, new long[] { 333, 333, 334 })]
    [InlineData(5L, new long[] { 0, 10, 0 })]
    public void Allocated_shares_always_sum_to_the_discount_and_stay_within_each_line(long discount, long[] amounts)
    {
        var shares = PromotionEngine.Allocate(discount, amounts);

        Assert.Equal(discount, shares.Sum());
        Assert.All(shares.Zip(amounts), x => Assert.InRange(x.First, 0, x.Second));
    }

    [Fact]
    public void Promotions_combine_in_priority_order_each_on_the_price_left()
    {
        var catalog = Catalog(Percent("ten", 1_000, "A") with { Priority = 1 }, Amount("fifty", 50, "A") with { Priority = 2 });

        var line = Price([new OrderLine("A", 1, 1_000)], catalog).Lines[0];

        // 1,000 − 50 = 950, then 10% = 95: 855.
        Assert.Equal(855, line.UnitPriceMinor);
        Assert.Equal(["fifty", "ten"], line.PromotionIds!);
    }

    [Fact]
    public void An_exclusive_stacking_rule_keeps_only_the_highest_priority_promotion()
    {
        var catalog = new PromotionCatalog(
            [Percent("ten", 1_000, "A") with { Priority = 1 }, Percent("twenty", 2_000, "A") with { Priority = 5 }, Threshold("mj", 100, 500)],
            [new StackingRuleDefinition("r", StackingMode.Exclusive, ["ten", "twenty"])],
            1);

        var priced = Price([new OrderLine("A", 1, 1_000)], catalog);

        Assert.Equal(800, priced.Lines[0].UnitPriceMinor);
        Assert.Equal(["twenty", "mj"], priced.Lines[0].PromotionIds!);
        Assert.Equal(700, priced.TotalMinor);
    }

    [Fact]
    public void A_campaign_in_an_exclusive_rule_always_wins_and_otherwise_combines()
    {
        var campaign = new CampaignPrice("bf", "A", 600);
        var lines = new[] { new OrderLine("A", 1, 1_000) };

        var combined = Price(lines, Catalog(Percent("ten", 1_000, "A")), campaign: campaign).Lines[0];
        var excluded = Price(lines, new PromotionCatalog([Percent("ten", 1_000, "A") with { Priority = 99 }], [new StackingRuleDefinition("r", StackingMode.Exclusive, ["campaign:bf", "ten"])], 1), campaign: campaign).Lines[0];

        Assert.Equal((540L, 1_000L), (combined.UnitPriceMinor, combined.ListPriceMinor));
        Assert.Equal(["campaign:bf", "ten"], combined.PromotionIds!);
        Assert.Equal(600, excluded.UnitPriceMinor);
        Assert.Equal(["campaign:bf"], excluded.PromotionIds!);
    }

    [Fact]
    public void The_list_price_is_the_base_and_a_channel_price_below_base_less_promotions_is_a_mismatch()
    {
        var list = new Dictionary<string, long> { ["A"] = 1_000, ["B"] = 500 };
        var lines = new[] { new OrderLine("A", 2, 899), new OrderLine("B", 1, 450), new OrderLine("C", 1, 1) };

        var priced = Price(lines, Catalog(Percent("ten", 1_000, "A")), list);

        Assert.Equal([900L, 500L, 1L], priced.Lines.Select(l => l.UnitPriceMinor));
        Assert.Equal(2, priced.Mismatches.Count);
        Assert.StartsWith("A at 899 EUR is below 900", priced.Mismatches[0], StringComparison.Ordinal);
        Assert.StartsWith("B at 450 EUR is below 500", priced.Mismatches[1], StringComparison.Ordinal);
    }

    [Fact]
    public void Coupon_only_promotions_apply_only_with_their_coupon_and_inactive_ones_never()
    {
        var catalog = Catalog(
            Percent("vip", 5_000, "A") with { CouponOnly = true },
            Percent("later", 1_000, "A") with { StartsAt = Now.AddHours(1) },
            Percent("off", 1_000, "A") with { Enabled = false },
            Amount("usd", 10, "A") with { Currency = "USD" });

        var without = Price([new OrderLine("A", 1, 1_000)], catalog);
        var with = Price([new OrderLine("A", 1, 1_000)], catalog, coupon: "vip");

        Assert.Equal(1_000, without.TotalMinor);
        Assert.False(without.CouponApplied);
        Assert.Equal(500, with.TotalMinor);
        Assert.True(with.CouponApplied);
    }

    [Fact]
    public void Refund_shares_round_up_so_refunds_never_exceed_what_was_paid()
    {
        var line = new OrderLine("A", 3, 1_000, 1_000, OrderDiscountMinor: 100);

        var oneByOne = Enumerable.Range(0, 3).Sum(_ => (1_000 * 1) - OrderLines.OrderShareOf(line, 1));

        Assert.Equal(34, OrderLines.OrderShareOf(line, 1));
        Assert.Equal(100, OrderLines.OrderShareOf(line, 3));
        Assert.True(oneByOne <= OrderLines.Paid(line));
    }
}
