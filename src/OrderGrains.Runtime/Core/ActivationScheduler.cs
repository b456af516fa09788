using System.Collections.Concurrent;

namespace OrderGrains.Runtime.Core;

/// <summary>
/// Runs the turns of one activation one at a time, in order. It is the activation's SynchronizationContext,
/// so every await in grain code resumes here and a grain never runs on two threads at once, even when
/// requests interleave.
/// </summary>
internal sealed class ActivationScheduler : SynchronizationContext, IThreadPoolWorkItem
{
    // Turns a worker runs before yielding its thread, so one hot activation cannot starve the pool.
    private const int TurnsPerDispatch = 128;

    private readonly ConcurrentQueue<WorkItem> _queue = new();

    // 0: idle. 1: a worker is scheduled or running, or a caller is running a turn inline.
    private int _state;

    public override void Post(SendOrPostCallback d, object? state)
    {
        _queue.Enqueue(new WorkItem(d, state));
        if (Interlocked.CompareExchange(ref _state, 1, 0) == 0)
        {
            ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
        }
    }

    public override void Send(SendOrPostCallback d, object? state) =>
        throw new NotSupportedException("Grain code must not block on another turn of its own activation.");

    public override SynchronizationContext CreateCopy() => this;

    /// <summary>Claims the activation's thread for a turn run by the caller itself (the idle fast path).</summary>
    public bool TryEnterInline() => _queue.IsEmpty && Interlocked.CompareExchange(ref _state, 1, 0) == 0;

    /// <summary>Ends an inline turn; schedules a worker when turns were posted meanwhile.</summary>
    public void ExitInline() => Release();

    void IThreadPoolWorkItem.Execute()
    {
        var previous = Current;
        SetSynchronizationContext(this);
        try
        {
            for (var i = 0; i < TurnsPerDispatch && _queue.TryDequeue(out var item); i++)
            {
                item.Callback(item.State);
            }
        }
        finally
        {
            SetSynchronizationContext(previous);
        }

        Release();
    }

    private void Release()
    {
        // A full fence, not a release write: the read of the queue below must not move before the store, or a Post
        // that saw the state still 1 and skipped scheduling would leave its turn queued with no worker (lost wakeup).
        Interlocked.Exchange(ref _state, 0);
        if (!_queue.IsEmpty && Interlocked.CompareExchange(ref _state, 1, 0) == 0)
        {
            ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
        }
    }

    private readonly record struct WorkItem(SendOrPostCallback Callback, object? State);
}
