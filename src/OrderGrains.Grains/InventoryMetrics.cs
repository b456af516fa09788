using System.Diagnostics.Metrics;
using OrderGrains.Abstractions;

namespace OrderGrains.Grains;

/// <summary>
/// Stock reservation instruments (Meter "OrderGrains.Inventory"). No SKU tag: a catalogue has too many SKUs for a
/// series each; per-SKU figures are in each pool's ledger.
/// </summary>
internal static class InventoryMetrics
{
    public const string MeterName = "OrderGrains.Inventory";

    private static readonly Meter Meter = new(MeterName);

    private static readonly Counter<long> UnitsReserved = Meter.CreateCounter<long>(
        "ordergrains.inventory.units_reserved", unit: "{unit}", description: "Units reserved for orders.");

    private static readonly Counter<long> UnitsReleased = Meter.CreateCounter<long>(
        "ordergrains.inventory.units_released", unit: "{unit}", description: "Reserved units given back (cancellations, expiries, rejections).");

    /// <summary>Counts a stock movement that reserves or releases units; other movements are not reservations.</summary>
    public static void Recorded(StockMovementKind kind, int quantity)
    {
        switch (kind)
        {
            case StockMovementKind.Reserve:
                UnitsReserved.Add(quantity);
                break;
            case StockMovementKind.Release:
                UnitsReleased.Add(quantity);
                break;
        }
    }
}
