using Microsoft.Extensions.Logging;
using OrderGrains.Abstractions;

namespace OrderGrains.Grains;

/// <summary>Log messages of the order domain.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 1001, Level = LogLevel.Information, Message = "Order {OrderId}: resuming unfinished saga step {Step} after reactivation")]
    public static partial void ResumingSaga(ILogger logger, string orderId, PendingWork step);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Information, Message = "Order {OrderId}: reservation expired at {ExpiresAt}; cancelling and releasing stock")]
    public static partial void ReservationExpired(ILogger logger, string orderId, DateTimeOffset expiresAt);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Debug, Message = "Order {OrderId} rejected: {Reason}")]
    public static partial void OrderRejected(ILogger logger, string orderId, RejectReason reason);

    [LoggerMessage(EventId = 1007, Level = LogLevel.Debug, Message = "Order {OrderId} held: {Reason}")]
    public static partial void OrderHeld(ILogger logger, string orderId, HoldReason reason);

    [LoggerMessage(EventId = 1004, Level = LogLevel.Warning, Message = "Order {OrderId}: placement failed part-way; the saga resumes on the next call or reminder")]
    public static partial void PlacementInterrupted(ILogger logger, Exception exception, string orderId);

    [LoggerMessage(EventId = 1101, Level = LogLevel.Warning, Message = "Shortage alert: SKU {Sku} in warehouse {WarehouseId} is {Shortfall} units short of its reservations (cause {Reference}); re-sourcing")]
    public static partial void ShortageDetected(ILogger logger, string sku, string warehouseId, int shortfall, string reference);

    [LoggerMessage(EventId = 1102, Level = LogLevel.Warning, Message = "Shortage of SKU {Sku} in warehouse {WarehouseId}: {Orders} orders affected, {Backordered} units backordered")]
    public static partial void ShortageResolved(ILogger logger, string sku, string warehouseId, int orders, int backordered);

    [LoggerMessage(EventId = 1103, Level = LogLevel.Error, Message = "SKU {Sku}: stock invariant violated: {Detail}")]
    public static partial void InvariantViolated(ILogger logger, string sku, string detail);

    [LoggerMessage(EventId = 1104, Level = LogLevel.Warning, Message = "SKU {Sku}: could not tell order {OrderId} that its reservation moved; retrying")]
    public static partial void NoticeFailed(ILogger logger, Exception exception, string sku, string orderId);

    [LoggerMessage(EventId = 1105, Level = LogLevel.Warning, Message = "Out-of-stock alert: SKU {Sku} refused {Rejections} order lines since {Since}")]
    public static partial void OutOfStockAlert(ILogger logger, string sku, long rejections, DateTimeOffset since);

    [LoggerMessage(EventId = 1106, Level = LogLevel.Information, Message = "SKU {Sku}: {Change} with {Available} units available")]
    public static partial void LowStockChanged(ILogger logger, string sku, string change, int available);

    [LoggerMessage(EventId = 1005, Level = LogLevel.Information, Message = "Order {OrderId}: hold expired at {ExpiresAt}; cancelling and releasing stock")]
    public static partial void HoldExpired(ILogger logger, string orderId, DateTimeOffset expiresAt);

    [LoggerMessage(EventId = 1006, Level = LogLevel.Warning, Message = "Order {OrderId}: follow-up work after a change failed; it resumes on the next call or reminder")]
    public static partial void FollowUpInterrupted(ILogger logger, Exception exception, string orderId);

    [LoggerMessage(EventId = 1008, Level = LogLevel.Warning, Message = "Carrier alert: order {OrderId} shipment {ShipmentId} ({Carrier} {TrackingNumber}) reported {Code} at {EventTime}: {Details}")]
    public static partial void CarrierAlert(ILogger logger, string orderId, string shipmentId, string carrier, string trackingNumber, TrackingEventCode code, DateTimeOffset eventTime, string details);

    [LoggerMessage(EventId = 1009, Level = LogLevel.Information, Message = "Order {OrderId}: {Decision} of {RmaId} by {Actor}")]
    public static partial void RmaDecided(ILogger logger, string orderId, RmaDecision decision, string rmaId, string actor);

    [LoggerMessage(EventId = 1501, Level = LogLevel.Information, Message = "SKU {Sku}: sale policy set: backorders allowed {BackordersAllowed}, presale limit {PresaleLimit} ({Presold} presold)")]
    public static partial void SalePolicySet(ILogger logger, string sku, bool backordersAllowed, int presaleLimit, int presold);

    [LoggerMessage(EventId = 1502, Level = LogLevel.Information, Message = "SKU {Sku}: channel split set: {Shares}")]
    public static partial void ChannelSharesSet(ILogger logger, string sku, string shares);

    [LoggerMessage(EventId = 1150, Level = LogLevel.Warning, Message = "A sold-out hint could not be sent to silo {Silo}; its orders take the full path until the next hint")]
    public static partial void HintNotSent(ILogger logger, Exception exception, string silo);
}
