using OrderGrains.Abstractions;
using OrderGrains.Erp;

namespace OrderGrains.ErpForwarding.Tests;

/// <summary>The documents of a credit sale (issue 12 §3): invoice to receivables with its due date, payments and return credits against it.</summary>
public sealed class CreditSaleDocumentTests
{
    private static readonly DateTimeOffset At = new(2026, 12, 2, 9, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Invoice_of_an_order_on_terms_debits_receivables_and_names_the_due_date()
    {
        var entry = ErpDocuments.For(Event(OrderEventKind.Completed, 56_500, receivable: 56_500, due: At.AddDays(30)), 1300)!;

        Assert.Equal(DocumentTypes.SalesInvoice, entry.DocumentType);
        var receivable = entry.Lines.Single(l => l.Account == ChartOfAccounts.AccountsReceivable);
        Assert.Equal((56_500L, "invoice b2b:1 due 2027-01-01"), (receivable.DebitMinor, receivable.Memo));
        Assert.Equal([(ChartOfAccounts.SalesRevenue, 50_000L), (ChartOfAccounts.OutputVat, 6_500L)], entry.Lines.Where(l => l.CreditMinor > 0).Select(l => (l.Account, l.CreditMinor)));
        Assert.Null(JournalEntryValidation.Validate(entry));
    }

    [Fact]
    public void Payment_against_the_invoice_clears_receivables_not_customer_advances()
    {
        var entry = ErpDocuments.For(Event(OrderEventKind.Paid, 20_000, receivable: 20_000), 1300)!;

        Assert.Equal(DocumentTypes.CustomerPayment, entry.DocumentType);
        Assert.Equal(
            [(ChartOfAccounts.CashClearing, 20_000L, 0L), (ChartOfAccounts.AccountsReceivable, 0L, 20_000L)],
            entry.Lines.Select(l => (l.Account, l.DebitMinor, l.CreditMinor)));
        Assert.Null(JournalEntryValidation.Validate(entry));
    }

    [Fact]
    public void Return_on_a_partly_paid_invoice_credits_receivables_up_to_the_open_balance_and_pays_the_rest_back_from_cash()
    {
        var entry = ErpDocuments.For(Event(OrderEventKind.Refunded, 22_600, receivable: 16_500), 1300)!;

        Assert.Equal(DocumentTypes.CreditNote, entry.DocumentType);
        Assert.Equal(
            [(ChartOfAccounts.AccountsReceivable, 16_500L), (ChartOfAccounts.CustomerAdvances, 6_100L), (ChartOfAccounts.CashClearing, 6_100L)],
            entry.Lines.Where(l => l.CreditMinor > 0).Select(l => (l.Account, l.CreditMinor)));
        Assert.Equal(
            [(ChartOfAccounts.SalesRevenue, 20_000L), (ChartOfAccounts.OutputVat, 2_600L), (ChartOfAccounts.CustomerAdvances, 6_100L)],
            entry.Lines.Where(l => l.DebitMinor > 0).Select(l => (l.Account, l.DebitMinor)));
        Assert.Null(JournalEntryValidation.Validate(entry));
    }

    [Fact]
    public void Return_within_the_open_balance_only_lowers_the_receivable()
    {
        var entry = ErpDocuments.For(Event(OrderEventKind.Refunded, 22_600, receivable: 22_600), 1300)!;

        Assert.Equal(
            [(ChartOfAccounts.AccountsReceivable, 22_600L)],
            entry.Lines.Where(l => l.CreditMinor > 0).Select(l => (l.Account, l.CreditMinor)));
        Assert.DoesNotContain(entry.Lines, l => l.Account is ChartOfAccounts.CustomerAdvances or ChartOfAccounts.CashClearing);
        Assert.Null(JournalEntryValidation.Validate(entry));
    }

    [Fact]
    public void Return_of_a_cash_sale_pays_the_whole_credit_back_from_cash_and_nets_customer_advances()
    {
        var entry = ErpDocuments.For(Event(OrderEventKind.Refunded, 11_300, paid: true), 1300)!;

        Assert.Equal(DocumentTypes.CreditNote, entry.DocumentType);
        Assert.Equal(0, entry.Lines.Where(l => l.Account == ChartOfAccounts.CustomerAdvances).Sum(l => l.DebitMinor - l.CreditMinor));
        Assert.Equal(-11_300, entry.Lines.Where(l => l.Account == ChartOfAccounts.CashClearing).Sum(l => l.DebitMinor - l.CreditMinor));
        Assert.Equal(11_300, entry.Lines.Where(l => l.Account is ChartOfAccounts.SalesRevenue or ChartOfAccounts.OutputVat).Sum(l => l.DebitMinor));
        Assert.Null(JournalEntryValidation.Validate(entry));
    }

    [Fact]
    public void Cash_sale_documents_are_unchanged()
    {
        var payment = ErpDocuments.For(Event(OrderEventKind.Paid, 56_500, paid: true), 1300)!;
        var invoice = ErpDocuments.For(Event(OrderEventKind.Completed, 56_500, paid: true), 1300)!;

        Assert.Equal(ChartOfAccounts.CustomerAdvances, payment.Lines.Single(l => l.CreditMinor > 0).Account);
        Assert.Equal((ChartOfAccounts.CustomerAdvances, "invoice b2b:1"), (invoice.Lines[0].Account, invoice.Lines[0].Memo));
    }

    private static OrderEvent Event(OrderEventKind kind, long amount, long receivable = 0, DateTimeOffset? due = null, bool paid = false) =>
        new("b2b:1", 7, kind, "b2b", "dealer", "EUR", 56_500, amount, paid, [new OrderLine("sku-1", 5, 11_300)], At, "ref", receivable, due);
}
