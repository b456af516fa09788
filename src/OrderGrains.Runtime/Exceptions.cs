namespace OrderGrains.Runtime;

/// <summary>An activation's request queue is full; the caller should back off and retry.</summary>
public sealed class GrainOverloadedException : Exception
{
    public GrainOverloadedException(GrainId grainId, int pending, int limit)
        : base($"Grain {grainId} is overloaded: {pending} requests are queued (limit {limit}). Retry later.")
    {
        GrainId = grainId;
    }

    public GrainOverloadedException()
    {
    }

    public GrainOverloadedException(string message) : base(message)
    {
    }

    public GrainOverloadedException(string message, Exception innerException) : base(message, innerException)
    {
    }

    public GrainId GrainId { get; }
}

/// <summary>The silo is not running (not started yet, or shutting down); the call was not delivered.</summary>
public sealed class SiloUnavailableException : Exception
{
    public SiloUnavailableException()
        : base("The silo is not accepting calls: it is not started or it is shutting down.")
    {
    }

    public SiloUnavailableException(string message) : base(message)
    {
    }

    public SiloUnavailableException(string message, Exception innerException) : base(message, innerException)
    {
    }
}

/// <summary>A grain class or interface breaks a rule of the runtime (found when the silo starts).</summary>
public sealed class GrainDefinitionException : Exception
{
    public GrainDefinitionException()
    {
    }

    public GrainDefinitionException(string message) : base(message)
    {
    }

    public GrainDefinitionException(string message, Exception innerException) : base(message, innerException)
    {
    }
}

/// <summary>
/// A batched write of a hot grain failed, so decisions made after it were lost too; the grain reloads its state.
/// Nothing the caller asked for took effect: retrying is safe.
/// </summary>
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
