namespace OrderGrains.Abstractions;

/// <summary>What a priced line costs and saves. Lines stored before promotions have no order share and no ids.</summary>
public static class OrderLines
{
    /// <summary>What the line costs: unit price × quantity less its share of order-level discounts.</summary>
    public static long Paid(OrderLine line)
    {
        ArgumentNullException.ThrowIfNull(line);
        return checked((line.UnitPriceMinor * line.Quantity) - line.OrderDiscountMinor);
    }

    /// <summary>The line's whole discount: (list − unit price) × quantity where a list price is known, plus its order share.</summary>
    public static long Discount(OrderLine line)
    {
        ArgumentNullException.ThrowIfNull(line);
        var perUnit = line.ListPriceMinor > line.UnitPriceMinor ? line.ListPriceMinor - line.UnitPriceMinor : 0;
        return checked((perUnit * line.Quantity) + line.OrderDiscountMinor);
    }

    /// <summary>The part of the line's order-level discount that <paramref name="quantity"/> of its units carry, rounded up so refunds never exceed what was paid.</summary>
    public static long OrderShareOf(OrderLine line, int quantity)
    {
        ArgumentNullException.ThrowIfNull(line);
        if (line.OrderDiscountMinor == 0 || line.Quantity == 0)
        {
            return 0;
        }

        var exact = (Int128)line.OrderDiscountMinor * quantity;
        return (long)((exact + line.Quantity - 1) / line.Quantity);
    }
}
