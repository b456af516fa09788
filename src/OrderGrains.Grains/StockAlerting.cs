using OrderGrains.Abstractions;
using OrderGrains.Storage;
using StreamId = OrderGrains.Storage.StreamId;

namespace OrderGrains.Grains;

/// <summary>
/// The alert rules of one SKU pool, over its <see cref="SkuAlertState"/>: sales counted per day, the low-stock threshold
/// raised once per downward crossing and re-armed above it, and the rate-limited OUT_OF_STOCK alert. Produces the
/// events the pool appends to the <c>inventory-alerts</c> stream with its state write.
/// </summary>
/// <remarks>
/// Everything here is O(days in the window) at most, and the state holds one counter per day: the pool is the flash
/// sale's hot grain, and its state must not grow with its orders.
/// </remarks>
public sealed class StockAlerting(string sku, SkuAlertState state, int salesWindowDays)
{
    private const long SecondsPerDay = 86_400;

    /// <summary>Counts reserved units towards today's sales.</summary>
    public void CountSale(DateTimeOffset now, int units)
    {
        var today = DayOf(now);
        var sales = state.Sales;
        if (sales.Count > 0 && sales[^1].Day == today)
        {
            sales[^1].Units += units;
            return;
        }

        sales.Add(new DailyUnits { Day = today, Units = units });
        var oldest = today - salesWindowDays + 1;
        var stale = sales.FindIndex(d => d.Day >= oldest);
        sales.RemoveRange(0, stale < 0 ? sales.Count : stale);
    }

    /// <summary>Units reserved per day over the window (today included), and the days <paramref name="available"/> covers at that rate (null: nothing sold).</summary>
    public (double UnitsPerDay, double? DaysOfCover) Rate(int available, DateTimeOffset now)
    {
        var oldest = DayOf(now) - salesWindowDays + 1;
        long units = 0;
        foreach (var day in state.Sales)
        {
            if (day.Day >= oldest)
            {
                units += day.Units;
            }
        }

        var perDay = (double)units / salesWindowDays;
        return (perDay, perDay > 0 ? Math.Max(0, available) / perDay : null);
    }

    /// <summary>Whether <paramref name="available"/> is at or below the threshold (false without one). Nothing available is always low.</summary>
    public bool IsLow(int available, DateTimeOffset now)
    {
        if (state.Threshold is not { } threshold)
        {
            return false;
        }

        if (threshold.MinAvailable is { } min)
        {
            return available <= min;
        }

        var (_, cover) = Rate(available, now);
        return available <= 0 || (cover is { } days && days <= threshold.DaysOfCover);
    }

    /// <summary>Checks the threshold after a change: the event of a downward crossing or of the recovery, else null.</summary>
    public StreamEvent? Evaluate(int available, DateTimeOffset now)
    {
        var low = IsLow(available, now);
        if (low && state.OpenLowStockAlertId is null)
        {
            var id = $"{sku}#low-{++state.AlertSequence}";
            state.OpenLowStockAlertId = id;
            var (perDay, cover) = Rate(available, now);
            return Event(id, new LowStockAlert(sku, available, state.Threshold!, perDay, cover, now));
        }

        if (!low && state.OpenLowStockAlertId is { } open)
        {
            state.OpenLowStockAlertId = null;
            return Event(open + ":recovered", new LowStockRecovered(sku, open, available, now));
        }

        return null;
    }

    /// <summary>Whether an OUT_OF_STOCK alert may be raised now: the last one is at least <paramref name="interval"/> old.</summary>
    public bool OutOfStockAlertDue(DateTimeOffset now, TimeSpan interval) =>
        state.LastOutOfStockAlertAt is not { } last || now - last >= interval;

    /// <summary>The OUT_OF_STOCK alert for <paramref name="rejections"/> refusals counted since <paramref name="since"/>.</summary>
    public StreamEvent OutOfStock(long rejections, DateTimeOffset since, DateTimeOffset now)
    {
        state.LastOutOfStockAlertAt = now;
        return Event($"{sku}#oos-{++state.AlertSequence}", new OutOfStockAlert(sku, rejections, since, now));
    }

    /// <summary>Where the threshold stands.</summary>
    public LowStockStatus Status(int available, DateTimeOffset now)
    {
        var (perDay, cover) = Rate(available, now);
        return new LowStockStatus(sku, state.Threshold, available, perDay, cover, salesWindowDays, state.OpenLowStockAlertId is not null, state.OpenLowStockAlertId);
    }

    /// <summary>A shortage's event, in the SKU's stream.</summary>
    public static StreamEvent Shortage(string eventId, ShortageAlert alert)
    {
        ArgumentNullException.ThrowIfNull(alert);
        return Event(alert.Sku, eventId, alert);
    }

    private StreamEvent Event(string eventId, object payload) => Event(sku, eventId, payload);

    private static StreamEvent Event(string sku, string eventId, object payload) =>
        new(new StreamId(InventoryStreams.AlertsNamespace, sku), eventId, payload.GetType().Name, payload);

    private static int DayOf(DateTimeOffset at) => (int)(at.ToUnixTimeSeconds() / SecondsPerDay);
}
