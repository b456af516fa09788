using System.Diagnostics;
using OrderGrains.Runtime.Diagnostics;
using OrderGrains.Runtime.Timers;

namespace OrderGrains.Runtime.Core;

/// <summary>
/// One activation of a grain: its instance, its request queue, and the rules for which request may run when.
/// All fields guarded by <see cref="_lock"/> unless noted.
/// </summary>
internal sealed class ActivationData
{
    [ThreadStatic]
    private static ActivationData? t_constructing;

    private static readonly SendOrPostCallback RunRequestCallback = static state => ((GrainRequest)state!).RunOn();
    private static readonly SendOrPostCallback ActivateCallback = static state => _ = ((ActivationData)state!).ActivateAsync();
    private static readonly SendOrPostCallback DeactivateCallback = static state => _ = ((ActivationData)state!).DeactivateAsync();

    private readonly Lock _lock = new();
    private readonly Queue<GrainRequest> _queue = new();
    private readonly TaskCompletionSource _deactivated = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<IStateLoader> _states = [];
    private readonly List<GrainTimer> _timers = [];
    private ActivationState _state = ActivationState.Created;
    private int _runningExclusive;
    private int _runningReadOnly;
    private int _runningInterleaved;
    private DeactivationReason? _deactivationRequested;
    private CancellationTokenSource? _deactivationSignal;

    // Written without the lock on the hot path; a stale read only delays collection by one quantum.
    private long _lastUsedTicks;
    private long _keepAliveUntilTicks;
    private long _calls;

    // The statistics interval this activation last queued itself in (see CalledActivations).
    private int _statisticsInterval;

    public ActivationData(GrainRuntime runtime, GrainClassInfo classInfo, GrainId grainId)
    {
        Runtime = runtime;
        ClassInfo = classInfo;
        GrainId = grainId;
        _lastUsedTicks = Environment.TickCount64;
        CreatedTimestamp = Stopwatch.GetTimestamp();
    }

    /// <summary>The activation whose grain is being constructed on this thread (read by <see cref="Grain"/>'s constructor).</summary>
    public static ActivationData? Constructing => t_constructing;

    public GrainRuntime Runtime { get; }

    public GrainClassInfo ClassInfo { get; }

    public GrainId GrainId { get; }

    public ActivationScheduler Scheduler { get; } = new();

    public Grain? Instance { get; private set; }

    public Task Deactivated => _deactivated.Task;

    public long Calls => Volatile.Read(ref _calls);

    /// <summary>Stopwatch timestamp of creation: the zero point of the call rate until the first statistics sample.</summary>
    public long CreatedTimestamp { get; }

    /// <summary>Recent samples of <see cref="Calls"/>; owned by <see cref="RuntimeStatistics"/> and guarded by its lock.</summary>
    public CallWindow? Window { get; set; }

    public long LastUsedTicks => Volatile.Read(ref _lastUsedTicks);

    public int QueueLength
    {
        get
        {
            lock (_lock)
            {
                return _queue.Count;
            }
        }
    }

    public bool IsUsable
    {
        get
        {
            // An unsynchronized read is enough: a stale answer only costs one extra directory lookup or a re-route.
            var state = _state;
            return state is ActivationState.Created or ActivationState.Activating or ActivationState.Valid;
        }
    }

    public void AddState(IStateLoader state) => _states.Add(state);

    /// <summary>Starts activation once, whoever calls first.</summary>
    public void EnsureActivating()
    {
        lock (_lock)
        {
            if (_state != ActivationState.Created)
            {
                return;
            }

            _state = ActivationState.Activating;
        }

        Scheduler.Post(ActivateCallback, this);
    }

    /// <summary>
    /// Runs the call on the caller's thread when the activation is idle and nothing is queued, which saves a
    /// thread-pool hop per call. Returns false when the call must be queued instead.
    /// </summary>
    public bool TryRunInline(MethodDescriptor method, object?[] arguments, CallChain? chain, in GrainCallTrace trace, out Task task)
    {
        RequestKind kind;
        lock (_lock)
        {
            if (_state != ActivationState.Valid || _queue.Count > 0 || _deactivationRequested is not null)
            {
                task = null!;
                return false;
            }

            kind = EffectiveKind(method.Kind, chain);
            if (!CanStart(kind) || !Scheduler.TryEnterInline())
            {
                task = null!;
                return false;
            }

            MarkStarted(kind);
        }

        Touch();
        var previousContext = SynchronizationContext.Current;
        var previousChain = CallChain.Current;
        SynchronizationContext.SetSynchronizationContext(Scheduler);
        CallChain.Current = new CallChain(this, chain);
        try
        {
            task = InvokeGrain(method, arguments, trace);
        }
        finally
        {
            CallChain.Current = previousChain;
            SynchronizationContext.SetSynchronizationContext(previousContext);
            Scheduler.ExitInline();
        }

        if (task.IsCompleted)
        {
            OnFinished(kind, task);
        }
        else
        {
            var finish = new InlineFinish(this, kind);
            task.ContinueWith(static (t, s) => ((InlineFinish)s!).Run(t), finish, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }

        return true;
    }

    /// <summary>
    /// Queues a request. Returns false when this activation is going away; the caller re-routes after <see cref="Deactivated"/>.
    /// Timer ticks pass <paramref name="countsAsUse"/> false: they must not keep a grain alive.
    /// </summary>
    public bool TrySubmit(GrainRequest request, bool countsAsUse = true)
    {
        if (countsAsUse)
        {
            Touch();
        }

        RequestKind kind;
        lock (_lock)
        {
            if (_state is ActivationState.Deactivating or ActivationState.Invalid)
            {
                return false;
            }

            kind = EffectiveKind(request.Method.Kind, request.Chain);
            var bypassQueue = kind == RequestKind.Interleave && _state == ActivationState.Valid;
            if (!bypassQueue && (_queue.Count > 0 || _state != ActivationState.Valid || _deactivationRequested is not null || !CanStart(kind)))
            {
                var limit = Runtime.Options.MaxQueuedRequestsPerActivation;
                if (_queue.Count >= limit)
                {
                    request.TryFail(new GrainOverloadedException(GrainId, _queue.Count, limit));
                    return true;
                }

                _queue.Enqueue(request);
                return true;
            }

            MarkStarted(kind);
        }

        request.Kind = kind;
        request.Activation = this;
        Scheduler.Post(RunRequestCallback, request);
        return true;
    }

    /// <summary>Runs on the scheduler: invokes a request taken off the queue and arranges its completion.</summary>
    public void Run(GrainRequest request)
    {
        Task task;
        if (request.ResultTask.IsCompleted)
        {
            // The caller timed out while the request waited; do not run work nobody awaits.
            OnFinished(request.Kind, Task.CompletedTask);
            return;
        }

        if (request.IsExpired(Environment.TickCount64))
        {
            request.TryFail(Runtime.Timeouts.CreateTimeout(request));
            OnFinished(request.Kind, Task.CompletedTask);
            return;
        }

        var previousChain = CallChain.Current;
        CallChain.Current = new CallChain(this, request.Chain);
        try
        {
            task = InvokeGrain(request.Method, request.Arguments, request.Trace);
        }
        finally
        {
            CallChain.Current = previousChain;
        }

        if (task.IsCompleted)
        {
            Complete(request, task);
        }
        else
        {
            task.ContinueWith(static (t, s) => ((GrainRequest)s!).Activation!.Complete((GrainRequest)s!, t), request, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
    }

    /// <summary>Cancelled once deactivation is requested, for whatever reason; cancelled already when it was.</summary>
    public CancellationToken DeactivationRequested
    {
        get
        {
            lock (_lock)
            {
                return _deactivationRequested is not null || _state is ActivationState.Deactivating or ActivationState.Invalid
                    ? new CancellationToken(canceled: true)
                    : (_deactivationSignal ??= new CancellationTokenSource()).Token;
            }
        }
    }

    public void RequestDeactivation(DeactivationReason reason)
    {
        bool begin;
        CancellationTokenSource? signal;
        lock (_lock)
        {
            if (_deactivationRequested is not null || _state is ActivationState.Deactivating or ActivationState.Invalid)
            {
                return;
            }

            _deactivationRequested = reason;
            signal = _deactivationSignal;
            begin = _state == ActivationState.Valid && Running == 0;
            if (begin)
            {
                _state = ActivationState.Deactivating;
            }
        }

        // Outside the lock: a request watching the token (a long poll) resumes and finishes, so the deactivation it
        // held up can start.
        Signal(signal);
        if (begin)
        {
            Scheduler.Post(DeactivateCallback, this);
        }
    }

    /// <summary>Deactivates if idle since <paramref name="idleSinceTicks"/> and not kept alive; used by the collector.</summary>
    public bool TryCollect(long idleSinceTicks, long now)
    {
        CancellationTokenSource? signal;
        lock (_lock)
        {
            if (_state != ActivationState.Valid || Running > 0 || _queue.Count > 0 || _deactivationRequested is not null
                || LastUsedTicks > idleSinceTicks || Volatile.Read(ref _keepAliveUntilTicks) > now)
            {
                return false;
            }

            _deactivationRequested = DeactivationReason.Idle;
            _state = ActivationState.Deactivating;
            signal = _deactivationSignal;
        }

        Signal(signal);
        Scheduler.Post(DeactivateCallback, this);
        return true;
    }

    /// <summary>Drops the activation without waiting for running requests (shutdown after the deactivation timeout).</summary>
    public void ForceDeactivate()
    {
        List<GrainRequest> pending;
        CancellationTokenSource? signal;
        lock (_lock)
        {
            if (_state == ActivationState.Invalid)
            {
                return;
            }

            _state = ActivationState.Invalid;
            pending = [.. _queue];
            _queue.Clear();
            signal = _deactivationSignal;
        }

        Signal(signal);

        DisposeTimers();
        Runtime.Directory.Remove(this);
        Runtime.Log.ForcedDeactivation(GrainId);
        _deactivated.TrySetResult();
        foreach (var request in pending)
        {
            request.TryFail(new SiloUnavailableException());
        }
    }

    private void Signal(CancellationTokenSource? signal)
    {
        try
        {
            signal?.Cancel();
        }
        catch (AggregateException exception)
        {
            // A grain's own callback on the token failed; it must not fail the deactivation that triggered it.
            Runtime.Log.DeactivationFailed(exception, GrainId);
        }
    }

    public void DelayDeactivation(TimeSpan period) =>
        Volatile.Write(ref _keepAliveUntilTicks, Environment.TickCount64 + (long)period.TotalMilliseconds);

    public IGrainTimer RegisterTimer(Func<CancellationToken, Task> callback, TimeSpan dueTime, TimeSpan period, bool interleave)
    {
        var timer = new GrainTimer(this, callback, interleave);
        lock (_lock)
        {
            if (_state is ActivationState.Deactivating or ActivationState.Invalid)
            {
                throw new InvalidOperationException($"Grain {GrainId} is deactivating; it cannot start timers.");
            }

            _timers.Add(timer);
        }

        timer.Change(dueTime, period);
        return timer;
    }

    public void RemoveTimer(GrainTimer timer)
    {
        lock (_lock)
        {
            _timers.Remove(timer);
        }
    }

    private int Running => _runningExclusive + _runningReadOnly + _runningInterleaved;

    private RequestKind EffectiveKind(RequestKind declared, CallChain? chain) =>
        declared != RequestKind.Interleave && CallChain.Contains(chain, this) ? RequestKind.Interleave : declared;

    // As in Orleans, running interleaved requests block nobody: a long poll marked [AlwaysInterleave] must not hold off
    // the writes it waits for. Turns still never overlap because the scheduler runs one at a time.
    private bool CanStart(RequestKind kind) => kind switch
    {
        RequestKind.Interleave => true,
        RequestKind.ReadOnly => _runningExclusive == 0,
        _ => _runningExclusive == 0 && _runningReadOnly == 0,
    };

    private void MarkStarted(RequestKind kind)
    {
        switch (kind)
        {
            case RequestKind.Exclusive:
                _runningExclusive++;
                break;
            case RequestKind.ReadOnly:
                _runningReadOnly++;
                break;
            default:
                _runningInterleaved++;
                break;
        }
    }

    private void Touch()
    {
        Volatile.Write(ref _lastUsedTicks, Environment.TickCount64);
        Interlocked.Increment(ref _calls);
        var called = Runtime.CalledActivations;
        var interval = called.Interval;
        if (Volatile.Read(ref _statisticsInterval) != interval && Interlocked.Exchange(ref _statisticsInterval, interval) != interval)
        {
            called.Add(this);
        }
    }

    private Task InvokeGrain(MethodDescriptor method, object?[] arguments, in GrainCallTrace trace)
    {
        if (!trace.IsSampled)
        {
            return InvokeGrain(method, arguments);
        }

        var previous = Activity.Current;
        var activity = GrainCallTracing.Start(this, method, trace);
        if (activity is null)
        {
            return InvokeGrain(method, arguments);
        }

        Task task;
        try
        {
            task = InvokeGrain(method, arguments);
        }
        finally
        {
            // The grain's awaits captured the span as current; the thread that started the turn must not keep it.
            GrainCallTracing.Restore(previous);
        }

        GrainCallTracing.StopWhenDone(activity, task);
        return task;
    }

    private Task InvokeGrain(MethodDescriptor method, object?[] arguments)
    {
        try
        {
            var filters = Runtime.Filters;
            if (filters.Count == 0 || method.BypassesFilters)
            {
                return method.Invoker(Instance!, arguments);
            }

            var context = new GrainCallContext(filters, Instance!, GrainId, method, arguments);
            return method.FromBoxedResult(context.Invoke(), context);
        }
        catch (Exception exception)
        {
            // Typed like the method's own task: an inline call hands it straight back through the proxy.
            return method.Faulted(exception);
        }
    }

    private void Complete(GrainRequest request, Task task)
    {
        // Release the turn first: a caller that sees its reply must find the activation free for its next call.
        OnFinished(request.Kind, task);
        request.CompleteFrom(task, Runtime.ArgumentCopier);
    }

    private void OnFinished(RequestKind kind, Task task)
    {
        if (task.IsFaulted && task.Exception!.InnerException is InconsistentStateException)
        {
            RequestDeactivation(DeactivationReason.InconsistentState);
        }

        List<GrainRequest>? toStart = null;
        var deactivate = false;
        lock (_lock)
        {
            switch (kind)
            {
                case RequestKind.Exclusive:
                    _runningExclusive--;
                    break;
                case RequestKind.ReadOnly:
                    _runningReadOnly--;
                    break;
                default:
                    _runningInterleaved--;
                    break;
            }

            if (_deactivationRequested is not null)
            {
                if (Running == 0 && _state == ActivationState.Valid)
                {
                    _state = ActivationState.Deactivating;
                    deactivate = true;
                }
            }
            else
            {
                toStart = TakeStartable();
            }
        }

        if (deactivate)
        {
            Scheduler.Post(DeactivateCallback, this);
        }
        else if (toStart is not null)
        {
            foreach (var request in toStart)
            {
                Scheduler.Post(RunRequestCallback, request);
            }
        }
    }

    // Caller holds the lock. FIFO: stops at the first request that cannot start yet.
    private List<GrainRequest>? TakeStartable()
    {
        List<GrainRequest>? started = null;
        while (_queue.Count > 0)
        {
            var head = _queue.Peek();
            var kind = EffectiveKind(head.Method.Kind, head.Chain);
            if (!CanStart(kind))
            {
                break;
            }

            _queue.Dequeue();
            MarkStarted(kind);
            head.Kind = kind;
            head.Activation = this;
            (started ??= []).Add(head);
            if (kind == RequestKind.Exclusive)
            {
                break;
            }
        }

        return started;
    }

    private async Task ActivateAsync()
    {
        try
        {
            t_constructing = this;
            try
            {
                Instance = Runtime.Activator.Create(this);
            }
            finally
            {
                t_constructing = null;
            }

            foreach (var state in _states)
            {
                await state.LoadAsync(CancellationToken.None);
            }

            using var timeout = new CancellationTokenSource(Runtime.Options.RequestTimeout);
            await Instance.OnActivateAsync(timeout.Token);
        }
        catch (Exception exception)
        {
            Runtime.Log.ActivationFailed(exception, GrainId);
            List<GrainRequest> pending;
            lock (_lock)
            {
                _state = ActivationState.Invalid;
                pending = [.. _queue];
                _queue.Clear();
            }

            DisposeTimers();
            Runtime.Directory.Remove(this);
            _deactivated.TrySetResult();
            foreach (var request in pending)
            {
                request.TryFail(exception);
            }

            return;
        }

        List<GrainRequest>? toStart;
        var deactivate = false;
        lock (_lock)
        {
            _state = ActivationState.Valid;
            if (_deactivationRequested is not null)
            {
                _state = ActivationState.Deactivating;
                deactivate = true;
                toStart = null;
            }
            else
            {
                toStart = TakeStartable();
            }
        }

        if (deactivate)
        {
            await DeactivateAsync();
            return;
        }

        if (toStart is not null)
        {
            foreach (var request in toStart)
            {
                Scheduler.Post(RunRequestCallback, request);
            }
        }
    }

    private async Task DeactivateAsync()
    {
        DeactivationReason reason;
        lock (_lock)
        {
            reason = _deactivationRequested ?? DeactivationReason.ApplicationRequested;
        }

        DisposeTimers();
        if (Instance is not null)
        {
            using var timeout = new CancellationTokenSource(Runtime.Options.DeactivationTimeout);
            try
            {
                await Instance.OnDeactivateAsync(reason, timeout.Token).WaitAsync(Runtime.Options.DeactivationTimeout);
            }
            catch (Exception exception)
            {
                Runtime.Log.DeactivationFailed(exception, GrainId);
            }
        }

        List<GrainRequest> pending;
        lock (_lock)
        {
            _state = ActivationState.Invalid;
            pending = [.. _queue];
            _queue.Clear();
        }

        Runtime.Directory.Remove(this);
        Runtime.Log.Deactivated(GrainId, reason);
        _deactivated.TrySetResult();

        // Requests that arrived meanwhile go to the next activation, in their original order.
        foreach (var request in pending)
        {
            Runtime.Resubmit(request);
        }
    }

    private void DisposeTimers()
    {
        GrainTimer[] timers;
        lock (_lock)
        {
            timers = [.. _timers];
            _timers.Clear();
        }

        foreach (var timer in timers)
        {
            timer.Stop();
        }
    }

    private enum ActivationState
    {
        Created = 0,
        Activating = 1,
        Valid = 2,
        Deactivating = 3,
        Invalid = 4,
    }

    private sealed class InlineFinish(ActivationData activation, RequestKind kind)
    {
        public void Run(Task task) => activation.OnFinished(kind, task);
    }
}

/// <summary>A persistent state that must be loaded before activation completes.</summary>
internal interface IStateLoader
{
    Task LoadAsync(CancellationToken cancellationToken);
}
