namespace OrderGrains.Abstractions;

/// <summary>
/// What an order still needs picked in one warehouse, absolute: the warehouse replaces whatever it had for the order
/// (empty lines remove the order from the queue), so a replay changes nothing.
/// </summary>
[GenerateSerializer]
[Immutable]
[Alias("ordergrains.PickTaskSync")]
public sealed record PickTaskSync([property: Id(0)] string OrderId, [property: Id(1)] string CustomerId, [property: Id(2)] string ConsolidationKey, [property: Id(3)] IReadOnlyList<LineQuantity> Lines);

/// <summary>Units of one SKU of one order to pick into a package.</summary>
[GenerateSerializer]
[Immutable]
[Alias("ordergrains.PickTask")]
public sealed record PickTask([property: Id(0)] string OrderId, [property: Id(1)] string Sku, [property: Id(2)] int Quantity);

/// <summary>
/// One package waiting to ship, at most <c>OrderOptions.MaxUnitsPerPackage</c> units. Packages with the same
/// <paramref name="ConsolidationId"/> ship together; a consolidation holds one order unless consolidation is on.
/// </summary>
[GenerateSerializer]
[Immutable]
[Alias("ordergrains.PickPackage")]
public sealed record PickPackage([property: Id(0)] string PackageId, [property: Id(1)] string ConsolidationId, [property: Id(2)] IReadOnlyList<PickTask> Tasks, [property: Id(3)] int Units);

/// <summary>The pick tasks of one warehouse, oldest release first.</summary>
[GenerateSerializer]
[Immutable]
[Alias("ordergrains.WarehouseQueue")]
public sealed record WarehouseQueue([property: Id(0)] string WarehouseId, [property: Id(1)] IReadOnlyList<PickPackage> Packages);

/// <summary>One SKU's absolute count in a stock snapshot.</summary>
[GenerateSerializer]
[Immutable]
[Alias("ordergrains.SnapshotItem")]
public sealed record SnapshotItem([property: Id(0)] string Sku, [property: Id(1)] int OnHand);

/// <summary>A whole warehouse's counts for nightly reconciliation; idempotent per <paramref name="SnapshotId"/> (used as each SKU's sync id).</summary>
[GenerateSerializer]
[Immutable]
[Alias("ordergrains.StockSnapshotCommand")]
public sealed record StockSnapshotCommand([property: Id(0)] string SnapshotId, [property: Id(1)] IReadOnlyList<SnapshotItem> Items);

/// <summary>What an import did; SKUs not listed in the snapshot are left unchanged.</summary>
[GenerateSerializer]
[Immutable]
[Alias("ordergrains.StockSnapshotSummary")]
public sealed record StockSnapshotSummary([property: Id(0)] string WarehouseId, [property: Id(1)] string SnapshotId, [property: Id(2)] int Skus, [property: Id(3)] long Units, [property: Id(4)] int Shortages);
