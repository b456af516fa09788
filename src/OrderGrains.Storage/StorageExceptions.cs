namespace OrderGrains.Storage;

/// <summary>
/// A stored grain state is not JSON of the grain's state type (written by an incompatible version, or damaged).
/// The record is left as it is; the grain cannot activate until it is fixed.
/// </summary>
[GenerateSerializer]
[Alias("OrderGrains.Storage.StoredStateUnreadableException")]
public sealed class StoredStateUnreadableException : Exception
{
    public StoredStateUnreadableException()
    {
    }

    public StoredStateUnreadableException(string message) : base(message)
    {
    }

    public StoredStateUnreadableException(string message, Exception innerException) : base(message, innerException)
    {
    }
}

/// <summary>
/// A batched write of a hot grain (<see cref="CommitBatcher"/>) failed, so decisions made after it were lost too; the
/// grain reloads its state. Nothing the caller asked for took effect: retrying is safe.
/// </summary>
[GenerateSerializer]
[Alias("OrderGrains.Storage.StateWriteFailedException")]
public sealed class StateWriteFailedException : Exception
{
    public StateWriteFailedException()
    {
    }

    public StateWriteFailedException(string message) : base(message)
    {
    }

    public StateWriteFailedException(string message, Exception innerException) : base(message, innerException)
    {
    }
}

/// <summary>
/// Storage written by an earlier version of OrderGrains cannot be opened by this one as it is. The message says what
/// to do; nothing was changed. The host maps it to its "bad data" exit code.
/// </summary>
public sealed class StorageUpgradeException : Exception
{
    public StorageUpgradeException()
    {
    }

    public StorageUpgradeException(string message) : base(message)
    {
    }

    public StorageUpgradeException(string message, Exception innerException) : base(message, innerException)
    {
    }
}
