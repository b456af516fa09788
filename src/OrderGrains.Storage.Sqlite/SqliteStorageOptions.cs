namespace OrderGrains.Storage.Sqlite;

/// <summary>Where the SQLite database lives and how its writes are batched.</summary>
public sealed class SqliteStorageOptions
{
    /// <summary>Path of the database file; created, with its directory, when missing. Grain state and reminders share it.</summary>
    public required string DatabasePath { get; init; }

    /// <summary>Partitions per stream namespace; fixed for the life of the database.</summary>
    public int StreamPartitions { get; init; } = 8;

    /// <summary>Batching of state writes. SQLite has one writer, so <see cref="GroupCommitOptions.MaxConcurrentBatches"/> must stay 1.</summary>
    public GroupCommitOptions GroupCommit { get; init; } = new();

    /// <summary>
    /// Test seam simulating a connection that drops just before commit: it runs inside each batch's transaction
    /// after its statements, and when it throws the transaction rolls back and every writer of the batch gets the exception.
    /// </summary>
    public Func<CancellationToken, ValueTask>? BeforeCommit { get; init; }

    internal string ConnectionString => new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder
    {
        DataSource = DatabasePath,
        Mode = Microsoft.Data.Sqlite.SqliteOpenMode.ReadWriteCreate,
        Pooling = true,
    }.ToString();
}
