namespace OrderGrains.Abstractions;

/// <summary>Units of one SKU, without a price: shipment, return, backorder and cancellation lines.</summary>
public sealed record LineQuantity(string Sku, int Quantity);

/// <summary>ReportShipment: a warehouse shipped one package of an order; idempotent per <paramref name="ShipmentId"/>.</summary>
public sealed record ReportShipmentCommand(
    string WarehouseId,
    string ShipmentId,
    IReadOnlyList<LineQuantity> Lines,
    string Carrier,
    string TrackingNumber);

/// <summary>A package that left a warehouse; <paramref name="DeliveredAt"/> is set once the carrier confirmed delivery.</summary>
public sealed record ShipmentRecord(
    string ShipmentId,
    string WarehouseId,
    IReadOnlyList<LineQuantity> Lines,
    string Carrier,
    string TrackingNumber,
    DateTimeOffset ShippedAt,
    DateTimeOffset? DeliveredAt);

/// <summary>The state of returned goods as the receiving warehouse found them. Numbers are the wire's and persisted.</summary>
public enum ItemCondition
{
    Unspecified = 0,

    /// <summary>Goes back on the shelf: the warehouse's on-hand grows.</summary>
    Resalable = 1,

    /// <summary>Refunded, but not restocked.</summary>
    Damaged = 2,
}

/// <summary>RequestReturn: idempotent per <paramref name="ReturnRequestId"/>; only delivered units may be returned.</summary>
public sealed record RequestReturnCommand(string ReturnRequestId, IReadOnlyList<LineQuantity> Lines, string Reason);

/// <summary>Returned units of one SKU in one condition.</summary>
public sealed record ReturnedLine(string Sku, int Quantity, ItemCondition Condition);

/// <summary>ReceiveReturn: returned goods arrived for <paramref name="RmaId"/> at <paramref name="WarehouseId"/>; an RMA is received once.</summary>
public sealed record ReceiveReturnCommand(string RmaId, string WarehouseId, IReadOnlyList<ReturnedLine> Lines);

/// <summary>
/// A return merchandise authorisation. <paramref name="RefundMinor"/> (in <paramref name="Currency"/>) is what the
/// receipt refunded: the event the ERP turns into a credit note. Unset receipt fields mean the goods have not arrived.
/// </summary>
public sealed record ReturnRecord(
    string RmaId,
    string ReturnRequestId,
    IReadOnlyList<LineQuantity> Lines,
    string Reason,
    DateTimeOffset RequestedAt,
    string? WarehouseId,
    IReadOnlyList<ReturnedLine> Received,
    DateTimeOffset? ReceivedAt,
    long RefundMinor,
    string Currency);

/// <summary>Partial cancel: gives up backordered units; idempotent per <paramref name="CancellationId"/>.</summary>
public sealed record CancelBackorderCommand(string CancellationId, IReadOnlyList<LineQuantity> Lines, string Reason, string Actor);

/// <summary>A refund owed to the customer: after a return receipt, or for cancelled backordered units of a paid order.</summary>
public sealed record RefundRecord(string RefundId, string Cause, long AmountMinor, string Currency, DateTimeOffset At);

/// <summary>
/// One entry of an order's append-only audit trail: what happened (<paramref name="Event"/>), who did it, and the
/// status before and after (equal when the status did not change).
/// </summary>
public sealed record OrderHistoryEntry(
    long Sequence,
    DateTimeOffset At,
    string Event,
    string Actor,
    string Details,
    OrderStatus From,
    OrderStatus To);

/// <summary>The whole audit trail of one order, oldest first.</summary>
public sealed record OrderHistory(string OrderId, IReadOnlyList<OrderHistoryEntry> Entries);
