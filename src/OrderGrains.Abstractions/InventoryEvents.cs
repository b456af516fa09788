namespace OrderGrains.Abstractions;

/// <summary>The durable stream of inventory alerts: namespace "inventory-alerts", one stream per SKU.</summary>
public static class InventoryStreams
{
    public const string AlertsNamespace = "inventory-alerts";
}

/// <summary>
/// A warehouse's on-hand fell below what is reserved there: <paramref name="Shortfall"/> units had to be re-sourced
/// or backordered. <paramref name="Cause"/> names the sync, adjustment or shipment that revealed it.
/// </summary>
public sealed record ShortageAlert(string Sku, string WarehouseId, int Shortfall, string Cause, DateTimeOffset At);
