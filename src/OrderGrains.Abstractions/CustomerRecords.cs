namespace OrderGrains.Abstractions;

/// <summary>
/// Customer master data. <paramref name="CreditLimitMinor"/> caps the customer's open exposure (0 = no limit);
/// <paramref name="Tier"/> is a free-form label.
/// </summary>
[GenerateSerializer]
[Immutable]
[Alias("ordergrains.CustomerProfile")]
public sealed record CustomerProfile([property: Id(0)] string CustomerId, [property: Id(1)] string Name, [property: Id(2)] string Tier, [property: Id(3)] long CreditLimitMinor, [property: Id(4)] bool Blocked);

/// <summary>A customer with the open exposure of their accepted, unshipped orders.</summary>
[GenerateSerializer]
[Immutable]
[Alias("ordergrains.CustomerAccount")]
public sealed record CustomerAccount([property: Id(0)] CustomerProfile Profile, [property: Id(1)] long OpenExposureMinor, [property: Id(2)] int OpenOrders);

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
}
