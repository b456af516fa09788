using OrderGrains.Abstractions;
using OrderGrains.Erp;

namespace OrderGrains.ErpForwarding.Tests;

/// <summary>The documents of an exchange (issue 12 §4): the returned units credited to customer advances, the replacement invoiced from them.</summary>
public sealed class ExchangeDocumentTests
{
    private static readonly DateTimeOffset At = new(2026, 12, 2, 9, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Returned_units_of_an_exchange_reverse_revenue_and_VAT_into_customer_advances_without_a_payout()
    {
        var entry = ErpDocuments.For(Event(OrderEventKind.ExchangeCredited, 11_300), 1300)!;

        Assert.Equal(DocumentTypes.CreditNote, entry.DocumentType);
        Assert.Equal(
            [(ChartOfAccounts.SalesRevenue, 10_000L, 0L), (ChartOfAccounts.OutputVat, 1_300L, 0L), (ChartOfAccounts.CustomerAdvances, 0L, 11_300L)],
            entry.Lines.Select(l => (l.Account, l.DebitMinor, l.CreditMinor)));
        Assert.Null(JournalEntryValidation.Validate(entry));
    }

    [Fact]
    public void Replacement_of_an_exchange_is_invoiced_from_customer_advances()
    {
        var entry = ErpDocuments.For(Event(OrderEventKind.ExchangeInvoiced, 16_950), 1300)!;

        Assert.Equal(DocumentTypes.SalesInvoice, entry.DocumentType);
        Assert.Equal(
            [(ChartOfAccounts.CustomerAdvances, 16_950L, 0L), (ChartOfAccounts.SalesRevenue, 0L, 15_000L), (ChartOfAccounts.OutputVat, 0L, 1_950L)],
            entry.Lines.Select(l => (l.Account, l.DebitMinor, l.CreditMinor)));
        Assert.Null(JournalEntryValidation.Validate(entry));
    }

    [Fact]
    public void Credit_extra_payment_refund_and_invoice_of_one_exchange_net_customer_advances_to_zero()
    {
        // 113.00 back for a 169.50 replacement (56.50 paid on top), and 113.00 back for a 56.50 one (56.50 refunded).
        OrderEventKind[] kinds = [OrderEventKind.ExchangeCredited, OrderEventKind.Paid, OrderEventKind.ExchangeInvoiced];
        var dearer = kinds.Zip([11_300L, 5_650L, 16_950L]).Select(x => ErpDocuments.For(Event(x.First, x.Second), 1300)!).ToList();
        kinds = [OrderEventKind.ExchangeCredited, OrderEventKind.PaymentRefunded, OrderEventKind.ExchangeInvoiced];
        var cheaper = kinds.Zip([11_300L, 5_650L, 5_650L]).Select(x => ErpDocuments.For(Event(x.First, x.Second), 1300)!).ToList();

        Assert.Equal(0, Balance(dearer, ChartOfAccounts.CustomerAdvances));
        Assert.Equal((5_650L, -5_650L), (Balance(dearer, ChartOfAccounts.CashClearing), Balance(dearer, ChartOfAccounts.SalesRevenue) + Balance(dearer, ChartOfAccounts.OutputVat)));
        Assert.Equal(0, Balance(cheaper, ChartOfAccounts.CustomerAdvances));
        Assert.Equal((-5_650L, 5_650L), (Balance(cheaper, ChartOfAccounts.CashClearing), Balance(cheaper, ChartOfAccounts.SalesRevenue) + Balance(cheaper, ChartOfAccounts.OutputVat)));
    }

    [Fact]
    public void A_free_replacement_posts_no_invoice()
    {
        Assert.Null(ErpDocuments.For(Event(OrderEventKind.ExchangeInvoiced, 0), 1300));
        Assert.Null(ErpDocuments.For(Event(OrderEventKind.ExchangeCredited, 0), 1300));
    }

    private static long Balance(IEnumerable<JournalEntryRequest> entries, string account) =>
        entries.SelectMany(e => e.Lines).Where(l => l.Account == account).Sum(l => l.DebitMinor - l.CreditMinor);

    private static OrderEvent Event(OrderEventKind kind, long amount) =>
        new("web:1", 7, kind, "web", "ada", "EUR", 22_600, amount, Paid: true, [], At, "ex-1");
}
