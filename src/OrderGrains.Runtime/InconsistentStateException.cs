namespace OrderGrains.Runtime;

/// <summary>
/// A state write named an ETag that is no longer the stored one: someone else wrote in between.
/// The newer value is kept, and the activation that attempted the write is deactivated so that
/// its next call reloads the current state.
/// </summary>
public sealed class InconsistentStateException : Exception
{
    public InconsistentStateException(string message, string? storedEtag, string? currentEtag)
        : base(message)
    {
        StoredEtag = storedEtag;
        CurrentEtag = currentEtag;
    }

    public InconsistentStateException(string message) : base(message)
    {
    }

    public InconsistentStateException(string message, Exception innerException) : base(message, innerException)
    {
    }

    public InconsistentStateException()
    {
    }

    /// <summary>The ETag found in storage, when the provider knows it.</summary>
    public string? StoredEtag { get; }

    /// <summary>The ETag the writer expected.</summary>
    public string? CurrentEtag { get; }
}
