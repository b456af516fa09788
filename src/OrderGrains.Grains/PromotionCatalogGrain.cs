using OrderGrains.Abstractions;
using OrderGrains.Storage;

namespace OrderGrains.Grains;

/// <summary>
/// Every promotion and stacking rule, in one small grain: operators change them rarely, and order grains read them
/// through the per-silo <see cref="PricingCache"/>, so this grain sees one read per silo per cache period, not one per order.
/// </summary>
[GrainType("promotion-catalog")]
public sealed class PromotionCatalogGrain(
    [PersistentState("promotions", OrderGrainsStorage.Name)] IPersistentState<PromotionCatalogState> state,
    PricingCache cache) : Grain, IPromotionCatalogGrain
{
    /// <summary>Creates or replaces a promotion by id.</summary>
    public async Task<PromotionDefinition> UpsertPromotionAsync(PromotionDefinition promotion)
    {
        var normalised = PromotionRules.Validate(promotion);
        var i = state.State.Promotions.FindIndex(p => string.Equals(p.PromotionId, normalised.PromotionId, StringComparison.Ordinal));
        if (i >= 0 && PromotionRules.Same(state.State.Promotions[i], normalised))
        {
            return state.State.Promotions[i];
        }

        if (i >= 0)
        {
            state.State.Promotions[i] = normalised;
        }
        else
        {
            state.State.Promotions.Add(normalised);
        }

        await CommitAsync();
        return normalised;
    }

    /// <summary>Creates or replaces a stacking rule by id; a promotion in another exclusive rule already is refused.</summary>
    public async Task<StackingRuleDefinition> UpsertStackingRuleAsync(StackingRuleDefinition rule)
    {
        var normalised = PromotionRules.Validate(rule, state.State.StackingRules);
        var i = state.State.StackingRules.FindIndex(r => string.Equals(r.RuleId, normalised.RuleId, StringComparison.Ordinal));
        if (i >= 0)
        {
            state.State.StackingRules[i] = normalised;
        }
        else
        {
            state.State.StackingRules.Add(normalised);
        }

        await CommitAsync();
        return normalised;
    }

    /// <summary>The whole catalog.</summary>
    public Task<PromotionCatalog> GetAsync() => Task.FromResult(Snapshot());

    private async Task CommitAsync()
    {
        state.State.Version++;
        await state.WriteStateAsync();
        cache.Put(Snapshot());
    }

    private PromotionCatalog Snapshot() => new([.. state.State.Promotions], [.. state.State.StackingRules], state.State.Version);
}

/// <summary>Persisted state of <see cref="PromotionCatalogGrain"/>.</summary>
public sealed class PromotionCatalogState
{
    public List<PromotionDefinition> Promotions { get; set; } = [];

    public List<StackingRuleDefinition> StackingRules { get; set; } = [];

    public long Version { get; set; }
}
