using Microsoft.Extensions.Logging;
using OrderGrains.Abstractions;

namespace OrderGrains.Grains;

/// <summary>Log messages of the order domain.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 1001, Level = LogLevel.Information, Message = "Order {OrderId}: resuming unfinished saga step {Step} after reactivation")]
    public static partial void ResumingSaga(ILogger logger, string orderId, PendingWork step);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Information, Message = "Order {OrderId}: reservation expired at {ExpiresAt}; cancelling and releasing stock")]
    public static partial void ReservationExpired(ILogger logger, string orderId, DateTimeOffset expiresAt);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Debug, Message = "Order {OrderId} rejected: {Reason}")]
    public static partial void OrderRejected(ILogger logger, string orderId, RejectReason reason);

    [LoggerMessage(EventId = 1004, Level = LogLevel.Warning, Message = "Order {OrderId}: placement failed part-way; the saga resumes on the next call or reminder")]
    public static partial void PlacementInterrupted(ILogger logger, Exception exception, string orderId);
}
