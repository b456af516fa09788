using System.Collections.Concurrent;

namespace OrderGrains.Runtime.Tests;

/// <summary>Observations grains report to tests, shared through DI.</summary>
public sealed class Probe
{
    public ConcurrentDictionary<string, int> Activations { get; } = new();

    public ConcurrentDictionary<string, int> Deactivations { get; } = new();

    public ConcurrentQueue<string> Events { get; } = new();

    public ConcurrentQueue<string> Reminders { get; } = new();

    public TaskCompletionSource Gate { get; set; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public int Overlaps;
}

public interface ICounterGrain : IGrainWithStringKey
{
    Task<int> IncrementAsync();

    [ReadOnly]
    Task<int> GetAsync();

    [ReadOnly]
    Task<int> ReadWhileGateClosedAsync();

    Task<int> WriteWhileGateClosedAsync();

    Task FailAsync(string message);

    Task WaitForGateAsync();

    Task HangAsync();

    /// <summary>Waits until the activation is asked to deactivate; returns the reason it stopped waiting.</summary>
    Task<string> WaitUntilDeactivationRequestedAsync();

    [AlwaysInterleave]
    Task<int> WaitForIncrementAsync();

    [ReadOnly]
    Task<int> GetOrThrowAsync(bool fail);
}

public sealed class CounterGrain(Probe probe) : Grain, ICounterGrain
{
    private int _count;
    private int _inside;
    private int _readers;
    private TaskCompletionSource<int> _incremented = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        probe.Activations.AddOrUpdate(GetPrimaryKeyString(), 1, (_, n) => n + 1);
        return Task.CompletedTask;
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        probe.Deactivations.AddOrUpdate(GetPrimaryKeyString(), 1, (_, n) => n + 1);
        probe.Events.Enqueue($"deactivated:{reason}");
        return Task.CompletedTask;
    }

    public async Task<int> IncrementAsync()
    {
        if (Interlocked.Increment(ref _inside) > 1)
        {
            Interlocked.Increment(ref probe.Overlaps);
        }

        var before = _count;
        await Task.Yield();
        _count = before + 1;
        Interlocked.Decrement(ref _inside);
        var incremented = _incremented;
        _incremented = new(TaskCreationOptions.RunContinuationsAsynchronously);
        incremented.SetResult(_count);
        return _count;
    }

    public Task<int> GetAsync()
    {
        if (Volatile.Read(ref _inside) > 0)
        {
            Interlocked.Increment(ref probe.Overlaps);
        }

        return Task.FromResult(_count);
    }

    public async Task<int> ReadWhileGateClosedAsync()
    {
        Interlocked.Increment(ref _readers);
        probe.Events.Enqueue($"read-start:{Volatile.Read(ref _readers)}");
        await probe.Gate.Task;
        Interlocked.Decrement(ref _readers);
        return _count;
    }

    public Task<int> WriteWhileGateClosedAsync()
    {
        probe.Events.Enqueue($"write:{Volatile.Read(ref _readers)}");
        return Task.FromResult(++_count);
    }

    public Task FailAsync(string message) => throw new InvalidOperationException(message);

    public Task WaitForGateAsync() => probe.Gate.Task;

    public Task HangAsync() => Task.Delay(Timeout.Infinite);

    public async Task<string> WaitUntilDeactivationRequestedAsync()
    {
        probe.Events.Enqueue("waiting");
        try
        {
            await Task.Delay(Timeout.Infinite, DeactivationRequested);
            return "delay ended";
        }
        catch (OperationCanceledException)
        {
            return "deactivation requested";
        }
    }

    public Task<int> WaitForIncrementAsync() => _incremented.Task;

    // Throws before returning a task, as `x ? Task.FromResult(..) : throw ..` does.
    public Task<int> GetOrThrowAsync(bool fail) => fail ? throw new KeyNotFoundException("no such thing") : Task.FromResult(_count);
}

public interface IPingGrain : IGrainWithStringKey
{
    Task<string> PingViaAsync(string otherKey, int depth);

    Task<string> PongAsync(string callerKey, int depth);
}

/// <summary>A → B → A: B calls back into A while A awaits B.</summary>
public sealed class PingGrain : Grain, IPingGrain
{
    public async Task<string> PingViaAsync(string otherKey, int depth)
    {
        var other = GrainFactory.GetGrain<IPingGrain>(otherKey);
        return await other.PongAsync(GetPrimaryKeyString(), depth);
    }

    public async Task<string> PongAsync(string callerKey, int depth)
    {
        if (depth == 0)
        {
            return GetPrimaryKeyString();
        }

        var caller = GrainFactory.GetGrain<IPingGrain>(callerKey);
        return GetPrimaryKeyString() + ">" + await caller.PongAsync(GetPrimaryKeyString(), depth - 1);
    }
}

public interface IReentrantGrain : IGrainWithStringKey
{
    Task<int> EnterAndWaitAsync();
}

[Reentrant]
public sealed class ReentrantGrain(Probe probe) : Grain, IReentrantGrain
{
    private int _waiting;
    private int _onThread;

    public async Task<int> EnterAndWaitAsync()
    {
        CheckAlone();
        var waiting = ++_waiting;
        await probe.Gate.Task;
        CheckAlone();
        return waiting;
    }

    // Interleaving happens at awaits only: two turns must never run at the same instant.
    private void CheckAlone()
    {
        if (Interlocked.Increment(ref _onThread) > 1)
        {
            Interlocked.Increment(ref probe.Overlaps);
        }

        Thread.SpinWait(1000);
        Interlocked.Decrement(ref _onThread);
    }
}

public sealed record CartLine(string Sku, int Quantity);

public sealed class CartState
{
    public List<CartLine> Lines { get; set; } = [];

    public int Version { get; set; }
}

public interface ICartGrain : IGrainWithStringKey
{
    Task<int> AddAsync(CartLine line);

    [ReadOnly]
    Task<IReadOnlyList<CartLine>> GetLinesAsync();

    Task<bool> RecordExistsAsync();

    Task ClearAsync();

    Task MutateArgumentAsync(List<CartLine> lines);
}

public sealed class CartGrain([PersistentState("cart")] IPersistentState<CartState> cart) : Grain, ICartGrain
{
    public async Task<int> AddAsync(CartLine line)
    {
        cart.State.Lines.Add(line);
        cart.State.Version++;
        await cart.WriteStateAsync();
        return cart.State.Version;
    }

    public Task<IReadOnlyList<CartLine>> GetLinesAsync() => Task.FromResult<IReadOnlyList<CartLine>>([.. cart.State.Lines]);

    public Task<bool> RecordExistsAsync() => Task.FromResult(cart.RecordExists);

    public Task ClearAsync() => cart.ClearStateAsync();

    public Task MutateArgumentAsync(List<CartLine> lines)
    {
        lines.Clear();
        return Task.CompletedTask;
    }
}

public interface IAlarmGrain : IGrainWithStringKey
{
    Task SetAsync(TimeSpan due, TimeSpan period);

    Task CancelAsync();

    Task StartTimerAsync(TimeSpan period);

    [ReadOnly]
    Task<int> GetTimerTicksAsync();
}

public sealed class AlarmGrain(Probe probe) : Grain, IAlarmGrain, IRemindable
{
    private int _ticks;
    private int _inTick;
    private IGrainTimer? _timer;

    public Task SetAsync(TimeSpan due, TimeSpan period) => RegisterOrUpdateReminderAsync("alarm", due, period);

    public Task CancelAsync() => UnregisterReminderAsync("alarm");

    public Task ReceiveReminderAsync(string reminderName, TickStatus status)
    {
        probe.Reminders.Enqueue($"{GetPrimaryKeyString()}:{reminderName}");
        return Task.CompletedTask;
    }

    public Task StartTimerAsync(TimeSpan period)
    {
        _timer?.Dispose();
        _timer = RegisterGrainTimer(TickAsync, period, period);
        return Task.CompletedTask;
    }

    public Task<int> GetTimerTicksAsync() => Task.FromResult(_ticks);

    private async Task TickAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Increment(ref _inTick) > 1)
        {
            Interlocked.Increment(ref probe.Overlaps);
        }

        // Longer than the period: overlapping ticks would show up here.
        await Task.Delay(30, CancellationToken.None);
        _ticks++;
        Interlocked.Decrement(ref _inTick);
    }
}

public interface IShortLivedGrain : IGrainWithStringKey
{
    Task<int> TouchAsync();
}

// Long enough that a loaded CI machine pausing a test thread for a moment does not look idle; short enough for tests.
[CollectionAgeLimit(Seconds = 1)]
public sealed class ShortLivedGrain(Probe probe) : Grain, IShortLivedGrain
{
    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        probe.Activations.AddOrUpdate("short:" + GetPrimaryKeyString(), 1, (_, n) => n + 1);
        return Task.CompletedTask;
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        probe.Events.Enqueue($"short-deactivated:{reason}");
        return Task.CompletedTask;
    }

    public Task<int> TouchAsync() => Task.FromResult(probe.Activations["short:" + GetPrimaryKeyString()]);
}
