using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Runtime.Hosting;

namespace OrderGrains.Storage.Tests;

/// <summary>The hot-grain batcher on Orleans: exact decisions, few writes, durable answers, and the state at batch close.</summary>
public sealed class CommitBatcherTests
{
    [Fact]
    public async Task Concurrent_decisions_are_exact_and_persisted_in_far_fewer_writes_than_calls()
    {
        // Commits take 10 ms, as a loaded database's do: at memory speed each write would finish before the next call
        // arrives through the client, and how many share a write would depend on how busy the machine is.
        var store = new InterceptingStateStore { WriteLatency = TimeSpan.FromMilliseconds(10) };
        await using var silo = await StartAsync(store);
        var escrow = silo.GrainFactory.GetGrain<IEscrowGrain>("hot");

        var results = await Task.WhenAll(Enumerable.Range(0, 5_000).Select(i => escrow.TakeAsync($"buyer-{i}", limit: 1_000)));

        Assert.Equal(1_000, results.Count(taken => taken));
        Assert.Equal(1_000, await escrow.CountAsync());
        var stored = await StoredHoldersAsync(store, "hot");
        Assert.Equal(1_000, stored.Count);
        Assert.Equal(1_000, stored.Distinct().Count());
        // One write per call would be 1,000; batching must cut that by an order of magnitude at this concurrency.
        Assert.InRange(store.WritesOfType("escrow"), 1, 100);
    }

    [Fact]
    public async Task A_caller_hears_back_only_after_the_write_holding_its_decision_is_durable()
    {
        var store = new InterceptingStateStore();
        await using var silo = await StartAsync(store);
        var escrow = silo.GrainFactory.GetGrain<IEscrowGrain>("gated");
        store.Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var first = escrow.TakeAsync("a", 10);
        await TestSilo.WaitUntilAsync(() => store.WritesOfType("escrow") == 1, TimeSpan.FromSeconds(5), "the first write reached storage");
        var second = escrow.TakeAsync("b", 10);
        var read = escrow.CountAsync();
        await Task.Delay(200);

        // Both decided, nothing durable: nobody has an answer yet, and the second decision waits for the next write.
        Assert.False(first.IsCompleted);
        Assert.False(second.IsCompleted);
        Assert.False(read.IsCompleted);
        Assert.Equal(1, store.WritesOfType("escrow"));

        // Whatever the read saw ("a" alone, or "b" too if "b" decided first), it was durable when the read answered.
        var storedWhenReadAnswered = read.ContinueWith(
            _ => StoredHoldersAsync(store, "gated").GetAwaiter().GetResult().Count,
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
        store.Gate.SetResult();
        Assert.True(await first);
        Assert.True(await second);
        var seen = await read;
        Assert.InRange(seen, 1, 2);
        Assert.True(await storedWhenReadAnswered >= seen);
        Assert.Equal(["a", "b"], await StoredHoldersAsync(store, "gated"));
        Assert.Equal(2, store.WritesOfType("escrow"));
    }

    [Fact]
    public async Task A_failed_write_fails_its_batch_and_the_next_and_the_grain_reloads_what_storage_holds()
    {
        var store = new InterceptingStateStore();
        await using var silo = await StartAsync(store);
        var escrow = silo.GrainFactory.GetGrain<IEscrowGrain>("faulty");
        Assert.True(await escrow.TakeAsync("kept", 10));
        store.Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        store.FailWrites = true;

        var lost = escrow.TakeAsync("lost-1", 10);
        await TestSilo.WaitUntilAsync(() => store.WritesOfType("escrow") == 2, TimeSpan.FromSeconds(5), "the failing write reached storage");
        var alsoLost = escrow.TakeAsync("lost-2", 10);
        await Task.Delay(100);
        store.Gate.SetResult();

        // Orleans' state bridge wraps a provider's non-Orleans exception in OrleansException; the cause travels inside it.
        var failure = await Assert.ThrowsAsync<OrleansException>(() => lost);
        Assert.Contains("disk full (test)", failure.ToString(), StringComparison.Ordinal);
        await Assert.ThrowsAsync<StateWriteFailedException>(() => alsoLost);

        store.Gate = null;
        store.FailWrites = false;
        // The next activation starts from storage: only the acknowledged holder is there, and the lost ones can retry.
        await TestSilo.WaitUntilAsync(
            async () => await escrow.CountAsync().ContinueWith(t => t.IsCompletedSuccessfully && t.Result == 1),
            TimeSpan.FromSeconds(10),
            "the grain reloaded what storage holds");
        Assert.True(await escrow.TakeAsync("lost-1", 10));
        Assert.Equal(["kept", "lost-1"], await StoredHoldersAsync(store, "faulty"));
    }

    [Fact]
    public async Task A_batch_stores_the_state_as_it_was_at_batch_close_not_a_later_requests_undecided_change()
    {
        var (stored, _) = await CloseABatchThenPonderWhileStorageWaitsAsync("snapshot-hot");

        Assert.Equal(["a"], stored);
    }

    [Fact]
    public async Task Without_the_snapshot_orleans_own_write_would_store_a_later_requests_undecided_change()
    {
        // The reason for the snapshot: Orleans' WriteStateAsync serialises whatever State is when the provider runs.
        var (stored, _) = await CloseABatchThenPonderWhileStorageWaitsAsync("orleans-write-hot");

        Assert.Equal(["a", "undecided"], stored);
    }

    private static async Task<(List<string> Stored, bool Taken)> CloseABatchThenPonderWhileStorageWaitsAsync(string key)
    {
        var store = new MemoryStateStore();
        YieldingGrainStorage? yielding = null;
        await using var silo = await TestSilo.StartAsync(s =>
        {
            s.UseInMemoryReminderService();
            s.Services.AddGrainStorage(OrderGrainsStorage.Name, (sp, _) =>
                yielding = new YieldingGrainStorage(ActivatorUtilities.CreateInstance<GroupCommitGrainStorage>(sp, (IStateStore)store)));
        });
        var escrow = silo.GrainFactory.GetGrain<IEscrowGrain>(key);
        await escrow.CountAsync();
        var pause = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        EscrowGrain.Pauses[$"{key}:undecided"] = pause;
        yielding!.Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        // "a" is decided and its batch closes: the write is on its way to storage but has not serialised yet.
        var taken = escrow.TakeAsync("a", 10);
        await TestSilo.WaitUntilAsync(() => Volatile.Read(ref yielding.WritesWaiting) == 1, TimeSpan.FromSeconds(5), "the batch's write reached storage");

        // The next request changes the state and, before deciding, waits (holding its turn).
        var pondering = silo.GrainFactory.GetGrain<IEscrowGrain>(key).PonderAsync("undecided");
        await TestSilo.WaitUntilAsync(() => EscrowGrain.Pondering.ContainsKey($"{key}:undecided"), TimeSpan.FromSeconds(5), "the next request changed the state");

        yielding.Gate.SetResult();
        var wasTaken = await taken;
        var stored = await StoredHoldersAsync(store, key);
        pause.SetResult();
        await pondering;
        return (stored, wasTaken);
    }

    private static Task<TestSilo> StartAsync(InterceptingStateStore store) =>
        TestSilo.StartAsync(s => s.UseOrderGrainsStorage(store).UseInMemoryReminderService());

    private static Task<List<string>> StoredHoldersAsync(InterceptingStateStore store, string key) => StoredHoldersAsync(store.Inner, key);

    private static async Task<List<string>> StoredHoldersAsync(MemoryStateStore store, string key)
    {
        var record = await store.ReadAsync(new GrainStateKey("escrow", key, "escrow"), CancellationToken.None);
        return record.RecordExists ? JsonSerializer.Deserialize<EscrowState>(record.Payload.Span, OrderGrainsStorage.SerializerOptions)!.Holders : [];
    }
}
