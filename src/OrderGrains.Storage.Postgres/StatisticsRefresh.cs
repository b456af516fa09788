using Npgsql;

namespace OrderGrains.Storage.Postgres;

/// <summary>
/// Runs <c>ANALYZE</c> on the storage's tables once a store has written 500 and again 5,000 rows, so the planner's
/// cached plans stop treating a table that has just filled up as empty.
/// </summary>
/// <remarks>
/// <para>
/// Why: reads and entry deletes join an <c>unnest</c> of the batch's keys with the table. A connection prepares them
/// (auto-prepare) and, after a few runs, PostgreSQL keeps a generic plan made with the statistics it has; for a table
/// never analyzed that is "about empty", and the plan is a sequential scan hashed against the keys. That plan stays until
/// something invalidates it, so every read batch scanned the whole table, growing with it, until autovacuum first analyzed
/// it, which happens on its one-minute cycle at the earliest: the whole of a load test, the first minute of a fresh
/// deployment. <c>ANALYZE</c> invalidates the cached plans of every session; from about 300 rows of an order's size the
/// plan is an index probe per key, and it stays one as the table grows. Autovacuum takes over from there.
/// </para>
/// <para>
/// The refresh runs in the background on a pooled connection, at most one at a time; <c>ANALYZE</c> takes a lock that
/// blocks neither reads nor writes. A failure is counted and dropped: the next threshold, or autovacuum, tries again.
/// </para>
/// </remarks>
internal sealed class StatisticsRefresh(NpgsqlDataSource dataSource, string schema)
{
    /// <summary>Rows written by this store after which its tables are analyzed.</summary>
    internal static readonly long[] Thresholds = [500, 5_000];

    // Not stream_events: never analyzed, its consumers' range reads plan as index scans; analyzed this early, a histogram
    // of sequence numbers goes stale as they grow past it, and in a 100,000-buyer sale those reads took 102 s of
    // statement time instead of 1 s.
    private readonly string _sql = $"ANALYZE {schema}.grain_state, {schema}.grain_entries";
    private int _next;
    private int _running;
    private Task _last = Task.CompletedTask;
    private long _runs;
    private long _failures;

    /// <summary>Refreshes finished so far.</summary>
    public long Runs => Interlocked.Read(ref _runs);

    /// <summary>Refreshes that failed so far.</summary>
    public long Failures => Interlocked.Read(ref _failures);

    /// <summary>Starts a refresh when <paramref name="writes"/> crossed the next threshold and none is running.</summary>
    public void Observe(long writes)
    {
        var next = Volatile.Read(ref _next);
        if (next >= Thresholds.Length || writes < Thresholds[next] || Interlocked.CompareExchange(ref _running, 1, 0) != 0)
        {
            return;
        }

        // Thresholds already passed are covered by this one run.
        var after = next;
        while (after < Thresholds.Length && writes >= Thresholds[after])
        {
            after++;
        }

        Volatile.Write(ref _next, after);
        _last = Task.Run(RunAsync);
    }

    /// <summary>Waits for a refresh in progress, if any.</summary>
    public Task DrainAsync() => _last;

    private async Task RunAsync()
    {
        try
        {
            await using var command = dataSource.CreateCommand(_sql);
            await command.ExecuteNonQueryAsync().ConfigureAwait(false);
            Interlocked.Increment(ref _runs);
        }
        catch (Exception exception) when (exception is NpgsqlException or InvalidOperationException or ObjectDisposedException)
        {
            Interlocked.Increment(ref _failures);
        }
        finally
        {
            Volatile.Write(ref _running, 0);
        }
    }
}
