using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrderGrains.Abstractions;
using OrderGrains.Storage;

namespace OrderGrains.Alerting;

/// <summary>
/// Posts each new alert of one partition of the <c>inventory-alerts</c> stream to the webhook, in stream order, after
/// its own durable checkpoint (<see cref="AlertWebhookPartitionState.LastSequence"/>), which moves only once the
/// receiver took the alert (2xx) or refused it for good (a 4xx other than 408 and 429: given up, listed in the state).
/// Anything else (no connection, timeout, 5xx, 408, 429) keeps the alert at the head and retries it with capped
/// exponential backoff (<see cref="WebhookBackoff"/>, honouring Retry-After up to the cap) without holding the grain.
/// </summary>
/// <remarks>
/// Delivery is at least once: a crash between the receiver's 2xx and the checkpoint write sends that alert again after
/// the restart, with the same <c>Idempotency-Key</c> (the alert id, which is the stream event id) and the same body.
/// Nothing is held in memory that a restart could lose: the backoff restarts from the persisted failure count.
/// </remarks>
[GrainType("alert-webhook")]
public sealed class AlertWebhookGrain(
    [PersistentState("alert-webhook", OrderGrainsStorage.Name)] IPersistentState<AlertWebhookPartitionState> state,
    IOutboxStore outbox,
    IOptions<AlertingOptions> options,
    AlertWebhook webhook,
    TimeProvider clock,
    ILogger<AlertWebhookGrain> logger) : Grain, IAlertWebhookGrain, IRemindable
{
    private const string KeepAliveReminder = "keep-alive";

    private readonly AlertingOptions _options = options.Value;

    // Null when no webhook is configured: the grain then only answers its status.
    private readonly AlertWebhookClient? _client = webhook.Client;

    // In memory: a new activation tries the head at once, then backs off from the persisted failure count.
    private DateTimeOffset _nextAttemptAt;

    private AlertWebhookPartitionState State => state.State;

    private int Partition => int.Parse(this.GetPrimaryKeyString(), CultureInfo.InvariantCulture);

    /// <summary>Registers the keep-alive reminder and the poll timer when a webhook is configured.</summary>
    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (_client is null)
        {
            return;
        }

        if (await this.GetReminder(KeepAliveReminder) is null)
        {
            await this.RegisterOrUpdateReminder(KeepAliveReminder, _options.KeepAlivePeriod, _options.KeepAlivePeriod);
        }

        this.RegisterGrainTimer(
            DeliverAsync,
            new GrainTimerCreationOptions { DueTime = TimeSpan.Zero, Period = _options.PollInterval, Interleave = false, KeepAlive = true });
    }

    /// <summary>Activates the sender; its timer's first tick delivers at once.</summary>
    public Task WakeAsync() => Task.CompletedTask;

    /// <summary>The keep-alive reminder: its delivery (re)activates the sender.</summary>
    public Task ReceiveReminder(string reminderName, TickStatus status) => _client is null ? Task.CompletedTask : DeliverAsync(CancellationToken.None);

    /// <summary>Deliveries, the retry in progress and the alerts given up.</summary>
    public Task<AlertWebhookStatus> GetStatusAsync()
    {
        var status = _client is null ? AlertWebhookState.Disabled
            : State.HeadAttempts > 0 ? AlertWebhookState.Retrying
            : AlertWebhookState.Delivering;
        return Task.FromResult(new AlertWebhookStatus(
            Partition,
            status,
            State.LastSequence,
            State.Delivered,
            State.FailedAttempts,
            State.HeadAttempts,
            State.HeadAlertId,
            State.HeadAttempts > 0 ? _nextAttemptAt : null,
            State.LastError,
            [.. State.GivenUp]));
    }

    /// <summary>Posts a given-up alert once more with its key and body; true when the receiver took it.</summary>
    public async Task<bool> RetryGivenUpAsync(string alertId)
    {
        var index = State.GivenUp.FindIndex(g => string.Equals(g.AlertId, alertId, StringComparison.Ordinal));
        if (_client is null || index < 0 || !State.GivenUpBodies.TryGetValue(alertId, out var body))
        {
            throw new NotFoundException("given-up alert", alertId);
        }

        var given = State.GivenUp[index];
        var attempt = await _client.PostAsync(alertId, given.Attempts + 1, System.Text.Encoding.UTF8.GetBytes(body), CancellationToken.None);
        if (attempt.Outcome == WebhookOutcome.Delivered)
        {
            State.GivenUp.RemoveAt(index);
            State.GivenUpBodies.Remove(alertId);
            State.Delivered++;
            State.LastDeliveredAt = clock.GetUtcNow();
        }
        else
        {
            State.GivenUp[index] = given with { StatusCode = attempt.StatusCode, Reason = attempt.Reason ?? $"HTTP {attempt.StatusCode}", Attempts = given.Attempts + 1, At = clock.GetUtcNow() };
        }

        await state.WriteOrDeactivateAsync(this);
        return attempt.Outcome == WebhookOutcome.Delivered;
    }

    private async Task DeliverAsync(CancellationToken cancellationToken)
    {
        if (_client is null || clock.GetUtcNow() < _nextAttemptAt)
        {
            return;
        }

        while (!cancellationToken.IsCancellationRequested)
        {
            var events = await outbox.ReadEventsAsync(InventoryStreams.AlertsNamespace, Partition, State.LastSequence, _options.BatchSize, cancellationToken);
            foreach (var item in events)
            {
                if (InventoryAlertNotices.From(item) is RaiseNotice notice && !await SendAsync(_client, notice))
                {
                    return;
                }

                State.LastSequence = item.Sequence;
                await state.WriteOrDeactivateAsync(this);
            }

            if (events.Count < _options.BatchSize)
            {
                return;
            }
        }
    }

    // True when the alert is done with (delivered or given up); false when it waits for the next attempt.
    private async Task<bool> SendAsync(AlertWebhookClient client, RaiseNotice notice)
    {
        var alertId = notice.Alert.AlertId;
        var body = InventoryAlertNotices.WebhookBody(notice);
        var attempt = await client.PostAsync(alertId, State.HeadAttempts + 1, body, CancellationToken.None);
        switch (attempt.Outcome)
        {
            case WebhookOutcome.Delivered:
                if (State.HeadAttempts > 0)
                {
                    AlertingLog.WebhookRecovered(logger, Partition, State.HeadAttempts);
                }

                State.Delivered++;
                State.LastDeliveredAt = clock.GetUtcNow();
                ClearHead();
                return true;
            case WebhookOutcome.GiveUp:
                var reason = attempt.Reason ?? $"HTTP {attempt.StatusCode}";
                AlertingLog.WebhookGaveUp(logger, alertId, reason);
                State.GivenUp.Add(new AlertWebhookGivenUp(alertId, attempt.StatusCode, reason, State.HeadAttempts + 1, clock.GetUtcNow()));
                State.GivenUpBodies[alertId] = System.Text.Encoding.UTF8.GetString(body);
                if (State.GivenUp.Count > _options.Webhook.GivenUpKept)
                {
                    foreach (var dropped in State.GivenUp.Take(State.GivenUp.Count - _options.Webhook.GivenUpKept))
                    {
                        State.GivenUpBodies.Remove(dropped.AlertId);
                    }

                    State.GivenUp.RemoveRange(0, State.GivenUp.Count - _options.Webhook.GivenUpKept);
                }

                ClearHead();
                return true;
            default:
                State.HeadAttempts++;
                State.FailedAttempts++;
                State.HeadAlertId = alertId;
                State.LastError = attempt.Reason;
                var webhook = _options.Webhook;
                var delay = WebhookBackoff.Delay(State.HeadAttempts, webhook.RetryDelay, webhook.MaxRetryDelay, attempt.RetryAfter, Random.Shared.NextDouble());
                _nextAttemptAt = clock.GetUtcNow() + delay;
                AlertingLog.WebhookFailed(logger, alertId, State.HeadAttempts, Partition, delay, attempt.Reason ?? "failed");
                await state.WriteOrDeactivateAsync(this);
                return false;
        }
    }

    private void ClearHead()
    {
        State.HeadAttempts = 0;
        State.HeadAlertId = null;
        State.LastError = null;
        _nextAttemptAt = default;
    }
}

/// <summary>Persisted state of <see cref="AlertWebhookGrain"/>: its checkpoint, counters and the alerts given up.</summary>
public sealed class AlertWebhookPartitionState
{
    public long LastSequence { get; set; }

    public long Delivered { get; set; }

    public long FailedAttempts { get; set; }

    /// <summary>Failed attempts in a row at the head alert (0 once it is done with): drives the backoff.</summary>
    public int HeadAttempts { get; set; }

    public string? HeadAlertId { get; set; }

    public string? LastError { get; set; }

    public DateTimeOffset? LastDeliveredAt { get; set; }

    /// <summary>Oldest first, at most <see cref="AlertWebhookOptions.GivenUpKept"/>.</summary>
    public List<AlertWebhookGivenUp> GivenUp { get; set; } = [];

    /// <summary>The JSON body of each given-up alert, by alert id, so an operator's retry sends exactly what was refused.</summary>
    public Dictionary<string, string> GivenUpBodies { get; set; } = new(StringComparer.Ordinal);
}
