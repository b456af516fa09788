namespace OrderGrains.ErpLedger;

/// <summary>Log messages of the ERP ledger. API keys and connection strings are never logged.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 5001, Level = LogLevel.Information, Message = "ERP ledger journal open: {Store} at {Location}")]
    public static partial void StoreOpened(ILogger logger, string store, string location);

    [LoggerMessage(EventId = 5002, Level = LogLevel.Information, Message = "Journal entry {EntryId} posted: {DocumentType} for order {OrderId}, key {IdempotencyKey}, {LineCount} lines in {Currency}")]
    public static partial void EntryPosted(ILogger logger, long entryId, string documentType, string orderId, string idempotencyKey, int lineCount, string currency);

    [LoggerMessage(EventId = 5003, Level = LogLevel.Debug, Message = "Journal entry {EntryId} replayed for key {IdempotencyKey}")]
    public static partial void EntryReplayed(ILogger logger, long entryId, string idempotencyKey);

    [LoggerMessage(EventId = 5004, Level = LogLevel.Warning, Message = "Idempotency key {IdempotencyKey} reused with a different document; entry {EntryId} stands")]
    public static partial void KeyConflict(ILogger logger, string idempotencyKey, long entryId);

    [LoggerMessage(EventId = 5005, Level = LogLevel.Warning, Message = "Journal entry under key {IdempotencyKey} rejected: {Reason}")]
    public static partial void EntryInvalid(ILogger logger, string idempotencyKey, string reason);

    [LoggerMessage(EventId = 5006, Level = LogLevel.Warning, Message = "Request to {Path} refused: missing or wrong X-Api-Key")]
    public static partial void ApiKeyRefused(ILogger logger, string path);

    [LoggerMessage(EventId = 5007, Level = LogLevel.Information, Message = "ERP ledger listening on {Address}")]
    public static partial void Listening(ILogger logger, string address);
}
