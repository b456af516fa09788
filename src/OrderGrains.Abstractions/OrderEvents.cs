using OrderGrains.Runtime;

namespace OrderGrains.Abstractions;

/// <summary>The durable stream of order events: namespace "orders", one stream per order id.</summary>
public static class OrderStreams
{
    public const string Namespace = "orders";
}

/// <summary>What happened to an order. Numbers are persisted in the stream and never reused.</summary>
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
}

/// <summary>
/// One order event as the ERP side reads it. <see cref="AmountMinor"/> is what the event moves: the payment for
/// Paid, the value delivered for Completed (the total net of every cancelled unit: what the invoice bills), the refund
/// for Refunded and PaymentRefunded, what is still owed back for Cancelled. <see cref="Paid"/> tells whether the order was paid
/// before it completed (customer advances) or not (accounts receivable).
/// </summary>
public sealed record OrderEvent(
    string OrderId,
    long Version,
    OrderEventKind Kind,
    string Channel,
    string CustomerId,
    string Currency,
    long TotalMinor,
    long AmountMinor,
    bool Paid,
    IReadOnlyList<OrderLine> Lines,
    DateTimeOffset At,
    string Reference)
{
    /// <summary>The order and version as a stable reference (redeliveries carry the same one).</summary>
    public string EventReference => $"{OrderId}#{Version}:{Kind}";
}

/// <summary>How far the ERP forwarding of one stream partition has come.</summary>
/// <remarks><see cref="Backlog"/> = events appended but not yet handled; <see cref="Lag"/> = age of the oldest of them (zero when caught up).</remarks>
public sealed record ErpForwarderStats(
    int Partition,
    long LastSequence,
    long Backlog,
    TimeSpan Lag,
    long Posted,
    long Skipped,
    long Failed,
    int DeadLettered,
    DateTimeOffset? LastEventAppendedAt,
    DateTimeOffset? LastPostedAt);

/// <summary>An event the ERP refused, or that failed too often; kept until retried.</summary>
public sealed record ErpDeadLetter(string EventId, string OrderId, string DocumentType, string Reason, int Attempts, DateTimeOffset At, OrderEvent Event);

/// <summary>Forwards one partition of the order stream to the ERP (key = partition number).</summary>
public interface IErpForwarderGrain : IGrainWithStringKey
{
    /// <summary>Counters for metrics and the admin API.</summary>
    [ReadOnly]
    Task<ErpForwarderStats> GetStatsAsync();

    /// <summary>Events waiting in the dead-letter list.</summary>
    [ReadOnly]
    Task<IReadOnlyList<ErpDeadLetter>> GetDeadLettersAsync();

    /// <summary>Posts a dead-lettered event again; true when it posted and left the list.</summary>
    Task<bool> RetryDeadLetterAsync(string eventId);
}
