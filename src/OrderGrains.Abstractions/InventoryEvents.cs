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
[GenerateSerializer]
[Immutable]
[Alias("ordergrains.ShortageAlert")]
public sealed record ShortageAlert([property: Id(0)] string Sku, [property: Id(1)] string WarehouseId, [property: Id(2)] int Shortfall, [property: Id(3)] string Cause, [property: Id(4)] DateTimeOffset At);
