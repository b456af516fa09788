using OrderGrains.Erp;

namespace OrderGrains.ErpForwarding;

/// <summary>What a failed post means for the partition.</summary>
public enum ErpFailureKind
{
    /// <summary>Not now (refused connection, timeout, 5xx, 408, 429): wait with backoff and post the same event again.</summary>
    Unavailable = 1,

    /// <summary>The ERP refuses us as a caller (401, 403): no document is at fault, so wait like an outage, flagged as blocked.</summary>
    CallerRefused = 2,

    /// <summary>The ERP refused this document (400, 409, 422, ...): sending it again gets the same answer; dead-letter it.</summary>
    Rejected = 3,
}

/// <summary>The one place that turns ERP failures into what the forwarder does with them.</summary>
public static class ErpFailure
{
    /// <summary>Classifies a failed post.</summary>
    public static ErpFailureKind Classify(ErpException exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return exception switch
        {
            ErpUnavailableException => ErpFailureKind.Unavailable,
            ErpRejectedException { StatusCode: 401 or 403 } => ErpFailureKind.CallerRefused,
            ErpRejectedException { StatusCode: 408 or 429 or >= 500 } => ErpFailureKind.Unavailable,
            _ => ErpFailureKind.Rejected,
        };
    }
}
