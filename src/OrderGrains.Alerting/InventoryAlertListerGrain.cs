using System.Globalization;
using Microsoft.Extensions.Options;
using OrderGrains.Abstractions;
using OrderGrains.Storage;

namespace OrderGrains.Alerting;

/// <summary>
/// Lists one partition of the <c>inventory-alerts</c> stream: each alert event is raised into the operator alerts of
/// category <see cref="IOperatorAlertsGrain.InventoryCategory"/> (idempotent per event id), and a recovery resolves its
/// low-stock alert. Pulls after its durable checkpoint on a grain timer, like the ERP forwarder; a keep-alive reminder
/// and the start-up task keep one activation per partition alive in the cluster. At least once: the checkpoint moves
/// after the alerts grain took the batch.
/// </summary>
[GrainType("inventory-alert-lister")]
public sealed class InventoryAlertListerGrain(
    [PersistentState("inventory-alert-lister", OrderGrainsStorage.Name)] IPersistentState<AlertListerState> state,
    IOutboxStore outbox,
    IOptions<AlertingOptions> options) : Grain, IInventoryAlertListerGrain, IRemindable
{
    private const string KeepAliveReminder = "keep-alive";

    private readonly AlertingOptions _options = options.Value;

    private int Partition => int.Parse(this.GetPrimaryKeyString(), CultureInfo.InvariantCulture);

    /// <summary>Registers the keep-alive reminder and the poll timer.</summary>
    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (await this.GetReminder(KeepAliveReminder) is null)
        {
            await this.RegisterOrUpdateReminder(KeepAliveReminder, _options.KeepAlivePeriod, _options.KeepAlivePeriod);
        }

        this.RegisterGrainTimer(
            PullAsync,
            new GrainTimerCreationOptions { DueTime = TimeSpan.Zero, Period = _options.PollInterval, Interleave = false, KeepAlive = true });
    }

    /// <summary>Activates the lister; its timer's first tick pulls at once.</summary>
    public Task WakeAsync() => Task.CompletedTask;

    /// <summary>The keep-alive reminder: its delivery (re)activates the lister, which then pulls.</summary>
    public Task ReceiveReminder(string reminderName, TickStatus status) => PullAsync(CancellationToken.None);

    /// <summary>The checkpoint and counters.</summary>
    public Task<AlertListerStats> GetStatsAsync() =>
        Task.FromResult(new AlertListerStats(Partition, state.State.LastSequence, state.State.Raised, state.State.Resolved));

    private async Task PullAsync(CancellationToken cancellationToken)
    {
        var alerts = GrainFactory.GetGrainCached<IOperatorAlertsGrain>(IOperatorAlertsGrain.InventoryCategory);
        while (!cancellationToken.IsCancellationRequested)
        {
            var events = await outbox.ReadEventsAsync(InventoryStreams.AlertsNamespace, Partition, state.State.LastSequence, _options.BatchSize, cancellationToken);
            foreach (var item in events)
            {
                switch (InventoryAlertNotices.From(item))
                {
                    case RaiseNotice raise:
                        await alerts.RaiseAsync(raise.Alert);
                        state.State.Raised++;
                        break;
                    case RecoveredNotice recovered:
                        await ResolveAsync(alerts, recovered.AlertId);
                        state.State.Resolved++;
                        break;
                }

                state.State.LastSequence = item.Sequence;
            }

            if (events.Count > 0)
            {
                await state.WriteOrDeactivateAsync(this);
            }

            if (events.Count < _options.BatchSize)
            {
                return;
            }
        }
    }

    private static async Task ResolveAsync(IOperatorAlertsGrain alerts, string alertId)
    {
        try
        {
            await alerts.DecideAsync(alertId, AlertStatus.Resolved, InventoryAlertNotices.RestockActor);
        }
        catch (NotFoundException)
        {
            // Resolved long ago and dropped from the kept list: nothing left to resolve.
        }
    }
}

/// <summary>Persisted state of <see cref="InventoryAlertListerGrain"/>: its checkpoint and counters.</summary>
public sealed class AlertListerState
{
    public long LastSequence { get; set; }

    public long Raised { get; set; }

    public long Resolved { get; set; }
}
