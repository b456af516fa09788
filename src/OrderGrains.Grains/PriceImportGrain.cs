using OrderGrains.Abstractions;
using Orleans.Concurrency;

namespace OrderGrains.Grains;

/// <summary>
/// Fans a price import out to the SKUs' <see cref="PriceListGrain"/>s, a bounded number at a time. Each SKU treats the
/// import id as the sync id of a price sync, so a replayed import changes nothing and a newer price is never overwritten.
/// </summary>
[GrainType("price-import")]
[StatelessWorker]
public sealed class PriceImportGrain : Grain, IPriceImportGrain
{
    /// <summary>Most SKUs one import may hold.</summary>
    public const int MaxItems = 10_000;

    private const int Parallelism = 64;

    /// <summary>Checks every item first (naming the first bad one), then sets the prices.</summary>
    public async Task<int> ImportAsync(PriceListImportCommand command)
    {
        if (command is null)
        {
            throw new DomainValidationException("request", "is required");
        }

        if (string.IsNullOrWhiteSpace(command.ImportId))
        {
            throw new DomainValidationException("import_id", "is required");
        }

        var items = command.Items ?? [];
        if (items.Count == 0 || items.Count > MaxItems)
        {
            throw new DomainValidationException("items", $"holds {items.Count} prices; between 1 and {MaxItems} are allowed");
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < items.Count; i++)
        {
            if (string.IsNullOrWhiteSpace(items[i]?.Sku))
            {
                throw new DomainValidationException($"items[{i}].sku", "is required");
            }

            if (!seen.Add(items[i].Sku))
            {
                throw new DomainValidationException($"items[{i}].sku", $"SKU '{items[i].Sku}' appears on an earlier item");
            }

            try
            {
                PriceListGrain.Validate(new SetListPriceCommand(command.Currency, items[i].ListPriceMinor, command.ImportId));
            }
            catch (DomainValidationException error) when (error.Field == "list_price_minor")
            {
                throw new DomainValidationException($"items[{i}].list_price_minor", error.Reason, error);
            }
        }

        foreach (var chunk in items.Chunk(Parallelism))
        {
            await Task.WhenAll(chunk.Select(item =>
                GrainFactory.GetGrainCached<IPriceListGrain>(item.Sku).SetAsync(new SetListPriceCommand(command.Currency, item.ListPriceMinor, command.ImportId))));
        }

        return items.Count;
    }
}
