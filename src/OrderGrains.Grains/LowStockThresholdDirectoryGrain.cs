using OrderGrains.Abstractions;
using OrderGrains.Storage;

namespace OrderGrains.Grains;

/// <summary>The SKUs that have a low-stock threshold, for listing; the SKU pools own the thresholds and tell it of every change.</summary>
[GrainType("low-stock-thresholds")]
public sealed class LowStockThresholdDirectoryGrain(
    [PersistentState("thresholds", OrderGrainsStorage.Name)] IPersistentState<LowStockThresholdDirectoryState> state) : Grain, ILowStockThresholdDirectoryGrain
{
    /// <summary>Records or forgets a SKU's threshold; the same value again writes nothing.</summary>
    public async Task RecordAsync(string sku, LowStockThreshold? threshold)
    {
        ArgumentException.ThrowIfNullOrEmpty(sku);
        var known = state.State.Thresholds.GetValueOrDefault(sku);
        if (known == threshold)
        {
            return;
        }

        if (threshold is null)
        {
            state.State.Thresholds.Remove(sku);
        }
        else
        {
            state.State.Thresholds[sku] = threshold;
        }

        await state.WriteOrDeactivateAsync(this);
    }

    /// <summary>Every SKU with a threshold, by SKU.</summary>
    public Task<IReadOnlyList<SkuThreshold>> ListAsync() =>
        Task.FromResult<IReadOnlyList<SkuThreshold>>([.. state.State.Thresholds.OrderBy(t => t.Key, StringComparer.Ordinal).Select(t => new SkuThreshold(t.Key, t.Value))]);
}

/// <summary>Persisted state of <see cref="LowStockThresholdDirectoryGrain"/>.</summary>
public sealed class LowStockThresholdDirectoryState
{
    public Dictionary<string, LowStockThreshold> Thresholds { get; set; } = new(StringComparer.Ordinal);
}
