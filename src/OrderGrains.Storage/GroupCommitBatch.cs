using System.Diagnostics;

namespace OrderGrains.Storage;

/// <summary>
/// The writes a <see cref="GroupCommitQueue"/> hands to its provider in one call, at most one per key.
/// The provider commits them all in one transaction and reports each write's outcome with
/// <see cref="SetCommitted"/> or <see cref="SetConflict"/>; callers see those outcomes only once the
/// provider's callback has returned, that is once the transaction is durable.
/// </summary>
public sealed class GroupCommitBatch
{
    private readonly List<PendingWrite> _items;

    internal GroupCommitBatch(int slot, int capacity)
    {
        Slot = slot;
        _items = new List<PendingWrite>(capacity);
    }

    /// <summary>
    /// Which of the queue's concurrent batch slots this is (0 to MaxConcurrentBatches - 1); no two batches
    /// in flight share a slot, so a provider may keep one connection per slot.
    /// </summary>
    public int Slot { get; }

    public int Count => _items.Count;

    public GroupCommitEntry this[int index] => new(_items[index]);

    /// <summary>The write passed its ETag check and is part of the transaction; <paramref name="newEtag"/> is its new ETag.</summary>
    public void SetCommitted(int index, string newEtag)
    {
        ArgumentNullException.ThrowIfNull(newEtag);
        var item = _items[index];
        item.NewEtag = newEtag;
        item.Outcome = WriteOutcome.Committed;
    }

    /// <summary>The write failed its ETag check and changed nothing; <paramref name="storedEtag"/> is what storage holds.</summary>
    public void SetConflict(int index, string? storedEtag)
    {
        var item = _items[index];
        item.StoredEtag = storedEtag;
        item.Outcome = WriteOutcome.Conflict;
    }

    internal void Add(PendingWrite item) => _items.Add(item);

    internal PendingWrite GetItem(int index) => _items[index];

    internal void Clear() => _items.Clear();
}

/// <summary>One write of a <see cref="GroupCommitBatch"/>, as the provider sees it.</summary>
public readonly struct GroupCommitEntry
{
    private readonly PendingWrite _item;

    internal GroupCommitEntry(PendingWrite item) => _item = item;

    public GrainStateKey Key => _item.Key;

    /// <summary>The state to store; empty for a clear.</summary>
    public ReadOnlyMemory<byte> Payload => _item.Payload;

    /// <summary>The ETag the writer last saw; null when it saw no record.</summary>
    public string? ExpectedEtag => _item.ExpectedEtag;

    /// <summary>True for a clear: store a tombstone (no live record) whose ETag still advances.</summary>
    public bool IsClear => _item.IsClear;

    /// <summary>Stream events to append in the same transaction if, and only if, this write commits; empty for most writes.</summary>
    public IReadOnlyList<StreamEventData> Events => _item.Events;

    /// <summary>Entry-set changes to apply in the same transaction if, and only if, this write commits; empty for most writes.</summary>
    public IReadOnlyList<EntrySetChanges> Entries => _item.Entries;
}

internal enum WriteOutcome
{
    Pending = 0,
    Committed = 1,
    Conflict = 2,
}

/// <summary>A queued write; it is its own completion source so that a write costs one allocation besides its task.</summary>
internal sealed class PendingWrite : TaskCompletionSource<string>
{
    private const int Queued = 0;
    private const int Taken = 1;
    private const int Cancelled = 2;

    // Queued -> Taken by the dispatcher, or Queued -> Cancelled by the caller's token; whichever wins decides.
    private int _state;
    private CancellationTokenRegistration _cancellation;

    public PendingWrite(GrainStateKey key, ReadOnlyMemory<byte> payload, string? expectedEtag, bool isClear, IReadOnlyList<StreamEventData> events, IReadOnlyList<EntrySetChanges> entries)
        : base(TaskCreationOptions.RunContinuationsAsynchronously)
    {
        Key = key;
        Payload = payload;
        ExpectedEtag = expectedEtag;
        IsClear = isClear;
        Events = events;
        Entries = entries;
    }

    public GrainStateKey Key { get; }

    public ReadOnlyMemory<byte> Payload { get; }

    public string? ExpectedEtag { get; }

    public bool IsClear { get; }

    public IReadOnlyList<StreamEventData> Events { get; }

    public IReadOnlyList<EntrySetChanges> Entries { get; }

    /// <summary>The writer's trace context (default unless storage tracing listens), so the batch span can name it.</summary>
    public ActivityContext Caller { get; init; }

    public WriteOutcome Outcome { get; set; }

    public string? NewEtag { get; set; }

    public string? StoredEtag { get; set; }

    public void WatchCancellation(CancellationToken cancellationToken)
    {
        if (cancellationToken.CanBeCanceled)
        {
            _cancellation = cancellationToken.Register(
                static (state, token) => ((PendingWrite)state!).CancelIfQueued(token),
                this);
        }
    }

    /// <summary>Claims the write for a batch; false when its caller cancelled it first.</summary>
    public bool TryTake()
    {
        if (Interlocked.CompareExchange(ref _state, Taken, Queued) != Queued)
        {
            return false;
        }

        // Unregister rather than Dispose: Dispose would block on a callback running right now, which will find the write taken and do nothing.
        _cancellation.Unregister();
        return true;
    }

    public void Complete()
    {
        switch (Outcome)
        {
            case WriteOutcome.Committed:
                TrySetResult(NewEtag!);
                break;
            case WriteOutcome.Conflict:
                TrySetException(StateStoreErrors.EtagMismatch(Key, ExpectedEtag, StoredEtag));
                break;
            default:
                TrySetException(new InvalidOperationException(
                    $"The storage provider committed a batch without reporting the outcome of the write to {Key}."));
                break;
        }
    }

    public void Abandon()
    {
        _cancellation.Unregister();
        Interlocked.Exchange(ref _state, Cancelled);
    }

    private void CancelIfQueued(CancellationToken token)
    {
        if (Interlocked.CompareExchange(ref _state, Cancelled, Queued) == Queued)
        {
            TrySetCanceled(token);
        }
    }
}
