using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using OrderGrains.Runtime.Diagnostics;
using OrderGrains.Testing;

namespace OrderGrains.Runtime.Tests;

/// <summary>Collects every span of the OrderGrains sources while a test runs; tests pick theirs by trace id.</summary>
internal sealed class SpanCollector : IDisposable
{
    private readonly ActivityListener _listener;

    public SpanCollector()
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name.StartsWith("OrderGrains", StringComparison.Ordinal),
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = Spans.Enqueue,
        };
        ActivitySource.AddActivityListener(_listener);
    }

    public ConcurrentQueue<Activity> Spans { get; } = new();

    public List<Activity> InTrace(ActivityTraceId traceId) => Spans.Where(s => s.TraceId == traceId).ToList();

    public void Dispose() => _listener.Dispose();
}

public sealed class DiagnosticsTests
{
    private static readonly ActivitySource TestSource = new("OrderGrains.Tests.Runtime");

    public static TheoryData<string> Providers => ["memory", "sqlite", "postgres"];

    [Fact]
    public async Task Calls_to_a_grain_show_up_in_its_type_counters_and_among_the_hottest_grains()
    {
        await using var silo = await Silos.StartAsync(new Probe());
        var statistics = silo.Services.GetRequiredService<IRuntimeStatistics>();
        var hot = "hot-" + Guid.NewGuid().ToString("N");
        var cold = "cold-" + Guid.NewGuid().ToString("N");

        await silo.GrainFactory.GetGrain<ICounterGrain>(cold).IncrementAsync();
        for (var i = 0; i < 60; i++)
        {
            await silo.GrainFactory.GetGrain<ICounterGrain>(hot).IncrementAsync();
        }

        // A sample in the middle: rates then come from the sliding window, not from the activations' creation.
        silo.Silo.RuntimeStatistics.Sample();
        for (var i = 0; i < 40; i++)
        {
            await silo.GrainFactory.GetGrain<ICounterGrain>(hot).IncrementAsync();
        }

        var snapshot = statistics.GetSnapshot(hottestCount: 2);

        var counters = Assert.Single(snapshot.GrainTypes, t => t.GrainType == "counter");
        Assert.Equal(2, counters.Activations);
        Assert.Equal(101, counters.TotalCalls);
        Assert.True(counters.CallsPerSecond > 0, $"calls/s {counters.CallsPerSecond}");
        Assert.Equal(0, counters.MailboxDepth);
        Assert.Contains(snapshot.GrainTypes, t => t.GrainType == "ping" && t.Activations == 0 && t.TotalCalls == 0);
        Assert.Equal(2, snapshot.HottestGrains.Count);
        Assert.Equal(("counter", hot), (snapshot.HottestGrains[0].GrainType, snapshot.HottestGrains[0].Key));
        Assert.Equal(cold, snapshot.HottestGrains[1].Key);
        Assert.True(snapshot.HottestGrains[0].CallsPerSecond > snapshot.HottestGrains[1].CallsPerSecond);
        Assert.True(snapshot.Uptime > TimeSpan.Zero && snapshot.StartedAt <= DateTimeOffset.UtcNow);
    }

    [Fact]
    public async Task A_grain_called_only_before_the_window_drops_out_of_the_hottest_and_its_calls_stay_in_the_type_total()
    {
        await using var silo = await Silos.StartAsync(new Probe());
        var statistics = silo.Services.GetRequiredService<IRuntimeStatistics>();
        var idle = "idle-" + Guid.NewGuid().ToString("N");
        var busy = "busy-" + Guid.NewGuid().ToString("N");
        for (var i = 0; i < 50; i++)
        {
            await silo.GrainFactory.GetGrain<ICounterGrain>(idle).IncrementAsync();
        }

        // A whole window of samples without a call to it: the samples after its last visit skip it.
        for (var i = 0; i <= RuntimeStatistics.WindowSeconds + 1; i++)
        {
            silo.Silo.RuntimeStatistics.Sample();
        }

        for (var i = 0; i < 5; i++)
        {
            await silo.GrainFactory.GetGrain<ICounterGrain>(busy).IncrementAsync();
        }

        silo.Silo.RuntimeStatistics.Sample();
        var snapshot = statistics.GetSnapshot(hottestCount: 5);

        Assert.Equal(busy, Assert.Single(snapshot.HottestGrains).Key);
        Assert.Equal(55, Assert.Single(snapshot.GrainTypes, t => t.GrainType == "counter").TotalCalls);
    }

    [Fact]
    public async Task Storage_batches_of_the_group_commit_store_are_in_the_snapshot()
    {
        await using var storage = TestStorage.Create("sqlite");
        await using var silo = await Silos.StartAsync(new Probe(), storage: storage);

        await Task.WhenAll(Enumerable.Range(0, 50).Select(i => silo.GrainFactory.GetGrain<ICartGrain>($"cart-{i}").AddAsync(new CartLine("sku", 1))));

        var batches = silo.Services.GetRequiredService<IRuntimeStatistics>().GetSnapshot().Storage;
        Assert.True(batches.Batches is > 0 and <= 50, $"{batches.Batches} batches");
        Assert.Equal(50, batches.Writes);
        Assert.Equal((double)batches.Writes / batches.Batches, batches.AverageBatchSize, 6);
        Assert.InRange(batches.LastBatchSize, 1, batches.MaxBatchSize);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task A_grain_call_span_is_the_child_of_its_caller_and_the_stream_consumer_continues_the_emitters_trace(string provider)
    {
        using var spans = new SpanCollector();
        await using var storage = TestStorage.Create(provider);
        var probe = new StreamProbe();
        await using var silo = await TestSilo.StartAsync(storage, b => b.AddGrains(typeof(AccountGrain), typeof(LedgerConsumerGrain)), s => s.AddSingleton(probe));
        var account = "traced-" + Guid.NewGuid().ToString("N");

        ActivityTraceId traceId;
        ActivitySpanId rootSpan;
        using (var root = TestSource.StartActivity("test root"))
        {
            Assert.NotNull(root);
            (traceId, rootSpan) = (root.TraceId, root.SpanId);
            await silo.GrainFactory.GetGrain<IAccountGrain>(account).DepositAsync(5);
        }

        await Silos.WaitUntilAsync(() => spans.InTrace(traceId).Exists(s => s.DisplayName == "grain ledgerconsumer/OnNextBatchAsync"), TimeSpan.FromSeconds(20));
        var trace = spans.InTrace(traceId);
        var deposit = Assert.Single(trace, s => s.DisplayName == "grain account/DepositAsync");
        Assert.Equal(rootSpan, deposit.ParentSpanId);
        Assert.Equal("account", deposit.GetTagItem("ordergrains.grain.type"));
        Assert.Equal(account, deposit.GetTagItem("ordergrains.grain.key"));
        Assert.Equal("DepositAsync", deposit.GetTagItem("ordergrains.grain.method"));
        var consumer = Assert.Single(trace, s => s.DisplayName == "grain ledgerconsumer/OnNextBatchAsync");
        Assert.Equal(deposit.SpanId, consumer.ParentSpanId);
        Assert.Equal(deposit.Id, probe.Seen[$"{account}#1"].TraceParent);
        if (provider != "memory")
        {
            var batch = Assert.Single(trace, s => s.Source.Name == "OrderGrains.Storage");
            Assert.Equal(deposit.SpanId, batch.ParentSpanId);
            Assert.Equal(provider, batch.GetTagItem("ordergrains.storage.provider"));
        }
    }

    [Fact]
    public async Task A_failing_grain_call_ends_its_span_with_an_error_status()
    {
        using var spans = new SpanCollector();
        await using var silo = await Silos.StartAsync(new Probe());
        ActivityTraceId traceId;
        using (var root = TestSource.StartActivity("test root"))
        {
            traceId = root!.TraceId;
            await Assert.ThrowsAsync<InvalidOperationException>(() => silo.GrainFactory.GetGrain<ICounterGrain>("failing").FailAsync("boom"));
        }

        var span = Assert.Single(spans.InTrace(traceId), s => s.DisplayName == "grain counter/FailAsync");
        Assert.Equal(ActivityStatusCode.Error, span.Status);
        Assert.Equal("boom", span.StatusDescription);
    }
}
