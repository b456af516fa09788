namespace OrderGrains.Erp;

/// <summary>A post or query to the ERP failed; the subclass says whether trying again can help.</summary>
public abstract class ErpException : Exception
{
    protected ErpException(string message, int? statusCode, Exception? innerException) : base(message, innerException)
    {
        StatusCode = statusCode;
    }

    /// <summary>The HTTP status of the response, or null when there was none (connection refused, timeout).</summary>
    public int? StatusCode { get; }
}

/// <summary>
/// The ERP refused the request (4xx): a 409 for a different document under a used idempotency key, a 422 for a
/// document that breaks the double-entry rules, a 400 for a malformed request, a 401 for a missing or wrong API key.
/// Sending the same request again gets the same answer, so it must not be retried as is.
/// </summary>
public sealed class ErpRejectedException : ErpException
{
    public ErpRejectedException(int statusCode, string reason)
        : base($"The ERP rejected the request ({statusCode}): {reason}", statusCode, innerException: null)
    {
        Reason = reason;
    }

    /// <summary>The server's reason (the problem document's detail), for the dead-letter record.</summary>
    public string Reason { get; }
}

/// <summary>
/// The ERP could not be reached or failed on its side (5xx, 408, 429, timeout, connection refused or reset, a
/// success whose body cannot be read). Safe to retry with the same idempotency key: the ledger posts a key at most once.
/// </summary>
public sealed class ErpUnavailableException : ErpException
{
    public ErpUnavailableException(string message, int? statusCode = null, Exception? innerException = null, TimeSpan? retryAfter = null)
        : base(message, statusCode, innerException)
    {
        RetryAfter = retryAfter;
    }

    /// <summary>How long the ERP asked callers to wait (a 429's or 503's Retry-After header), when it said.</summary>
    public TimeSpan? RetryAfter { get; }
}
