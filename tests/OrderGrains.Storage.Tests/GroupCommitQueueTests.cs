using System.Globalization;
using Orleans.Storage;

namespace OrderGrains.Storage.Tests;

/// <summary>The group-commit engine on its own, against a store that keeps versions in a dictionary.</summary>
public sealed class GroupCommitQueueTests
{
    private readonly Dictionary<GrainStateKey, long> _versions = [];
    private readonly List<int> _batchSizes = [];
    private readonly SemaphoreSlim _gate = new(1, 1);
    private Func<GroupCommitBatch, ValueTask>? _beforeApply;
    private int _inCommit;

    [Fact]
    public async Task Each_writer_gets_its_own_outcome_from_a_shared_batch()
    {
        await using var queue = NewQueue(new GroupCommitOptions { CollectionWindow = TimeSpan.FromMilliseconds(50) });
        var existing = Key("existing");
        _versions[existing] = 3;

        var fresh = queue.EnqueueAsync(Key("fresh"), new byte[] { 1 }, null, isClear: false, CancellationToken.None);
        var stale = queue.EnqueueAsync(existing, new byte[] { 1 }, "2", isClear: false, CancellationToken.None);
        var current = queue.EnqueueAsync(Key("other"), new byte[] { 1 }, null, isClear: false, CancellationToken.None);

        Assert.Equal("1", await fresh);
        Assert.Equal("1", await current);
        var conflict = await Assert.ThrowsAsync<InconsistentStateException>(() => stale);
        Assert.Equal("3", conflict.StoredEtag);
        Assert.Equal("2", conflict.CurrentEtag);
        Assert.Equal([3], _batchSizes);
    }

    [Fact]
    public async Task A_full_batch_does_not_wait_for_the_window()
    {
        await using var queue = NewQueue(new GroupCommitOptions { MaxBatchSize = 4, CollectionWindow = TimeSpan.FromSeconds(30) });

        var writes = Enumerable.Range(0, 8).Select(i => queue.EnqueueAsync(Key($"k{i}"), default, null, isClear: false, CancellationToken.None));
        var all = Task.WhenAll(writes);

        Assert.Same(all, await Task.WhenAny(all, Task.Delay(TimeSpan.FromSeconds(10))));
        Assert.Equal([4, 4], _batchSizes);
    }

    [Fact]
    public async Task A_later_write_to_a_key_already_in_the_batch_goes_to_the_next_batch()
    {
        await using var queue = NewQueue(new GroupCommitOptions { CollectionWindow = TimeSpan.FromMilliseconds(50) });
        var key = Key("same");

        var first = queue.EnqueueAsync(key, default, null, isClear: false, CancellationToken.None);
        var other = queue.EnqueueAsync(Key("other"), default, null, isClear: false, CancellationToken.None);
        var second = queue.EnqueueAsync(key, default, "1", isClear: false, CancellationToken.None);

        Assert.Equal("1", await first);
        Assert.Equal("2", await second);
        await other;
        Assert.Equal([2, 1], _batchSizes);
    }

    [Fact]
    public async Task A_key_is_never_in_two_concurrent_batches()
    {
        await using var queue = NewQueue(new GroupCommitOptions { MaxBatchSize = 8, MaxConcurrentBatches = 4, CollectionWindow = TimeSpan.Zero }, serialize: false);
        var keys = Enumerable.Range(0, 5).Select(i => Key($"k{i}")).ToArray();

        // Chains per key: every write expects the ETag the previous write to its key leaves.
        var writes = new List<Task<string>>();
        for (int round = 0; round < 40; round++)
        {
            foreach (var key in keys)
            {
                writes.Add(queue.EnqueueAsync(key, default, round == 0 ? null : round.ToString(CultureInfo.InvariantCulture), isClear: false, CancellationToken.None));
            }
        }

        await Task.WhenAll(writes);
        Assert.All(keys, key => Assert.Equal(40, _versions[key]));
    }

    [Fact]
    public async Task A_failed_commit_fails_every_writer_of_the_batch_and_the_queue_goes_on()
    {
        var dropped = new IOException("connection dropped");
        int calls = 0;
        _beforeApply = _ => Interlocked.Increment(ref calls) == 1 ? ValueTask.FromException(dropped) : ValueTask.CompletedTask;
        await using var queue = NewQueue(new GroupCommitOptions { CollectionWindow = TimeSpan.FromMilliseconds(50) });

        var writes = Enumerable.Range(0, 5).Select(i => queue.EnqueueAsync(Key($"k{i}"), default, null, isClear: false, CancellationToken.None)).ToArray();

        foreach (var write in writes)
        {
            Assert.Same(dropped, await Assert.ThrowsAsync<IOException>(() => write));
        }

        Assert.Empty(_versions);
        Assert.Equal("1", await queue.EnqueueAsync(Key("k0"), default, null, isClear: false, CancellationToken.None));
        Assert.Equal(1, queue.WriteBatches);
        Assert.Equal(1, queue.Writes);
    }

    [Fact]
    public async Task A_write_cancelled_while_queued_is_never_committed()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _beforeApply = async _ => await release.Task;
        await using var queue = NewQueue(new GroupCommitOptions { CollectionWindow = TimeSpan.Zero });
        using var cancellation = new CancellationTokenSource();

        var blocker = queue.EnqueueAsync(Key("blocker"), default, null, isClear: false, CancellationToken.None);
        while (Volatile.Read(ref _inCommit) == 0)
        {
            await Task.Delay(1);
        }

        var cancelled = queue.EnqueueAsync(Key("cancelled"), default, null, isClear: false, cancellation.Token);
        await cancellation.CancelAsync();
        release.SetResult();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);
        await blocker;
        Assert.False(_versions.ContainsKey(Key("cancelled")));
        Assert.Equal(1, queue.Writes);
    }

    [Fact]
    public async Task Disposal_commits_what_is_queued_then_refuses_new_writes()
    {
        var queue = NewQueue(new GroupCommitOptions { CollectionWindow = TimeSpan.FromSeconds(30) });
        var queued = Enumerable.Range(0, 3).Select(i => queue.EnqueueAsync(Key($"k{i}"), default, null, isClear: false, CancellationToken.None)).ToArray();

        await queue.DisposeAsync();

        Assert.All(queued, write => Assert.True(write.IsCompletedSuccessfully));
        Assert.Throws<ObjectDisposedException>(() => { _ = queue.EnqueueAsync(Key("late"), default, null, isClear: false, CancellationToken.None); });
    }

    private static GrainStateKey Key(string grainKey) => new("queue-test", grainKey, "state");

    private GroupCommitQueue NewQueue(GroupCommitOptions options, bool serialize = true) => new(batch => CommitAsync(batch, serialize), options);

    private async ValueTask CommitAsync(GroupCommitBatch batch, bool serialize)
    {
        if (serialize)
        {
            await _gate.WaitAsync();
        }

        Interlocked.Increment(ref _inCommit);
        try
        {
            if (_beforeApply is not null)
            {
                await _beforeApply(batch);
            }

            // Yield so that concurrent batches really overlap.
            await Task.Yield();
            lock (_versions)
            {
                _batchSizes.Add(batch.Count);
                for (int i = 0; i < batch.Count; i++)
                {
                    var entry = batch[i];
                    long stored = _versions.GetValueOrDefault(entry.Key);
                    long expected = StateStoreErrors.ParseVersionEtag(entry.ExpectedEtag);
                    if (stored == expected)
                    {
                        _versions[entry.Key] = stored + 1;
                        batch.SetCommitted(i, (stored + 1).ToString(CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        batch.SetConflict(i, stored == 0 ? null : stored.ToString(CultureInfo.InvariantCulture));
                    }
                }
            }
        }
        finally
        {
            Interlocked.Decrement(ref _inCommit);
            if (serialize)
            {
                _gate.Release();
            }
        }
    }
}
