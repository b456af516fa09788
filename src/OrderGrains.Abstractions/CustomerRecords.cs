namespace OrderGrains.Abstractions;

/// <summary>
/// Customer master data. <paramref name="CreditLimitMinor"/> caps the customer's open exposure (0 = no limit);
/// <paramref name="Tier"/> is a free-form label. <paramref name="PaymentTerms"/> (<c>NET_30</c>, <c>NET_45</c>, ...; see
/// <see cref="Abstractions.PaymentTerms"/>) lets the customer's orders ship before payment and be invoiced to accounts
/// receivable; null or empty means payment before shipment. <paramref name="AdvanceExchange"/> lets the customer's
/// exchanges ship their replacement before the returned goods arrive.
/// </summary>
[GenerateSerializer]
[Immutable]
[Alias("ordergrains.CustomerProfile")]
public sealed record CustomerProfile(
    [property: Id(0)] string CustomerId,
    [property: Id(1)] string Name,
    [property: Id(2)] string Tier,
    [property: Id(3)] long CreditLimitMinor,
    [property: Id(4)] bool Blocked,
    [property: Id(5)] string? PaymentTerms = null,
    [property: Id(6)] bool AdvanceExchange = false);

/// <summary>Payment terms as <c>NET_&lt;days&gt;</c>: the invoice is due that many days after it was issued.</summary>
public static class PaymentTerms
{
    /// <summary>Longest term accepted, in days.</summary>
    public const int MaxDays = 365;

    private const string Prefix = "NET_";

    /// <summary>Days until an invoice is due, or 0 for none (payment before shipment); null when <paramref name="terms"/> is malformed.</summary>
    public static int? Days(string? terms)
    {
        if (string.IsNullOrEmpty(terms))
        {
            return 0;
        }

        return terms.StartsWith(Prefix, StringComparison.Ordinal)
            && int.TryParse(terms.AsSpan(Prefix.Length), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var days)
            && days is > 0 and <= MaxDays
                ? days
                : null;
    }
}

/// <summary>
/// A customer with the open exposure of their accepted, unshipped orders (orders on terms stay exposed until invoiced)
/// and the open balance of their invoices on terms.
/// </summary>
[GenerateSerializer]
[Immutable]
[Alias("ordergrains.CustomerAccount")]
public sealed record CustomerAccount([property: Id(0)] CustomerProfile Profile, [property: Id(1)] long OpenExposureMinor, [property: Id(2)] int OpenOrders, [property: Id(3)] long OpenReceivablesMinor = 0);

/// <summary>Asks a customer account to take an order's total into its open exposure.</summary>
[GenerateSerializer]
[Immutable]
[Alias("ordergrains.CreditReservationRequest")]
public sealed record CreditReservationRequest([property: Id(0)] string OrderId, [property: Id(1)] long AmountMinor);

/// <summary>Whether an order fits the customer's credit. Numbers are persisted.</summary>
[GenerateSerializer]
[Alias("ordergrains.CreditDecision")]
public enum CreditDecision
{
    Unspecified = 0,

    /// <summary>Within the limit; the exposure is recorded.</summary>
    Accepted = 1,

    /// <summary>Over the limit; the exposure is still recorded because the held order keeps its stock.</summary>
    OverLimit = 2,

    /// <summary>The customer is blocked; nothing is recorded.</summary>
    Blocked = 3,

    /// <summary>An order on payment terms while an invoice of the customer is past due; nothing is recorded.</summary>
    Overdue = 4,
}

/// <summary>
/// Takes an order on payment terms into the customer's exposure: like <see cref="CreditReservationRequest"/>, but
/// refused (<see cref="CreditDecision.Overdue"/>) while an invoice is past due, and checked against the limit together
/// with the open receivables.
/// </summary>
[GenerateSerializer]
[Immutable]
[Alias("ordergrains.TermsReservationRequest")]
public sealed record TermsReservationRequest([property: Id(0)] string OrderId, [property: Id(1)] long AmountMinor);

/// <summary>
/// An order's invoice on payment terms as the order last reported it (absolute, so a replay is harmless): the
/// invoiced amount, what is still open and when it is due. Reporting it moves the order's exposure into receivables;
/// an open amount of 0 settles it.
/// </summary>
[GenerateSerializer]
[Immutable]
[Alias("ordergrains.ReceivableUpdate")]
public sealed record ReceivableUpdate(
    [property: Id(0)] string OrderId,
    [property: Id(1)] string Currency,
    [property: Id(2)] long InvoicedMinor,
    [property: Id(3)] long OpenMinor,
    [property: Id(4)] DateTimeOffset InvoicedAt,
    [property: Id(5)] DateTimeOffset DueAt);

/// <summary>How far past due an open invoice is. Numbers are persisted and on the admin API; never reused.</summary>
[GenerateSerializer]
[Alias("ordergrains.AgeingBucket")]
public enum AgeingBucket
{
    /// <summary>Not yet due.</summary>
    Current = 0,

    /// <summary>1 to 30 days overdue.</summary>
    Overdue1To30 = 1,

    /// <summary>31 to 60 days overdue.</summary>
    Overdue31To60 = 2,

    /// <summary>More than 60 days overdue.</summary>
    OverdueOver60 = 3,
}

/// <summary>One open invoice with its age on <see cref="ReceivablesReport.AsOf"/>.</summary>
[GenerateSerializer]
[Immutable]
[Alias("ordergrains.OpenReceivable")]
public sealed record OpenReceivable(
    [property: Id(0)] string OrderId,
    [property: Id(1)] string Currency,
    [property: Id(2)] long InvoicedMinor,
    [property: Id(3)] long OpenMinor,
    [property: Id(4)] DateTimeOffset InvoicedAt,
    [property: Id(5)] DateTimeOffset DueAt,
    [property: Id(6)] int DaysOverdue,
    [property: Id(7)] AgeingBucket Bucket);

/// <summary>Open amounts of one currency per ageing bucket.</summary>
[GenerateSerializer]
[Immutable]
[Alias("ordergrains.AgeingTotals")]
public sealed record AgeingTotals(
    [property: Id(0)] string Currency,
    [property: Id(1)] long CurrentMinor,
    [property: Id(2)] long Overdue1To30Minor,
    [property: Id(3)] long Overdue31To60Minor,
    [property: Id(4)] long OverdueOver60Minor,
    [property: Id(5)] long TotalOpenMinor);

/// <summary>A customer's open receivables, oldest due first, and their ageing per currency.</summary>
[GenerateSerializer]
[Immutable]
[Alias("ordergrains.ReceivablesReport")]
public sealed record ReceivablesReport(
    [property: Id(0)] string CustomerId,
    [property: Id(1)] string? PaymentTerms,
    [property: Id(2)] long CreditLimitMinor,
    [property: Id(3)] long OpenExposureMinor,
    [property: Id(4)] DateTimeOffset AsOf,
    [property: Id(5)] IReadOnlyList<OpenReceivable> Receivables,
    [property: Id(6)] IReadOnlyList<AgeingTotals> Ageing);
