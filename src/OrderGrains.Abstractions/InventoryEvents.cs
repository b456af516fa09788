namespace OrderGrains.Abstractions;

/// <summary>The durable stream of inventory alerts: namespace "inventory-alerts", one stream per SKU.</summary>
public static class InventoryStreams
{
    public const string AlertsNamespace = "inventory-alerts";
}

/// <summary>
/// A warehouse's on-hand fell below what is reserved there: <paramref name="Shortfall"/> units had to be re-sourced
/// or backordered. <paramref name="Cause"/> names the sync, adjustment or shipment that revealed it.
/// <paramref name="Backordered"/> of them found no other warehouse (0 in events written before it was recorded).
/// </summary>
[GenerateSerializer]
[Immutable]
[Alias("ordergrains.ShortageAlert")]
public sealed record ShortageAlert([property: Id(0)] string Sku, [property: Id(1)] string WarehouseId, [property: Id(2)] int Shortfall, [property: Id(3)] string Cause, [property: Id(4)] DateTimeOffset At, [property: Id(5)] int Backordered = 0);

/// <summary>
/// The SKU's available units crossed its low-stock threshold downward. Raised once per crossing; the pool re-arms
/// when stock is back above it (<see cref="LowStockRecovered"/>). <paramref name="DaysOfCover"/> is null when nothing
/// sold in the window.
/// </summary>
[GenerateSerializer]
[Immutable]
[Alias("ordergrains.LowStockAlert")]
public sealed record LowStockAlert(
    [property: Id(0)] string Sku,
    [property: Id(1)] int Available,
    [property: Id(2)] LowStockThreshold Threshold,
    [property: Id(3)] double UnitsPerDay,
    [property: Id(4)] double? DaysOfCover,
    [property: Id(5)] DateTimeOffset At);

/// <summary>Available stock is above the threshold again (or the threshold was removed): the low-stock alert <paramref name="AlertId"/> is over.</summary>
[GenerateSerializer]
[Immutable]
[Alias("ordergrains.LowStockRecovered")]
public sealed record LowStockRecovered([property: Id(0)] string Sku, [property: Id(1)] string AlertId, [property: Id(2)] int Available, [property: Id(3)] DateTimeOffset At);

/// <summary>
/// Orders for the SKU were refused OUT_OF_STOCK: <paramref name="Rejections"/> line refusals since
/// <paramref name="Since"/>, summed up to one alert per SKU per <c>OutOfStockAlertInterval</c>.
/// </summary>
[GenerateSerializer]
[Immutable]
[Alias("ordergrains.OutOfStockAlert")]
public sealed record OutOfStockAlert([property: Id(0)] string Sku, [property: Id(1)] long Rejections, [property: Id(2)] DateTimeOffset Since, [property: Id(3)] DateTimeOffset At);

/// <summary>
/// The sold-out hints of the silo it runs on (one instance per silo, an Orleans grain service): other silos tell it
/// when a hot grain of theirs turned sold out or available again, so every silo's intake refuses sold-out orders
/// without a call to the silo that hosts the hot grain.
/// </summary>
public interface IStockHintsService : Orleans.Services.IGrainService
{
    /// <summary>Applies a hint from another silo (fire and forget: a lost hint only sends orders down the full path until the next one).</summary>
    [Orleans.Concurrency.OneWay]
    Task ApplyAsync(StockHintUpdate update);
}

/// <summary>
/// A hot grain's figure for other silos: a SKU's free units (<paramref name="Campaign"/> null) or a campaign's remaining
/// quota for <paramref name="Sku"/> within its window; <paramref name="Forget"/> drops a closed campaign's hint.
/// </summary>
[GenerateSerializer]
[Immutable]
[Alias("ordergrains.StockHintUpdate")]
public sealed record StockHintUpdate(
    [property: Id(0)] string Sku,
    [property: Id(1)] long Figure,
    [property: Id(2)] string? Campaign = null,
    [property: Id(3)] DateTimeOffset StartsAt = default,
    [property: Id(4)] DateTimeOffset EndsAt = default,
    [property: Id(5)] bool Forget = false);
