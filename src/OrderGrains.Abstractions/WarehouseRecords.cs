namespace OrderGrains.Abstractions;

/// <summary>
/// What an order still needs picked in one warehouse, absolute: the warehouse replaces whatever it had for the order
/// (empty lines remove the order from the queue), so a replay changes nothing.
/// </summary>
public sealed record PickTaskSync(string OrderId, string CustomerId, string ConsolidationKey, IReadOnlyList<LineQuantity> Lines);

/// <summary>Units of one SKU of one order to pick into a package.</summary>
public sealed record PickTask(string OrderId, string Sku, int Quantity);

/// <summary>
/// One package waiting to ship, at most <c>OrderOptions.MaxUnitsPerPackage</c> units. Packages with the same
/// <paramref name="ConsolidationId"/> ship together; a consolidation holds one order unless consolidation is on.
/// </summary>
public sealed record PickPackage(string PackageId, string ConsolidationId, IReadOnlyList<PickTask> Tasks, int Units);

/// <summary>The pick tasks of one warehouse, oldest release first.</summary>
public sealed record WarehouseQueue(string WarehouseId, IReadOnlyList<PickPackage> Packages);

/// <summary>One SKU's absolute count in a stock snapshot.</summary>
public sealed record SnapshotItem(string Sku, int OnHand);

/// <summary>A whole warehouse's counts for nightly reconciliation; idempotent per <paramref name="SnapshotId"/> (used as each SKU's sync id).</summary>
public sealed record StockSnapshotCommand(string SnapshotId, IReadOnlyList<SnapshotItem> Items);

/// <summary>What an import did; SKUs not listed in the snapshot are left unchanged.</summary>
public sealed record StockSnapshotSummary(string WarehouseId, string SnapshotId, int Skus, long Units, int Shortages);
