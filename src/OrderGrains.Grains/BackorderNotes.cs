using OrderGrains.Abstractions;

namespace OrderGrains.Grains;

/// <summary>What a placement records of the units it backordered: the lines' progress and one history note.</summary>
internal static class BackorderNotes
{
    /// <summary>The progress of one line after its reservation: reserved units, backordered units and presold units.</summary>
    public static SkuProgress Progress(string sku, StockReservationResult reservation) =>
        new()
        {
            Sku = sku,
            Open = [.. reservation.Allocations],
            Backordered = reservation.Backordered,
            Presold = reservation.Presold,
            ReservationVersion = reservation.Version,
        };

    /// <summary>A "backordered" history note naming each line's expected units, or null when every line got its stock.</summary>
    public static IReadOnlyList<(string Event, string Details)>? AtPlacement(IReadOnlyList<OrderLine> lines, IReadOnlyList<StockReservationResult> results)
    {
        var parts = lines.Zip(results)
            .Where(x => x.Second.Backordered > 0)
            .Select(x => x.Second.Presold > 0
                ? $"{x.Second.Backordered} x {x.First.Sku} (presale)"
                : $"{x.Second.Backordered} x {x.First.Sku}")
            .ToList();
        return parts.Count == 0 ? null : [("backordered", "at placement, expected on restock: " + string.Join(", ", parts))];
    }
}
