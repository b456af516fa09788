using Microsoft.Extensions.Logging;

namespace OrderGrains.ErpForwarding;

internal static partial class ErpForwarderLog
{
    [LoggerMessage(EventId = 1201, Level = LogLevel.Warning, Message = "Posting order event {EventId} to the ERP failed (attempt {Attempt}): {Reason}")]
    public static partial void PostFailed(ILogger logger, string eventId, int attempt, string reason);

    [LoggerMessage(EventId = 1202, Level = LogLevel.Error, Message = "Order event {EventId} dead-lettered: {Reason}")]
    public static partial void DeadLettered(ILogger logger, string eventId, string reason);
}
