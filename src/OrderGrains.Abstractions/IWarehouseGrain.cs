using OrderGrains.Runtime;

namespace OrderGrains.Abstractions;

/// <summary>One warehouse (key = warehouse id).</summary>
public interface IWarehouseGrain : IGrainWithStringKey
{
    /// <summary>Creates or replaces the warehouse and publishes it to the warehouse directory.</summary>
    Task<WarehouseInfo> UpsertAsync(WarehouseInfo warehouse);

    /// <summary>Returns the warehouse; throws <see cref="NotFoundException"/> when it was never created.</summary>
    [ReadOnly]
    Task<WarehouseInfo> GetAsync();
}
