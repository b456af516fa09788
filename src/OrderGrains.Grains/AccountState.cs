using System.Text.Json.Serialization;
using OrderGrains.Abstractions;
using OrderGrains.Storage;

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
public sealed class CampaignState : IHasEntrySets
{
    private Dictionary<string, int>? _takenByCustomer;

    public CampaignDefinition? Definition { get; set; }

    /// <summary>Units reserved or sold under the campaign over all customers; never above the quota when taken.</summary>
    public int Taken { get; set; }

    /// <summary>
    /// Units per customer: the sum of their holds. Not stored (states stored before entry sets carried it, and it is
    /// ignored on reading): built from <see cref="Holds"/> on first use, then kept in step by the grain.
    /// </summary>
    [JsonIgnore]
    public Dictionary<string, int> TakenByCustomer => _takenByCustomer ??= Holds.Values
        .GroupBy(h => h.CustomerId, StringComparer.Ordinal)
        .ToDictionary(g => g.Key, g => g.Sum(h => h.Quantity), StringComparer.Ordinal);

    /// <summary>
    /// What each order holds, by order id: makes reserve and release idempotent. An entry set: a row per order beside the
    /// state, so a batch of a flash sale writes the holds it added, not every hold of the sale.
    /// </summary>
    [JsonIgnore]
    public EntrySet<CampaignHold> Holds { get; } = new("holds");

    /// <inheritdoc />
    [JsonIgnore]
    public IReadOnlyList<IEntrySet> EntrySets => [Holds];

    // Holds as states stored before entry sets kept them, inline; read once and stored as rows by the next write.
    [JsonInclude]
    [JsonPropertyName("Holds")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    private Dictionary<string, CampaignHold>? InlineHolds
    {
        get => null;
        set => Holds.LoadInline(value);
    }

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
