using Orleans.Concurrency;

namespace OrderGrains.Abstractions;

/// <summary>Every promotion and stacking rule; a single grain keyed <see cref="Key"/>. Order grains read it through a per-silo cache.</summary>
public interface IPromotionCatalogGrain : IGrainWithStringKey
{
    /// <summary>The one key of this grain.</summary>
    public const string Key = "all";

    /// <summary>Creates or replaces a promotion by id.</summary>
    Task<PromotionDefinition> UpsertPromotionAsync(PromotionDefinition promotion);

    /// <summary>Creates or replaces a stacking rule by id; a promotion in another exclusive rule already is refused.</summary>
    Task<StackingRuleDefinition> UpsertStackingRuleAsync(StackingRuleDefinition rule);

    /// <summary>The whole catalog.</summary>
    [ReadOnly]
    Task<PromotionCatalog> GetAsync();
}
