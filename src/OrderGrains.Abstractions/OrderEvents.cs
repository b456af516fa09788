using System.Text.Json.Serialization;
using Orleans.Concurrency;

namespace OrderGrains.Abstractions;

/// <summary>The durable stream of order events: namespace "orders", one stream per order id.</summary>
public static class OrderStreams
{
    public const string Namespace = "orders";
}

/// <summary>What happened to an order. Numbers are persisted in the stream and never reused.</summary>
[GenerateSerializer]
[Alias("ordergrains.OrderEventKind")]
public enum OrderEventKind
{
    Unspecified = 0,
    Accepted = 1,
    Paid = 2,
    Cancelled = 3,
    Shipped = 4,
    Completed = 5,
    ReturnReceived = 6,
    /// <summary>Goods came back and their value is refunded: a credit note reversing revenue.</summary>
    Refunded = 7,

    /// <summary>Money for units never shipped goes back (e.g. a cancelled backordered line of a paid order).</summary>
    PaymentRefunded = 8,

    /// <summary>The goods returned for an exchange are credited: a credit note reversing their revenue, owed to the customer until the replacement is invoiced.</summary>
    ExchangeCredited = 9,

    /// <summary>The replacement of an exchange was delivered: a sales invoice for its value, settled from customer advances.</summary>
    ExchangeInvoiced = 10,

    /// <summary>The order was refused at intake (REJECTED), by the order grain or the sold-out gate; no accounting effect.</summary>
    Rejected = 11,

    /// <summary>An operator approved a held order: ON_HOLD → PENDING_PAYMENT; no accounting effect.</summary>
    HoldApproved = 12,

    /// <summary>The order was handed to the warehouses (RELEASED); no accounting effect.</summary>
    Released = 13,

    /// <summary>Every shipment was delivered (DELIVERED); no accounting effect (COMPLETED follows and is invoiced).</summary>
    Delivered = 14,

    /// <summary>The customer asked to return goods (RETURN_REQUESTED); no accounting effect.</summary>
    ReturnRequested = 15,

    /// <summary>
    /// Any other change the read model shows (a status the kinds above do not name, backordered units cancelled, a
    /// return withdrawn); no accounting effect.
    /// </summary>
    Updated = 16,
}

/// <summary>
/// One order event as the ERP side reads it. <see cref="AmountMinor"/> is what the event moves: the payment for
/// Paid, the value delivered for Completed (the total net of every cancelled unit: what the invoice bills), the refund
/// for Refunded and PaymentRefunded, what is still owed back for Cancelled, the returned units' value for ExchangeCredited,
/// the replacement's value for ExchangeInvoiced (an exchange's extra payment is a Paid event with that amount). <see cref="Paid"/> tells whether the order was paid
/// before it completed (customer advances) or not (accounts receivable). <see cref="ReceivableMinor"/> is the part of the
/// amount that is booked against accounts receivable (an order on payment terms: its invoice, a payment against it, the
/// part of a return credited against it); <see cref="DueAt"/> is when the invoice of such an order is due.
/// <para>
/// The order as it stands after the change rides along for the read model: <see cref="Status"/>, <see cref="HoldReason"/>,
/// <see cref="RejectReason"/>, <see cref="CreatedAt"/>, <see cref="CancelledUnits"/> and <see cref="ReturnedUnits"/>, so
/// an order's latest event alone gives its row. Events written before these fields existed carry their defaults.
/// While the order is ON_HOLD, <see cref="HeldSince"/>, <see cref="HoldDetails"/>, <see cref="ApprovalSteps"/> (the role
/// of each step of its approval chain) and <see cref="Approvers"/> (who approved step i) give the review queue; null
/// otherwise, and then left out of the stored JSON, so events of orders never held (the flash-sale path) do not grow.
/// </para>
/// <para>
/// <see cref="DiscountMinor"/> (Completed only) is the VAT-inclusive discount promotions and coupons gave on the invoiced
/// goods: the invoice books revenue at the undiscounted value and the discount against it, so the two net to the amount.
/// </para>
/// </summary>
[GenerateSerializer]
[Immutable]
[Alias("ordergrains.OrderEvent")]
public sealed record OrderEvent(
    [property: Id(0)] string OrderId,
    [property: Id(1)] long Version,
    [property: Id(2)] OrderEventKind Kind,
    [property: Id(3)] string Channel,
    [property: Id(4)] string CustomerId,
    [property: Id(5)] string Currency,
    [property: Id(6)] long TotalMinor,
    [property: Id(7)] long AmountMinor,
    [property: Id(8)] bool Paid,
    [property: Id(9)] IReadOnlyList<OrderLine> Lines,
    [property: Id(10)] DateTimeOffset At,
    [property: Id(11)] string Reference,
    [property: Id(12)] long ReceivableMinor = 0,
    [property: Id(13)] DateTimeOffset? DueAt = null,
    [property: Id(14)] OrderStatus Status = OrderStatus.Unspecified,
    [property: Id(15)] HoldReason HoldReason = HoldReason.Unspecified,
    [property: Id(16)] RejectReason RejectReason = RejectReason.Unspecified,
    [property: Id(17)] DateTimeOffset? CreatedAt = null,
    [property: Id(18)] int CancelledUnits = 0,
    [property: Id(19)] int ReturnedUnits = 0,
    [property: Id(70), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] long DiscountMinor = 0,
    [property: Id(90), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] DateTimeOffset? HeldSince = null,
    [property: Id(91), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? HoldDetails = null,
    [property: Id(92), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<string>? ApprovalSteps = null,
    [property: Id(93), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<string>? Approvers = null)
{
    /// <summary>The order and version as a stable reference (redeliveries carry the same one).</summary>
    public string EventReference => $"{OrderId}#{Version}:{Kind}";
}

/// <summary>What one partition's ERP forwarder is doing. Numbers are on the wire and never reused.</summary>
[GenerateSerializer]
[Alias("ordergrains.ErpForwarderStatus")]
public enum ErpForwarderStatus
{
    Unspecified = 0,

    /// <summary>Posting, or caught up: the last post (if any) was taken.</summary>
    Posting = 1,

    /// <summary>The ERP is unavailable (refused, timed out, 5xx, 408, 429): the head event waits with backoff.</summary>
    WaitingForErp = 2,

    /// <summary>The ERP refuses this OMS as a caller (401, 403): nothing is dead-lettered; an operator must fix access.</summary>
    Blocked = 3,
}

/// <summary>How far the ERP forwarding of one stream partition has come.</summary>
/// <remarks>
/// <see cref="Backlog"/> = events appended after the checkpoint (not yet posted, skipped, parked or dead-lettered);
/// <see cref="Lag"/> = age of the oldest of them (zero when caught up); <see cref="Parked"/> = documents waiting behind
/// a dead letter of their order.
/// </remarks>
[GenerateSerializer]
[Immutable]
[Alias("ordergrains.ErpForwarderStats")]
public sealed record ErpForwarderStats(
    [property: Id(0)] int Partition,
    [property: Id(1)] long LastSequence,
    [property: Id(2)] long Backlog,
    [property: Id(3)] TimeSpan Lag,
    [property: Id(4)] long Posted,
    [property: Id(5)] long Skipped,
    [property: Id(6)] long Failed,
    [property: Id(7)] int DeadLettered,
    [property: Id(8)] DateTimeOffset? LastEventAppendedAt,
    [property: Id(9)] DateTimeOffset? LastPostedAt,
    [property: Id(10)] ErpForwarderStatus Status,
    [property: Id(11)] int ConsecutiveFailures,
    [property: Id(12)] int Parked,
    [property: Id(13)] DateTimeOffset? OldestUnpostedAppendedAt,
    [property: Id(14)] DateTimeOffset? NextAttemptAt,
    [property: Id(15)] string? LastError);

/// <summary>
/// An event the ERP refused (a definitive 4xx); kept, without limit, until an operator retries it. Later documents of
/// its order wait behind it as <see cref="ErpParkedEvent"/>s. <see cref="Sequence"/> is its place in its partition
/// (0 for letters kept before it was recorded).
/// </summary>
[GenerateSerializer]
[Immutable]
[Alias("ordergrains.ErpDeadLetter")]
public sealed record ErpDeadLetter(
    [property: Id(0)] string EventId,
    [property: Id(1)] string OrderId,
    [property: Id(2)] string DocumentType,
    [property: Id(3)] string Reason,
    [property: Id(4)] int Attempts,
    [property: Id(5)] DateTimeOffset At,
    [property: Id(6)] OrderEvent Event,
    [property: Id(7)] long Sequence = 0,
    [property: Id(8)] DateTimeOffset? AppendedAt = null);

/// <summary>A document of an order that has a dead letter, held in stream order until that letter is posted.</summary>
[GenerateSerializer]
[Immutable]
[Alias("ordergrains.ErpParkedEvent")]
public sealed record ErpParkedEvent(
    [property: Id(0)] string EventId,
    [property: Id(1)] string OrderId,
    [property: Id(2)] string DocumentType,
    [property: Id(3)] long Sequence,
    [property: Id(4)] DateTimeOffset AppendedAt,
    [property: Id(5)] DateTimeOffset ParkedAt,
    [property: Id(6)] OrderEvent Event,
    [property: Id(7)] string? TraceParent);

/// <summary>
/// One page of a partition's dead letters in stable order (sequence, then event id), how many there are, and for each
/// item how many later documents of its order are parked behind it (same positions as <see cref="Items"/>).
/// </summary>
[GenerateSerializer]
[Immutable]
[Alias("ordergrains.ErpDeadLetterPage")]
public sealed record ErpDeadLetterPage([property: Id(0)] IReadOnlyList<ErpDeadLetter> Items, [property: Id(1)] int Total, [property: Id(2)] IReadOnlyList<int> ParkedBehind);

/// <summary>Forwards one partition of the order stream to the ERP (key = partition number).</summary>
public interface IErpForwarderGrain : IGrainWithStringKey
{
    /// <summary>Activates the forwarder: it then pulls its partition while active, starting at once.</summary>
    Task WakeAsync();

    /// <summary>Counters for metrics and the admin API.</summary>
    /// <remarks>Interleaves with a pull, so it answers while a post waits for a slow ERP; it only reads.</remarks>
    [AlwaysInterleave]
    Task<ErpForwarderStats> GetStatsAsync();

    /// <summary>Every event in the dead-letter list, in stable order (prefer <see cref="GetDeadLetterPageAsync"/>).</summary>
    [AlwaysInterleave]
    Task<IReadOnlyList<ErpDeadLetter>> GetDeadLettersAsync();

    /// <summary>Up to <paramref name="limit"/> dead letters from position <paramref name="offset"/>, in stable order.</summary>
    [AlwaysInterleave]
    Task<ErpDeadLetterPage> GetDeadLetterPageAsync(int offset, int limit);

    /// <summary>Documents waiting behind a dead letter of their order, in stream order.</summary>
    [AlwaysInterleave]
    Task<IReadOnlyList<ErpParkedEvent>> GetParkedAsync();

    /// <summary>
    /// Posts a dead-lettered event again (after its cause was fixed); true when it posted and left the list, and then
    /// the documents parked behind it post in order.
    /// </summary>
    Task<bool> RetryDeadLetterAsync(string eventId);
}
