namespace OrderGrains.Alerting;

/// <summary>How inventory alerts are listed and posted; bound from <see cref="SectionName"/>, checked by <see cref="AlertingOptionsValidator"/>.</summary>
public sealed class AlertingOptions
{
    /// <summary>The configuration section these options are bound from.</summary>
    public const string SectionName = "OrderGrains:Alerts";

    /// <summary>How often an active lister or webhook sender looks for new events in its partition.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Events read from the stream per read.</summary>
    public int BatchSize { get; set; } = 100;

    /// <summary>Period of the keep-alive reminder that reactivates each partition's lister and sender (on another silo if theirs died).</summary>
    public TimeSpan KeepAlivePeriod { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>The webhook that receives each new alert; off while <see cref="AlertWebhookOptions.Url"/> is empty.</summary>
    public AlertWebhookOptions Webhook { get; set; } = new();
}

/// <summary>The purchasing/WMS webhook (<c>OrderGrains:Alerts:Webhook</c>).</summary>
public sealed class AlertWebhookOptions
{
    /// <summary>Absolute http(s) URL each new alert is POSTed to as JSON; empty turns the webhook off.</summary>
    public string? Url { get; set; }

    /// <summary>How long one POST may take before it counts as a failed attempt (and is retried).</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Wait after the first failed attempt; doubles per failure in a row, with jitter.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Longest wait between attempts, also for a longer Retry-After. Retries never give up on their own.</summary>
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Given-up alerts each partition keeps for the admin API (the oldest are dropped beyond it).</summary>
    public int GivenUpKept { get; set; } = 200;

    /// <summary>The configured URL, or null when the webhook is off.</summary>
    public Uri? Endpoint => string.IsNullOrWhiteSpace(Url) ? null : new Uri(Url, UriKind.Absolute);
}
