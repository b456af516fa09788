namespace OrderGrains.Abstractions;

/// <summary>A warehouse: location in WGS84 degrees; inactive warehouses keep their stock but get no new allocations.</summary>
public sealed record WarehouseInfo(string WarehouseId, string Name, double Latitude, double Longitude, bool Active);

/// <summary>Every warehouse, with a version that grows with every change (SKU pools cache it by version).</summary>
public sealed record WarehouseDirectorySnapshot(long Version, IReadOnlyList<WarehouseInfo> Warehouses);

/// <summary>SetStock: absolute units on hand of one SKU in one warehouse; idempotent per <paramref name="SyncId"/>.</summary>
public sealed record SetStockCommand(string WarehouseId, int OnHand, string SyncId);

/// <summary>Stock of one SKU in one warehouse; <paramref name="Available"/> = on hand − reserved.</summary>
public sealed record WarehouseStock(string WarehouseId, int OnHand, int Reserved, int Available);

/// <summary>Stock of one SKU summed over all warehouses, active or not, with the per-warehouse split.</summary>
public sealed record SkuAvailability(string Sku, int OnHand, int Reserved, int Available, IReadOnlyList<WarehouseStock> Warehouses);

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

/// <summary>The outcome of a reservation and, when reserved, where the units come from.</summary>
public sealed record StockReservationResult(StockReservationOutcome Outcome, IReadOnlyList<WarehouseQuantity> Allocations);
