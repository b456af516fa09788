namespace OrderGrains.Abstractions;

/// <summary>A warehouse: location in WGS84 degrees; inactive warehouses keep their stock but get no new allocations.</summary>
public sealed record WarehouseInfo(string WarehouseId, string Name, double Latitude, double Longitude, bool Active);

/// <summary>Every warehouse, with a version that grows with every change (SKU pools cache it by version).</summary>
public sealed record WarehouseDirectorySnapshot(long Version, IReadOnlyList<WarehouseInfo> Warehouses);

/// <summary>SetStock: absolute units on hand of one SKU in one warehouse; idempotent per <paramref name="SyncId"/>.</summary>
public sealed record SetStockCommand(string WarehouseId, int OnHand, string SyncId);

/// <summary>Stock of one SKU in one warehouse; <paramref name="Available"/> = on hand − reserved.</summary>
public sealed record WarehouseStock(string WarehouseId, int OnHand, int Reserved, int Available);

/// <summary>
/// Stock of one SKU summed over all warehouses, active or not, with the per-warehouse split. <paramref name="Backordered"/>
/// counts units orders wait for that no warehouse has (not included in <paramref name="Reserved"/>).
/// </summary>
public sealed record SkuAvailability(string Sku, int OnHand, int Reserved, int Available, IReadOnlyList<WarehouseStock> Warehouses, int Backordered = 0);

/// <summary>Asks a SKU pool to reserve one order line, sourced nearest to the ship-to coordinates.</summary>
public sealed record StockReservationRequest(string OrderId, int Quantity, double Latitude, double Longitude);

/// <summary>How a stock reservation ended. Numbers are persisted by the order saga.</summary>
public enum StockReservationOutcome
{
    Unspecified = 0,
    Reserved = 1,
    OutOfStock = 2,
    UnknownSku = 3,
}

/// <summary>Units taken from one warehouse.</summary>
public sealed record WarehouseQuantity(string WarehouseId, int Quantity);

/// <summary>The outcome of a reservation and, when reserved, where the units come from and the reservation's version.</summary>
public sealed record StockReservationResult(StockReservationOutcome Outcome, IReadOnlyList<WarehouseQuantity> Allocations, long Version = 0);

/// <summary>Why stock changed by a delta. Numbers are the wire's and persisted.</summary>
public enum StockAdjustmentReason
{
    Unspecified = 0,
    Received = 1,
    Damaged = 2,
    CountCorrection = 3,

    /// <summary>A picker found fewer units than the system expected.</summary>
    ShortPick = 4,
}

/// <summary>AdjustStock: adds <paramref name="Delta"/> (may be negative) to one warehouse's on-hand; idempotent per <paramref name="AdjustmentId"/>.</summary>
public sealed record AdjustStockCommand(string WarehouseId, int Delta, StockAdjustmentReason Reason, string AdjustmentId);

/// <summary>
/// What one order holds of one SKU: units still to ship per warehouse and units backordered. <paramref name="Version"/>
/// grows with every change, so an order can ignore an older report that arrives late.
/// </summary>
public sealed record StockReservation(string OrderId, long Version, IReadOnlyList<WarehouseQuantity> Allocations, int Backordered);

/// <summary>Tells an order that a SKU pool moved its reservation (re-sourced, backordered or filled from a restock).</summary>
public sealed record StockReservationChange(string Sku, StockReservation Reservation, string Cause);

/// <summary>Takes shipped units out of a warehouse and out of the order's reservation; idempotent per shipment id.</summary>
public sealed record StockDeduction(string OrderId, string ShipmentId, string WarehouseId, int Quantity);

/// <summary>Puts returned resalable units back on hand; idempotent per (order, RMA).</summary>
public sealed record ReturnRestock(string OrderId, string RmaId, string WarehouseId, int Quantity);

/// <summary>Kinds of SKU ledger movements. Persisted: numbers are never reused.</summary>
public enum StockMovementKind
{
    Unspecified = 0,
    Reserve = 1,
    Release = 2,
    Deduct = 3,
    Adjust = 4,
    Restock = 5,
    SetStock = 6,

    /// <summary>Reserved units moved to another warehouse after a shortage.</summary>
    Resource = 7,

    /// <summary>Reserved units lost to a shortage that no warehouse could cover.</summary>
    Backorder = 8,

    /// <summary>Backordered units reserved again from new stock.</summary>
    FillBackorder = 9,

    /// <summary>Backordered units the customer cancelled.</summary>
    CancelBackorder = 10,
}

/// <summary>One movement of a SKU pool: <paramref name="Reference"/> is the causing order, sync, adjustment, shipment or RMA id.</summary>
public sealed record StockMovement(
    long Sequence,
    DateTimeOffset At,
    StockMovementKind Kind,
    string WarehouseId,
    int Quantity,
    string? OrderId,
    string Reference);

/// <summary>
/// A SKU pool's recent movements (newest last, bounded), the count of every movement ever, and how many invariant
/// checks failed (each also logged as an error; nothing is repaired silently).
/// </summary>
public sealed record StockLedger(string Sku, IReadOnlyList<StockMovement> Recent, long TotalMovements, long InvariantViolations);
