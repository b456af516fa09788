using Google.Protobuf.WellKnownTypes;
using OrderGrains.Abstractions;
using Wire = OrderGrains.Contracts.V1;

namespace OrderGrains.Host.Grpc;

/// <summary>Prices, promotions and coupons between the wire (pricing.proto) and the domain.</summary>
internal static partial class WireMapping
{
    public static Wire.SkuPrices ToWire(SkuPriceList prices)
    {
        var wire = new Wire.SkuPrices { Sku = prices.Sku };
        wire.Prices.AddRange(prices.Prices.Select(p => new Wire.ListPrice { Currency = p.Currency, ListPriceMinor = p.ListPriceMinor }));
        return wire;
    }

    public static PromotionDefinition ToDomain(Wire.Promotion promotion) => new(
        promotion.PromotionId,
        (PromotionKind)(int)promotion.Kind,
        [.. promotion.Skus],
        promotion.PercentBasisPoints,
        promotion.AmountMinor,
        promotion.ThresholdMinor,
        promotion.MaxSteps,
        NullIfEmpty(promotion.Currency),
        promotion.Priority,
        promotion.StartsAt?.ToDateTimeOffset(),
        promotion.EndsAt?.ToDateTimeOffset(),
        promotion.CouponOnly,
        !promotion.Disabled);

    public static Wire.Promotion ToWire(PromotionDefinition promotion)
    {
        var wire = new Wire.Promotion
        {
            PromotionId = promotion.PromotionId,
            Kind = (Wire.PromotionKind)(int)promotion.Kind,
            PercentBasisPoints = promotion.PercentBasisPoints,
            AmountMinor = promotion.AmountMinor,
            ThresholdMinor = promotion.ThresholdMinor,
            MaxSteps = promotion.MaxSteps,
            Currency = promotion.Currency ?? string.Empty,
            Priority = promotion.Priority,
            CouponOnly = promotion.CouponOnly,
            Disabled = !promotion.Enabled,
        };
        wire.Skus.AddRange(promotion.Skus);
        if (promotion.StartsAt is { } starts)
        {
            wire.StartsAt = Timestamp.FromDateTimeOffset(starts);
        }

        if (promotion.EndsAt is { } ends)
        {
            wire.EndsAt = Timestamp.FromDateTimeOffset(ends);
        }

        return wire;
    }

    public static StackingRuleDefinition ToDomain(Wire.StackingRule rule) =>
        new(rule.RuleId, (StackingMode)(int)rule.Mode, [.. rule.PromotionIds]);

    public static Wire.StackingRule ToWire(StackingRuleDefinition rule)
    {
        var wire = new Wire.StackingRule { RuleId = rule.RuleId, Mode = (Wire.StackingMode)(int)rule.Mode };
        wire.PromotionIds.AddRange(rule.PromotionIds);
        return wire;
    }

    public static Wire.PromotionSet ToWire(PromotionCatalog catalog)
    {
        var wire = new Wire.PromotionSet { Version = catalog.Version };
        wire.Promotions.AddRange(catalog.Promotions.Select(ToWire));
        wire.StackingRules.AddRange(catalog.StackingRules.Select(ToWire));
        return wire;
    }

    public static CouponDefinition ToDomain(Wire.Coupon coupon) => new(
        coupon.Code,
        coupon.PromotionId,
        coupon.Quota,
        coupon.PerCustomerLimit,
        coupon.StartsAt?.ToDateTimeOffset(),
        coupon.EndsAt?.ToDateTimeOffset());

    public static Wire.CouponStatus ToWire(CouponStatus status)
    {
        var coupon = new Wire.Coupon
        {
            Code = status.Coupon.Code,
            PromotionId = status.Coupon.PromotionId,
            Quota = status.Coupon.Quota,
            PerCustomerLimit = status.Coupon.PerCustomerLimit,
        };
        if (status.Coupon.StartsAt is { } starts)
        {
            coupon.StartsAt = Timestamp.FromDateTimeOffset(starts);
        }

        if (status.Coupon.EndsAt is { } ends)
        {
            coupon.EndsAt = Timestamp.FromDateTimeOffset(ends);
        }

        return new Wire.CouponStatus { Coupon = coupon, Redeemed = status.Redeemed, Remaining = status.Remaining };
    }

    /// <summary>An order line as the order shows it: list price, discount, what it costs, which promotions.</summary>
    public static Wire.OrderLine ToWire(OrderLine line)
    {
        var wire = new Wire.OrderLine
        {
            Sku = line.Sku,
            Quantity = line.Quantity,
            UnitPriceMinor = line.UnitPriceMinor,
            ListPriceMinor = line.ListPriceMinor,
            DiscountMinor = OrderLines.Discount(line),
            PaidMinor = OrderLines.Paid(line),
        };
        wire.PromotionIds.AddRange(line.PromotionIds ?? []);
        return wire;
    }
}
