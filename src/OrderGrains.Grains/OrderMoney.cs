using OrderGrains.Abstractions;

namespace OrderGrains.Grains;

/// <summary>
/// The amounts an order's events carry to the ERP. Units cancelled before payment lower the total (the customer pays
/// less); units cancelled after payment are refunded (the total stays what was paid). Either way the invoice bills
/// only what remains, so customer advances are settled exactly: paid − refunded for cancelled units − invoiced = 0.
/// Returns come after the invoice and reverse revenue with credit notes of their own, so they never lower it here.
/// </summary>
public static class OrderMoney
{
    /// <summary>The <see cref="RefundRecord.Cause"/> of a refund for returned goods.</summary>
    public const string ReturnCause = "return";

    /// <summary>The <see cref="RefundRecord.Cause"/> of the refund of a paid order cancelled as a whole (what was not refunded before).</summary>
    public const string CancellationCause = "order cancelled";

    /// <summary>The <see cref="RefundRecord.Cause"/> of the refunded price difference of an exchange (a cheaper replacement).</summary>
    public const string ExchangeCause = "exchange";

    /// <summary>What the sales invoice bills at completion: the value delivered, net of every cancelled unit.</summary>
    public static long Invoiced(OrderState order)
    {
        ArgumentNullException.ThrowIfNull(order);
        return (order.PaidMinor > 0 ? order.PaidMinor : order.TotalMinor) - RefundedForCancellations(order.Refunds);
    }

    /// <summary>
    /// The discount on what the invoice bills: each line's discount (<see cref="OrderLines.Discount"/>) for its units not
    /// cancelled, in proportion and rounded down; with nothing cancelled exactly the order's discount.
    /// </summary>
    public static long InvoicedDiscount(OrderState order)
    {
        ArgumentNullException.ThrowIfNull(order);
        var discount = 0L;
        foreach (var line in order.Lines)
        {
            var cancelled = order.Progress.Where(p => string.Equals(p.Sku, line.Sku, StringComparison.Ordinal)).Sum(p => p.Cancelled);
            var kept = Math.Max(0, line.Quantity - cancelled);
            discount += kept == line.Quantity ? OrderLines.Discount(line) : (long)((Int128)OrderLines.Discount(line) * kept / line.Quantity);
        }

        return discount;
    }

    /// <summary>What a cancellation of the whole order still owes back: paid and not yet refunded (refunds already recorded post their own credit notes).</summary>
    public static long Unrefunded(OrderState order)
    {
        ArgumentNullException.ThrowIfNull(order);
        return Math.Max(0, order.PaidMinor - RefundedForCancellations(order.Refunds));
    }

    /// <summary>What the customer of an order on terms still owes on its invoice: invoiced to receivables, less payments and returns credited against it.</summary>
    public static long BalanceDue(OrderState order)
    {
        ArgumentNullException.ThrowIfNull(order);
        return order.ReceivableInvoicedMinor - order.Payments.Sum(p => p.AmountMinor) - order.InvoiceCredits.Values.Sum();
    }

    /// <summary>Whether a refund returns money for goods that came back (a credit note reversing revenue) rather than for units never shipped.</summary>
    public static bool IsForReturn(RefundRecord refund) =>
        string.Equals(refund?.Cause, ReturnCause, StringComparison.Ordinal);

    /// <summary>Whether a refund pays out the price difference of an exchange (settled with the exchange's own documents).</summary>
    public static bool IsForExchange(RefundRecord refund) =>
        string.Equals(refund?.Cause, ExchangeCause, StringComparison.Ordinal);

    private static long RefundedForCancellations(IEnumerable<RefundRecord> refunds) =>
        refunds.Where(r => !IsForReturn(r) && !IsForExchange(r)).Sum(r => r.AmountMinor);
}
