using OrderGrains.Abstractions;

namespace OrderGrains.Grains;

/// <summary>A warehouse that could ship part of a line: its free units and its distance to the ship-to address.</summary>
internal readonly record struct SourcingCandidate(string WarehouseId, int Available, double DistanceKm);

/// <summary>
/// Chooses where one order line ships from: the nearest warehouse that can fill the whole line; otherwise the
/// fewest warehouses that can, preferring nearer ones among sets of that size. All or nothing.
/// </summary>
internal static class StockSourcing
{
    private const double EarthRadiusKm = 6371.0088;

    /// <summary>Great-circle distance (haversine) in kilometres.</summary>
    public static double DistanceKm(double latitude1, double longitude1, double latitude2, double longitude2)
    {
        var dLat = DegreesToRadians(latitude2 - latitude1);
        var dLon = DegreesToRadians(longitude2 - longitude1);
        var a = (Math.Sin(dLat / 2) * Math.Sin(dLat / 2))
            + (Math.Cos(DegreesToRadians(latitude1)) * Math.Cos(DegreesToRadians(latitude2)) * Math.Sin(dLon / 2) * Math.Sin(dLon / 2));
        return 2 * EarthRadiusKm * Math.Asin(Math.Min(1, Math.Sqrt(a)));
    }

    /// <summary>The units to take per warehouse (nearest first), or null when the candidates together cannot fill the line.</summary>
    public static IReadOnlyList<WarehouseQuantity>? Choose(IEnumerable<SourcingCandidate> candidates, int quantity)
    {
        var byDistance = candidates
            .Where(c => c.Available > 0)
            .OrderBy(c => c.DistanceKm)
            .ThenBy(c => c.WarehouseId, StringComparer.Ordinal)
            .ToList();

        foreach (var candidate in byDistance)
        {
            if (candidate.Available >= quantity)
            {
                return [new WarehouseQuantity(candidate.WarehouseId, quantity)];
            }
        }

        // Fewest warehouses: the largest stocks first reach the quantity with the smallest count.
        var largestFirst = byDistance.Select(c => (long)c.Available).OrderDescending().ToList();
        long reach = 0;
        var count = 0;
        while (count < largestFirst.Count && reach < quantity)
        {
            reach += largestFirst[count++];
        }

        if (reach < quantity)
        {
            return null;
        }

        // Among sets of that size, walk outwards and keep a warehouse whenever the rest can still complete the line.
        var chosen = new List<SourcingCandidate>(count);
        long sum = 0;
        for (var i = 0; i < byDistance.Count && chosen.Count < count; i++)
        {
            var slotsAfter = count - chosen.Count - 1;
            var best = byDistance.Skip(i + 1).Select(c => (long)c.Available).OrderDescending().Take(slotsAfter).Sum();
            if (sum + byDistance[i].Available + best >= quantity)
            {
                chosen.Add(byDistance[i]);
                sum += byDistance[i].Available;
            }
        }

        var result = new List<WarehouseQuantity>(chosen.Count);
        var remaining = quantity;
        foreach (var warehouse in chosen)
        {
            var take = Math.Min(warehouse.Available, remaining);
            result.Add(new WarehouseQuantity(warehouse.WarehouseId, take));
            remaining -= take;
        }

        return result;
    }

    private static double DegreesToRadians(double degrees) => degrees * Math.PI / 180;
}
