namespace OrderGrains.Runtime.Core;

/// <summary>Deactivates activations that received no call for longer than their idle limit, once per collection quantum.</summary>
internal sealed class IdleCollector(GrainRuntime runtime) : IDisposable
{
    private Timer? _timer;

    public void Start()
    {
        var quantum = runtime.Options.CollectionQuantum;
        _timer = new Timer(static s => ((IdleCollector)s!).Collect(), this, quantum, quantum);
    }

    public void Dispose() => _timer?.Dispose();

    internal int Collect()
    {
        var now = Environment.TickCount64;
        var collected = 0;
        foreach (var activation in runtime.Directory.All)
        {
            var limit = activation.ClassInfo.IdleTimeout ?? runtime.Options.DefaultIdleTimeout;
            if (activation.TryCollect(now - (long)limit.TotalMilliseconds, now))
            {
                collected++;
            }
        }

        return collected;
    }
}
