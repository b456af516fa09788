using System.Text;
using Orleans.Storage;
using OrderGrains.Storage.Postgres;
using OrderGrains.Storage.Sqlite;

namespace OrderGrains.Storage.Tests;

/// <summary>Group commit as the SQL providers must show it: few round trips, and all-or-nothing batches.</summary>
public abstract class GroupCommitContractTests : IAsyncLifetime
{
    private readonly List<IAsyncDisposable> _opened = [];

    protected abstract Task<IAsyncDisposable> CreateStorageAsync(GroupCommitOptions options, Func<CancellationToken, ValueTask>? beforeCommit);

    protected virtual int MaxConcurrentBatches => 1;

    public Task InitializeAsync() => Task.CompletedTask;

    public virtual async Task DisposeAsync()
    {
        foreach (var provider in _opened)
        {
            await provider.DisposeAsync();
        }
    }

    [Fact]
    public async Task Concurrent_writes_share_few_transactions()
    {
        const int Writers = 1000;
        var storage = await OpenAsync(new GroupCommitOptions { MaxConcurrentBatches = MaxConcurrentBatches });
        var keys = Enumerable.Range(0, Writers).Select(_ => NewKey()).ToArray();

        string[] etags = await Task.WhenAll(keys.Select(key => Task.Run(() => storage.WriteAsync(key, Payload(key), null, CancellationToken.None))));

        var statistics = (IStorageStatistics)storage;
        Assert.Equal(Writers, statistics.Writes);
        Assert.True(statistics.WriteBatches <= Writers / 4, $"{statistics.WriteBatches} batches for {Writers} writes");
        Assert.True(statistics.LargestBatch > 1, $"largest batch {statistics.LargestBatch}");
        for (int i = 0; i < keys.Length; i++)
        {
            var record = await storage.ReadAsync(keys[i], CancellationToken.None);
            Assert.Equal(etags[i], record.Etag);
            Assert.Equal(keys[i].GrainKey, Encoding.UTF8.GetString(record.Payload.Span));
        }
    }

    [Fact]
    public async Task A_failed_commit_fails_every_writer_of_its_batch_and_keeps_none_of_it()
    {
        int failuresLeft = 1;
        var dropped = new IOException("Simulated connection drop before commit.");
        ValueTask DropFirstCommit(CancellationToken cancellationToken) =>
            Interlocked.Exchange(ref failuresLeft, 0) == 1 ? ValueTask.FromException(dropped) : ValueTask.CompletedTask;
        // A wide window gathers the first writers into the batch that fails.
        var storage = await OpenAsync(
            new GroupCommitOptions { MaxConcurrentBatches = MaxConcurrentBatches, CollectionWindow = TimeSpan.FromMilliseconds(100) },
            DropFirstCommit);
        var keys = Enumerable.Range(0, 200).Select(_ => NewKey()).ToArray();

        var writes = keys.Select(key => storage.WriteAsync(key, Payload(key), null, CancellationToken.None)).ToArray();
        await Task.WhenAll(writes).ContinueWith(static _ => { }, TaskScheduler.Default);

        var failed = writes.Where(w => !w.IsCompletedSuccessfully).ToArray();
        Assert.True(failed.Length > 1, $"{failed.Length} writes failed; the failing batch should have carried several");
        foreach (var write in failed)
        {
            Assert.Same(dropped, await Assert.ThrowsAsync<IOException>(() => write));
        }
        for (int i = 0; i < keys.Length; i++)
        {
            var record = await storage.ReadAsync(keys[i], CancellationToken.None);
            if (writes[i].IsCompletedSuccessfully)
            {
                Assert.Equal(await writes[i], record.Etag);
            }
            else
            {
                Assert.False(record.RecordExists, $"{keys[i]} failed to commit yet is stored");
                Assert.Null(record.Etag);
            }
        }

        var later = NewKey();
        string etag = await storage.WriteAsync(later, Payload(later), null, CancellationToken.None);
        Assert.Equal(etag, (await storage.ReadAsync(later, CancellationToken.None)).Etag);
        Assert.NotNull(await storage.WriteAsync(keys[0], Payload(keys[0]), (await storage.ReadAsync(keys[0], CancellationToken.None)).Etag, CancellationToken.None));
    }

    [Fact]
    public async Task A_conflict_fails_only_its_own_write_and_the_rest_of_the_batch_commits()
    {
        var storage = await OpenAsync(new GroupCommitOptions { MaxConcurrentBatches = MaxConcurrentBatches, CollectionWindow = TimeSpan.FromMilliseconds(50) });
        var contested = NewKey();
        await storage.WriteAsync(contested, Payload(contested), null, CancellationToken.None);
        var keys = Enumerable.Range(0, 50).Select(_ => NewKey()).ToArray();

        var stale = storage.WriteAsync(contested, Payload(contested), null, CancellationToken.None);
        var others = keys.Select(key => storage.WriteAsync(key, Payload(key), null, CancellationToken.None)).ToArray();

        await Assert.ThrowsAsync<InconsistentStateException>(() => stale);
        await Task.WhenAll(others);
    }

    [Fact]
    public async Task Writes_to_one_key_queued_together_apply_in_order()
    {
        var storage = await OpenAsync(new GroupCommitOptions { MaxConcurrentBatches = MaxConcurrentBatches, CollectionWindow = TimeSpan.FromMilliseconds(20) });
        var key = NewKey();

        // Each write expects the ETag the previous one will produce: only arrival-order application lets all succeed.
        var writes = Enumerable.Range(0, 10)
            .Select(i => storage.WriteAsync(key, Encoding.UTF8.GetBytes($"v{i + 1}"), i == 0 ? null : i.ToString(System.Globalization.CultureInfo.InvariantCulture), CancellationToken.None))
            .ToArray();
        string[] etags = await Task.WhenAll(writes);

        Assert.Equal(Enumerable.Range(1, 10).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)), etags);
        Assert.Equal("v10", Encoding.UTF8.GetString((await storage.ReadAsync(key, CancellationToken.None)).Payload.Span));
    }

    private async Task<IStateStore> OpenAsync(GroupCommitOptions options, Func<CancellationToken, ValueTask>? beforeCommit = null)
    {
        var storage = await CreateStorageAsync(options, beforeCommit);
        _opened.Add(storage);
        return (IStateStore)storage;
    }

    private static GrainStateKey NewKey() => new("test-grain", Guid.NewGuid().ToString("N"), "state");

    private static byte[] Payload(GrainStateKey key) => Encoding.UTF8.GetBytes(key.GrainKey);
}

public sealed class SqliteGroupCommitTests : GroupCommitContractTests
{
    private readonly TemporarySqliteDatabase _database = new();

    protected override async Task<IAsyncDisposable> CreateStorageAsync(GroupCommitOptions options, Func<CancellationToken, ValueTask>? beforeCommit) =>
        await SqliteStateStore.CreateAsync(_database.Options(options, beforeCommit), CancellationToken.None);

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        _database.Dispose();
    }
}

public sealed class PostgresGroupCommitTests : GroupCommitContractTests
{
    private readonly TemporaryPostgresSchema _schema = new();

    protected override int MaxConcurrentBatches => 3;

    protected override async Task<IAsyncDisposable> CreateStorageAsync(GroupCommitOptions options, Func<CancellationToken, ValueTask>? beforeCommit) =>
        await PostgresStateStore.CreateAsync(_schema.Options(options, beforeCommit), CancellationToken.None);

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await _schema.DisposeAsync();
    }
}
