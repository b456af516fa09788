namespace OrderGrains.Runtime.Tests;

public sealed class LimitsTests
{
    [Fact]
    public async Task Call_that_outlives_the_request_timeout_fails_with_TimeoutException()
    {
        await using var silo = await Silos.StartAsync(new Probe(), o =>
        {
            o.RequestTimeout = TimeSpan.FromMilliseconds(300);
            o.DeactivationTimeout = TimeSpan.FromMilliseconds(200);
        });
        var grain = silo.GrainFactory.GetGrain<ICounterGrain>("slow");

        var error = await Assert.ThrowsAsync<TimeoutException>(() => grain.HangAsync());

        Assert.Contains("ICounterGrain.HangAsync", error.Message, StringComparison.Ordinal);
        Assert.Contains("counter/slow", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Queued_call_that_expires_before_its_turn_times_out_without_running()
    {
        var probe = new Probe();
        await using var silo = await Silos.StartAsync(probe, o => o.RequestTimeout = TimeSpan.FromMilliseconds(300));
        var grain = silo.GrainFactory.GetGrain<ICounterGrain>("blocked");

        var blocker = grain.WaitForGateAsync();
        var queued = grain.IncrementAsync();
        await Assert.ThrowsAsync<TimeoutException>(() => queued);
        probe.Gate.SetResult();
        await Assert.ThrowsAsync<TimeoutException>(() => blocker);

        Assert.Equal(0, await grain.GetAsync());
    }

    [Fact]
    public async Task Full_activation_queue_rejects_calls_with_an_overload_exception()
    {
        var probe = new Probe();
        await using var silo = await Silos.StartAsync(probe, o => o.MaxQueuedRequestsPerActivation = 10);
        var grain = silo.GrainFactory.GetGrain<ICounterGrain>("busy");
        await grain.GetAsync();

        var blocker = grain.WaitForGateAsync();
        var calls = Enumerable.Range(0, 25).Select(_ => grain.IncrementAsync()).ToArray();
        var overloaded = calls.Where(c => c.IsFaulted).ToArray();

        Assert.Equal(15, overloaded.Length);
        var error = await Assert.ThrowsAsync<GrainOverloadedException>(() => overloaded[0]);
        Assert.Contains("limit 10", error.Message, StringComparison.Ordinal);

        probe.Gate.SetResult();
        await blocker;
        var accepted = await Task.WhenAll(calls.Where(c => !c.IsFaulted));
        Assert.Equal(Enumerable.Range(1, 10), accepted.Order());
    }

    [Fact]
    public async Task Calls_after_the_silo_stopped_fail_with_SiloUnavailableException()
    {
        var silo = await Silos.StartAsync(new Probe());
        var grain = silo.GrainFactory.GetGrain<ICounterGrain>("late");
        await grain.IncrementAsync();

        await silo.DisposeAsync();

        await Assert.ThrowsAsync<SiloUnavailableException>(() => grain.IncrementAsync());
    }
}
