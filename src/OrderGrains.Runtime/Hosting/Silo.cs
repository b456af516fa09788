using Microsoft.Extensions.Hosting;
using OrderGrains.Runtime.Core;
using OrderGrains.Runtime.Diagnostics;

namespace OrderGrains.Runtime.Hosting;

/// <summary>
/// A running set of grains in this process. Start it (or let the generic host start it) before calling grains;
/// stopping deactivates every activation so grains can flush what they hold.
/// </summary>
public sealed class Silo : IHostedService, IAsyncDisposable
{
    private readonly GrainRuntime _runtime;
    private readonly IdleCollector _collector;
    private int _started;
    private int _stopped;

    internal Silo(GrainRuntime runtime)
    {
        _runtime = runtime;
        _collector = new IdleCollector(runtime);
        RuntimeStatistics = new RuntimeStatistics(runtime);
    }

    /// <summary>References to grains of this silo.</summary>
    public IGrainFactory GrainFactory => _runtime.GrainFactory;

    /// <summary>True between a completed start and the beginning of stop.</summary>
    public bool IsRunning => Volatile.Read(ref _started) == 1 && Volatile.Read(ref _stopped) == 0 && _runtime.IsAccepting;

    /// <summary>Statistics for operators and tests.</summary>
    public SiloStatistics Statistics => new(_runtime);

    internal GrainRuntime Runtime => _runtime;

    internal RuntimeStatistics RuntimeStatistics { get; }

    /// <summary>Validates every grain class, loads reminders, and starts accepting calls.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _started, 1) == 1)
        {
            return;
        }

        foreach (var grainClass in _runtime.Registry.Classes)
        {
            _runtime.Activator.Validate(grainClass);
        }

        _runtime.StartAccepting();
        _collector.Start();
        RuntimeStatistics.Start();
        RuntimeMetrics.Register(_runtime);
        await _runtime.Reminders.StartAsync(cancellationToken);
        _runtime.Streams.Start();
        _runtime.Log.SiloStarted(_runtime.Registry.Classes.Count());
    }

    /// <summary>Stops accepting calls, lets running requests finish, and deactivates every activation.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _started) == 0 || Interlocked.Exchange(ref _stopped, 1) == 1)
        {
            return;
        }

        await _runtime.Reminders.StopAsync();
        await _runtime.Streams.StopAsync();
        _collector.Dispose();
        RuntimeStatistics.Dispose();
        RuntimeMetrics.Unregister(_runtime);
        _runtime.StopAccepting();
        var activations = _runtime.Directory.All.ToList();
        foreach (var activation in activations)
        {
            activation.RequestDeactivation(DeactivationReason.ShuttingDown);
        }

        var all = Task.WhenAll(activations.Select(a => a.Deactivated));
        await Task.WhenAny(all, Task.Delay(_runtime.Options.DeactivationTimeout, cancellationToken));
        foreach (var stuck in activations.Where(a => !a.Deactivated.IsCompleted))
        {
            // A request that never finishes must not hold the process hostage; its callers get SiloUnavailableException.
            stuck.ForceDeactivate();
        }

        _runtime.Timeouts.Dispose();
        _runtime.Log.SiloStopped(activations.Count);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync() => await StopAsync(CancellationToken.None);

    /// <summary>Runs the idle collector now (tests use it instead of waiting a quantum).</summary>
    public int CollectIdleActivations() => _collector.Collect();
}

/// <summary>A snapshot of what the silo holds.</summary>
public sealed class SiloStatistics
{
    internal SiloStatistics(GrainRuntime runtime)
    {
        var activations = runtime.Directory.All.ToList();
        ActivationCount = activations.Count;
        ActivationsByType = activations.GroupBy(a => a.GrainId.Type).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        CallsByType = activations.GroupBy(a => a.GrainId.Type).ToDictionary(g => g.Key, g => g.Sum(a => a.Calls), StringComparer.Ordinal);
        QueuedByType = activations.GroupBy(a => a.GrainId.Type).ToDictionary(g => g.Key, g => g.Sum(a => a.QueueLength), StringComparer.Ordinal);
        Reminders = runtime.Reminders.Count;
        RemindersDue = runtime.Reminders.CountDue(DateTimeOffset.UtcNow);
        PendingCalls = runtime.Timeouts.Pending;
    }

    public int ActivationCount { get; }

    public IReadOnlyDictionary<string, int> ActivationsByType { get; }

    /// <summary>Calls received by live activations, per grain type.</summary>
    public IReadOnlyDictionary<string, long> CallsByType { get; }

    /// <summary>Requests waiting in activation queues, per grain type.</summary>
    public IReadOnlyDictionary<string, int> QueuedByType { get; }

    public int Reminders { get; }

    public int RemindersDue { get; }

    /// <summary>Calls awaiting completion that the timeout sweeper watches.</summary>
    public int PendingCalls { get; }
}
