using OrderGrains.Abstractions;
using OrderGrains.Storage;

namespace OrderGrains.Grains;

/// <summary>
/// The list prices of one SKU, one per currency, set by price syncs as absolute values (like stock counts). A sync id
/// seen before changes nothing, so a replayed message never overwrites a newer price.
/// </summary>
[GrainType("price-list")]
public sealed class PriceListGrain(
    [PersistentState("prices", OrderGrainsStorage.Name)] IPersistentState<PriceListState> state,
    PricingCache cache) : Grain, IPriceListGrain
{
    /// <summary>Sync ids remembered to recognise replays (the oldest is forgotten first).</summary>
    public const int RememberedSyncIds = 256;

    private string Sku => this.GetPrimaryKeyString();

    /// <summary>Sets the absolute list price in one currency (0 removes it); a replayed sync id changes nothing.</summary>
    public async Task<SkuPriceList> SetAsync(SetListPriceCommand command)
    {
        Validate(command);
        if (state.State.RecentSyncIds.Contains(command.SyncId, StringComparer.Ordinal))
        {
            return Snapshot();
        }

        if (command.ListPriceMinor == 0)
        {
            state.State.Prices.Remove(command.Currency);
        }
        else
        {
            state.State.Prices[command.Currency] = command.ListPriceMinor;
        }

        state.State.RecentSyncIds.Add(command.SyncId);
        if (state.State.RecentSyncIds.Count > RememberedSyncIds)
        {
            state.State.RecentSyncIds.RemoveAt(0);
        }

        state.State.Version++;
        await state.WriteStateAsync();
        var snapshot = Snapshot();
        cache.Put(snapshot);
        return snapshot;
    }

    /// <summary>The SKU's list prices; empty when it has none.</summary>
    public Task<SkuPriceList> GetAsync() => Task.FromResult(Snapshot());

    /// <summary>Checks a price sync; each failure names the wire field.</summary>
    public static void Validate(SetListPriceCommand? command)
    {
        if (command is null)
        {
            throw new DomainValidationException("request", "is required");
        }

        if (string.IsNullOrWhiteSpace(command.Currency) || command.Currency.Length != 3 || !command.Currency.All(char.IsAsciiLetterUpper))
        {
            throw new DomainValidationException("currency", $"'{command.Currency}' must be a three-letter ISO 4217 code such as EUR");
        }

        if (command.ListPriceMinor < 0)
        {
            throw new DomainValidationException("list_price_minor", $"{command.ListPriceMinor} must not be negative (0 removes the price)");
        }

        if (string.IsNullOrWhiteSpace(command.SyncId))
        {
            throw new DomainValidationException("sync_id", "is required");
        }
    }

    private SkuPriceList Snapshot() =>
        new(Sku, [.. state.State.Prices.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => new ListPrice(p.Key, p.Value))], state.State.Version);
}

/// <summary>Persisted state of <see cref="PriceListGrain"/>.</summary>
public sealed class PriceListState
{
    /// <summary>List price per ISO currency code, minor units.</summary>
    public Dictionary<string, long> Prices { get; set; } = new(StringComparer.Ordinal);

    /// <summary>The latest sync ids applied, oldest first.</summary>
    public List<string> RecentSyncIds { get; set; } = [];

    public long Version { get; set; }
}
