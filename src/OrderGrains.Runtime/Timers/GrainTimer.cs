using OrderGrains.Runtime.Core;

namespace OrderGrains.Runtime.Timers;

/// <summary>
/// A timer owned by one activation. Each tick is delivered through the activation's queue, and the next tick is
/// armed only after the previous one finished, so ticks never overlap.
/// </summary>
internal sealed class GrainTimer : IGrainTimer
{
    private readonly ActivationData _activation;
    private readonly MethodDescriptor _tick;
    private readonly Timer _timer;
    private readonly CancellationTokenSource _stopped = new();
    private readonly Lock _lock = new();
    private TimeSpan _period = Timeout.InfiniteTimeSpan;
    private bool _tickRunning;

    public GrainTimer(ActivationData activation, Func<CancellationToken, Task> callback, bool interleave)
    {
        _activation = activation;
        var token = _stopped.Token;
        _tick = new MethodDescriptor(callback.Method, $"timer {callback.Method.Name}", interleave ? RequestKind.Interleave : RequestKind.Exclusive,
            (_, _) => callback(token), typeof(object), ReturnShape.Task) { BypassesFilters = true };
        RequestFactory.Bind(_tick);
        _timer = new Timer(static s => ((GrainTimer)s!).Fire(), this, Timeout.Infinite, Timeout.Infinite);
    }

    public void Change(TimeSpan dueTime, TimeSpan period)
    {
        lock (_lock)
        {
            if (_stopped.IsCancellationRequested)
            {
                throw new ObjectDisposedException(nameof(GrainTimer));
            }

            _period = period;
            if (!_tickRunning)
            {
                _timer.Change(dueTime, Timeout.InfiniteTimeSpan);
            }
        }
    }

    public void Dispose()
    {
        Stop();
        _activation.RemoveTimer(this);
    }

    internal void Stop()
    {
        lock (_lock)
        {
            if (_stopped.IsCancellationRequested)
            {
                return;
            }

            _stopped.Cancel();
            _timer.Dispose();
        }
    }

    private void Fire()
    {
        lock (_lock)
        {
            if (_stopped.IsCancellationRequested)
            {
                return;
            }

            _tickRunning = true;
        }

        var runtime = _activation.Runtime;
        var request = runtime.NewRequest(_activation.GrainId, _tick, [], chain: null);
        request.DeadlineTicks = long.MaxValue;
        if (!_activation.TrySubmit(request, countsAsUse: false))
        {
            return;
        }

        request.ResultTask.ContinueWith(static (t, s) => ((GrainTimer)s!).AfterTick(t), this, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    private void AfterTick(Task tick)
    {
        if (tick.IsFaulted)
        {
            _activation.Runtime.Log.TimerFailed(tick.Exception!.InnerException!, _activation.GrainId);
        }

        lock (_lock)
        {
            _tickRunning = false;
            if (!_stopped.IsCancellationRequested && _period != Timeout.InfiniteTimeSpan)
            {
                _timer.Change(_period, Timeout.InfiniteTimeSpan);
            }
        }
    }
}
