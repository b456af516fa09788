using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using OrderGrains.Abstractions;
using OrderGrains.Storage;

namespace OrderGrains.Alerting;

/// <summary>What one <c>inventory-alerts</c> event means for operators: a new alert, the end of one, or nothing.</summary>
public abstract record InventoryAlertNotice;

/// <summary>A new alert; <see cref="Details"/> is the stream event itself, which the webhook payload carries.</summary>
public sealed record RaiseNotice(AlertRaise Alert, object Details) : InventoryAlertNotice;

/// <summary>Stock is back above the threshold: the low-stock alert <see cref="AlertId"/> resolves itself.</summary>
public sealed record RecoveredNotice(string AlertId, int Available, DateTimeOffset At) : InventoryAlertNotice;

/// <summary>Turns stream events into notices and notices into the webhook's JSON; the lister and the sender share it.</summary>
public static class InventoryAlertNotices
{
    /// <summary>Alert kinds (<see cref="OperatorAlert.Kind"/>) of the inventory category.</summary>
    public const string LowStock = "low_stock";

    /// <summary>A shortage that left units backordered.</summary>
    public const string Backorder = "backorder";

    /// <summary>A shortage fully re-sourced from other warehouses (a count discrepancy worth a look).</summary>
    public const string Shortage = "shortage";

    /// <summary>Orders refused OUT_OF_STOCK, summed per interval.</summary>
    public const string OutOfStock = "out_of_stock";

    /// <summary>Who resolves a low-stock alert when stock comes back.</summary>
    public const string RestockActor = "system:restocked";

    /// <summary>camelCase with enum names, as the admin API writes.</summary>
    public static JsonSerializerOptions Json { get; } = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter() },
    };

    /// <summary>The notice of a stored event; null for an event type this version does not know.</summary>
    public static InventoryAlertNotice? From(StoredStreamEvent item)
    {
        ArgumentNullException.ThrowIfNull(item);
        var span = item.Payload.Span;
        var options = OrderGrainsStorage.SerializerOptions;
        switch (item.EventType)
        {
            case nameof(LowStockAlert):
                var low = Read<LowStockAlert>(span, options, item);
                var cover = low.DaysOfCover is { } days ? $", {Format(days)} days of cover at {Format(low.UnitsPerDay)} units/day" : string.Empty;
                return Raise(item, LowStock, low, low.At, $"SKU {low.Sku} is low: {low.Available} available{cover} (threshold: {low.Threshold.Describe()})");
            case nameof(LowStockRecovered):
                var recovered = Read<LowStockRecovered>(span, options, item);
                return new RecoveredNotice(recovered.AlertId, recovered.Available, recovered.At);
            case nameof(ShortageAlert):
                var shortage = Read<ShortageAlert>(span, options, item);
                var outcome = shortage.Backordered > 0
                    ? $"{shortage.Backordered} backordered, {shortage.Shortfall - shortage.Backordered} re-sourced"
                    : "all re-sourced from other warehouses";
                return Raise(item, shortage.Backordered > 0 ? Backorder : Shortage, shortage, shortage.At,
                    $"SKU {shortage.Sku}: warehouse {shortage.WarehouseId} is {shortage.Shortfall} units short of its reservations (cause {shortage.Cause}); {outcome}");
            case nameof(OutOfStockAlert):
                var refused = Read<OutOfStockAlert>(span, options, item);
                return Raise(item, OutOfStock, refused, refused.At,
                    $"SKU {refused.Sku}: {refused.Rejections.ToString("N0", CultureInfo.InvariantCulture)} order lines refused OUT_OF_STOCK since {refused.Since.ToString("u", CultureInfo.InvariantCulture)}");
            default:
                return null;
        }
    }

    /// <summary>The body POSTed for a new alert: the alert as the admin API lists it, with its event as <c>details</c>.</summary>
    public static byte[] WebhookBody(RaiseNotice notice)
    {
        ArgumentNullException.ThrowIfNull(notice);
        var alert = notice.Alert;
        return JsonSerializer.SerializeToUtf8Bytes(
            new WebhookPayload(alert.AlertId, IOperatorAlertsGrain.InventoryCategory, alert.Kind, alert.Subject, alert.Message, alert.RaisedAt, notice.Details),
            Json);
    }

    private static RaiseNotice Raise(StoredStreamEvent item, string kind, object details, DateTimeOffset at, string message) =>
        new(new AlertRaise(item.EventId, kind, item.StreamKey, message, at), details);

    private static T Read<T>(ReadOnlySpan<byte> payload, JsonSerializerOptions options, StoredStreamEvent item) =>
        JsonSerializer.Deserialize<T>(payload, options) ?? throw new InvalidOperationException($"Inventory alert event {item.EventId} has an empty payload.");

    private static string Format(double value) => value.ToString("0.##", CultureInfo.InvariantCulture);

    private sealed record WebhookPayload(string AlertId, string Category, string Kind, string Subject, string Message, DateTimeOffset RaisedAt, object Details);
}
