using Orleans.Concurrency;

namespace OrderGrains.Abstractions;

/// <summary>A coupon and its redemptions (key = coupon code).</summary>
public interface ICouponGrain : IGrainWithStringKey
{
    /// <summary>Creates or replaces the coupon; redemptions already made still count against the new quota.</summary>
    Task<CouponStatus> UpsertAsync(CouponDefinition coupon);

    /// <summary>The coupon with its redemptions; throws <see cref="NotFoundException"/> for an unknown code.</summary>
    [ReadOnly]
    Task<CouponStatus> GetAsync();

    /// <summary>Takes one redemption for the order within quota and per-customer limit (idempotent per order id).</summary>
    Task<CouponRedemptionResult> RedeemAsync(CouponRedemptionRequest request);

    /// <summary>Gives an order's redemption back; a no-op for an order holding none.</summary>
    Task ReleaseAsync(string orderId);
}
