namespace OrderGrains.Abstractions;

/// <summary>
/// A flash-sale campaign: <paramref name="PriceMinor"/> replaces the unit price of <paramref name="Sku"/>, active in
/// [<paramref name="StartsAt"/>, <paramref name="EndsAt"/>). <paramref name="PerCustomerLimit"/> 0 = no per-customer limit.
/// <paramref name="ReservationTimeout"/> overrides how long an unpaid campaign order keeps its stock (null = the default).
/// </summary>
public sealed record CampaignDefinition(
    string CampaignId,
    string Sku,
    long PriceMinor,
    int Quota,
    int PerCustomerLimit,
    DateTimeOffset StartsAt,
    DateTimeOffset EndsAt,
    TimeSpan? ReservationTimeout = null);

/// <summary>A campaign with the units currently reserved or sold under it; <paramref name="ClosedAt"/> is set once an operator closed it.</summary>
public sealed record CampaignStatus(CampaignDefinition Definition, int Taken, int Remaining, DateTimeOffset? ClosedAt = null);

/// <summary>Asks a campaign to take the order's units of the campaign SKU.</summary>
public sealed record CampaignReservationRequest(string OrderId, string CustomerId, IReadOnlyList<OrderLine> Lines);

/// <summary>How a campaign reservation ended. Numbers are persisted.</summary>
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
public sealed record CampaignReservationResult(CampaignReservationOutcome Outcome, string? Sku, long PriceMinor, TimeSpan? ReservationTimeout);
