using Orleans.Concurrency;

namespace OrderGrains.Abstractions;

/// <summary>
/// Reads one partition of the <c>inventory-alerts</c> stream (key = partition number) after its own checkpoint into the
/// operator alert list of category <see cref="IOperatorAlertsGrain.InventoryCategory"/>.
/// </summary>
public interface IInventoryAlertListerGrain : IGrainWithStringKey
{
    /// <summary>Activates the lister; it then pulls on its own timer.</summary>
    Task WakeAsync();

    /// <summary>Where the lister stands.</summary>
    [AlwaysInterleave]
    Task<AlertListerStats> GetStatsAsync();
}

/// <summary>
/// POSTs each new alert of one partition of the <c>inventory-alerts</c> stream (key = partition number) to the
/// configured webhook, in order, after its own checkpoint: retried with capped backoff, given up on a definitive refusal.
/// </summary>
public interface IAlertWebhookGrain : IGrainWithStringKey
{
    /// <summary>Activates the sender; it then pulls on its own timer.</summary>
    Task WakeAsync();

    /// <summary>Deliveries, the retry in progress and the alerts given up.</summary>
    [AlwaysInterleave]
    Task<AlertWebhookStatus> GetStatusAsync();

    /// <summary>
    /// Posts a given-up alert once more (same key and body), e.g. after the receiver was fixed: true when it was taken
    /// and left the given-up list; otherwise the entry records the new answer. NotFound for an alert not given up here.
    /// </summary>
    Task<bool> RetryGivenUpAsync(string alertId);
}

/// <summary>A lister's checkpoint and counters.</summary>
[GenerateSerializer]
[Immutable]
[Alias("ordergrains.AlertListerStats")]
public sealed record AlertListerStats(
    [property: Id(0)] int Partition,
    [property: Id(1)] long LastSequence,
    [property: Id(2)] long Raised,
    [property: Id(3)] long Resolved);

/// <summary>How a webhook partition is doing. Persisted as text in the admin API.</summary>
[GenerateSerializer]
[Alias("ordergrains.AlertWebhookState")]
public enum AlertWebhookState
{
    Unspecified = 0,

    /// <summary>Caught up, or delivering.</summary>
    Delivering = 1,

    /// <summary>The head alert failed with a retryable answer; waiting for <see cref="AlertWebhookStatus.NextAttemptAt"/>.</summary>
    Retrying = 2,

    /// <summary>No webhook URL is configured.</summary>
    Disabled = 3,
}

/// <summary>An alert the webhook refused definitively (a 4xx other than 408 and 429): not sent again.</summary>
[GenerateSerializer]
[Immutable]
[Alias("ordergrains.AlertWebhookGivenUp")]
public sealed record AlertWebhookGivenUp(
    [property: Id(0)] string AlertId,
    [property: Id(1)] int StatusCode,
    [property: Id(2)] string Reason,
    [property: Id(3)] int Attempts,
    [property: Id(4)] DateTimeOffset At);

/// <summary>One webhook partition: checkpoint, counters, the retry of its head alert and the alerts given up (newest last).</summary>
[GenerateSerializer]
[Immutable]
[Alias("ordergrains.AlertWebhookStatus")]
public sealed record AlertWebhookStatus(
    [property: Id(0)] int Partition,
    [property: Id(1)] AlertWebhookState State,
    [property: Id(2)] long LastSequence,
    [property: Id(3)] long Delivered,
    [property: Id(4)] long FailedAttempts,
    [property: Id(5)] int ConsecutiveFailures,
    [property: Id(6)] string? HeadAlertId,
    [property: Id(7)] DateTimeOffset? NextAttemptAt,
    [property: Id(8)] string? LastError,
    [property: Id(9)] IReadOnlyList<AlertWebhookGivenUp> GivenUp);
