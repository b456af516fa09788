using System.Collections.Concurrent;
using OrderGrains.Testing;

namespace OrderGrains.Runtime.Tests;

public sealed class RemindersAndFiltersTests
{
    [Fact]
    public async Task Reminder_fires_every_period_until_unregistered()
    {
        var probe = new Probe();
        await using var silo = await Silos.StartAsync(probe);
        var grain = silo.GrainFactory.GetGrain<IAlarmGrain>("periodic");

        await grain.SetAsync(TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(150));
        await Silos.WaitUntilAsync(() => probe.Reminders.Count >= 3, TimeSpan.FromSeconds(5));
        await grain.CancelAsync();
        await Task.Delay(300);
        var afterCancel = probe.Reminders.Count;
        await Task.Delay(500);

        Assert.Equal(afterCancel, probe.Reminders.Count);
        Assert.All(probe.Reminders, r => Assert.Equal("periodic:alarm", r));
    }

    [Fact]
    public async Task Reminder_due_while_the_silo_was_down_fires_after_restart_and_activates_the_grain()
    {
        var storage = TestStorage.Memory();
        var firstProbe = new Probe();
        await using (var first = await Silos.StartAsync(firstProbe, storage: storage))
        {
            await first.GrainFactory.GetGrain<IAlarmGrain>("sleeper").SetAsync(TimeSpan.FromMilliseconds(400), TimeSpan.FromHours(1));
        }

        await Task.Delay(600);
        Assert.Empty(firstProbe.Reminders);

        var secondProbe = new Probe();
        await using var second = await Silos.StartAsync(secondProbe, storage: storage);
        await Silos.WaitUntilAsync(() => secondProbe.Reminders.Contains("sleeper:alarm"), TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task Reminder_period_below_the_minimum_is_refused()
    {
        await using var silo = await Silos.StartAsync(new Probe());

        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() =>
            silo.GrainFactory.GetGrain<IAlarmGrain>("fast").SetAsync(TimeSpan.Zero, TimeSpan.FromMilliseconds(1)));
    }

    [Fact]
    public async Task Incoming_filters_see_every_call_with_arguments_and_result_in_order()
    {
        var seen = new ConcurrentQueue<string>();
        await using var silo = await Silos.StartAsync(new Probe(), configure: b => b
            .AddIncomingGrainCallFilter(new RecordingFilter("outer", seen))
            .AddIncomingGrainCallFilter(new RecordingFilter("inner", seen)));
        var grain = silo.GrainFactory.GetGrain<ICounterGrain>("filtered");

        Assert.Equal(1, await grain.IncrementAsync());
        Assert.Equal(1, await grain.GetAsync());

        Assert.Equal(
            ["outer>IncrementAsync counter/filtered", "inner>IncrementAsync counter/filtered", "inner<1", "outer<1",
             "outer>GetAsync counter/filtered", "inner>GetAsync counter/filtered", "inner<1", "outer<1"],
            seen);
    }

    private sealed class RecordingFilter(string name, ConcurrentQueue<string> seen) : IIncomingGrainCallFilter
    {
        public async Task InvokeAsync(IIncomingGrainCallContext context)
        {
            seen.Enqueue($"{name}>{context.InterfaceMethod.Name} {context.GrainId}");
            await context.Invoke();
            seen.Enqueue($"{name}<{context.Result}");
        }
    }
}
