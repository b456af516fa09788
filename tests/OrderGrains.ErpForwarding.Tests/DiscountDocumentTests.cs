using OrderGrains.Abstractions;
using OrderGrains.Erp;

namespace OrderGrains.ErpForwarding.Tests;

/// <summary>Sales invoices of discounted orders (issue 13 §1): revenue at list value, the discount against it, balanced to the minor unit.</summary>
public sealed class DiscountDocumentTests
{
    private static readonly DateTimeOffset At = new(2026, 12, 3, 9, 0, 0, TimeSpan.Zero);

    [Fact]
    public void An_invoice_books_gross_sales_and_the_discount_so_revenue_nets_to_what_was_billed()
    {
        // Billed 300.00 (list 330.00, 30.00 off), VAT 13%: net 265.49, VAT 34.51; discount net 26.55.
        var entry = ErpDocuments.For(Completed(30_000, discount: 3_000), 1300)!;

        Assert.Equal(DocumentTypes.SalesInvoice, entry.DocumentType);
        Assert.Equal(
            [(ChartOfAccounts.CustomerAdvances, 30_000L, 0L), (ChartOfAccounts.SalesDiscounts, 2_655L, 0L), (ChartOfAccounts.SalesRevenue, 0L, 26_549L + 2_655L), (ChartOfAccounts.OutputVat, 0L, 3_451L)],
            entry.Lines.Select(l => (l.Account, l.DebitMinor, l.CreditMinor)));
        Assert.Null(JournalEntryValidation.Validate(entry));
        Assert.Equal(ErpDocuments.Split(30_000, 1300).Net, Credits(entry, ChartOfAccounts.SalesRevenue) - Debits(entry, ChartOfAccounts.SalesDiscounts));
    }

    [Theory]
    [InlineData(1L, 1L, 1300)]
    [InlineData(99_999L, 33_333L, 1300)]
    [InlineData(12_345L, 6_789L, 700)]
    [InlineData(100L, 0L, 1900)]
    [InlineData(5L, 999_995L, 0)]
    public void Invoices_balance_exactly_and_keep_VAT_on_the_amount_paid(long amount, long discount, int vatBasisPoints)
    {
        var entry = ErpDocuments.For(Completed(amount, discount), vatBasisPoints)!;

        Assert.Null(JournalEntryValidation.Validate(entry));
        Assert.Equal(entry.Lines.Sum(l => l.DebitMinor), entry.Lines.Sum(l => l.CreditMinor));
        Assert.Equal(amount - ErpDocuments.Split(amount, vatBasisPoints).Net, Credits(entry, ChartOfAccounts.OutputVat));
        Assert.Equal(ErpDocuments.Split(amount, vatBasisPoints).Net, Credits(entry, ChartOfAccounts.SalesRevenue) - Debits(entry, ChartOfAccounts.SalesDiscounts));
    }

    [Fact]
    public void An_undiscounted_invoice_is_unchanged()
    {
        var entry = ErpDocuments.For(Completed(11_300, discount: 0), 1300)!;

        Assert.Equal(
            [(ChartOfAccounts.CustomerAdvances, 11_300L, 0L), (ChartOfAccounts.SalesRevenue, 0L, 10_000L), (ChartOfAccounts.OutputVat, 0L, 1_300L)],
            entry.Lines.Select(l => (l.Account, l.DebitMinor, l.CreditMinor)));
    }

    private static long Credits(JournalEntryRequest entry, string account) => entry.Lines.Where(l => l.Account == account).Sum(l => l.CreditMinor);

    private static long Debits(JournalEntryRequest entry, string account) => entry.Lines.Where(l => l.Account == account).Sum(l => l.DebitMinor);

    private static OrderEvent Completed(long amount, long discount) =>
        new("web:d1", 7, OrderEventKind.Completed, "web", "c1", "EUR", amount, amount, true, [], At, "invoice", DiscountMinor: discount);
}
