using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using OrderGrains.Abstractions;

namespace OrderGrains.Grains;

/// <summary>
/// What one silo knows of list prices and the promotion set, so placing an order costs no pricing call in the steady
/// state: an entry is trusted for <see cref="PricingOptions.CacheDuration"/>, then read again from its grain (concurrent
/// misses share one read). The price-list and catalog grains put every change of theirs into the cache of the silo they
/// run on, so that silo sees it at once; other silos see it once their entry is due.
/// </summary>
public sealed class PricingCache(TimeProvider clock, IOptions<PricingOptions> options)
{
    private readonly ConcurrentDictionary<string, Entry<SkuPriceList>> _prices = new(StringComparer.Ordinal);
    private Entry<PromotionCatalog>? _catalog;

    /// <summary>The promotion set, at most <see cref="PricingOptions.CacheDuration"/> old.</summary>
    public Task<PromotionCatalog> CatalogAsync(IGrainFactory grains)
    {
        var now = clock.GetUtcNow();
        var entry = Volatile.Read(ref _catalog);
        if (entry is not null && Fresh(entry, now))
        {
            return entry.Value;
        }

        // Only the entry that wins the exchange starts its read, so concurrent misses share one grain call.
        var fresh = new Entry<PromotionCatalog>(new Lazy<Task<PromotionCatalog>>(() => grains.GetGrainCached<IPromotionCatalogGrain>(IPromotionCatalogGrain.Key).GetAsync()), now);
        Interlocked.CompareExchange(ref _catalog, fresh, entry);
        return Volatile.Read(ref _catalog)!.Value;
    }

    /// <summary>The list prices of <paramref name="sku"/>, at most <see cref="PricingOptions.CacheDuration"/> old.</summary>
    public Task<SkuPriceList> PricesAsync(IGrainFactory grains, string sku)
    {
        var now = clock.GetUtcNow();
        if (_prices.TryGetValue(sku, out var entry) && Fresh(entry, now))
        {
            return entry.Value;
        }

        var fresh = new Entry<SkuPriceList>(new Lazy<Task<SkuPriceList>>(() => grains.GetGrainCached<IPriceListGrain>(sku).GetAsync()), now);
        return _prices.AddOrUpdate(sku, fresh, (_, current) => current == entry ? fresh : current).Value;
    }

    /// <summary>A catalog change made on this silo: trusted from now on.</summary>
    public void Put(PromotionCatalog catalog)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        _catalog = new Entry<PromotionCatalog>(new Lazy<Task<PromotionCatalog>>(Task.FromResult(catalog)), clock.GetUtcNow());
    }

    /// <summary>A price change made on this silo: trusted from now on.</summary>
    public void Put(SkuPriceList prices)
    {
        ArgumentNullException.ThrowIfNull(prices);
        _prices[prices.Sku] = new Entry<SkuPriceList>(new Lazy<Task<SkuPriceList>>(Task.FromResult(prices)), clock.GetUtcNow());
    }

    // A failed read is never trusted: the next order asks again.
    private bool Fresh<T>(Entry<T> entry, DateTimeOffset now) =>
        !entry.Value.IsFaulted && !entry.Value.IsCanceled && now - entry.ReadAt < options.Value.CacheDuration;

    private sealed class Entry<T>(Lazy<Task<T>> read, DateTimeOffset readAt)
    {
        /// <summary>The read, started by the first caller that asks for it.</summary>
        public Task<T> Value => read.Value;

        public DateTimeOffset ReadAt { get; } = readAt;
    }
}
