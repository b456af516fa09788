using Orleans.Concurrency;

namespace OrderGrains.Abstractions;

/// <summary>The stock pool of one SKU over all warehouses (key = SKU); reservations are keyed by order id.</summary>
public interface ISkuStockGrain : IGrainWithStringKey
{
    /// <summary>Sets the absolute on-hand count in one warehouse (idempotent per sync id).</summary>
    Task<SkuAvailability> SetStockAsync(SetStockCommand command);

    /// <summary>Returns the SKU's availability; throws <see cref="NotFoundException"/> for a SKU never given stock.</summary>
    [ReadOnly]
    Task<SkuAvailability> GetAvailabilityAsync();

    /// <summary>Reserves one order line all or nothing, or with its shortfall backordered when the sale policy or channel allows (idempotent per order id).</summary>
    Task<StockReservationResult> ReserveAsync(StockReservationRequest request);

    /// <summary>Releases what an order holds; a no-op for an order holding nothing.</summary>
    Task ReleaseAsync(string orderId);

    /// <summary>Adds a delta to one warehouse's on-hand (idempotent per adjustment id); a drop below reserved re-sources or backorders.</summary>
    Task<SkuAvailability> AdjustStockAsync(AdjustStockCommand command);

    /// <summary>Ships units of an order from a warehouse: on-hand and reserved both drop (idempotent per shipment id).</summary>
    Task<StockReservation?> DeductAsync(StockDeduction deduction);

    /// <summary>Gives up backordered units of an order (then reserved ones, if a restock filled them meanwhile); idempotent per cancellation id.</summary>
    Task<StockReservation?> CancelUnitsAsync(string orderId, string cancellationId, int quantity);

    /// <summary>Puts returned resalable units back on hand (idempotent per order and RMA); waiting backorders are filled first.</summary>
    Task<SkuAvailability> RestockReturnAsync(ReturnRestock restock);

    /// <summary>What an order holds of this SKU, or null.</summary>
    [ReadOnly]
    Task<StockReservation?> GetReservationAsync(string orderId);

    /// <summary>The most recent movements (at most <paramref name="limit"/>), the movement count and the invariant violations.</summary>
    [ReadOnly]
    Task<StockLedger> GetLedgerAsync(int limit);

    /// <summary>Sets the low-stock threshold (null removes it) and checks it at once; see <see cref="LowStockThreshold"/>.</summary>
    Task<LowStockStatus> SetLowStockThresholdAsync(LowStockThreshold? threshold);

    /// <summary>The threshold, the recent sales rate, days of cover and whether a low-stock alert is open.</summary>
    [ReadOnly]
    Task<LowStockStatus> GetLowStockStatusAsync();

    /// <summary>Sets how the SKU sells beyond its stock (backorders, presale limit); see <see cref="SkuSalePolicy"/>.</summary>
    Task<SkuAvailability> SetSalePolicyAsync(SkuSalePolicy policy);

    /// <summary>Replaces the SKU's channel split (empty removes it); see <see cref="ChannelStockShare"/>.</summary>
    Task<SkuAvailability> SetChannelSharesAsync(IReadOnlyList<ChannelStockShare> shares);

    /// <summary>The availability as <paramref name="channel"/> sees it: its available-to-promise in <see cref="SkuAvailability.ChannelAvailable"/>.</summary>
    [ReadOnly]
    Task<SkuAvailability> GetChannelAvailabilityAsync(string channel);

    /// <summary>
    /// Tells the pool that this silo refused orders for it OUT_OF_STOCK (counted in <c>OutOfStockTally</c>): it raises
    /// the rate-limited alert when one is due. Sent at most once per interval per SKU, never awaited.
    /// </summary>
    [OneWay]
    Task NoteOutOfStockAsync();
}
