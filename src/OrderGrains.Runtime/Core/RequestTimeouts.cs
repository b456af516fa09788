using System.Collections.Concurrent;

namespace OrderGrains.Runtime.Core;

/// <summary>
/// Fails calls that outlive the request timeout with <see cref="TimeoutException"/>. One sweeper for all calls:
/// a timer per call would cost more than most grain calls do.
/// </summary>
internal sealed class RequestTimeouts : IDisposable
{
    private readonly ConcurrentDictionary<GrainRequest, byte> _pending = new();
    private readonly TimeSpan _timeout;
    private readonly Timer _sweeper;

    public RequestTimeouts(TimeSpan timeout)
    {
        _timeout = timeout;
        var period = TimeSpan.FromTicks(Math.Clamp(timeout.Ticks / 8, TimeSpan.FromMilliseconds(10).Ticks, TimeSpan.FromSeconds(1).Ticks));
        _sweeper = new Timer(static s => ((RequestTimeouts)s!).Sweep(), this, period, period);
    }

    public int Pending => _pending.Count;

    public void Track(GrainRequest request) => _pending.TryAdd(request, 0);

    public TimeoutException CreateTimeout(GrainRequest request) =>
        new($"Call {request.Method.DisplayName} to grain {request.Target} timed out after {_timeout.TotalSeconds:0.###} s.");

    public void Dispose() => _sweeper.Dispose();

    private void Sweep()
    {
        var now = Environment.TickCount64;
        foreach (var (request, _) in _pending)
        {
            if (request.ResultTask.IsCompleted)
            {
                _pending.TryRemove(request, out _);
            }
            else if (request.IsExpired(now))
            {
                request.TryFail(CreateTimeout(request));
                _pending.TryRemove(request, out _);
            }
        }
    }
}
