using OrderGrains.Abstractions;
using OrderGrains.Storage;

namespace OrderGrains.Grains;

/// <summary>All warehouses in one place, versioned, so SKU pools can cache the list and ask only for newer versions.</summary>
[GrainType("warehouse-directory")]
public sealed class WarehouseDirectoryGrain(
    [PersistentState("directory", OrderGrainsStorage.Name)] IPersistentState<WarehouseDirectoryState> state) : Grain, IWarehouseDirectoryGrain
{
    /// <summary>Adds or replaces a warehouse; an unchanged warehouse does not change the version.</summary>
    public async Task<long> UpsertAsync(WarehouseInfo warehouse)
    {
        ArgumentNullException.ThrowIfNull(warehouse);
        if (state.State.Warehouses.TryGetValue(warehouse.WarehouseId, out var existing) && existing == warehouse)
        {
            return state.State.Version;
        }

        state.State.Warehouses[warehouse.WarehouseId] = warehouse;
        state.State.Version++;
        await state.WriteOrDeactivateAsync(this);

        return state.State.Version;
    }

    /// <summary>Returns every warehouse.</summary>
    public Task<WarehouseDirectorySnapshot> GetAsync() =>
        Task.FromResult(new WarehouseDirectorySnapshot(state.State.Version, [.. state.State.Warehouses.Values]));

    /// <summary>Returns every warehouse, or null when the caller's version is current.</summary>
    public Task<WarehouseDirectorySnapshot?> GetIfChangedAsync(long knownVersion) =>
        Task.FromResult(knownVersion == state.State.Version
            ? null
            : new WarehouseDirectorySnapshot(state.State.Version, [.. state.State.Warehouses.Values]));
}
