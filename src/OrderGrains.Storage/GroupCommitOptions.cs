namespace OrderGrains.Storage;

/// <summary>How a <see cref="GroupCommitQueue"/> gathers writes into batches.</summary>
public sealed class GroupCommitOptions
{
    /// <summary>The most writes one batch carries.</summary>
    public int MaxBatchSize { get; init; } = 256;

    /// <summary>
    /// How long a batch that is not yet full waits for more writes before it is committed.
    /// Zero commits whatever is queued at once; a full batch never waits.
    /// </summary>
    public TimeSpan CollectionWindow { get; init; } = TimeSpan.FromMilliseconds(1);

    /// <summary>How many batches may be committing at once (a provider needs one connection per batch).</summary>
    public int MaxConcurrentBatches { get; init; } = 1;

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxBatchSize, 1, nameof(MaxBatchSize));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxConcurrentBatches, 1, nameof(MaxConcurrentBatches));
        ArgumentOutOfRangeException.ThrowIfLessThan(CollectionWindow, TimeSpan.Zero, nameof(CollectionWindow));
    }
}
