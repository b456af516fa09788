namespace OrderGrains.Abstractions;

/// <summary>
/// Customer master data. <paramref name="CreditLimitMinor"/> caps the customer's open exposure (0 = no limit);
/// <paramref name="Tier"/> is a free-form label.
/// </summary>
public sealed record CustomerProfile(string CustomerId, string Name, string Tier, long CreditLimitMinor, bool Blocked);

/// <summary>A customer with the open exposure of their accepted, unshipped orders.</summary>
public sealed record CustomerAccount(CustomerProfile Profile, long OpenExposureMinor, int OpenOrders);

/// <summary>Asks a customer account to take an order's total into its open exposure.</summary>
public sealed record CreditReservationRequest(string OrderId, long AmountMinor);

/// <summary>Whether an order fits the customer's credit. Numbers are persisted.</summary>
public enum CreditDecision
{
    Unspecified = 0,

    /// <summary>Within the limit; the exposure is recorded.</summary>
    Accepted = 1,

    /// <summary>Over the limit; the exposure is still recorded because the held order keeps its stock.</summary>
    OverLimit = 2,

    /// <summary>The customer is blocked; nothing is recorded.</summary>
    Blocked = 3,
}
