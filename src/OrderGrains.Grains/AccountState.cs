using OrderGrains.Abstractions;

namespace OrderGrains.Grains;

/// <summary>Persisted state of <see cref="CustomerAccountGrain"/>.</summary>
public sealed class CustomerAccountState
{
    public CustomerProfile? Profile { get; set; }

    /// <summary>Open exposure per order id; the sum is kept in <see cref="OpenExposureMinor"/>.</summary>
    public Dictionary<string, CreditExposure> Exposures { get; set; } = new(StringComparer.Ordinal);

    public long OpenExposureMinor { get; set; }

    /// <summary>Open invoices of orders on payment terms, by order id; settled ones are removed. Absent in state written before issue 12.</summary>
    public Dictionary<string, Receivable> Receivables { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>One order's open invoice on payment terms, as the order last reported it.</summary>
public sealed class Receivable
{
    public string Currency { get; set; } = string.Empty;

    public long InvoicedMinor { get; set; }

    public long OpenMinor { get; set; }

    public DateTimeOffset InvoicedAt { get; set; }

    public DateTimeOffset DueAt { get; set; }
}

/// <summary>One order's share of a customer's open exposure and the decision taken for it (replayed on retries).</summary>
public sealed class CreditExposure
{
    public long AmountMinor { get; set; }

    public CreditDecision Decision { get; set; }
}

/// <summary>Persisted state of <see cref="CampaignGrain"/>.</summary>
public sealed class CampaignState
{
    public CampaignDefinition? Definition { get; set; }

    /// <summary>Units reserved or sold under the campaign over all customers; never above the quota when taken.</summary>
    public int Taken { get; set; }

    public Dictionary<string, int> TakenByCustomer { get; set; } = new(StringComparer.Ordinal);

    /// <summary>What each order holds, by order id: makes reserve and release idempotent.</summary>
    public Dictionary<string, CampaignHold> Holds { get; set; } = new(StringComparer.Ordinal);

    /// <summary>When an operator closed the sale; null while it runs by its window.</summary>
    public DateTimeOffset? ClosedAt { get; set; }

    public string? ClosedBy { get; set; }

    /// <summary>Whether the directory already lists this campaign.</summary>
    public bool Registered { get; set; }
}

/// <summary>Persisted state of <see cref="CampaignDirectoryGrain"/>.</summary>
public sealed class CampaignDirectoryState
{
    public List<string> CampaignIds { get; set; } = [];
}

/// <summary>Units one order took under a campaign and the terms it got.</summary>
public sealed class CampaignHold
{
    public string CustomerId { get; set; } = string.Empty;

    public int Quantity { get; set; }

    public long PriceMinor { get; set; }

    public TimeSpan? ReservationTimeout { get; set; }
}
