namespace OrderGrains.Grains;

/// <summary>Settings of the order domain; registered with <c>AddOrderDomain</c> (<see cref="OrderDomainServiceCollectionExtensions"/>).</summary>
public sealed class OrderOptions
{
    /// <summary>How long an unpaid order keeps its stock before it is cancelled (a campaign may set its own).</summary>
    public TimeSpan ReservationTimeout { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>
    /// Period of the per-order expiry reminder. It fires once at expiry; the period only matters when expiring fails
    /// and must be retried. Must be at least the silo's MinimumReminderPeriod.
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

    /// <summary>Sync ids a SKU pool remembers per warehouse to recognise replayed SetStock messages.</summary>
    public int RememberedSyncIdsPerWarehouse { get; set; } = 256;
}
