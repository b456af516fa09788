using System.Globalization;
using OrderGrains.Abstractions;
using OrderGrains.Erp;

namespace OrderGrains.ErpForwarding;

/// <summary>
/// Maps order events to accounting documents. Totals include VAT: net = total ÷ (1 + rate), rounded to the minor
/// unit; VAT is the rest, so net + VAT is always exactly the total.
/// </summary>
public static class ErpDocuments
{
    // The kinds For can post a document for; an event of any other kind never posts, whatever its payload.
    private static readonly HashSet<string> PostingKinds = new(
        [.. new[]
        {
            OrderEventKind.Paid, OrderEventKind.Completed, OrderEventKind.Refunded, OrderEventKind.ExchangeCredited,
            OrderEventKind.ExchangeInvoiced, OrderEventKind.Cancelled, OrderEventKind.PaymentRefunded,
        }.Select(k => k.ToString())],
        StringComparer.Ordinal);

    /// <summary>
    /// False when an event stored under <paramref name="eventType"/> (the outbox's event type: the kind's name) can have
    /// no document, so the forwarder need not read its payload: in a flash sale most events are refusals.
    /// </summary>
    public static bool MayPost(string eventType) => PostingKinds.Contains(eventType);

    /// <summary>The document an event posts, or null for events with no accounting effect (accepted, shipped, ...).</summary>
    public static JournalEntryRequest? For(OrderEvent e, int vatRateBasisPoints)
    {
        ArgumentNullException.ThrowIfNull(e);
        var reference = e.EventReference;
        switch (e.Kind)
        {
            case OrderEventKind.Paid when e.ReceivableMinor > 0:
                // A payment against the invoice of an order on payment terms clears the receivable.
                return Entry(DocumentTypes.CustomerPayment, e, reference,
                    JournalLine.Debit(ChartOfAccounts.CashClearing, e.AmountMinor, "payment received"),
                    JournalLine.Credit(ChartOfAccounts.AccountsReceivable, e.AmountMinor, $"payment {e.Reference} against invoice {e.OrderId}"));
            case OrderEventKind.Paid:
                return new JournalEntryRequest(DocumentTypes.CustomerPayment, e.OrderId, e.Currency, e.At, reference,
                [
                    JournalLine.Debit(ChartOfAccounts.CashClearing, e.AmountMinor, "payment received"),
                    JournalLine.Credit(ChartOfAccounts.CustomerAdvances, e.AmountMinor, "advance from customer " + e.CustomerId),
                ]);
            case OrderEventKind.Completed:
            {
                var (net, vat) = Split(e.AmountMinor, vatRateBasisPoints);
                var settledFrom = e.Paid ? ChartOfAccounts.CustomerAdvances : ChartOfAccounts.AccountsReceivable;
                var memo = !e.Paid && e.DueAt is { } due
                    ? $"invoice {e.OrderId} due {due.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)}"
                    : "invoice " + e.OrderId;
                // Promotions: revenue at the undiscounted net value and the discount (net of VAT) against it, so 4000 − 4100
                // is exactly the net of what was billed and VAT stays on what the customer paid.
                var discountNet = e.DiscountMinor > 0 ? Split(e.DiscountMinor, vatRateBasisPoints).Net : 0;
                return Entry(DocumentTypes.SalesInvoice, e, reference,
                    JournalLine.Debit(settledFrom, e.AmountMinor, memo),
                    discountNet > 0 ? JournalLine.Debit(ChartOfAccounts.SalesDiscounts, discountNet, "discounts " + e.OrderId) : null,
                    JournalLine.Credit(ChartOfAccounts.SalesRevenue, net + discountNet, discountNet > 0 ? "gross sales at list price" : "net sales"),
                    vat > 0 ? JournalLine.Credit(ChartOfAccounts.OutputVat, vat, "output VAT") : null);
            }

            case OrderEventKind.Refunded:
            {
                var (net, vat) = Split(e.AmountMinor, vatRateBasisPoints);
                // Against an unpaid invoice (payment terms) the return lowers the receivable; only the rest is owed back.
                var againstInvoice = Math.Clamp(e.ReceivableMinor, 0, e.AmountMinor);
                var owedBack = e.AmountMinor - againstInvoice;
                // The OMS pays the owed-back part out when the return is received, so the same document (one
                // idempotency key, so a replay posts it once) settles it from cash: 2100 nets to zero per return.
                return Entry(DocumentTypes.CreditNote, e, reference,
                    JournalLine.Debit(ChartOfAccounts.SalesRevenue, net, "returned sales"),
                    vat > 0 ? JournalLine.Debit(ChartOfAccounts.OutputVat, vat, "VAT on returned sales") : null,
                    againstInvoice > 0 ? JournalLine.Credit(ChartOfAccounts.AccountsReceivable, againstInvoice, "credited against invoice " + e.OrderId) : null,
                    owedBack > 0 ? JournalLine.Credit(ChartOfAccounts.CustomerAdvances, owedBack, "refund owed to customer " + e.CustomerId) : null,
                    owedBack > 0 ? JournalLine.Debit(ChartOfAccounts.CustomerAdvances, owedBack, "refund " + e.Reference + " paid to customer " + e.CustomerId) : null,
                    owedBack > 0 ? JournalLine.Credit(ChartOfAccounts.CashClearing, owedBack, "refund paid out") : null);
            }

            case OrderEventKind.ExchangeCredited when e.AmountMinor > 0:
            {
                // The returned goods of an exchange: revenue and VAT reversed, owed to the customer until the
                // replacement's invoice (or the refund of a cheaper replacement's difference) settles it.
                var (net, vat) = Split(e.AmountMinor, vatRateBasisPoints);
                return Entry(DocumentTypes.CreditNote, e, reference,
                    JournalLine.Debit(ChartOfAccounts.SalesRevenue, net, "exchanged sales " + e.Reference),
                    vat > 0 ? JournalLine.Debit(ChartOfAccounts.OutputVat, vat, "VAT on exchanged sales") : null,
                    JournalLine.Credit(ChartOfAccounts.CustomerAdvances, e.AmountMinor, $"exchange {e.Reference} credited to customer {e.CustomerId}"));
            }

            case OrderEventKind.ExchangeInvoiced when e.AmountMinor > 0:
            {
                // The replacement of an exchange: billed against the customer's credit for the returned goods plus any extra payment.
                var (net, vat) = Split(e.AmountMinor, vatRateBasisPoints);
                return Entry(DocumentTypes.SalesInvoice, e, reference,
                    JournalLine.Debit(ChartOfAccounts.CustomerAdvances, e.AmountMinor, $"invoice {e.OrderId} exchange {e.Reference}"),
                    JournalLine.Credit(ChartOfAccounts.SalesRevenue, net, "net sales (exchange replacement)"),
                    vat > 0 ? JournalLine.Credit(ChartOfAccounts.OutputVat, vat, "output VAT") : null);
            }

            case OrderEventKind.Cancelled when e.AmountMinor > 0:
            case OrderEventKind.PaymentRefunded when e.AmountMinor > 0:
                // Money for goods never shipped goes back: the advance is repaid, revenue is untouched.
                return new JournalEntryRequest(DocumentTypes.CreditNote, e.OrderId, e.Currency, e.At, reference,
                [
                    JournalLine.Debit(ChartOfAccounts.CustomerAdvances, e.AmountMinor, "advance returned"),
                    JournalLine.Credit(ChartOfAccounts.CashClearing, e.AmountMinor, "refund paid out"),
                ]);
            default:
                return null;
        }
    }

    /// <summary>Net and VAT parts of a VAT-inclusive amount.</summary>
    public static (long Net, long Vat) Split(long gross, int vatRateBasisPoints)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(vatRateBasisPoints);
        var net = (long)Math.Round(gross * 10_000m / (10_000 + vatRateBasisPoints), MidpointRounding.AwayFromZero);
        return (net, gross - net);
    }

    private static JournalEntryRequest Entry(string documentType, OrderEvent e, string reference, params JournalLine?[] lines) =>
        new(documentType, e.OrderId, e.Currency, e.At, reference, [.. lines.OfType<JournalLine>()]);
}
