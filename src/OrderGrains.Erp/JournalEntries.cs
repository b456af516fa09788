using System.Text.Json.Serialization;

namespace OrderGrains.Erp;

/// <summary>
/// A journal entry document as the OMS posts it. Amounts are minor units of <see cref="Currency"/>;
/// <see cref="PostedAt"/> is the business time of the order event, not the time of the HTTP call, so a retry posts
/// the same body.
/// </summary>
/// <param name="DocumentType">One of <see cref="DocumentTypes"/>.</param>
/// <param name="OrderId">The order the document belongs to.</param>
/// <param name="Currency">ISO 4217 code, three upper-case letters.</param>
/// <param name="PostedAt">When the business event happened.</param>
/// <param name="Reference">Free reference for finance, e.g. the order event id; may be empty.</param>
/// <param name="Lines">At least two lines whose debits equal their credits.</param>
// An unknown field is more likely a poster's bug (a misspelt amount) than an extension: the ledger refuses it.
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record JournalEntryRequest(
    string DocumentType,
    string OrderId,
    string Currency,
    DateTimeOffset PostedAt,
    string Reference,
    IReadOnlyList<JournalLine> Lines)
{
    /// <summary>Value equality over the lines too (a record compares a list by reference).</summary>
    public bool Equals(JournalEntryRequest? other) =>
        other is not null
        && DocumentType == other.DocumentType
        && OrderId == other.OrderId
        && Currency == other.Currency
        && PostedAt == other.PostedAt
        && Reference == other.Reference
        && (ReferenceEquals(Lines, other.Lines) || (Lines is not null && other.Lines is not null && Lines.SequenceEqual(other.Lines)));

    public override int GetHashCode() => HashCode.Combine(DocumentType, OrderId, Currency, PostedAt, Reference, Lines?.Count);
}

/// <summary>One line of a journal entry: exactly one of the two amounts is positive, the other zero.</summary>
/// <param name="Account">A code of <see cref="ChartOfAccounts"/>.</param>
/// <param name="DebitMinor">Debit in minor units.</param>
/// <param name="CreditMinor">Credit in minor units.</param>
/// <param name="Memo">Optional text for finance.</param>
public sealed record JournalLine(string Account, long DebitMinor, long CreditMinor, string? Memo = null)
{
    /// <summary>A debit line.</summary>
    public static JournalLine Debit(string account, long amountMinor, string? memo = null) => new(account, amountMinor, 0, memo);

    /// <summary>A credit line.</summary>
    public static JournalLine Credit(string account, long amountMinor, string? memo = null) => new(account, 0, amountMinor, memo);
}

/// <summary>
/// A journal entry as the ledger recorded it: the posted document (see <see cref="JournalEntryRequest"/>) plus
/// <see cref="EntryId"/> (ledger-assigned, increasing in posting order), the <see cref="IdempotencyKey"/> it was posted
/// under (a replay of that key returns this entry) and <see cref="RecordedAt"/> (when the ledger committed it).
/// </summary>
public sealed record JournalEntry(
    long EntryId,
    string IdempotencyKey,
    string DocumentType,
    string OrderId,
    string Currency,
    DateTimeOffset PostedAt,
    string Reference,
    IReadOnlyList<JournalLine> Lines,
    DateTimeOffset RecordedAt)
{
    /// <summary>Value equality over the lines too (a record compares a list by reference).</summary>
    public bool Equals(JournalEntry? other) =>
        other is not null
        && EntryId == other.EntryId
        && IdempotencyKey == other.IdempotencyKey
        && DocumentType == other.DocumentType
        && OrderId == other.OrderId
        && Currency == other.Currency
        && PostedAt == other.PostedAt
        && Reference == other.Reference
        && RecordedAt == other.RecordedAt
        && Lines.SequenceEqual(other.Lines);

    public override int GetHashCode() => HashCode.Combine(EntryId, IdempotencyKey);
}

/// <summary>The entries of one order, in posting order.</summary>
public sealed record JournalEntryList(string OrderId, IReadOnlyList<JournalEntry> Entries);

/// <summary>Totals of every account per currency, and the per-currency totals that must net to zero.</summary>
public sealed record TrialBalance(IReadOnlyList<TrialBalanceAccount> Accounts, IReadOnlyList<TrialBalanceTotal> Totals, DateTimeOffset AsOf);

/// <summary>One account in one currency; <see cref="BalanceMinor"/> is debit minus credit (credit balances are negative).</summary>
public sealed record TrialBalanceAccount(string Account, string AccountName, string Currency, long DebitMinor, long CreditMinor, long BalanceMinor);

/// <summary>All accounts in one currency; a balanced ledger has <see cref="BalanceMinor"/> zero.</summary>
public sealed record TrialBalanceTotal(string Currency, long DebitMinor, long CreditMinor, long BalanceMinor);

/// <summary>The document types the ledger accepts.</summary>
public static class DocumentTypes
{
    /// <summary>Money received for an order (on PAID): Dr cash clearing, Cr customer advances.</summary>
    public const string CustomerPayment = "customer_payment";

    /// <summary>Revenue recognised (on COMPLETED): Dr customer advances or receivables, Cr revenue and output VAT.</summary>
    public const string SalesInvoice = "sales_invoice";

    /// <summary>A refund: the reverse of the invoice for the refunded amount.</summary>
    public const string CreditNote = "credit_note";

    public static IReadOnlyList<string> All { get; } = [CustomerPayment, SalesInvoice, CreditNote];

    public static bool IsKnown(string? documentType) => documentType is CustomerPayment or SalesInvoice or CreditNote;
}
