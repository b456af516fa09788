using System.Text.RegularExpressions;
using Npgsql;

namespace OrderGrains.Storage.Postgres;

/// <summary>Where the PostgreSQL tables live and how state writes are batched.</summary>
public sealed partial class PostgresStorageOptions
{
    /// <summary>An Npgsql connection string.</summary>
    public required string ConnectionString { get; init; }

    /// <summary>Partitions per stream namespace; fixed for the life of the schema.</summary>
    public int StreamPartitions { get; init; } = 8;

    /// <summary>Connections per data source when the connection string sets no pool size.</summary>
    public int MaxPoolSize { get; init; } = 16;

    /// <summary>Schema holding the tables; created when missing. Letters, digits and underscores only.</summary>
    public string Schema { get; init; } = "ordergrains";

    /// <summary>
    /// Batching of state writes. Each concurrent batch holds one connection; a few let one batch's
    /// fsync overlap the next batch's execution.
    /// </summary>
    public GroupCommitOptions GroupCommit { get; init; } = new() { MaxConcurrentBatches = 3 };

    /// <summary>
    /// Test seam simulating a connection that drops before a batch's commit reaches the server: it runs once
    /// the batch is assembled, before it is sent, and when it throws every writer of the batch gets the
    /// exception, nothing of the batch is committed, and the batch's connection is discarded.
    /// </summary>
    public Func<CancellationToken, ValueTask>? BeforeCommit { get; init; }

    internal string QuotedSchema
    {
        get
        {
            if (Schema.Length > 63 || !IdentifierPattern().IsMatch(Schema))
            {
                throw new ArgumentException($"Schema name '{Schema}' must be 1 to 63 letters, digits or underscores, not starting with a digit.", nameof(Schema));
            }

            return $"\"{Schema}\"";
        }
    }

    internal NpgsqlDataSource CreateDataSource()
    {
        var builder = new NpgsqlConnectionStringBuilder(ConnectionString);
        if (!ConnectionString.Contains("Pool Size", StringComparison.OrdinalIgnoreCase))
        {
            // Batching needs few connections; Npgsql's default of 100 per data source would exhaust the server's
            // max_connections (100 by default) under a burst of reads and reminder writes.
            builder.MaxPoolSize = MaxPoolSize;
        }

        if (builder.MaxAutoPrepare == 0)
        {
            // Reads and reminder changes are a handful of fixed statements: prepare them once per connection.
            builder.MaxAutoPrepare = 16;
        }

        if (!ConnectionString.Contains("Reset On Close", StringComparison.OrdinalIgnoreCase))
        {
            // The storage sets no session state (its locks are transaction-scoped), so a connection going back to the
            // pool needs no reset: that was three statements per batch (RESET ALL and two more).
            builder.NoResetOnClose = true;
        }

        return NpgsqlDataSource.Create(builder.ConnectionString);
    }

    /// <summary>
    /// The connection string Orleans' ADO.NET providers use: ours, with search_path set to <see cref="Schema"/> (they
    /// read "OrleansQuery" unqualified) and a pool of its own.
    /// </summary>
    internal string OrleansConnectionString
    {
        get
        {
            _ = QuotedSchema;
            var builder = new NpgsqlConnectionStringBuilder(ConnectionString) { SearchPath = Schema };
            if (!ConnectionString.Contains("Pool Size", StringComparison.OrdinalIgnoreCase))
            {
                builder.MaxPoolSize = OrleansMaxPoolSize;
            }

            return builder.ConnectionString;
        }
    }

    // Shared by membership (a few statements a second) and reminders: Reminders.AdoNet commits every reminder change
    // on its own, and every order registers one, so concurrent commits (which PostgreSQL flushes together) need connections.
    private const int OrleansMaxPoolSize = 24;

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*$")]
    private static partial Regex IdentifierPattern();
}
