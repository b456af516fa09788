using OrderGrains.Runtime;

namespace OrderGrains.Abstractions;

/// <summary>The stock pool of one SKU over all warehouses (key = SKU); reservations are keyed by order id.</summary>
public interface ISkuStockGrain : IGrainWithStringKey
{
    /// <summary>Sets the absolute on-hand count in one warehouse (idempotent per sync id).</summary>
    Task<SkuAvailability> SetStockAsync(SetStockCommand command);

    /// <summary>Returns the SKU's availability; throws <see cref="NotFoundException"/> for a SKU never given stock.</summary>
    [ReadOnly]
    Task<SkuAvailability> GetAvailabilityAsync();

    /// <summary>Reserves one order line all or nothing (idempotent per order id).</summary>
    Task<StockReservationResult> ReserveAsync(StockReservationRequest request);

    /// <summary>Releases what an order holds; a no-op for an order holding nothing.</summary>
    Task ReleaseAsync(string orderId);
}
