namespace OrderGrains.ErpForwarding;

/// <summary>How order events are forwarded to the ERP; bound from <see cref="SectionName"/>, checked by <see cref="ErpForwarderOptionsValidator"/>.</summary>
public sealed class ErpForwarderOptions
{
    /// <summary>The configuration section these options are bound from.</summary>
    public const string SectionName = "OrderGrains:Erp:Forwarder";

    /// <summary>Output VAT rate in basis points (1300 = 13%); totals are VAT-inclusive.</summary>
    public int VatRateBasisPoints { get; set; } = 1300;

    /// <summary>Wait after the first failed post while the ERP is unavailable; doubles per failure in a row, with jitter.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// Longest wait between posts while the ERP is unavailable, also for a longer Retry-After. An unavailable ERP is
    /// retried at this pace for as long as it is down: nothing is dead-lettered for being unavailable.
    /// </summary>
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The admin API and dashboard raise an alert when a partition's oldest unposted event is older than this.</summary>
    public TimeSpan LagAlertThreshold { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>How often an active forwarder looks for new events in its partition (its grain timer's period).</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Events read from the outbox per read.</summary>
    public int BatchSize { get; set; } = 100;

    /// <summary>
    /// Longest a forwarder keeps its turn working off a backlog; it goes on at its next poll. Other calls to it (its
    /// keep-alive reminder, Orleans times calls out after 30 s) wait at most this long behind the work.
    /// </summary>
    public TimeSpan MaxPullTurn { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// While the silo is busy answering callers (<c>OrderGrains:Admission:BusyInFlight</c>), a forwarder puts its pulls
    /// off for up to this long in a row, so a flash sale's buyers get the CPU; zero never defers, at most 1 minute.
    /// </summary>
    public TimeSpan MaxDeferral { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Period of each forwarder's keep-alive reminder, which reactivates it (on another silo if its silo died). At
    /// least Orleans' ReminderOptions.MinimumReminderPeriod (1 minute unless configured lower).
    /// </summary>
    public TimeSpan KeepAlivePeriod { get; set; } = TimeSpan.FromMinutes(1);
}
