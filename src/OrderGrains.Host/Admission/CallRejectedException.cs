namespace OrderGrains.Host.Admission;

/// <summary>Admission control refused a call: the node is at its limit. Retrying after <see cref="RetryAfterMilliseconds"/> makes sense.</summary>
public sealed class CallRejectedException : Exception
{
    public CallRejectedException(string message, int retryAfterMilliseconds)
        : base(message)
    {
        RetryAfterMilliseconds = retryAfterMilliseconds;
    }

    public CallRejectedException()
    {
    }

    public CallRejectedException(string message)
        : base(message)
    {
    }

    public CallRejectedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public int RetryAfterMilliseconds { get; }
}
