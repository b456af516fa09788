using BenchmarkDotNet.Attributes;
using Microsoft.Data.Sqlite;
using Npgsql;
using OrderGrains.Storage;
using OrderGrains.Storage.Postgres;
using OrderGrains.Storage.Sqlite;

namespace OrderGrains.Benchmarks;

/// <summary>Which storage provider a write benchmark drives.</summary>
public enum StorageProvider
{
    Postgres = 1,
    Sqlite = 2,
}

/// <summary>How the provider's group commit queue is configured.</summary>
public enum CommitMode
{
    /// <summary>The provider's default group commit options.</summary>
    Grouped = 1,

    /// <summary>One write per transaction (MaxBatchSize = 1), with as many concurrent transactions as the provider allows.</summary>
    OneTxPerWrite = 2,
}

/// <summary>
/// Durable state writes per second: <see cref="Writers"/> concurrent writers, each writing its own key
/// <see cref="WritesPerWriter"/> times per invocation with ETag chaining, 200-byte payloads, fresh schema or file per run.
/// Grouped and one-transaction-per-write run in the same process against the same server under the same load.
/// </summary>
// BenchmarkDotNet rejects sealed benchmark classes (it derives from them), so this one stays unsealed.
[Config(typeof(StorageWriteConfig))]
[MemoryDiagnoser]
public class StorageWriteBenchmarks
{
    public const int Writers = 256;
    public const int WritesPerWriter = 40;
    private const int PayloadBytes = 200;

    // PostgreSQL's unbatched baseline: eight concurrent one-write transactions, a connection pool's worth,
    // so the baseline is limited by commits rather than starved of connections.
    private static readonly GroupCommitOptions PostgresUnbatched = new() { MaxBatchSize = 1, MaxConcurrentBatches = 8 };

    // SQLite has one writer connection, so its baseline is one write per transaction, one at a time.
    private static readonly GroupCommitOptions SqliteUnbatched = new() { MaxBatchSize = 1 };

    private readonly GrainStateKey[] _keys = new GrainStateKey[Writers];
    private readonly string?[] _etags = new string?[Writers];
    private readonly byte[][] _payloads = new byte[Writers][];
    private IStateStore? _storage;
    private Func<ValueTask> _cleanup = () => ValueTask.CompletedTask;

    [Params(StorageProvider.Postgres, StorageProvider.Sqlite)]
    public StorageProvider Provider { get; set; }

    [Params(CommitMode.Grouped, CommitMode.OneTxPerWrite)]
    public CommitMode Commit { get; set; }

    [GlobalSetup]
    public void Setup() => SetupAsync().GetAwaiter().GetResult();

    [GlobalCleanup]
    public void Cleanup() => CleanupAsync().GetAwaiter().GetResult();

    /// <summary>All writers write concurrently; completes when every write is committed.</summary>
    [Benchmark(OperationsPerInvoke = Writers * WritesPerWriter)]
    public Task DurableWrites()
    {
        var writers = new Task[Writers];
        for (var w = 0; w < Writers; w++)
        {
            writers[w] = WriteLoopAsync(w);
        }

        return Task.WhenAll(writers);
    }

    private async Task WriteLoopAsync(int writer)
    {
        var storage = _storage!;
        var key = _keys[writer];
        var payload = _payloads[writer];
        var etag = _etags[writer];
        for (var i = 0; i < WritesPerWriter; i++)
        {
            etag = await storage.WriteAsync(key, payload, etag, CancellationToken.None);
        }

        _etags[writer] = etag;
    }

    private async Task SetupAsync()
    {
        var random = new Random(42);
        for (var w = 0; w < Writers; w++)
        {
            _keys[w] = new GrainStateKey("bench", "writer-" + w, "state");
            _payloads[w] = new byte[PayloadBytes];
            random.NextBytes(_payloads[w]);
            _etags[w] = null;
        }

        switch (Provider)
        {
            case StorageProvider.Postgres:
                await OpenPostgresAsync();
                break;
            case StorageProvider.Sqlite:
                await OpenSqliteAsync();
                break;
            default:
                throw new InvalidOperationException($"Unknown provider {Provider}.");
        }
    }

    private async Task OpenPostgresAsync()
    {
        var connectionString = BenchmarkDatabase.PostgresConnectionString;
        var schema = "bench_" + Guid.NewGuid().ToString("N");
        var options = Commit == CommitMode.Grouped
            ? new PostgresStorageOptions { ConnectionString = connectionString, Schema = schema }
            : new PostgresStorageOptions { ConnectionString = connectionString, Schema = schema, GroupCommit = PostgresUnbatched };
        var storage = await PostgresStateStore.CreateAsync(options, CancellationToken.None);
        _storage = storage;
        _cleanup = async () =>
        {
            Report(storage);
            await storage.DisposeAsync();
            await using var connection = new NpgsqlConnection(connectionString);
            await connection.OpenAsync();
            await using var drop = new NpgsqlCommand($"DROP SCHEMA IF EXISTS \"{schema}\" CASCADE", connection);
            await drop.ExecuteNonQueryAsync();
        };
    }

    private async Task OpenSqliteAsync()
    {
        var directory = Path.Combine(Path.GetTempPath(), "ordergrains-bench", Guid.NewGuid().ToString("N"));
        var path = Path.Combine(directory, "ordergrains.db");
        var options = Commit == CommitMode.Grouped
            ? new SqliteStorageOptions { DatabasePath = path }
            : new SqliteStorageOptions { DatabasePath = path, GroupCommit = SqliteUnbatched };
        var storage = await SqliteStateStore.CreateAsync(options, CancellationToken.None);
        _storage = storage;
        _cleanup = async () =>
        {
            Report(storage);
            await storage.DisposeAsync();
            SqliteConnection.ClearAllPools();
            Directory.Delete(directory, recursive: true);
        };
    }

    private async Task CleanupAsync()
    {
        await _cleanup();
        _cleanup = () => ValueTask.CompletedTask;
        _storage = null;
    }

    // How the queue actually batched: the figure that explains the write rate.
    private void Report(IStorageStatistics statistics)
    {
        var average = statistics.WriteBatches == 0 ? 0 : (double)statistics.Writes / statistics.WriteBatches;
        Console.WriteLine($"// {Provider} {Commit}: {statistics.Writes:N0} writes in {statistics.WriteBatches:N0} batches, {average:F1} writes/batch on average, largest {statistics.LargestBatch}");
    }
}

/// <summary>Where the PostgreSQL benchmarks find their server.</summary>
internal static class BenchmarkDatabase
{
    public const string PostgresVariable = "ORDERGRAINS_TEST_POSTGRES";

    public static string PostgresConnectionString =>
        Environment.GetEnvironmentVariable(PostgresVariable) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException(
                $"{PostgresVariable} is not set: export it, e.g. Host=127.0.0.1;Username=postgres;Password=postgres;Database=ordergrains_test, or filter the PostgreSQL cases out.");
}
