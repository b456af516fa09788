using Microsoft.Extensions.Logging;

namespace OrderGrains.ErpForwarding;

internal static partial class ErpForwarderLog
{
    [LoggerMessage(EventId = 1201, Level = LogLevel.Warning, Message = "Posting {Key} to the ERP failed ({Failures} in a row); partition {Partition} waits {Delay} before trying again: {Reason}")]
    public static partial void PostFailed(ILogger logger, string key, int failures, int partition, TimeSpan delay, string reason);

    [LoggerMessage(EventId = 1202, Level = LogLevel.Error, Message = "Order event {EventId} dead-lettered: {Reason}")]
    public static partial void DeadLettered(ILogger logger, string eventId, string reason);

    [LoggerMessage(EventId = 1204, Level = LogLevel.Warning, Message = "Order event {EventId} parked behind a dead letter of order {OrderId}")]
    public static partial void Parked(ILogger logger, string eventId, string orderId);

    [LoggerMessage(EventId = 1205, Level = LogLevel.Information, Message = "Partition {Partition} posts to the ERP again after {Failures} failed posts")]
    public static partial void Recovered(ILogger logger, int partition, int failures);
}
