namespace OrderGrains.Abstractions;

/// <summary>Units of one SKU, without a price: shipment, return, backorder and cancellation lines.</summary>
[GenerateSerializer]
[Immutable]
[Alias("ordergrains.LineQuantity")]
public sealed record LineQuantity([property: Id(0)] string Sku, [property: Id(1)] int Quantity);

/// <summary>ReportShipment: a warehouse shipped one package of an order; idempotent per <paramref name="ShipmentId"/>.</summary>
[GenerateSerializer]
[Immutable]
[Alias("ordergrains.ReportShipmentCommand")]
public sealed record ReportShipmentCommand(
    [property: Id(0)] string WarehouseId,
    [property: Id(1)] string ShipmentId,
    [property: Id(2)] IReadOnlyList<LineQuantity> Lines,
    [property: Id(3)] string Carrier,
    [property: Id(4)] string TrackingNumber);

/// <summary>
/// A package that left a warehouse; <paramref name="DeliveredAt"/> is set once the carrier confirmed delivery.
/// <paramref name="TrackingEvents"/> (null in state written before tracking) holds the carrier's scans, oldest event
/// time first, and <paramref name="TrackingStatus"/> where they put the shipment (see <c>ShipmentTracking</c>).
/// </summary>
[GenerateSerializer]
[Immutable]
[Alias("ordergrains.ShipmentRecord")]
public sealed record ShipmentRecord(
    [property: Id(0)] string ShipmentId,
    [property: Id(1)] string WarehouseId,
    [property: Id(2)] IReadOnlyList<LineQuantity> Lines,
    [property: Id(3)] string Carrier,
    [property: Id(4)] string TrackingNumber,
    [property: Id(5)] DateTimeOffset ShippedAt,
    [property: Id(6)] DateTimeOffset? DeliveredAt,
    [property: Id(7)] IReadOnlyList<TrackingEventRecord>? TrackingEvents = null,
    [property: Id(8)] TrackingEventCode TrackingStatus = TrackingEventCode.Unspecified);

/// <summary>The state of returned goods as the receiving warehouse found them. Numbers are the wire's and persisted.</summary>
[GenerateSerializer]
[Alias("ordergrains.ItemCondition")]
public enum ItemCondition
{
    Unspecified = 0,

    /// <summary>Goes back on the shelf: the warehouse's on-hand grows.</summary>
    Resalable = 1,

    /// <summary>Refunded, but not restocked.</summary>
    Damaged = 2,
}

/// <summary>
/// RequestReturn: idempotent per <paramref name="ReturnRequestId"/>; only delivered units may be returned, within the
/// channel's return window. <paramref name="ReasonCode"/> is optional.
/// </summary>
[GenerateSerializer]
[Immutable]
[Alias("ordergrains.RequestReturnCommand")]
public sealed record RequestReturnCommand(
    [property: Id(0)] string ReturnRequestId,
    [property: Id(1)] IReadOnlyList<LineQuantity> Lines,
    [property: Id(2)] string Reason,
    [property: Id(3)] ReturnReason ReasonCode = ReturnReason.Unspecified);

/// <summary>Returned units of one SKU in one condition.</summary>
[GenerateSerializer]
[Immutable]
[Alias("ordergrains.ReturnedLine")]
public sealed record ReturnedLine([property: Id(0)] string Sku, [property: Id(1)] int Quantity, [property: Id(2)] ItemCondition Condition);

/// <summary>ReceiveReturn: returned goods arrived for <paramref name="RmaId"/> at <paramref name="WarehouseId"/>; an RMA is received once.</summary>
[GenerateSerializer]
[Immutable]
[Alias("ordergrains.ReceiveReturnCommand")]
public sealed record ReceiveReturnCommand([property: Id(0)] string RmaId, [property: Id(1)] string WarehouseId, [property: Id(2)] IReadOnlyList<ReturnedLine> Lines);

/// <summary>
/// A return merchandise authorisation. <paramref name="RefundMinor"/> (in <paramref name="Currency"/>) is what the
/// receipt refunded: the event the ERP turns into a credit note. Unset receipt fields mean the goods have not arrived.
/// <paramref name="Status"/> is Unspecified only in state written before RMAs had one (see <c>RmaRules.StatusOf</c>);
/// <paramref name="DecidedBy"/>, <paramref name="DecidedAt"/> and <paramref name="DecisionNote"/> record the last decision.
/// </summary>
[GenerateSerializer]
[Immutable]
[Alias("ordergrains.ReturnRecord")]
public sealed record ReturnRecord(
    [property: Id(0)] string RmaId,
    [property: Id(1)] string ReturnRequestId,
    [property: Id(2)] IReadOnlyList<LineQuantity> Lines,
    [property: Id(3)] string Reason,
    [property: Id(4)] DateTimeOffset RequestedAt,
    [property: Id(5)] string? WarehouseId,
    [property: Id(6)] IReadOnlyList<ReturnedLine> Received,
    [property: Id(7)] DateTimeOffset? ReceivedAt,
    [property: Id(8)] long RefundMinor,
    [property: Id(9)] string Currency,
    [property: Id(10)] ReturnReason ReasonCode = ReturnReason.Unspecified,
    [property: Id(11)] RmaStatus Status = RmaStatus.Unspecified,
    [property: Id(12)] string? DecidedBy = null,
    [property: Id(13)] DateTimeOffset? DecidedAt = null,
    [property: Id(14)] string? DecisionNote = null);

/// <summary>Partial cancel: gives up backordered units; idempotent per <paramref name="CancellationId"/>.</summary>
[GenerateSerializer]
[Immutable]
[Alias("ordergrains.CancelBackorderCommand")]
public sealed record CancelBackorderCommand([property: Id(0)] string CancellationId, [property: Id(1)] IReadOnlyList<LineQuantity> Lines, [property: Id(2)] string Reason, [property: Id(3)] string Actor);

/// <summary>A refund owed to the customer: after a return receipt, or for cancelled backordered units of a paid order.</summary>
[GenerateSerializer]
[Immutable]
[Alias("ordergrains.RefundRecord")]
public sealed record RefundRecord([property: Id(0)] string RefundId, [property: Id(1)] string Cause, [property: Id(2)] long AmountMinor, [property: Id(3)] string Currency, [property: Id(4)] DateTimeOffset At);

/// <summary>
/// One entry of an order's append-only audit trail: what happened (<paramref name="Event"/>), who did it, and the
/// status before and after (equal when the status did not change).
/// </summary>
[GenerateSerializer]
[Immutable]
[Alias("ordergrains.OrderHistoryEntry")]
public sealed record OrderHistoryEntry(
    [property: Id(0)] long Sequence,
    [property: Id(1)] DateTimeOffset At,
    [property: Id(2)] string Event,
    [property: Id(3)] string Actor,
    [property: Id(4)] string Details,
    [property: Id(5)] OrderStatus From,
    [property: Id(6)] OrderStatus To);

/// <summary>The whole audit trail of one order, oldest first.</summary>
[GenerateSerializer]
[Immutable]
[Alias("ordergrains.OrderHistory")]
public sealed record OrderHistory([property: Id(0)] string OrderId, [property: Id(1)] IReadOnlyList<OrderHistoryEntry> Entries);
