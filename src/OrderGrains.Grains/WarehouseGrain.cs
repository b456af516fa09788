using OrderGrains.Abstractions;
using OrderGrains.Runtime;

namespace OrderGrains.Grains;

/// <summary>One warehouse's master data; every upsert is pushed to the <see cref="IWarehouseDirectoryGrain"/>.</summary>
[GrainType("warehouse")]
public sealed class WarehouseGrain(
    [PersistentState("warehouse")] IPersistentState<WarehouseState> state) : Grain, IWarehouseGrain
{
    /// <summary>Creates or replaces the warehouse, then publishes it to the directory (idempotent, so a retry repairs a failed publish).</summary>
    public async Task<WarehouseInfo> UpsertAsync(WarehouseInfo warehouse)
    {
        if (warehouse is null)
        {
            throw new DomainValidationException("warehouse", "is required");
        }

        if (!string.Equals(warehouse.WarehouseId, GetPrimaryKeyString(), StringComparison.Ordinal))
        {
            throw new DomainValidationException("warehouse_id", $"'{warehouse.WarehouseId}' does not match the addressed warehouse '{GetPrimaryKeyString()}'");
        }

        if (string.IsNullOrWhiteSpace(warehouse.WarehouseId))
        {
            throw new DomainValidationException("warehouse_id", "is required");
        }

        if (!double.IsFinite(warehouse.Latitude) || warehouse.Latitude is < -90 or > 90)
        {
            throw new DomainValidationException("latitude", "must be between -90 and 90 degrees");
        }

        if (!double.IsFinite(warehouse.Longitude) || warehouse.Longitude is < -180 or > 180)
        {
            throw new DomainValidationException("longitude", "must be between -180 and 180 degrees");
        }

        if (state.State.Warehouse != warehouse)
        {
            state.State.Warehouse = warehouse;
            try
            {
                await state.WriteStateAsync();
            }
            catch (Exception)
            {
                DeactivateOnIdle();
                throw;
            }
        }

        await GrainFactory.GetGrain<IWarehouseDirectoryGrain>(IWarehouseDirectoryGrain.Key).UpsertAsync(warehouse);
        return warehouse;
    }

    /// <summary>Returns the warehouse or throws <see cref="NotFoundException"/>.</summary>
    public Task<WarehouseInfo> GetAsync() =>
        state.State.Warehouse is { } warehouse
            ? Task.FromResult(warehouse)
            : throw new NotFoundException("warehouse", GetPrimaryKeyString());
}
