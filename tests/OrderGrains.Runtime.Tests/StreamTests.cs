using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using OrderGrains.Runtime.Streams;
using OrderGrains.Testing;

namespace OrderGrains.Runtime.Tests;

public sealed record Deposit(string Account, int Amount, int Number);

public sealed class AccountState
{
    public int Balance { get; set; }

    public int Deposits { get; set; }
}

public interface IAccountGrain : IGrainWithStringKey
{
    Task DepositAsync(int amount);
}

/// <summary>Emits one "deposit" event per state write, in the same transaction.</summary>
public sealed class AccountGrain([PersistentState("account")] IPersistentState<AccountState> state) : Grain, IAccountGrain
{
    public Task DepositAsync(int amount)
    {
        state.State.Balance += amount;
        state.State.Deposits++;
        var key = GetPrimaryKeyString();
        var number = state.State.Deposits;
        return state.WriteStateAsync([new StreamEvent(new StreamId("ledger", key), $"{key}#{number}", "deposit", new Deposit(key, amount, number))]);
    }
}

/// <summary>What the consumer saw, shared with the test.</summary>
public sealed class StreamProbe
{
    public ConcurrentDictionary<string, StreamItem> Seen { get; } = new();

    public ConcurrentQueue<StreamItem> Deliveries { get; } = new();

    public int FailuresToInject;
}

[ImplicitStreamSubscription("ledger")]
public sealed class LedgerConsumerGrain(StreamProbe probe) : Grain, IStreamConsumerGrain
{
    public Task OnNextBatchAsync(IReadOnlyList<StreamItem> items)
    {
        foreach (var item in items)
        {
            probe.Deliveries.Enqueue(item);
        }

        if (Interlocked.Decrement(ref probe.FailuresToInject) >= 0)
        {
            throw new InvalidOperationException("consumer failed on purpose");
        }

        foreach (var item in items)
        {
            probe.Seen.TryAdd(item.EventId, item);
        }

        return Task.CompletedTask;
    }
}

public sealed class StreamTests
{
    public static TheoryData<string> Providers => ["memory", "sqlite", "postgres"];

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Every_event_reaches_the_partition_consumer_in_order(string provider)
    {
        await using var storage = TestStorage.Create(provider);
        var probe = new StreamProbe();
        await using var silo = await StartAsync(storage, probe);

        await Task.WhenAll(Enumerable.Range(0, 20).Select(a => Task.Run(async () =>
        {
            for (var i = 0; i < 10; i++)
            {
                await silo.GrainFactory.GetGrain<IAccountGrain>($"acct-{a}").DepositAsync(i + 1);
            }
        })));

        await Silos.WaitUntilAsync(() => probe.Seen.Count == 200, TimeSpan.FromSeconds(20));
        foreach (var partition in probe.Deliveries.GroupBy(d => d.Partition))
        {
            Assert.Equal(partition.Select(d => d.Sequence).Order(), partition.Select(d => d.Sequence));
            foreach (var account in partition.GroupBy(d => d.StreamKey))
            {
                Assert.Equal(Enumerable.Range(1, 10).Select(n => $"{account.Key}#{n}"), account.Select(d => d.EventId));
            }
        }
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Consumer_resumes_after_its_checkpoint_when_the_silo_restarts(string provider)
    {
        await using var storage = TestStorage.Create(provider);
        var first = new StreamProbe();
        await using (var silo = await StartAsync(storage, first))
        {
            await silo.GrainFactory.GetGrain<IAccountGrain>("a").DepositAsync(5);
            await silo.GrainFactory.GetGrain<IAccountGrain>("b").DepositAsync(6);
            await Silos.WaitUntilAsync(() => silo.Silo.Runtime.Streams.Agents.Sum(a => a.Checkpoint) == 2, TimeSpan.FromSeconds(20));
        }

        var second = new StreamProbe();
        await using var restarted = await StartAsync(storage, second);
        await restarted.GrainFactory.GetGrain<IAccountGrain>("a").DepositAsync(7);

        await Silos.WaitUntilAsync(() => second.Seen.ContainsKey("a#2"), TimeSpan.FromSeconds(20));
        await Task.Delay(700);
        Assert.Equal(["a#2"], second.Seen.Keys);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Failed_batch_is_delivered_again_and_the_consumer_deduplicates_by_event_id(string provider)
    {
        await using var storage = TestStorage.Create(provider);
        var probe = new StreamProbe { FailuresToInject = 2 };
        await using var silo = await StartAsync(storage, probe);

        for (var i = 0; i < 5; i++)
        {
            await silo.GrainFactory.GetGrain<IAccountGrain>("retry").DepositAsync(1);
        }

        await Silos.WaitUntilAsync(() => probe.Seen.Count == 5, TimeSpan.FromSeconds(20));
        Assert.True(probe.Deliveries.Count > 5, "the failed batches were delivered again");
        Assert.Equal(Enumerable.Range(1, 5).Select(n => $"retry#{n}"), probe.Seen.Values.OrderBy(v => v.Sequence).Select(v => v.EventId));
    }

    private static Task<TestSilo> StartAsync(TestStorage storage, StreamProbe probe) =>
        TestSilo.StartAsync(storage, b => b.AddGrains(typeof(AccountGrain), typeof(LedgerConsumerGrain)), s => s.AddSingleton(probe));
}
