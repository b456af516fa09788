namespace OrderGrains.Abstractions;

/// <summary>
/// A flash-sale campaign: <paramref name="PriceMinor"/> replaces the unit price of <paramref name="Sku"/>, active in
/// [<paramref name="StartsAt"/>, <paramref name="EndsAt"/>). <paramref name="PerCustomerLimit"/> 0 = no per-customer limit.
/// <paramref name="ReservationTimeout"/> overrides how long an unpaid campaign order keeps its stock (null = the default).
/// </summary>
[GenerateSerializer]
[Immutable]
[Alias("ordergrains.CampaignDefinition")]
public sealed record CampaignDefinition(
    [property: Id(0)] string CampaignId,
    [property: Id(1)] string Sku,
    [property: Id(2)] long PriceMinor,
    [property: Id(3)] int Quota,
    [property: Id(4)] int PerCustomerLimit,
    [property: Id(5)] DateTimeOffset StartsAt,
    [property: Id(6)] DateTimeOffset EndsAt,
    [property: Id(7)] TimeSpan? ReservationTimeout = null);

/// <summary>A campaign with the units currently reserved or sold under it; <paramref name="ClosedAt"/> is set once an operator closed it.</summary>
[GenerateSerializer]
[Immutable]
[Alias("ordergrains.CampaignStatus")]
public sealed record CampaignStatus([property: Id(0)] CampaignDefinition Definition, [property: Id(1)] int Taken, [property: Id(2)] int Remaining, [property: Id(3)] DateTimeOffset? ClosedAt = null);

/// <summary>Asks a campaign to take the order's units of the campaign SKU.</summary>
[GenerateSerializer]
[Immutable]
[Alias("ordergrains.CampaignReservationRequest")]
public sealed record CampaignReservationRequest([property: Id(0)] string OrderId, [property: Id(1)] string CustomerId, [property: Id(2)] IReadOnlyList<OrderLine> Lines);

/// <summary>How a campaign reservation ended. Numbers are persisted.</summary>
[GenerateSerializer]
[Alias("ordergrains.CampaignReservationOutcome")]
public enum CampaignReservationOutcome
{
    Unspecified = 0,
    Reserved = 1,

    /// <summary>Unknown campaign, outside its window, or the order has no line for its SKU.</summary>
    NotActive = 2,

    /// <summary>The quota or the customer's limit would be exceeded.</summary>
    LimitExceeded = 3,
}

/// <summary>The outcome and, when reserved, the campaign price and hold time to apply.</summary>
[GenerateSerializer]
[Immutable]
[Alias("ordergrains.CampaignReservationResult")]
public sealed record CampaignReservationResult([property: Id(0)] CampaignReservationOutcome Outcome, [property: Id(1)] string? Sku, [property: Id(2)] long PriceMinor, [property: Id(3)] TimeSpan? ReservationTimeout);
