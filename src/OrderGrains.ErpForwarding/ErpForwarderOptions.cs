namespace OrderGrains.ErpForwarding;

/// <summary>How order events are forwarded to the ERP; bound from <see cref="SectionName"/>, checked by <see cref="ErpForwarderOptionsValidator"/>.</summary>
public sealed class ErpForwarderOptions
{
    /// <summary>The configuration section these options are bound from.</summary>
    public const string SectionName = "OrderGrains:Erp:Forwarder";

    /// <summary>Output VAT rate in basis points (1300 = 13%); totals are VAT-inclusive.</summary>
    public int VatRateBasisPoints { get; set; } = 1300;

    /// <summary>Failed posts of one event (ERP unavailable) before it is dead-lettered and the partition moves on.</summary>
    public int MaxAttempts { get; set; } = 20;

    /// <summary>Posts tried within one pull before the forwarder leaves the event for its next pull.</summary>
    public int AttemptsPerDelivery { get; set; } = 3;

    /// <summary>First retry delay within a pull; doubles per attempt, with jitter.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Most dead letters kept; the oldest beyond it are dropped (and logged).</summary>
    public int MaxDeadLetters { get; set; } = 10_000;

    /// <summary>How often an active forwarder looks for new events in its partition (its grain timer's period).</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Events read from the outbox per read.</summary>
    public int BatchSize { get; set; } = 100;

    /// <summary>
    /// Period of each forwarder's keep-alive reminder, which reactivates it (on another silo if its silo died). At
    /// least Orleans' ReminderOptions.MinimumReminderPeriod (1 minute unless configured lower).
    /// </summary>
    public TimeSpan KeepAlivePeriod { get; set; } = TimeSpan.FromMinutes(1);
}
