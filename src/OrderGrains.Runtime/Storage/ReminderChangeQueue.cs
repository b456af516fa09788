using System.Threading.Channels;

namespace OrderGrains.Runtime.Storage;

/// <summary>
/// Batches reminder changes the way <see cref="GroupCommitQueue"/> batches state writes: one loop takes what is queued
/// (up to a size) and hands it to the provider, which applies the changes in order in one transaction. Every order
/// registers a reminder, so one transaction per change would cap order throughput at the disk's fsync rate.
/// </summary>
public sealed class ReminderChangeQueue : IAsyncDisposable
{
    private readonly Channel<ReminderChange> _queue = Channel.CreateUnbounded<ReminderChange>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Func<IReadOnlyList<ReminderChange>, CancellationToken, ValueTask> _apply;
    private readonly int _maxBatchSize;
    private readonly Task _loop;
    private long _batches;

    /// <param name="apply">Applies the changes in order, in one transaction, and reports each with <see cref="ReminderChange.Applied"/>.</param>
    /// <param name="maxBatchSize">Most changes per transaction.</param>
    public ReminderChangeQueue(Func<IReadOnlyList<ReminderChange>, CancellationToken, ValueTask> apply, int maxBatchSize = 256)
    {
        ArgumentNullException.ThrowIfNull(apply);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBatchSize, 1);
        _apply = apply;
        _maxBatchSize = maxBatchSize;
        _loop = Task.Run(RunAsync);
    }

    /// <summary>Transactions that carried reminder changes (tests read it to see batching).</summary>
    public long Batches => Interlocked.Read(ref _batches);

    /// <summary>Queues an insert-or-replace; completes when it is durable.</summary>
    public Task UpsertAsync(ReminderEntry entry, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return Enqueue(new ReminderChange(entry, entry.GrainType, entry.GrainKey, entry.ReminderName), cancellationToken);
    }

    /// <summary>Queues a removal; completes with whether the reminder existed, once durable.</summary>
    public Task<bool> RemoveAsync(string grainType, string grainKey, string reminderName, CancellationToken cancellationToken) =>
        Enqueue(new ReminderChange(null, grainType, grainKey, reminderName), cancellationToken);

    /// <summary>Applies what is queued, then stops; later changes fail with <see cref="ObjectDisposedException"/>.</summary>
    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _loop.ConfigureAwait(false);
    }

    private Task<bool> Enqueue(ReminderChange change, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (!_queue.Writer.TryWrite(change))
        {
            return Task.FromException<bool>(new ObjectDisposedException(nameof(ReminderChangeQueue)));
        }

        return change.Task;
    }

    private async Task RunAsync()
    {
        var batch = new List<ReminderChange>(_maxBatchSize);
        var reader = _queue.Reader;
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            batch.Clear();
            while (batch.Count < _maxBatchSize && reader.TryRead(out var change))
            {
                batch.Add(change);
            }

            try
            {
                await _apply(batch, CancellationToken.None).ConfigureAwait(false);
                Interlocked.Increment(ref _batches);
                foreach (var change in batch)
                {
                    change.Complete();
                }
            }
            catch (Exception exception)
            {
                // The transaction failed as a whole: nothing of it is durable, so every change in it fails.
                foreach (var change in batch)
                {
                    change.TrySetException(exception);
                }
            }
        }
    }
}

/// <summary>One queued reminder change: an upsert when <see cref="Entry"/> is set, otherwise a removal.</summary>
public sealed class ReminderChange : TaskCompletionSource<bool>
{
    private bool _applied;

    internal ReminderChange(ReminderEntry? entry, string grainType, string grainKey, string reminderName)
        : base(TaskCreationOptions.RunContinuationsAsynchronously)
    {
        Entry = entry;
        GrainType = grainType;
        GrainKey = grainKey;
        ReminderName = reminderName;
    }

    public ReminderEntry? Entry { get; }

    public string GrainType { get; }

    public string GrainKey { get; }

    public string ReminderName { get; }

    /// <summary>Set by the provider: the statement changed a row (for a removal: the reminder existed).</summary>
    public void Applied(bool changedRow) => _applied = changedRow;

    internal void Complete() => TrySetResult(_applied);
}
