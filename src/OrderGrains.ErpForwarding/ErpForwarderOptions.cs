namespace OrderGrains.ErpForwarding;

/// <summary>How order events are forwarded to the ERP.</summary>
public sealed class ErpForwarderOptions
{
    /// <summary>Output VAT rate in basis points (1300 = 13%); totals are VAT-inclusive.</summary>
    public int VatRateBasisPoints { get; set; } = 1300;

    /// <summary>Failed posts of one event (ERP unavailable) before it is dead-lettered and the partition moves on.</summary>
    public int MaxAttempts { get; set; } = 20;

    /// <summary>Posts tried within one delivery before handing the batch back for redelivery with backoff.</summary>
    public int AttemptsPerDelivery { get; set; } = 3;

    /// <summary>First retry delay within a delivery; doubles per attempt, with jitter.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Most dead letters kept; the oldest beyond it are dropped (and logged).</summary>
    public int MaxDeadLetters { get; set; } = 10_000;
}
