using OrderGrains.Testing;

namespace OrderGrains.Runtime.Tests;

/// <summary>What a grain relies on from storage, through real grains, on each provider.</summary>
public sealed class ProviderRuntimeTests
{
    public static TheoryData<string> Providers => ["memory", "sqlite", "postgres"];

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task State_survives_disposing_and_restarting_the_runtime(string provider)
    {
        await using var storage = TestStorage.Create(provider);
        await using (var first = await Silos.StartAsync(new Probe(), storage: storage))
        {
            await Task.WhenAll(Enumerable.Range(0, 50).Select(i =>
                first.GrainFactory.GetGrain<ICartGrain>($"cart-{i}").AddAsync(new CartLine($"sku-{i}", i + 1))));
            await first.GrainFactory.GetGrain<ICartGrain>("cart-0").AddAsync(new CartLine("extra", 7));
        }

        await using var second = await Silos.StartAsync(new Probe(), storage: storage);

        for (var i = 0; i < 50; i++)
        {
            var lines = await second.GrainFactory.GetGrain<ICartGrain>($"cart-{i}").GetLinesAsync();
            var expected = i == 0 ? new[] { new CartLine("sku-0", 1), new CartLine("extra", 7) } : [new CartLine($"sku-{i}", i + 1)];
            Assert.Equal(expected, lines);
        }
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Stale_etag_write_through_a_grain_conflicts_and_never_overwrites(string provider)
    {
        await using var storage = TestStorage.Create(provider);
        await using var siloA = await Silos.StartAsync(new Probe(), storage: storage);
        await using var siloB = await Silos.StartAsync(new Probe(), storage: storage);
        var cartA = siloA.GrainFactory.GetGrain<ICartGrain>("contended");
        var cartB = siloB.GrainFactory.GetGrain<ICartGrain>("contended");
        await cartA.AddAsync(new CartLine("a", 1));
        await cartB.GetLinesAsync();
        await cartA.AddAsync(new CartLine("a", 2));

        await Assert.ThrowsAsync<InconsistentStateException>(() => cartB.AddAsync(new CartLine("stale", 1)));

        Assert.Equal([new CartLine("a", 1), new CartLine("a", 2)], await cartB.GetLinesAsync());
        await using var third = await Silos.StartAsync(new Probe(), storage: storage);
        Assert.Equal([new CartLine("a", 1), new CartLine("a", 2)], await third.GrainFactory.GetGrain<ICartGrain>("contended").GetLinesAsync());
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Reminder_registered_before_a_restart_fires_after_it(string provider)
    {
        await using var storage = TestStorage.Create(provider);
        await using (var first = await Silos.StartAsync(new Probe(), storage: storage))
        {
            await first.GrainFactory.GetGrain<IAlarmGrain>("durable").SetAsync(TimeSpan.FromMilliseconds(300), TimeSpan.FromHours(1));
        }

        await Task.Delay(500);
        var probe = new Probe();
        await using var second = await Silos.StartAsync(probe, storage: storage);

        await Silos.WaitUntilAsync(() => probe.Reminders.Contains("durable:alarm"), TimeSpan.FromSeconds(10));
    }
}
