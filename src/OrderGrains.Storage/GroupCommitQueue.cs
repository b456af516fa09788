using Orleans.Storage;
using System.Diagnostics;
using System.Threading.Channels;

namespace OrderGrains.Storage;

/// <summary>
/// Group commit for grain state writes, independent of the store. Callers enqueue one write each and await it;
/// one dispatcher loop takes what is queued into a batch (up to <see cref="GroupCommitOptions.MaxBatchSize"/>,
/// waiting at most <see cref="GroupCommitOptions.CollectionWindow"/> for a batch that is not full) and hands it
/// to the provider's commit callback, which commits the whole batch in one transaction.
/// </summary>
/// <remarks>
/// <para>Outcomes: a write the provider reports committed completes with its new ETag; one whose ETag check
/// failed completes with <see cref="InconsistentStateException"/> while the rest of its batch commits; when the
/// callback throws (connection dropped, commit failed) every write of that batch completes with that exception.</para>
/// <para>A key is never in two batches in flight, nor twice in one batch: a later write to a key that is already
/// gathered or committing ends the batch being gathered and starts the next one once the earlier write is
/// done, so writes to one key apply in the order they were enqueued and each sees the ETag the previous left.</para>
/// <para>Cancellation: a write cancelled while still queued is dropped and its task is cancelled. Once taken into
/// a batch it can no longer be withdrawn: it may commit, and its task then reports the commit.</para>
/// <para>Disposal stops accepting writes (<see cref="ObjectDisposedException"/>) and commits the writes
/// already queued before it completes.</para>
/// </remarks>
public sealed class GroupCommitQueue : IStorageStatistics, IAsyncDisposable
{
    private readonly Func<GroupCommitBatch, ValueTask> _commit;
    private readonly string _provider;
    private readonly Channel<PendingWrite> _queue;
    private readonly int _maxBatchSize;
    private readonly TimeSpan _window;
    private readonly GroupCommitBatch[] _batches;

    // Slots whose batch is idle; the dispatcher takes one before gathering and a flush returns it when done.
    private readonly Channel<int> _freeSlots;

    // Written only by the dispatcher; _flushes[slot] is the commit of the batch last dispatched in that slot.
    private readonly Task[] _flushes;

    // Every key gathered or committing, mapped to its slot.
    private readonly Dictionary<GrainStateKey, int> _inFlight = [];
    private readonly Lock _inFlightLock = new();
    private readonly Task _dispatcher;

    // The write that ended the last batch because its key was taken, and the slot holding that key.
    private PendingWrite? _deferred;
    private int _deferredOwner;
    private CancellationTokenSource _windowTimer = new();

    private long _writeBatches;
    private long _writes;
    private int _largestBatch;
    private int _lastBatch;
    private int _disposed;
    private Exception? _fault;

    /// <param name="commit">
    /// Commits one batch in one transaction and reports each write's outcome on the batch. It is never called
    /// for two batches of the same slot at once. Throwing fails every write of the batch, so it must throw
    /// whenever the transaction may not have committed.
    /// </param>
    /// <param name="options">Batch size, collection window and how many batches may commit at once.</param>
    /// <param name="provider">Names the store on batch spans and metrics ("sqlite", "postgres").</param>
    public GroupCommitQueue(Func<GroupCommitBatch, ValueTask> commit, GroupCommitOptions options, string provider = "custom")
    {
        ArgumentException.ThrowIfNullOrEmpty(provider);
        _provider = provider;
        ArgumentNullException.ThrowIfNull(commit);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _commit = commit;
        _maxBatchSize = options.MaxBatchSize;
        _window = options.CollectionWindow;
        _queue = Channel.CreateUnbounded<PendingWrite>(new UnboundedChannelOptions { SingleReader = true, AllowSynchronousContinuations = false });
        _freeSlots = Channel.CreateUnbounded<int>(new UnboundedChannelOptions { SingleReader = true });
        _batches = new GroupCommitBatch[options.MaxConcurrentBatches];
        _flushes = new Task[options.MaxConcurrentBatches];
        for (int slot = 0; slot < _batches.Length; slot++)
        {
            _batches[slot] = new GroupCommitBatch(slot, Math.Min(_maxBatchSize, 1024));
            _flushes[slot] = Task.CompletedTask;
            _freeSlots.Writer.TryWrite(slot);
        }

        _dispatcher = Task.Run(DispatchAsync);
    }

    /// <inheritdoc />
    public long WriteBatches => Interlocked.Read(ref _writeBatches);

    /// <inheritdoc />
    public long Writes => Interlocked.Read(ref _writes);

    /// <inheritdoc />
    public int LargestBatch => Volatile.Read(ref _largestBatch);

    /// <inheritdoc />
    public int LastBatchSize => Volatile.Read(ref _lastBatch);

    /// <summary>Queues a write (or a clear, with <paramref name="isClear"/>) and completes with its new ETag once committed.</summary>
    /// <exception cref="ObjectDisposedException">The queue is disposed.</exception>
    public Task<string> EnqueueAsync(GrainStateKey key, ReadOnlyMemory<byte> payload, string? expectedEtag, bool isClear, CancellationToken cancellationToken) =>
        EnqueueAsync(key, payload, expectedEtag, isClear, [], cancellationToken);

    /// <summary>Queues a write that carries stream events, appended in the same transaction only if the write commits.</summary>
    public Task<string> EnqueueAsync(GrainStateKey key, ReadOnlyMemory<byte> payload, string? expectedEtag, bool isClear, IReadOnlyList<StreamEventData> events, CancellationToken cancellationToken) =>
        EnqueueAsync(key, payload, expectedEtag, isClear, events, [], cancellationToken);

    /// <summary>Queues a write that carries stream events and entry-set changes, both applied in the same transaction only if the write commits.</summary>
    public Task<string> EnqueueAsync(GrainStateKey key, ReadOnlyMemory<byte> payload, string? expectedEtag, bool isClear, IReadOnlyList<StreamEventData> events, IReadOnlyList<EntrySetChanges> entries, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled<string>(cancellationToken);
        }

        var item = new PendingWrite(key, payload, expectedEtag, isClear, events, entries) { Caller = StorageTracing.CaptureCaller() };
        item.WatchCancellation(cancellationToken);
        if (!_queue.Writer.TryWrite(item))
        {
            item.Abandon();
            if (_fault is { } fault)
            {
                throw new InvalidOperationException("The group commit loop has failed; no more writes are accepted.", fault);
            }

            throw new ObjectDisposedException(nameof(GroupCommitQueue));
        }

        return item.Task;
    }

    /// <summary>Stops accepting writes, commits those already queued, and waits for every batch in flight.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _queue.Writer.TryComplete();
        }

        await _dispatcher.ConfigureAwait(false);
        await Task.WhenAll(_flushes).ConfigureAwait(false);
        _windowTimer.Dispose();
    }

    private async Task DispatchAsync()
    {
        // Started from whoever created the store: batch spans must not become children of that caller's span.
        Activity.Current = null;
        try
        {
            while (true)
            {
                int slot = await _freeSlots.Reader.ReadAsync().ConfigureAwait(false);
                if (_deferred is null && !await _queue.Reader.WaitToReadAsync().ConfigureAwait(false))
                {
                    return;
                }

                var batch = _batches[slot];
                await GatherAsync(batch).ConfigureAwait(false);
                if (batch.Count > 0)
                {
                    _flushes[slot] = FlushAsync(batch);
                }
                else
                {
                    _freeSlots.Writer.TryWrite(slot);
                }

                if (_deferred is not null)
                {
                    // The deferred write's key is still committing: start its batch only after that commit.
                    await _flushes[_deferredOwner].ConfigureAwait(false);
                }
            }
        }
        catch (Exception ex)
        {
            // Only a bug gets here; fail every queued write loudly rather than leave callers waiting forever.
            _fault = ex;
            _queue.Writer.TryComplete(ex);
            _deferred?.TrySetException(ex);
            while (_queue.Reader.TryRead(out var item))
            {
                item.TrySetException(ex);
            }

            throw;
        }
    }

    private async ValueTask GatherAsync(GroupCommitBatch batch)
    {
        if (_deferred is { } deferred)
        {
            _deferred = null;
            if (!TryAdmit(batch, deferred))
            {
                return;
            }
        }

        long deadline = 0;
        while (true)
        {
            while (batch.Count < _maxBatchSize && _queue.Reader.TryRead(out var item))
            {
                if (item.TryTake() && !TryAdmit(batch, item))
                {
                    return;
                }
            }

            if (batch.Count >= _maxBatchSize)
            {
                return;
            }

            if (batch.Count == 0)
            {
                // Everything read was cancelled while queued; this is not a batch yet, so no window applies.
                if (!await _queue.Reader.WaitToReadAsync().ConfigureAwait(false))
                {
                    return;
                }

                continue;
            }

            if (deadline == 0)
            {
                deadline = Stopwatch.GetTimestamp() + (long)(_window.TotalSeconds * Stopwatch.Frequency);
            }

            long remaining = deadline - Stopwatch.GetTimestamp();
            if (remaining <= 0 || !await WaitForMoreAsync(TimeSpan.FromSeconds((double)remaining / Stopwatch.Frequency)).ConfigureAwait(false))
            {
                return;
            }
        }
    }

    private bool TryAdmit(GroupCommitBatch batch, PendingWrite item)
    {
        lock (_inFlightLock)
        {
            if (_inFlight.TryGetValue(item.Key, out int owner))
            {
                _deferred = item;
                _deferredOwner = owner;
                return false;
            }

            _inFlight.Add(item.Key, batch.Slot);
        }

        batch.Add(item);
        return true;
    }

    /// <summary>Waits until a write is queued or the time is up; false when the time is up or the queue is closed.</summary>
    private async ValueTask<bool> WaitForMoreAsync(TimeSpan timeout)
    {
        if (!_windowTimer.TryReset())
        {
            _windowTimer.Dispose();
            _windowTimer = new CancellationTokenSource();
        }

        _windowTimer.CancelAfter(timeout);
        var wait = _queue.Reader.WaitToReadAsync(_windowTimer.Token);
        if (wait.IsCompletedSuccessfully)
        {
            return wait.Result;
        }

        var task = wait.AsTask();
        await ((Task)task).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        return task.IsCompletedSuccessfully && task.Result;
    }

    private async Task FlushAsync(GroupCommitBatch batch)
    {
        Exception? failure = null;
        var activity = StartBatchActivity(batch);
        long started = Stopwatch.GetTimestamp();
        try
        {
            await _commit(batch).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            failure = ex;
            activity?.SetStatus(ActivityStatusCode.Error, ex.Message);
        }

        int count = batch.Count;
        var tag = new KeyValuePair<string, object?>("provider", _provider);
        StorageTelemetry.StorageBatchDuration.Record(Stopwatch.GetElapsedTime(started).TotalMilliseconds, tag);
        StorageTelemetry.StorageBatchSize.Record(count, tag);
        activity?.Stop();
        if (failure is null)
        {
            Volatile.Write(ref _lastBatch, count);
            Interlocked.Increment(ref _writeBatches);
            Interlocked.Add(ref _writes, count);
            int largest = Volatile.Read(ref _largestBatch);
            while (count > largest)
            {
                int seen = Interlocked.CompareExchange(ref _largestBatch, count, largest);
                if (seen == largest)
                {
                    break;
                }

                largest = seen;
            }
        }

        lock (_inFlightLock)
        {
            for (int i = 0; i < count; i++)
            {
                _inFlight.Remove(batch.GetItem(i).Key);
            }
        }

        // Keys are released before callers resume, so a caller's next write to the same key is never deferred on its own previous one.
        for (int i = 0; i < count; i++)
        {
            var item = batch.GetItem(i);
            if (failure is null)
            {
                item.Complete();
            }
            else
            {
                item.TrySetException(failure);
            }
        }

        batch.Clear();
        _freeSlots.Writer.TryWrite(batch.Slot);
    }

    private Activity? StartBatchActivity(GroupCommitBatch batch)
    {
        if (!StorageTracing.Source.HasListeners())
        {
            return null;
        }

        var callers = new ActivityContext[batch.Count];
        for (int i = 0; i < callers.Length; i++)
        {
            callers[i] = batch.GetItem(i).Caller;
        }

        return StorageTracing.StartBatch(callers, _provider);
    }
}
