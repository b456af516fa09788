using System.Text.Json;
using OrderGrains.Runtime.Storage;
using OrderGrains.Testing;

namespace OrderGrains.Runtime.Tests;

public interface IEscrowGrain : IGrainWithStringKey
{
    /// <summary>Takes one unit for <paramref name="holder"/> if fewer than <paramref name="limit"/> are taken.</summary>
    Task<bool> TakeAsync(string holder, int limit);

    [ReadOnly]
    Task<int> CountAsync();
}

public sealed class EscrowState
{
    public List<string> Holders { get; set; } = [];
}

/// <summary>A hot grain in the shape of a SKU pool: every decision in arrival order, persisted in batches.</summary>
[Reentrant]
public sealed class EscrowGrain([PersistentState("escrow")] IPersistentState<EscrowState> state) : Grain, IEscrowGrain
{
    private CommitBatcher? _commits;

    private CommitBatcher Commits => _commits ??= new CommitBatcher(() => state.WriteStateAsync(), _ => DeactivateOnIdle(), "escrow", maxWaiting: 50_000);

    public async Task<bool> TakeAsync(string holder, int limit)
    {
        Task durable;
        bool taken;
        using (await Commits.EnterAsync())
        {
            // A suspended decision must not let another in, nor be half-written by the flusher.
            await Task.Yield();
            taken = state.State.Holders.Count < limit && !state.State.Holders.Contains(holder);
            if (taken)
            {
                state.State.Holders.Add(holder);
            }

            durable = taken ? Commits.CommitAsync() : Commits.WhenDurableAsync();
        }

        await durable;
        return taken;
    }

    public async Task<int> CountAsync()
    {
        var count = state.State.Holders.Count;
        await Commits.WhenDurableAsync();
        return count;
    }
}

/// <summary>Intercepted memory storage whose escrow writes can be held until released, or failed.</summary>
internal sealed class EscrowStorage
{
    public EscrowStorage() => Storage.BeforeWrite = BeforeWriteAsync;

    public InterceptingTestStorage Storage { get; } = new();

    public int EscrowWrites => Storage.WritesOfType("escrow");

    public volatile bool FailEscrowWrites;

    /// <summary>When set, escrow writes wait for it before reaching memory.</summary>
    public TaskCompletionSource? Gate;

    public async Task<List<string>> StoredHoldersAsync(string key)
    {
        var record = await Storage.Inner.ReadAsync(new GrainStateKey("escrow", key, "escrow"), CancellationToken.None);
        return record.RecordExists ? JsonSerializer.Deserialize<EscrowState>(record.Payload.Span, JsonSerializerOptions.Web)!.Holders : [];
    }

    private async Task BeforeWriteAsync(GrainStateKey key)
    {
        if (key.GrainType != "escrow")
        {
            return;
        }

        if (Gate is { } gate)
        {
            await gate.Task;
        }

        if (FailEscrowWrites)
        {
            throw new IOException("disk full (test)");
        }
    }
}

public sealed class CommitBatcherTests
{
    [Fact]
    public async Task Concurrent_decisions_are_exact_and_persisted_in_far_fewer_writes_than_calls()
    {
        var storage = new EscrowStorage();
        await using var silo = await StartAsync(storage);
        var escrow = silo.GrainFactory.GetGrain<IEscrowGrain>("hot");

        var results = await Task.WhenAll(Enumerable.Range(0, 5_000).Select(i => escrow.TakeAsync($"buyer-{i}", limit: 1_000)));

        Assert.Equal(1_000, results.Count(taken => taken));
        Assert.Equal(1_000, await escrow.CountAsync());
        var stored = await storage.StoredHoldersAsync("hot");
        Assert.Equal(1_000, stored.Count);
        Assert.Equal(1_000, stored.Distinct().Count());
        // One write per call would be 1,000; batching must cut that by an order of magnitude at this concurrency.
        Assert.InRange(storage.EscrowWrites, 1, 100);
    }

    [Fact]
    public async Task A_caller_hears_back_only_after_the_write_holding_its_decision_is_durable()
    {
        var storage = new EscrowStorage();
        await using var silo = await StartAsync(storage);
        var escrow = silo.GrainFactory.GetGrain<IEscrowGrain>("gated");
        storage.Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var first = escrow.TakeAsync("a", 10);
        await Silos.WaitUntilAsync(() => storage.EscrowWrites == 1, TimeSpan.FromSeconds(5));
        var second = escrow.TakeAsync("b", 10);
        var read = escrow.CountAsync();
        await Task.Delay(200);

        // Both decided, nothing durable: nobody has an answer yet, and the second decision waits for the next write.
        Assert.False(first.IsCompleted);
        Assert.False(second.IsCompleted);
        Assert.False(read.IsCompleted);
        Assert.Equal(1, storage.EscrowWrites);

        // Whatever the read saw ("a" alone, or "b" too if "b" decided first), it was durable when the read answered.
        var storedWhenReadAnswered = read.ContinueWith(
            _ => storage.StoredHoldersAsync("gated").GetAwaiter().GetResult().Count,
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
        storage.Gate.SetResult();
        Assert.True(await first);
        Assert.True(await second);
        var seen = await read;
        Assert.InRange(seen, 1, 2);
        Assert.True(await storedWhenReadAnswered >= seen);
        Assert.Equal(["a", "b"], await storage.StoredHoldersAsync("gated"));
        Assert.Equal(2, storage.EscrowWrites);
    }

    [Fact]
    public async Task A_failed_write_fails_its_batch_and_the_next_and_the_grain_reloads_what_storage_holds()
    {
        var storage = new EscrowStorage();
        await using var silo = await StartAsync(storage);
        var escrow = silo.GrainFactory.GetGrain<IEscrowGrain>("faulty");
        Assert.True(await escrow.TakeAsync("kept", 10));
        storage.Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        storage.FailEscrowWrites = true;

        var lost = escrow.TakeAsync("lost-1", 10);
        await Silos.WaitUntilAsync(() => storage.EscrowWrites == 2, TimeSpan.FromSeconds(5));
        var alsoLost = escrow.TakeAsync("lost-2", 10);
        await Task.Delay(100);
        storage.Gate.SetResult();

        await Assert.ThrowsAsync<IOException>(() => lost);
        await Assert.ThrowsAsync<StateWriteFailedException>(() => alsoLost);

        storage.Gate = null;
        storage.FailEscrowWrites = false;
        // The next activation starts from storage: only the acknowledged holder is there, and the lost ones can retry.
        await Silos.WaitUntilAsync(() => escrow.CountAsync().ContinueWith(t => t.IsCompletedSuccessfully && t.Result == 1).Result, TimeSpan.FromSeconds(5));
        Assert.True(await escrow.TakeAsync("lost-1", 10));
        Assert.Equal(["kept", "lost-1"], await storage.StoredHoldersAsync("faulty"));
    }

    private static Task<TestSilo> StartAsync(EscrowStorage storage) =>
        Silos.StartAsync(new Probe(), storage: storage.Storage, configure: builder => builder.AddGrains(typeof(EscrowGrain)));
}
