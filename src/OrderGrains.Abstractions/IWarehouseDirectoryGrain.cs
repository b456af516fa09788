using Orleans.Concurrency;

namespace OrderGrains.Abstractions;

/// <summary>The list of all warehouses that SKU pools source from; a single grain keyed <see cref="Key"/>.</summary>
public interface IWarehouseDirectoryGrain : IGrainWithStringKey
{
    /// <summary>The one key of this grain.</summary>
    public const string Key = "all";

    /// <summary>Adds or replaces a warehouse (called by <see cref="IWarehouseGrain"/>); returns the directory version.</summary>
    Task<long> UpsertAsync(WarehouseInfo warehouse);

    /// <summary>Returns every warehouse.</summary>
    [ReadOnly]
    Task<WarehouseDirectorySnapshot> GetAsync();

    /// <summary>Returns every warehouse, or null when the version is still <paramref name="knownVersion"/>.</summary>
    [ReadOnly]
    Task<WarehouseDirectorySnapshot?> GetIfChangedAsync(long knownVersion);
}
