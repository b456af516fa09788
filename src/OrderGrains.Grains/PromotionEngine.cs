using OrderGrains.Abstractions;

namespace OrderGrains.Grains;

/// <summary>A flash-sale campaign's hold on one line: its SKU gets <paramref name="PriceMinor"/> per unit.</summary>
public sealed record CampaignPrice(string CampaignId, string Sku, long PriceMinor);

/// <summary>
/// An order priced by the OMS: <paramref name="Lines"/> carry the list price, the unit price after line promotions,
/// their share of order-level discounts and the promotion ids; <paramref name="DiscountMinor"/> is the sum of the
/// lines' discounts and <paramref name="TotalMinor"/> of what they cost. <paramref name="Mismatches"/> names each line
/// whose requested price is below what the OMS charges for it, where the SKU has a list price.
/// </summary>
public sealed record PricedOrder(
    IReadOnlyList<OrderLine> Lines,
    long DiscountMinor,
    long TotalMinor,
    IReadOnlyList<string> Mismatches,
    bool CouponApplied);

/// <summary>
/// Computes the promotions of one order; pure, so its rounding is tested without a silo.
/// <list type="number">
/// <item>Each line starts from its list price (the SKU's price list in the order's currency, else the channel's unit price);
/// a campaign's line from the campaign price.</item>
/// <item>Promotions that are on, in the order's currency, and (coupon-only ones) unlocked by the order's coupon are
/// candidates. A SKU promotion applies when a line has one of its SKUs, a threshold promotion when the subtotal after
/// campaign prices reaches its threshold. Of the applying promotions of one exclusive stacking rule only one stays: the
/// campaign if the rule names it (its quota was taken for this price), else the highest priority, ties by id.</item>
/// <item>Line promotions apply per unit, highest priority first, each on the price left by the ones before: a percentage
/// takes floor(price × basis points ÷ 10,000) (never more than stated), an amount at most the price left.</item>
/// <item>Each threshold promotion takes amount × floor(subtotal ÷ threshold) (at most max_steps steps) of the subtotal
/// after line promotions, never more than is left.</item>
/// <item>The order-level discount is spread over the lines in proportion to their amounts by the largest-remainder method
/// (the remainders' extra minor units go to the largest fractions, ties to the earlier line), so the lines' shares sum to
/// it exactly and no line pays less than zero.</item>
/// </list>
/// </summary>
public static class PromotionEngine
{
    /// <summary>Prices <paramref name="requested"/> (the lines as the channel sent them).</summary>
    public static PricedOrder Price(
        IReadOnlyList<OrderLine> requested,
        IReadOnlyDictionary<string, long> listPrices,
        PromotionCatalog catalog,
        string currency,
        DateTimeOffset now,
        CampaignPrice? campaign = null,
        string? couponPromotionId = null)
    {
        ArgumentNullException.ThrowIfNull(requested);
        ArgumentNullException.ThrowIfNull(listPrices);
        ArgumentNullException.ThrowIfNull(catalog);

        var candidates = catalog.Promotions
            .Where(p => p.ActiveAt(now)
                && (p.Currency is null || string.Equals(p.Currency, currency, StringComparison.Ordinal))
                && (!p.CouponOnly || string.Equals(p.PromotionId, couponPromotionId, StringComparison.Ordinal)))
            .ToList();

        var bases = requested.Select(l => listPrices.TryGetValue(l.Sku, out var list) ? list : l.UnitPriceMinor).ToArray();
        var start = requested.Select((l, i) => campaign is not null && string.Equals(l.Sku, campaign.Sku, StringComparison.Ordinal) ? campaign.PriceMinor : bases[i]).ToArray();
        var startSubtotal = Subtotal(requested, start);

        var applying = candidates.Where(p => p.Kind == PromotionKind.OrderThreshold
                ? startSubtotal >= p.ThresholdMinor
                : requested.Any(l => p.Skus.Contains(l.Sku, StringComparer.Ordinal)))
            .ToList();
        var campaignKey = campaign is not null && requested.Any(l => string.Equals(l.Sku, campaign.Sku, StringComparison.Ordinal))
            ? PromotionRules.CampaignPrefix + campaign.CampaignId
            : null;
        applying = Unstack(applying, catalog.StackingRules, campaignKey);
        var ordered = applying.OrderByDescending(p => p.Priority).ThenBy(p => p.PromotionId, StringComparer.Ordinal).ToList();

        var unit = (long[])start.Clone();
        var ids = requested.Select(_ => new List<string>()).ToArray();
        for (var i = 0; i < requested.Count; i++)
        {
            if (campaignKey is not null && string.Equals(requested[i].Sku, campaign!.Sku, StringComparison.Ordinal) && campaign.PriceMinor < bases[i])
            {
                ids[i].Add(campaignKey);
            }

            foreach (var promotion in ordered.Where(p => p.Kind != PromotionKind.OrderThreshold && p.Skus.Contains(requested[i].Sku, StringComparer.Ordinal)))
            {
                var off = UnitDiscount(promotion, unit[i]);
                if (off > 0)
                {
                    unit[i] -= off;
                    ids[i].Add(promotion.PromotionId);
                }
            }
        }

        var amounts = requested.Select((l, i) => checked(unit[i] * l.Quantity)).ToArray();
        var subtotal = amounts.Aggregate(0L, (sum, a) => checked(sum + a));
        var orderDiscount = 0L;
        var orderIds = new List<string>();
        foreach (var promotion in ordered.Where(p => p.Kind == PromotionKind.OrderThreshold))
        {
            var off = Math.Min(ThresholdDiscount(promotion, subtotal), subtotal - orderDiscount);
            if (off > 0)
            {
                orderDiscount += off;
                orderIds.Add(promotion.PromotionId);
            }
        }

        var shares = Allocate(orderDiscount, amounts);
        var lines = new List<OrderLine>(requested.Count);
        var mismatches = new List<string>();
        var couponApplied = false;
        var discountTotal = 0L;
        for (var i = 0; i < requested.Count; i++)
        {
            var lineIds = shares[i] > 0 ? [.. ids[i], .. orderIds] : ids[i];
            var priced = lineIds.Count == 0 && !listPrices.ContainsKey(requested[i].Sku) && campaignKey is null
                ? requested[i]
                : requested[i] with
                {
                    UnitPriceMinor = unit[i],
                    ListPriceMinor = listPrices.ContainsKey(requested[i].Sku) || lineIds.Count > 0 ? bases[i] : requested[i].ListPriceMinor,
                    OrderDiscountMinor = shares[i],
                    PromotionIds = lineIds.Count > 0 ? [.. lineIds] : null,
                };
            lines.Add(priced);
            discountTotal += OrderLines.Discount(priced);
            couponApplied |= couponPromotionId is not null && lineIds.Contains(couponPromotionId, StringComparer.Ordinal);
            var paid = amounts[i] - shares[i];
            if (listPrices.ContainsKey(requested[i].Sku) && (Int128)requested[i].UnitPriceMinor * requested[i].Quantity < paid)
            {
                mismatches.Add($"{requested[i].Sku} at {requested[i].UnitPriceMinor} {currency} is below {paid / requested[i].Quantity} (list {bases[i]} less promotions)");
            }
        }

        return new PricedOrder(lines, discountTotal, subtotal - orderDiscount, mismatches, couponApplied);
    }

    /// <summary>Splits <paramref name="discount"/> over <paramref name="amounts"/> in proportion, exactly (largest remainder).</summary>
    public static long[] Allocate(long discount, IReadOnlyList<long> amounts)
    {
        ArgumentNullException.ThrowIfNull(amounts);
        var shares = new long[amounts.Count];
        var total = amounts.Aggregate((Int128)0, (sum, a) => sum + a);
        if (discount <= 0 || total == 0)
        {
            return shares;
        }

        ArgumentOutOfRangeException.ThrowIfGreaterThan(discount, (long)total);
        var remainders = new Int128[amounts.Count];
        var given = 0L;
        for (var i = 0; i < amounts.Count; i++)
        {
            var exact = (Int128)discount * amounts[i];
            shares[i] = (long)(exact / total);
            remainders[i] = exact % total;
            given += shares[i];
        }

        foreach (var i in Enumerable.Range(0, amounts.Count).OrderByDescending(i => remainders[i]).ThenBy(i => i).Take((int)(discount - given)))
        {
            shares[i]++;
        }

        return shares;
    }

    /// <summary>What a SKU promotion takes off one unit priced <paramref name="price"/>.</summary>
    public static long UnitDiscount(PromotionDefinition promotion, long price)
    {
        ArgumentNullException.ThrowIfNull(promotion);
        return promotion.Kind switch
        {
            PromotionKind.SkuPercent => (long)((Int128)price * promotion.PercentBasisPoints / PromotionRules.FullPercent),
            PromotionKind.SkuAmount => Math.Min(promotion.AmountMinor, price),
            _ => 0,
        };
    }

    /// <summary>What a threshold promotion takes off a subtotal: amount × full steps (capped).</summary>
    public static long ThresholdDiscount(PromotionDefinition promotion, long subtotal)
    {
        ArgumentNullException.ThrowIfNull(promotion);
        if (promotion.ThresholdMinor <= 0 || subtotal < promotion.ThresholdMinor)
        {
            return 0;
        }

        var steps = subtotal / promotion.ThresholdMinor;
        if (promotion.MaxSteps > 0)
        {
            steps = Math.Min(steps, promotion.MaxSteps);
        }

        var off = (Int128)steps * promotion.AmountMinor;
        return off >= subtotal ? subtotal : (long)off;
    }

    private static List<PromotionDefinition> Unstack(List<PromotionDefinition> applying, IReadOnlyList<StackingRuleDefinition> rules, string? campaignKey)
    {
        var dropped = new HashSet<string>(StringComparer.Ordinal);
        foreach (var rule in rules.Where(r => r.Mode == StackingMode.Exclusive))
        {
            var members = applying.Where(p => rule.PromotionIds.Contains(p.PromotionId, StringComparer.Ordinal)).ToList();
            var campaignWins = campaignKey is not null && rule.PromotionIds.Contains(campaignKey, StringComparer.Ordinal);
            var winner = campaignWins ? null : members.OrderByDescending(p => p.Priority).ThenBy(p => p.PromotionId, StringComparer.Ordinal).FirstOrDefault();
            foreach (var member in members.Where(m => !ReferenceEquals(m, winner)))
            {
                dropped.Add(member.PromotionId);
            }
        }

        return [.. applying.Where(p => !dropped.Contains(p.PromotionId))];
    }

    private static long Subtotal(IReadOnlyList<OrderLine> lines, long[] unit)
    {
        Int128 sum = 0;
        for (var i = 0; i < lines.Count; i++)
        {
            sum += (Int128)unit[i] * lines[i].Quantity;
        }

        return sum > long.MaxValue ? long.MaxValue : (long)sum;
    }
}
