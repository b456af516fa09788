using OrderGrains.Abstractions;

namespace OrderGrains.Grains;

/// <summary>Persisted state of <see cref="SkuStockGrain"/>. Invariant per warehouse: 0 ≤ Reserved ≤ OnHand.</summary>
public sealed class SkuStockState
{
    public Dictionary<string, WarehouseStockEntry> Warehouses { get; set; } = new(StringComparer.Ordinal);

    /// <summary>What each order holds, by order id: makes reserve and release idempotent.</summary>
    public Dictionary<string, List<WarehouseQuantity>> Reservations { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>One SKU's stock in one warehouse.</summary>
public sealed class WarehouseStockEntry
{
    public int OnHand { get; set; }

    public int Reserved { get; set; }

    /// <summary>The latest SetStock sync ids, oldest first (bounded by <see cref="OrderOptions.RememberedSyncIdsPerWarehouse"/>).</summary>
    public List<string> RecentSyncIds { get; set; } = [];
}

/// <summary>Persisted state of <see cref="WarehouseGrain"/>.</summary>
public sealed class WarehouseState
{
    public WarehouseInfo? Warehouse { get; set; }
}

/// <summary>Persisted state of <see cref="WarehouseDirectoryGrain"/>.</summary>
public sealed class WarehouseDirectoryState
{
    public Dictionary<string, WarehouseInfo> Warehouses { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Grows with every change, so caches can tell whether they are current.</summary>
    public long Version { get; set; }
}
