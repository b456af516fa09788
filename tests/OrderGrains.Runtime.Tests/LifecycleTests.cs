namespace OrderGrains.Runtime.Tests;

public sealed class LifecycleTests
{
    [Fact]
    public async Task Idle_activation_is_deactivated_and_the_next_call_reactivates_it()
    {
        var probe = new Probe();
        await using var silo = await Silos.StartAsync(probe, o => o.CollectionQuantum = TimeSpan.FromMilliseconds(100));
        var grain = silo.GrainFactory.GetGrain<IShortLivedGrain>("s");

        Assert.Equal(1, await grain.TouchAsync());
        await Silos.WaitUntilAsync(() => probe.Events.Contains("short-deactivated:Idle"), TimeSpan.FromSeconds(5));

        Assert.Equal(2, await grain.TouchAsync());
    }

    [Fact]
    public async Task Busy_activation_is_not_collected_while_default_limit_activation_is_kept()
    {
        var probe = new Probe();
        await using var silo = await Silos.StartAsync(probe, o => o.CollectionQuantum = TimeSpan.FromHours(1));
        var shortLived = silo.GrainFactory.GetGrain<IShortLivedGrain>("busy");
        var counter = silo.GrainFactory.GetGrain<ICounterGrain>("default-limit");
        await shortLived.TouchAsync();
        await counter.IncrementAsync();

        // Touched every 300 ms for 1.5 s in all, longer than its 1 s age limit: never idle long enough to be collected.
        for (var i = 0; i < 5; i++)
        {
            await Task.Delay(300);
            await shortLived.TouchAsync();
            Assert.Equal(0, silo.Silo.CollectIdleActivations());
        }

        await Task.Delay(1_500);
        Assert.Equal(1, silo.Silo.CollectIdleActivations());
        await Silos.WaitUntilAsync(() => probe.Events.Contains("short-deactivated:Idle"), TimeSpan.FromSeconds(5));
        Assert.False(probe.Deactivations.ContainsKey("default-limit"));
    }

    [Fact]
    public async Task Stopping_the_silo_deactivates_every_activation()
    {
        var probe = new Probe();
        var silo = await Silos.StartAsync(probe);
        for (var i = 0; i < 20; i++)
        {
            await silo.GrainFactory.GetGrain<ICounterGrain>($"g{i}").IncrementAsync();
        }

        await silo.DisposeAsync();

        Assert.Equal(20, probe.Events.Count(e => e == "deactivated:ShuttingDown"));
    }

    [Fact]
    public async Task A_request_waiting_on_DeactivationRequested_ends_when_the_silo_stops_and_the_activation_deactivates()
    {
        var probe = new Probe();
        // A long deactivation timeout: were the request left running, the stop would drop it after a minute instead
        // (the caller then gets SiloUnavailableException and the grain never runs OnDeactivateAsync).
        var silo = await Silos.StartAsync(probe, o => o.DeactivationTimeout = TimeSpan.FromMinutes(1));
        var grain = silo.GrainFactory.GetGrain<ICounterGrain>("long-poll");
        var waiting = grain.WaitUntilDeactivationRequestedAsync();
        await Silos.WaitUntilAsync(() => probe.Events.Contains("waiting"), TimeSpan.FromSeconds(5));

        var stop = silo.DisposeAsync().AsTask();

        Assert.Equal("deactivation requested", await waiting.WaitAsync(TimeSpan.FromSeconds(10)));
        await stop.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Contains("deactivated:ShuttingDown", probe.Events);
    }

    [Fact]
    public async Task Timer_ticks_never_overlap_and_stop_with_the_activation()
    {
        var probe = new Probe();
        await using var silo = await Silos.StartAsync(probe);
        var grain = silo.GrainFactory.GetGrain<IAlarmGrain>("timer");

        await grain.StartTimerAsync(TimeSpan.FromMilliseconds(5));
        await Silos.WaitUntilAsync(() => grain.GetTimerTicksAsync().Result >= 5, TimeSpan.FromSeconds(5));

        Assert.Equal(0, probe.Overlaps);
    }
}
