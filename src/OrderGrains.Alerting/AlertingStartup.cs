using System.Globalization;
using Microsoft.Extensions.Logging;
using OrderGrains.Abstractions;
using OrderGrains.Storage;

namespace OrderGrains.Alerting;

/// <summary>
/// Activates every partition's <see cref="InventoryAlertListerGrain"/> (and, with a webhook configured, its
/// <see cref="AlertWebhookGrain"/>) when a silo starts, so alerts written before a restart are listed and posted
/// without waiting for a keep-alive reminder.
/// </summary>
internal sealed class AlertingStartup(IGrainFactory grains, IOutboxStore outbox, AlertWebhook webhook, ILogger<AlertingStartup> logger) : IStartupTask
{
    public async Task Execute(CancellationToken cancellationToken)
    {
        var posting = webhook.Client is not null;
        var wakes = new List<Task>();
        for (var partition = 0; partition < outbox.PartitionCount; partition++)
        {
            var key = partition.ToString(CultureInfo.InvariantCulture);
            wakes.Add(grains.GetGrainCached<IInventoryAlertListerGrain>(key).WakeAsync());
            if (posting)
            {
                wakes.Add(grains.GetGrainCached<IAlertWebhookGrain>(key).WakeAsync());
            }
        }

        try
        {
            await Task.WhenAll(wakes).WaitAsync(cancellationToken);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            // The silo still starts: what could not activate now is activated by its keep-alive reminder.
            AlertingLog.WakeFailed(logger, exception);
        }
    }
}
