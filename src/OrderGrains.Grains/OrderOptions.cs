namespace OrderGrains.Grains;

/// <summary>
/// Settings of the order domain, bound from <see cref="SectionName"/> and checked at start-up by
/// <see cref="OrderOptionsValidator"/>; registered with <c>AddOrderDomain</c> (<see cref="OrderDomainServiceCollectionExtensions"/>).
/// </summary>
public sealed class OrderOptions
{
    /// <summary>The configuration section these options are bound from.</summary>
    public const string SectionName = "OrderGrains:Orders";

    /// <summary>How long an unpaid order keeps its stock before it is cancelled (a campaign may set its own).</summary>
    public TimeSpan ReservationTimeout { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>
    /// Period of the per-order expiry reminder. It fires once at expiry; the period only matters when expiring fails
    /// and must be retried. Must be at least Orleans' ReminderOptions.MinimumReminderPeriod.
    /// </summary>
    public TimeSpan ExpiryRetryPeriod { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Most lines one order may have.</summary>
    public int MaxLinesPerOrder { get; set; } = 100;

    /// <summary>Longest single wait of <c>IOrderGrain.WaitForChangeAsync</c>; keep it below the silo's request timeout.</summary>
    public TimeSpan MaxWatchWait { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>
    /// How long a SKU pool trusts its cached warehouse directory before asking for a newer version: a deactivated
    /// warehouse may still receive allocations for this long. Zero asks on every reservation.
    /// </summary>
    public TimeSpan WarehouseDirectoryCacheDuration { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Requests a hot grain (SKU pool, campaign) lets wait for their turn before refusing more as overloaded.</summary>
    public int MaxWaitingPerHotGrain { get; set; } = 20_000;

    /// <summary>Sync ids a SKU pool remembers per warehouse to recognise replayed SetStock messages.</summary>
    public int RememberedSyncIdsPerWarehouse { get; set; } = 256;

    /// <summary>Most units in one package: a larger release is split (1,000 units at 400 → 3 packages).</summary>
    public int MaxUnitsPerPackage { get; set; } = 400;

    /// <summary>
    /// Orders of the same customer to the same address released to a warehouse within this window of the first one
    /// ship together (one consolidation). Zero turns consolidation off.
    /// </summary>
    public TimeSpan ConsolidationWindow { get; set; } = TimeSpan.Zero;

    /// <summary>Release a paid order to its warehouses as soon as it is paid; otherwise it waits for ReleaseOrder.</summary>
    public bool AutoRelease { get; set; }

    /// <summary>How long an ON_HOLD order keeps its stock without a decision before it is cancelled.</summary>
    public TimeSpan HoldTimeout { get; set; } = TimeSpan.FromHours(48);

    /// <summary>Orders whose total (minor units) is above this are held for MANUAL_REVIEW; 0 turns the rule off.</summary>
    public long ManualReviewThresholdMinor { get; set; }

    /// <summary>Orders with a line discounted deeper than this percentage of its list price are held for MANUAL_REVIEW; 0 turns the rule off.</summary>
    public int ManualReviewDiscountPercent { get; set; }

    /// <summary>Held orders whose total is above this need two distinct approvers; 0 turns the rule off.</summary>
    public long DualApprovalThresholdMinor { get; set; }

    /// <summary>Movements a SKU pool keeps in its ledger (older ones are only counted).</summary>
    public int LedgerEntriesKept { get; set; } = 256;

    /// <summary>How often a SKU pool retries telling orders that their reservation moved.</summary>
    public TimeSpan StockNoticeRetryPeriod { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>What happens to a new order on payment terms while an invoice of the customer is past due.</summary>
    public OverduePolicy OverdueCustomerOrders { get; set; } = OverduePolicy.Reject;
}

/// <summary>What an order on payment terms meets while its customer has an overdue invoice.</summary>
public enum OverduePolicy
{
    Unspecified = 0,

    /// <summary>REJECTED with PAYMENT_OVERDUE; nothing stays reserved.</summary>
    Reject = 1,

    /// <summary>ON_HOLD with OVERDUE_RECEIVABLE: it keeps its stock until an operator decides or the hold times out.</summary>
    Hold = 2,
}
