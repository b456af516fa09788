using Microsoft.Extensions.Logging;

namespace OrderGrains.Alerting;

internal static partial class AlertingLog
{
    [LoggerMessage(EventId = 1301, Level = LogLevel.Warning, Message = "Posting alert {AlertId} to the webhook failed ({Failures} in a row); partition {Partition} tries again in {Delay}: {Reason}")]
    public static partial void WebhookFailed(ILogger logger, string alertId, int failures, int partition, TimeSpan delay, string reason);

    [LoggerMessage(EventId = 1302, Level = LogLevel.Error, Message = "The webhook refused alert {AlertId} ({Reason}); it is given up and listed under /admin/alerts/webhook")]
    public static partial void WebhookGaveUp(ILogger logger, string alertId, string reason);

    [LoggerMessage(EventId = 1303, Level = LogLevel.Warning, Message = "Could not activate every inventory alert lister and webhook sender at silo start; their keep-alive reminders retry")]
    public static partial void WakeFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 1304, Level = LogLevel.Information, Message = "Partition {Partition} delivers to the webhook again after {Failures} failed attempts")]
    public static partial void WebhookRecovered(ILogger logger, int partition, int failures);
}
