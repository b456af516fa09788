using System.Globalization;

namespace OrderGrains.Abstractions;

/// <summary>
/// RequestExchange: delivered units of one SKU (<paramref name="Returned"/>) come back and <paramref name="Replacement"/>
/// goes out (its unit price 0 = the price of the order's line of that SKU). Idempotent per <paramref name="ExchangeId"/>.
/// </summary>
[GenerateSerializer]
[Immutable]
[Alias("ordergrains.RequestExchangeCommand")]
public sealed record RequestExchangeCommand(
    [property: Id(0)] string ExchangeId,
    [property: Id(1)] LineQuantity Returned,
    [property: Id(2)] OrderLine Replacement,
    [property: Id(3)] string Reason);

/// <summary>Where an exchange's replacement is. Numbers are the wire's and persisted; never reused.</summary>
[GenerateSerializer]
[Alias("ordergrains.ExchangeStatus")]
public enum ExchangeStatus
{
    Unspecified = 0,

    /// <summary>The replacement is reserved; it waits for the returned goods (unless advance exchange) and any extra payment.</summary>
    Reserved = 1,

    /// <summary>Handed to the warehouses: pick tasks of the order.</summary>
    Released = 2,

    Shipped = 3,

    /// <summary>Delivered and invoiced.</summary>
    Delivered = 4,
}

/// <summary>
/// One exchange of an order. <paramref name="ReturnedValueMinor"/> is credited when the goods of RMA
/// <paramref name="RmaId"/> arrive; <paramref name="ReplacementValueMinor"/> is invoiced when the replacement is delivered.
/// The difference is settled: <paramref name="AmountDueMinor"/> paid by the customer (ConfirmPayment with the exchange id,
/// <paramref name="PaymentReference"/> once paid) before the replacement is released, or <paramref name="RefundMinor"/>
/// refunded at receipt.
/// </summary>
[GenerateSerializer]
[Immutable]
[Alias("ordergrains.ExchangeRecord")]
public sealed record ExchangeRecord(
    [property: Id(0)] string ExchangeId,
    [property: Id(1)] string RmaId,
    [property: Id(2)] LineQuantity Returned,
    [property: Id(3)] OrderLine Replacement,
    [property: Id(4)] string Reason,
    [property: Id(5)] bool Advance,
    [property: Id(6)] ExchangeStatus Status,
    [property: Id(7)] long ReturnedValueMinor,
    [property: Id(8)] long ReplacementValueMinor,
    [property: Id(9)] long AmountDueMinor,
    [property: Id(10)] string? PaymentReference,
    [property: Id(11)] long RefundMinor,
    [property: Id(12)] IReadOnlyList<WarehouseQuantity> Allocations,
    [property: Id(13)] int Backordered,
    [property: Id(14)] IReadOnlyList<string> ShipmentIds,
    [property: Id(15)] DateTimeOffset RequestedAt,
    [property: Id(16)] DateTimeOffset? ReturnReceivedAt,
    [property: Id(17)] DateTimeOffset? ReleasedAt);

/// <summary>
/// SKU pools key reservations by holder. An exchange's replacement is held apart from the order's own lines (the same
/// SKU may be both) under <c>":exchange:&lt;length&gt;:&lt;exchange id&gt;:&lt;order id&gt;"</c>; no order id starts with
/// ':' (channels are non-empty and contain none), so the two never collide, and notices reach the owning order.
/// </summary>
public static class ReservationHolders
{
    private const string Prefix = ":exchange:";

    /// <summary>The holder key of an exchange's replacement reservation.</summary>
    public static string ForExchange(string orderId, string exchangeId) =>
        string.Concat(Prefix, exchangeId.Length.ToString(CultureInfo.InvariantCulture), ":", exchangeId, ":", orderId);

    /// <summary>The order a holder key belongs to: itself for an order's own reservation.</summary>
    public static string OrderOf(string holder)
    {
        ArgumentNullException.ThrowIfNull(holder);
        if (!holder.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return holder;
        }

        var colon = holder.IndexOf(':', Prefix.Length);
        var length = int.Parse(holder.AsSpan(Prefix.Length, colon - Prefix.Length), NumberStyles.None, CultureInfo.InvariantCulture);
        return holder[(colon + 1 + length + 1)..];
    }
}
