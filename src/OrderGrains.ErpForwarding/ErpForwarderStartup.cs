using Microsoft.Extensions.Logging;
using OrderGrains.Abstractions;
using OrderGrains.Storage;

namespace OrderGrains.ErpForwarding;

/// <summary>
/// Activates every partition's <see cref="ErpForwarderGrain"/> when a silo starts, so events written before a restart
/// are forwarded without waiting for a keep-alive reminder. Activating one that already runs elsewhere changes nothing.
/// </summary>
internal sealed partial class ErpForwarderStartup(IGrainFactory grains, IOutboxStore outbox, ILogger<ErpForwarderStartup> logger) : IStartupTask
{
    public async Task Execute(CancellationToken cancellationToken)
    {
        var wakes = Enumerable.Range(0, outbox.PartitionCount)
            .Select(p => grains.GetGrainCached<IErpForwarderGrain>(p.ToString(System.Globalization.CultureInfo.InvariantCulture)).WakeAsync());
        try
        {
            await Task.WhenAll(wakes).WaitAsync(cancellationToken);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            // The silo still starts: a forwarder that could not activate now is activated by its keep-alive reminder.
            LogWakeFailed(logger, exception);
        }
    }

    [LoggerMessage(EventId = 1203, Level = LogLevel.Warning, Message = "Could not activate every ERP forwarder at silo start; their keep-alive reminders retry")]
    private static partial void LogWakeFailed(ILogger logger, Exception exception);
}
