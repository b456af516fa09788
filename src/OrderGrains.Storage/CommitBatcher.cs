namespace OrderGrains.Storage;

/// <summary>
/// Group commit inside one hot grain, escrow style. The grain is <c>[Reentrant]</c>; its requests take
/// turns through <see cref="EnterAsync"/> (one at a time, first come first served, held across awaits), decide in
/// memory, then await <see cref="CommitAsync"/>: every decision made since the last write goes to storage in one
/// write, and each caller completes only once the write that holds its decision is durable. While one write is in
/// flight the next requests already decide, so a grain that took one storage round trip per request now takes one
/// per batch.
/// </summary>
/// <remarks>
/// <para>
/// Writes start inside a turn of their own (the flusher queues for the gate like a request), so a write never
/// serializes state that a suspended request has half changed, and writes never overlap.
/// </para>
/// <para>
/// A failed write fails every caller of its batch and of the batch decided after it (that state built on the lost
/// decisions), and every later call, until the grain deactivates and reloads what storage holds; the batcher asks
/// for that deactivation through <c>onWriteFailed</c>.
/// </para>
/// <para>
/// Replies that only read must still wait for <see cref="WhenDurableAsync"/>: what they report may be in a batch
/// that is not durable yet. All members are called from the grain's own turns.
/// </para>
/// </remarks>
public sealed class CommitBatcher
{
    private readonly Func<Task> _write;
    private readonly Action<Exception> _onWriteFailed;
    private readonly int _maxWaiting;
    private readonly string _owner;
    private readonly Lock _lock = new();
    private readonly Queue<TaskCompletionSource<Turn>> _waiting = new();
    private bool _held;
    private TaskCompletionSource? _accumulating;
    private Task? _inFlight;
    private bool _flusherRunning;
    private Exception? _broken;
    private long _writes;
    private long _committed;

    /// <param name="write">
    /// Persists the grain's current state. It is called inside a turn and must take its bytes before returning:
    /// <c>() => state.WriteStateSnapshotAsync()</c>, never Orleans' <c>state.WriteStateAsync()</c>, which serialises only
    /// after the turn has passed to the next request (see <see cref="OutboxStateExtensions"/>).
    /// </param>
    /// <param name="onWriteFailed">Called once, on the first failed write (e.g. to deactivate the grain).</param>
    /// <param name="owner">Names the grain in overload errors.</param>
    /// <param name="maxWaiting">Requests allowed to wait for their turn before further ones get <see cref="LimitExceededException"/>.</param>
    public CommitBatcher(Func<Task> write, Action<Exception> onWriteFailed, string owner, int maxWaiting = 20_000)
    {
        ArgumentNullException.ThrowIfNull(write);
        ArgumentNullException.ThrowIfNull(onWriteFailed);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxWaiting);
        _write = write;
        _onWriteFailed = onWriteFailed;
        _owner = owner;
        _maxWaiting = maxWaiting;
    }

    /// <summary>A batcher whose batches write <paramref name="state"/> as it is at batch close.</summary>
    public static CommitBatcher ForState<TState>(IPersistentState<TState> state, Action<Exception> onWriteFailed, string owner, int maxWaiting = 20_000)
    {
        ArgumentNullException.ThrowIfNull(state);
        return new CommitBatcher(() => state.WriteStateSnapshotAsync(), onWriteFailed, owner, maxWaiting);
    }

    /// <summary>Writes started so far (each holding one or more decisions).</summary>
    public long Writes => Interlocked.Read(ref _writes);

    /// <summary>Commits requested so far; <see cref="Committed"/> ÷ <see cref="Writes"/> is the mean batch size.</summary>
    public long Committed => Interlocked.Read(ref _committed);

    /// <summary>Requests waiting for their turn.</summary>
    public int Waiting
    {
        get
        {
            lock (_lock)
            {
                return _waiting.Count;
            }
        }
    }

    /// <summary>Waits for this request's turn; dispose the result to end it. Turns are granted in call order.</summary>
    public ValueTask<Turn> EnterAsync()
    {
        lock (_lock)
        {
            if (_broken is not null)
            {
                throw Broken();
            }

            if (!_held)
            {
                _held = true;
                return ValueTask.FromResult(new Turn(this));
            }

            if (_waiting.Count >= _maxWaiting)
            {
                throw new LimitExceededException($"{_owner} is overloaded: {_waiting.Count} requests wait for their turn (limit {_maxWaiting}). Retry later.");
            }

            var waiter = new TaskCompletionSource<Turn>(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiting.Enqueue(waiter);
            return new ValueTask<Turn>(waiter.Task);
        }
    }

    /// <summary>
    /// Call inside a turn after changing state: completes when a write holding the state as it is now is durable,
    /// and fails if that write fails.
    /// </summary>
    public Task CommitAsync()
    {
        lock (_lock)
        {
            if (_broken is not null)
            {
                return Task.FromException(Broken());
            }

            _committed++;
            _accumulating ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            if (!_flusherRunning)
            {
                _flusherRunning = true;
                _ = FlushAsync();
            }

            return _accumulating.Task;
        }
    }

    /// <summary>Completes when every decision made so far is durable (at once when none is pending).</summary>
    public Task WhenDurableAsync()
    {
        lock (_lock)
        {
            if (_broken is not null)
            {
                return Task.FromException(Broken());
            }

            return _accumulating?.Task ?? _inFlight ?? Task.CompletedTask;
        }
    }

    private async Task FlushAsync()
    {
        while (true)
        {
            TaskCompletionSource batch;
            Task write;
            using (await EnterForFlushAsync())
            {
                lock (_lock)
                {
                    if (_accumulating is null || _broken is not null)
                    {
                        _flusherRunning = false;
                        return;
                    }

                    batch = _accumulating;
                    _accumulating = null;
                    _writes++;
                }

                try
                {
                    write = _write();
                }
                catch (Exception exception)
                {
                    write = Task.FromException(exception);
                }

                lock (_lock)
                {
                    _inFlight = batch.Task;
                }
            }

            try
            {
                await write;
                batch.SetResult();
            }
            catch (Exception exception)
            {
                Fail(batch, exception);
                return;
            }
            finally
            {
                lock (_lock)
                {
                    if (ReferenceEquals(_inFlight, batch.Task))
                    {
                        _inFlight = null;
                    }
                }
            }
        }
    }

    // The flusher queues like a request; a broken batcher still lets it in to finish.
    private ValueTask<Turn> EnterForFlushAsync()
    {
        lock (_lock)
        {
            if (!_held)
            {
                _held = true;
                return ValueTask.FromResult(new Turn(this));
            }

            var waiter = new TaskCompletionSource<Turn>(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiting.Enqueue(waiter);
            return new ValueTask<Turn>(waiter.Task);
        }
    }

    private void Fail(TaskCompletionSource batch, Exception exception)
    {
        TaskCompletionSource? next;
        List<TaskCompletionSource<Turn>> waiters;
        lock (_lock)
        {
            _broken = exception;
            _flusherRunning = false;
            next = _accumulating;
            _accumulating = null;
            waiters = [.. _waiting];
            _waiting.Clear();
        }

        batch.SetException(exception);
        next?.SetException(Broken());
        foreach (var waiter in waiters)
        {
            waiter.SetException(Broken());
        }

        _onWriteFailed(exception);
    }

    private StateWriteFailedException Broken() =>
        new($"{_owner} lost a write and is reloading its state; nothing of this call took effect, retry it.", _broken!);

    private void Exit()
    {
        TaskCompletionSource<Turn>? next = null;
        lock (_lock)
        {
            if (!_waiting.TryDequeue(out next))
            {
                _held = false;
            }
        }

        next?.SetResult(new Turn(this));
    }

    /// <summary>One request's turn; disposing it lets the next request in.</summary>
    public readonly struct Turn : IDisposable
    {
        private readonly CommitBatcher? _owner;

        internal Turn(CommitBatcher owner) => _owner = owner;

        public void Dispose() => _owner?.Exit();
    }
}
