using OrderGrains.Abstractions;

namespace OrderGrains.Grains;

/// <summary>
/// The rules of an exchange, free of the grain: what it is worth, what is settled and how, when the replacement may go
/// out, and which exchanges a shipment of replacement units belongs to.
/// </summary>
/// <remarks>
/// The returned units are credited at their refund value (as a return would refund them); the replacement is invoiced
/// at its own price. The customer pays the difference when the replacement is dearer (before it is released) and is
/// refunded it when it is cheaper (when the returned goods arrive), so customer advances net to zero per exchange:
/// credit − refund + extra payment − invoice = 0.
/// </remarks>
public static class ExchangeRules
{
    /// <summary>What the replacement is worth: unit price × quantity; an overflow is the caller's fault.</summary>
    public static long ReplacementValue(OrderLine replacement)
    {
        ArgumentNullException.ThrowIfNull(replacement);
        var value = (Int128)replacement.UnitPriceMinor * replacement.Quantity;
        return value > long.MaxValue
            ? throw new DomainValidationException("replacement.unit_price_minor", "unit price × quantity is too large")
            : (long)value;
    }

    /// <summary>The extra payment a dearer replacement needs before it is released.</summary>
    public static long AmountDue(ExchangeState exchange)
    {
        ArgumentNullException.ThrowIfNull(exchange);
        return Math.Max(0, exchange.ReplacementValueMinor - exchange.ReturnedValueMinor);
    }

    /// <summary>What a cheaper replacement leaves to refund when the returned goods arrive.</summary>
    public static long RefundDue(ExchangeState exchange)
    {
        ArgumentNullException.ThrowIfNull(exchange);
        return Math.Max(0, exchange.ReturnedValueMinor - exchange.ReplacementValueMinor);
    }

    /// <summary>
    /// A reserved replacement goes to the warehouses once the returned goods arrived (at once with advance exchange)
    /// and any extra payment due was paid.
    /// </summary>
    public static bool ReadyToRelease(ExchangeState exchange)
    {
        ArgumentNullException.ThrowIfNull(exchange);
        return exchange.Status == ExchangeStatus.Reserved
            && (exchange.Advance || exchange.ReturnReceivedAt is not null)
            && (AmountDue(exchange) == 0 || exchange.PaymentReference is not null);
    }

    /// <summary>Whether a repeated request (same exchange id) asks for the same exchange; the reason is free text and not compared.</summary>
    public static bool SameRequest(ExchangeState exchange, LineQuantity returned, OrderLine replacement)
    {
        ArgumentNullException.ThrowIfNull(exchange);
        return exchange.Returned == returned
            && string.Equals(exchange.Replacement.Sku, replacement.Sku, StringComparison.Ordinal)
            && exchange.Replacement.Quantity == replacement.Quantity
            && exchange.Replacement.UnitPriceMinor == replacement.UnitPriceMinor;
    }

    /// <summary>
    /// Splits shipped units of <paramref name="sku"/> from <paramref name="warehouseId"/> over released exchanges with
    /// units open there, oldest first; null when they hold fewer than <paramref name="quantity"/>.
    /// </summary>
    public static List<(ExchangeState Exchange, int Quantity)>? AllocateShipment(IEnumerable<ExchangeState> exchanges, string warehouseId, string sku, int quantity)
    {
        ArgumentNullException.ThrowIfNull(exchanges);
        var parts = new List<(ExchangeState, int)>();
        foreach (var exchange in exchanges.Where(e => e.Status == ExchangeStatus.Released && string.Equals(e.Replacement.Sku, sku, StringComparison.Ordinal)))
        {
            var open = OpenAt(exchange, warehouseId);
            var take = Math.Min(open, quantity);
            if (take > 0)
            {
                parts.Add((exchange, take));
                quantity -= take;
            }
        }

        return quantity == 0 ? parts : null;
    }

    /// <summary>Units of the replacement reserved at <paramref name="warehouseId"/> and not shipped yet.</summary>
    public static int OpenAt(ExchangeState exchange, string warehouseId)
    {
        ArgumentNullException.ThrowIfNull(exchange);
        return exchange.Open.Where(a => string.Equals(a.WarehouseId, warehouseId, StringComparison.Ordinal)).Sum(a => a.Quantity);
    }

    /// <summary>Takes shipped units off the exchange's open units there; SHIPPED once nothing is left to ship.</summary>
    public static void Ship(ExchangeState exchange, string warehouseId, int quantity, string shipmentId)
    {
        ArgumentNullException.ThrowIfNull(exchange);
        exchange.Open = [.. exchange.Open
            .Select(a => string.Equals(a.WarehouseId, warehouseId, StringComparison.Ordinal) ? a with { Quantity = a.Quantity - quantity } : a)
            .Where(a => a.Quantity > 0)];
        if (!exchange.ShipmentIds.Contains(shipmentId, StringComparer.Ordinal))
        {
            exchange.ShipmentIds.Add(shipmentId);
        }

        if (exchange.Open.Count == 0 && exchange.Backordered == 0)
        {
            exchange.Status = ExchangeStatus.Shipped;
        }
    }

    /// <summary>The exchange as the wire shows it.</summary>
    public static ExchangeRecord ToRecord(ExchangeState exchange)
    {
        ArgumentNullException.ThrowIfNull(exchange);
        return new ExchangeRecord(
            exchange.ExchangeId,
            exchange.RmaId,
            exchange.Returned,
            exchange.Replacement,
            exchange.Reason,
            exchange.Advance,
            exchange.Status,
            exchange.ReturnedValueMinor,
            exchange.ReplacementValueMinor,
            AmountDue(exchange),
            exchange.PaymentReference,
            exchange.ReturnReceivedAt is null ? 0 : RefundDue(exchange),
            [.. exchange.Open],
            exchange.Backordered,
            [.. exchange.ShipmentIds],
            exchange.RequestedAt,
            exchange.ReturnReceivedAt,
            exchange.ReleasedAt);
    }
}
