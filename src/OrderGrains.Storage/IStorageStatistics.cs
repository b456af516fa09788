namespace OrderGrains.Storage;

/// <summary>Counters a provider keeps so that batching can be observed (tests, metrics, the admin API).</summary>
public interface IStorageStatistics
{
    /// <summary>Round-trips (transactions, for SQL providers) that carried state writes or clears.</summary>
    long WriteBatches { get; }

    /// <summary>State writes and clears carried by those batches.</summary>
    long Writes { get; }

    /// <summary>The largest number of writes one batch carried.</summary>
    int LargestBatch { get; }

    /// <summary>The number of writes the last committed batch carried (0 before the first).</summary>
    int LastBatchSize => 0;
}
