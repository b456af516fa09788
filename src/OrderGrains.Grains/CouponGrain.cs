using OrderGrains.Abstractions;
using OrderGrains.Storage;
using Orleans.Concurrency;

namespace OrderGrains.Grains;

/// <summary>
/// A coupon code. Quota and per-customer limit hold under any concurrency for the same reason a campaign's do: every
/// redemption is decided in this one activation, one at a time and in arrival order, keyed by order id, and decisions
/// are group-committed (<see cref="CommitBatcher"/>) so a spike of redemptions costs few writes.
/// </summary>
[GrainType("coupon")]
[Reentrant]
public sealed class CouponGrain(
    [PersistentState("coupon", OrderGrainsStorage.Name)] IPersistentState<CouponState> state,
    TimeProvider clock) : Grain, ICouponGrain
{
    private CommitBatcher? _commits;

    private CouponState Coupon => state.State;

    private string Code => this.GetPrimaryKeyString();

    private CommitBatcher Commits => _commits ??= CommitBatcher.ForState(
        state,
        // Memory may now differ from storage: the next call must start from a fresh load.
        _ => DeactivateOnIdle(),
        $"coupon '{Code}'");

    /// <summary>Creates or replaces the coupon; redemptions already made still count against the new quota.</summary>
    public async Task<CouponStatus> UpsertAsync(CouponDefinition coupon)
    {
        var definition = PromotionRules.Validate(coupon);
        if (!string.Equals(definition.Code, Code, StringComparison.Ordinal))
        {
            throw new DomainValidationException("code", $"'{definition.Code}' does not match the addressed coupon '{Code}'");
        }

        var catalog = await GrainFactory.GetGrainCached<IPromotionCatalogGrain>(IPromotionCatalogGrain.Key).GetAsync();
        var promotion = catalog.Promotions.FirstOrDefault(p => string.Equals(p.PromotionId, definition.PromotionId, StringComparison.Ordinal));
        if (promotion is not { CouponOnly: true })
        {
            throw new DomainValidationException(
                "promotion_id",
                promotion is null ? $"no promotion '{definition.PromotionId}'; create it first (coupon_only = true)" : $"promotion '{definition.PromotionId}' is not coupon_only");
        }

        Task durable;
        CouponStatus status;
        using (await Commits.EnterAsync())
        {
            if (Coupon.Definition != definition)
            {
                Coupon.Definition = definition;
                durable = Commits.CommitAsync();
            }
            else
            {
                durable = Commits.WhenDurableAsync();
            }

            status = Status(definition);
        }

        await durable;
        return status;
    }

    /// <summary>The coupon with its redemptions; throws <see cref="NotFoundException"/> for an unknown code.</summary>
    public async Task<CouponStatus> GetAsync()
    {
        var status = Coupon.Definition is { } definition ? Status(definition) : throw new NotFoundException("coupon", Code);
        await Commits.WhenDurableAsync();
        return status;
    }

    /// <summary>Takes one redemption for the order within quota and per-customer limit (idempotent per order id).</summary>
    public async Task<CouponRedemptionResult> RedeemAsync(CouponRedemptionRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentException.ThrowIfNullOrEmpty(request.OrderId);
        Task durable;
        CouponRedemptionResult result;
        using (await Commits.EnterAsync())
        {
            result = Decide(request, out var changed);
            durable = changed ? Commits.CommitAsync() : Commits.WhenDurableAsync();
        }

        await durable;
        return result;
    }

    /// <summary>Gives an order's redemption back to the quota and its customer's limit; an order holding none changes nothing.</summary>
    public async Task ReleaseAsync(string orderId)
    {
        ArgumentException.ThrowIfNullOrEmpty(orderId);
        Task durable;
        using (await Commits.EnterAsync())
        {
            if (!Coupon.Redemptions.Remove(orderId, out var customerId))
            {
                durable = Commits.WhenDurableAsync();
            }
            else
            {
                var remaining = Coupon.RedeemedByCustomer.GetValueOrDefault(customerId) - 1;
                if (remaining > 0)
                {
                    Coupon.RedeemedByCustomer[customerId] = remaining;
                }
                else
                {
                    Coupon.RedeemedByCustomer.Remove(customerId);
                }

                durable = Commits.CommitAsync();
            }
        }

        await durable;
    }

    private CouponRedemptionResult Decide(CouponRedemptionRequest request, out bool changed)
    {
        changed = false;
        if (Coupon.Definition is not { } definition)
        {
            return new CouponRedemptionResult(CouponRedemptionOutcome.Unknown, null);
        }

        if (Coupon.Redemptions.ContainsKey(request.OrderId))
        {
            return new CouponRedemptionResult(CouponRedemptionOutcome.Redeemed, definition.PromotionId);
        }

        var now = clock.GetUtcNow();
        if ((definition.StartsAt is { } starts && now < starts) || (definition.EndsAt is { } ends && now >= ends))
        {
            return new CouponRedemptionResult(CouponRedemptionOutcome.NotActive, definition.PromotionId);
        }

        var byCustomer = Coupon.RedeemedByCustomer.GetValueOrDefault(request.CustomerId);
        if (Coupon.Redemptions.Count >= definition.Quota || (definition.PerCustomerLimit > 0 && byCustomer >= definition.PerCustomerLimit))
        {
            return new CouponRedemptionResult(CouponRedemptionOutcome.LimitExceeded, definition.PromotionId);
        }

        Coupon.Redemptions[request.OrderId] = request.CustomerId;
        Coupon.RedeemedByCustomer[request.CustomerId] = byCustomer + 1;
        changed = true;
        return new CouponRedemptionResult(CouponRedemptionOutcome.Redeemed, definition.PromotionId);
    }

    private CouponStatus Status(CouponDefinition definition) =>
        new(definition, Coupon.Redemptions.Count, Math.Max(0, definition.Quota - Coupon.Redemptions.Count));
}

/// <summary>Persisted state of <see cref="CouponGrain"/>.</summary>
public sealed class CouponState
{
    public CouponDefinition? Definition { get; set; }

    /// <summary>The customer of each order holding a redemption, by order id: makes redeem and release idempotent.</summary>
    public Dictionary<string, string> Redemptions { get; set; } = new(StringComparer.Ordinal);

    public Dictionary<string, int> RedeemedByCustomer { get; set; } = new(StringComparer.Ordinal);
}
