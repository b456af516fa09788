using Orleans.Concurrency;

namespace OrderGrains.Abstractions;

/// <summary>The list prices of one SKU, one per currency (key = SKU), synced like stock.</summary>
public interface IPriceListGrain : IGrainWithStringKey
{
    /// <summary>Sets the absolute list price in one currency (0 removes it); a replayed sync id changes nothing.</summary>
    Task<SkuPriceList> SetAsync(SetListPriceCommand command);

    /// <summary>The SKU's list prices; empty when it has none.</summary>
    [ReadOnly]
    Task<SkuPriceList> GetAsync();
}
