using System.Threading.Channels;

namespace OrderGrains.Storage;

/// <summary>
/// Batches reminder changes the way <see cref="GroupCommitQueue"/> batches state writes: one loop takes what is queued
/// (up to a size) and applies it in order in one transaction. Every order registers a reminder, so one transaction per
/// change would cap order throughput at the disk's fsync rate.
/// </summary>
internal sealed class ReminderChangeQueue : IAsyncDisposable
{
    private readonly Channel<ReminderChange> _queue = Channel.CreateUnbounded<ReminderChange>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Func<IReadOnlyList<ReminderChange>, ValueTask> _apply;
    private readonly int _maxBatchSize;
    private readonly Task _loop;
    private long _batches;

    /// <param name="apply">Applies the changes in order, in one transaction, and sets each one's <see cref="ReminderChange.Result"/>.</param>
    /// <param name="maxBatchSize">Most changes per transaction.</param>
    public ReminderChangeQueue(Func<IReadOnlyList<ReminderChange>, ValueTask> apply, int maxBatchSize = 256)
    {
        ArgumentNullException.ThrowIfNull(apply);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBatchSize, 1);
        _apply = apply;
        _maxBatchSize = maxBatchSize;
        _loop = Task.Run(RunAsync);
    }

    /// <summary>Transactions that carried reminder changes (tests read it to see batching).</summary>
    public long Batches => Interlocked.Read(ref _batches);

    /// <summary>Queues a change; completes with its result once durable.</summary>
    public Task<long> EnqueueAsync(ReminderChange change, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return _queue.Writer.TryWrite(change)
            ? change.Task
            : Task.FromException<long>(new ObjectDisposedException(nameof(ReminderChangeQueue)));
    }

    /// <summary>Applies what is queued, then stops; later changes fail with <see cref="ObjectDisposedException"/>.</summary>
    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _loop.ConfigureAwait(false);
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
                await _apply(batch).ConfigureAwait(false);
                Interlocked.Increment(ref _batches);
                foreach (var change in batch)
                {
                    change.TrySetResult(change.Result);
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

/// <summary>
/// One queued reminder change: an upsert when <see cref="Entry"/> is set (result: the new version), otherwise the
/// removal of the row at <see cref="ExpectedVersion"/> (result: 1 when removed, 0 when absent or at another version).
/// </summary>
internal sealed class ReminderChange(string grainId, uint grainHash, string reminderName, ReminderEntry? entry, long expectedVersion)
    : TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously)
{
    public string GrainId { get; } = grainId;

    public uint GrainHash { get; } = grainHash;

    public string ReminderName { get; } = reminderName;

    public ReminderEntry? Entry { get; } = entry;

    public long ExpectedVersion { get; } = expectedVersion;

    /// <summary>Set by the apply callback.</summary>
    public long Result { get; set; }
}
