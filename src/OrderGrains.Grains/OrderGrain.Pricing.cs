using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using OrderGrains.Abstractions;

namespace OrderGrains.Grains;

/// <summary>Placement's pricing step: the coupon's redemption, list prices and promotions (<see cref="PromotionEngine"/>), the price check.</summary>
public sealed partial class OrderGrain
{
    /// <summary>
    /// Redeems the order's coupon, prices the lines and checks the channel's prices against them. Returns null when the
    /// order was rejected (coupon used up or not applying, or PRICE_MISMATCH); throws <see cref="NotFoundException"/> for
    /// an unknown coupon after forgetting the order. Costs no grain call when the silo's <see cref="PricingCache"/> is
    /// fresh and the order has no coupon.
    /// </summary>
    private async Task<PricedOrder?> PriceAsync(CampaignReservationResult? campaign)
    {
        string? couponPromotion = null;
        if (Order.CouponCode is { } code)
        {
            var redemption = await GrainFactory.GetGrainCached<ICouponGrain>(code).RedeemAsync(new CouponRedemptionRequest(OrderId, Order.CustomerId));
            switch (redemption.Outcome)
            {
                case CouponRedemptionOutcome.Redeemed:
                    couponPromotion = redemption.PromotionId;
                    break;
                case CouponRedemptionOutcome.Unknown:
                    await ForgetPlacementAsync();
                    throw new NotFoundException("coupon", code);
                case CouponRedemptionOutcome.LimitExceeded:
                    await RejectAsync(RejectReason.CouponLimitExceeded, anythingReserved: true);
                    return null;
                default:
                    await RejectAsync(RejectReason.CouponNotActive, anythingReserved: true);
                    return null;
            }
        }

        var cache = ServiceProvider.GetRequiredService<PricingCache>();
        var catalog = await cache.CatalogAsync(GrainFactory);
        var lists = await Task.WhenAll(Order.Lines.Select(l => cache.PricesAsync(GrainFactory, l.Sku)));
        var listPrices = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var list in lists)
        {
            if (list.PriceIn(Order.Currency) is { } price)
            {
                listPrices[list.Sku] = price;
            }
        }

        PricedOrder pricing;
        try
        {
            var campaignPrice = campaign is { Sku: { } sku } && Order.CampaignId is { } campaignId ? new CampaignPrice(campaignId, sku, campaign.PriceMinor) : null;
            pricing = PromotionEngine.Price(Order.Lines, listPrices, catalog, Order.Currency, Order.CreatedAt, campaignPrice, couponPromotion);
        }
        catch (OverflowException exception)
        {
            await ForgetPlacementAsync();
            throw new DomainValidationException("lines", "the order total at list prices overflows a 64-bit amount of minor units", exception);
        }

        if (couponPromotion is not null && !pricing.CouponApplied)
        {
            await RejectAsync(RejectReason.CouponNotActive, anythingReserved: true);
            return null;
        }

        if (pricing.Mismatches.Count > 0 && ServiceProvider.GetRequiredService<IOptions<PricingOptions>>().Value.MismatchFor(Order.Channel) == PriceMismatchPolicy.Reject)
        {
            PricingLog.PriceMismatch(logger, OrderId, string.Join("; ", pricing.Mismatches));
            await RejectAsync(RejectReason.PriceMismatch, anythingReserved: campaign is not null || couponPromotion is not null);
            return null;
        }

        return pricing;
    }
}
