namespace OrderGrains.Abstractions;

/// <summary>A price sync for one SKU: the absolute list price in <paramref name="Currency"/> (0 removes it); idempotent per <paramref name="SyncId"/>.</summary>
[GenerateSerializer]
[Immutable]
[Alias("ordergrains.SetListPriceCommand")]
public sealed record SetListPriceCommand([property: Id(0)] string Currency, [property: Id(1)] long ListPriceMinor, [property: Id(2)] string SyncId);

/// <summary>One list price of a SKU.</summary>
[GenerateSerializer]
[Immutable]
[Alias("ordergrains.ListPrice")]
public sealed record ListPrice([property: Id(0)] string Currency, [property: Id(1)] long ListPriceMinor);

/// <summary>A SKU's list prices, ordered by currency; <paramref name="Version"/> grows with every change.</summary>
[GenerateSerializer]
[Immutable]
[Alias("ordergrains.SkuPriceList")]
public sealed record SkuPriceList([property: Id(0)] string Sku, [property: Id(1)] IReadOnlyList<ListPrice> Prices, [property: Id(2)] long Version)
{
    /// <summary>The list price in <paramref name="currency"/>, or null when the SKU has none in it.</summary>
    public long? PriceIn(string currency)
    {
        foreach (var price in Prices)
        {
            if (string.Equals(price.Currency, currency, StringComparison.Ordinal))
            {
                return price.ListPriceMinor;
            }
        }

        return null;
    }
}

/// <summary>What a promotion does. Numbers are the wire's (pricing.proto) and persisted.</summary>
[GenerateSerializer]
[Alias("ordergrains.PromotionKind")]
public enum PromotionKind
{
    Unspecified = 0,

    /// <summary>A share (basis points) off the unit price of each listed SKU.</summary>
    SkuPercent = 1,

    /// <summary>A fixed amount off the unit price of each listed SKU.</summary>
    SkuAmount = 2,

    /// <summary>满减: a fixed amount off the order for every full threshold of its subtotal.</summary>
    OrderThreshold = 3,
}

/// <summary>
/// A promotion the OMS computes at placement. <paramref name="Priority"/>: higher applies first and wins an exclusive
/// stacking rule (ties by id). Window [<paramref name="StartsAt"/>, <paramref name="EndsAt"/>), null = unbounded.
/// <paramref name="CouponOnly"/> promotions apply only to orders that redeem a coupon naming them.
/// </summary>
[GenerateSerializer]
[Immutable]
[Alias("ordergrains.PromotionDefinition")]
public sealed record PromotionDefinition(
    [property: Id(0)] string PromotionId,
    [property: Id(1)] PromotionKind Kind,
    [property: Id(2)] IReadOnlyList<string> Skus,
    [property: Id(3)] int PercentBasisPoints,
    [property: Id(4)] long AmountMinor,
    [property: Id(5)] long ThresholdMinor,
    [property: Id(6)] int MaxSteps,
    [property: Id(7)] string? Currency,
    [property: Id(8)] int Priority,
    [property: Id(9)] DateTimeOffset? StartsAt,
    [property: Id(10)] DateTimeOffset? EndsAt,
    [property: Id(11)] bool CouponOnly,
    [property: Id(12)] bool Enabled)
{
    /// <summary>Whether the promotion is on at <paramref name="now"/>.</summary>
    public bool ActiveAt(DateTimeOffset now) => Enabled && (StartsAt is null || now >= StartsAt) && (EndsAt is null || now < EndsAt);
}

/// <summary>How promotions of a stacking rule combine. Numbers are the wire's and persisted.</summary>
[GenerateSerializer]
[Alias("ordergrains.StackingMode")]
public enum StackingMode
{
    Unspecified = 0,

    /// <summary>Of the rule's promotions that apply to an order, only the highest-priority one is used.</summary>
    Exclusive = 1,
}

/// <summary>Which promotions exclude each other; promotions in no common rule combine. "campaign:&lt;id&gt;" names a flash-sale campaign.</summary>
[GenerateSerializer]
[Immutable]
[Alias("ordergrains.StackingRuleDefinition")]
public sealed record StackingRuleDefinition([property: Id(0)] string RuleId, [property: Id(1)] StackingMode Mode, [property: Id(2)] IReadOnlyList<string> PromotionIds);

/// <summary>Every promotion and stacking rule; <paramref name="Version"/> grows with every change.</summary>
[GenerateSerializer]
[Immutable]
[Alias("ordergrains.PromotionCatalog")]
public sealed record PromotionCatalog(
    [property: Id(0)] IReadOnlyList<PromotionDefinition> Promotions,
    [property: Id(1)] IReadOnlyList<StackingRuleDefinition> StackingRules,
    [property: Id(2)] long Version)
{
    /// <summary>No promotions, no rules.</summary>
    public static PromotionCatalog Empty { get; } = new([], [], 0);
}

/// <summary>
/// A coupon: <paramref name="Code"/> unlocks the coupon-only promotion <paramref name="PromotionId"/> for at most
/// <paramref name="Quota"/> orders in all and <paramref name="PerCustomerLimit"/> per customer (0 = no limit).
/// </summary>
[GenerateSerializer]
[Immutable]
[Alias("ordergrains.CouponDefinition")]
public sealed record CouponDefinition(
    [property: Id(0)] string Code,
    [property: Id(1)] string PromotionId,
    [property: Id(2)] int Quota,
    [property: Id(3)] int PerCustomerLimit,
    [property: Id(4)] DateTimeOffset? StartsAt,
    [property: Id(5)] DateTimeOffset? EndsAt);

/// <summary>A coupon with the orders currently holding a redemption.</summary>
[GenerateSerializer]
[Immutable]
[Alias("ordergrains.CouponStatus")]
public sealed record CouponStatus([property: Id(0)] CouponDefinition Coupon, [property: Id(1)] int Redeemed, [property: Id(2)] int Remaining);

/// <summary>Asks a coupon for one redemption by an order (idempotent per order id).</summary>
[GenerateSerializer]
[Immutable]
[Alias("ordergrains.CouponRedemptionRequest")]
public sealed record CouponRedemptionRequest([property: Id(0)] string OrderId, [property: Id(1)] string CustomerId);

/// <summary>How a coupon redemption ended. Numbers are persisted.</summary>
[GenerateSerializer]
[Alias("ordergrains.CouponRedemptionOutcome")]
public enum CouponRedemptionOutcome
{
    Unspecified = 0,
    Redeemed = 1,

    /// <summary>No coupon has this code.</summary>
    Unknown = 2,

    /// <summary>Outside the coupon's window.</summary>
    NotActive = 3,

    /// <summary>The quota or the customer's limit is used up.</summary>
    LimitExceeded = 4,
}

/// <summary>The outcome and, when redeemed, the promotion the coupon unlocks.</summary>
[GenerateSerializer]
[Immutable]
[Alias("ordergrains.CouponRedemptionResult")]
public sealed record CouponRedemptionResult([property: Id(0)] CouponRedemptionOutcome Outcome, [property: Id(1)] string? PromotionId);

/// <summary>A bulk price import: absolute list prices of many SKUs in one currency, idempotent per <paramref name="ImportId"/>.</summary>
[GenerateSerializer]
[Immutable]
[Alias("ordergrains.PriceListImportCommand")]
public sealed record PriceListImportCommand([property: Id(0)] string ImportId, [property: Id(1)] string Currency, [property: Id(2)] IReadOnlyList<PriceListItem> Items);

/// <summary>One SKU's list price in an import.</summary>
[GenerateSerializer]
[Immutable]
[Alias("ordergrains.PriceListItem")]
public sealed record PriceListItem([property: Id(0)] string Sku, [property: Id(1)] long ListPriceMinor);
