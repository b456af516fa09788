using System.Globalization;

namespace OrderGrains.Storage;

/// <summary>
/// An Orleans <see cref="IReminderTable"/> whose changes are group-committed through <see cref="ReminderChangeQueue"/>:
/// upserts and removals queued at the same time are applied in arrival order in one transaction. A reminder's ETag is
/// its version written in invariant digits. A store supplies only its SQL: the reads, applying a batch, and clearing.
/// </summary>
public abstract class BatchedReminderTable : IReminderTable, IAsyncDisposable
{
    private readonly ReminderChangeQueue _changes;
    private readonly long _maxVersion;

    /// <param name="maxVersion">The largest version the store's column holds: an ETag above it names no row.</param>
    private protected BatchedReminderTable(long maxVersion)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxVersion);
        _maxVersion = maxVersion;
        _changes = new ReminderChangeQueue(ApplyBatchAsync);
    }

    /// <summary>Reminder change transactions committed so far.</summary>
    public long ChangeBatches => _changes.Batches;

    /// <inheritdoc />
    public abstract Task StartAsync(CancellationToken cancellationToken = default);

    /// <inheritdoc />
    /// <remarks>Applies what is queued, then releases the store.</remarks>
    public async Task StopAsync(CancellationToken cancellationToken = default) => await DisposeAsync().ConfigureAwait(false);

    /// <inheritdoc />
    public Task<ReminderTableData> ReadRows(GrainId grainId) => ReadRows(grainId, CancellationToken.None);

    /// <inheritdoc />
    public Task<ReminderTableData> ReadRows(GrainId grainId, CancellationToken cancellationToken) => ReadByGrainAsync(grainId, cancellationToken);

    /// <inheritdoc />
    public Task<ReminderTableData> ReadRows(uint begin, uint end) => ReadRows(begin, end, CancellationToken.None);

    /// <inheritdoc />
    /// <remarks>The range is (begin, end] of the uniform hash; begin ≥ end wraps around.</remarks>
    public Task<ReminderTableData> ReadRows(uint begin, uint end, CancellationToken cancellationToken) => ReadByHashRangeAsync(begin, end, cancellationToken);

    /// <inheritdoc />
    public Task<ReminderEntry?> ReadRow(GrainId grainId, string reminderName) => ReadRow(grainId, reminderName, CancellationToken.None);

    /// <inheritdoc />
    public async Task<ReminderEntry?> ReadRow(GrainId grainId, string reminderName, CancellationToken cancellationToken)
    {
        var rows = await ReadOneAsync(grainId, reminderName, cancellationToken).ConfigureAwait(false);

        // Orleans' tables answer null for a reminder that does not exist.
        return rows.Reminders.Count > 0 ? rows.Reminders[0] : null;
    }

    /// <inheritdoc />
    public Task<string?> UpsertRow(ReminderEntry entry) => UpsertRow(entry, CancellationToken.None);

    /// <inheritdoc />
    public async Task<string?> UpsertRow(ReminderEntry entry, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var change = new ReminderChange(entry.GrainId.ToString(), entry.GrainId.GetUniformHashCode(), entry.ReminderName, entry, 0);
        var version = await _changes.EnqueueAsync(change, cancellationToken).ConfigureAwait(false);
        entry.ETag = FormatEtag(version);
        return entry.ETag;
    }

    /// <inheritdoc />
    public Task<bool> RemoveRow(GrainId grainId, string reminderName, string eTag) => RemoveRow(grainId, reminderName, eTag, CancellationToken.None);

    /// <inheritdoc />
    public async Task<bool> RemoveRow(GrainId grainId, string reminderName, string eTag, CancellationToken cancellationToken)
    {
        if (!long.TryParse(eTag, NumberStyles.None, CultureInfo.InvariantCulture, out var version) || version > _maxVersion)
        {
            return false;
        }

        var change = new ReminderChange(grainId.ToString(), grainId.GetUniformHashCode(), reminderName, null, version);
        return await _changes.EnqueueAsync(change, cancellationToken).ConfigureAwait(false) == 1;
    }

    /// <inheritdoc />
    public Task TestOnlyClearTable() => TestOnlyClearTable(CancellationToken.None);

    /// <inheritdoc />
    public Task TestOnlyClearTable(CancellationToken cancellationToken) => ClearAsync(cancellationToken);

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _changes.DisposeAsync().ConfigureAwait(false);
        await DisposeStoreAsync().ConfigureAwait(false);
        GC.SuppressFinalize(this);
    }

    /// <summary>The ETag of a reminder at <paramref name="version"/>.</summary>
    protected static string FormatEtag(long version) => version.ToString(CultureInfo.InvariantCulture);

    /// <summary>The reminders of one grain.</summary>
    protected abstract Task<ReminderTableData> ReadByGrainAsync(GrainId grainId, CancellationToken cancellationToken);

    /// <summary>The reminders whose grain's uniform hash is in (begin, end]; begin ≥ end wraps around the ring.</summary>
    protected abstract Task<ReminderTableData> ReadByHashRangeAsync(uint begin, uint end, CancellationToken cancellationToken);

    /// <summary>The one reminder of that grain and name, or no rows.</summary>
    protected abstract Task<ReminderTableData> ReadOneAsync(GrainId grainId, string reminderName, CancellationToken cancellationToken);

    /// <summary>
    /// Applies the changes in order, in one transaction, and sets each one's <see cref="ReminderChange.Result"/>: an
    /// upsert's new version, a removal's 1 when the row at <see cref="ReminderChange.ExpectedVersion"/> went, else 0.
    /// </summary>
    private protected abstract ValueTask ApplyBatchAsync(IReadOnlyList<ReminderChange> changes);

    /// <summary>Removes every reminder this table sees (Orleans' <see cref="IReminderTable.TestOnlyClearTable()"/>).</summary>
    protected abstract Task ClearAsync(CancellationToken cancellationToken);

    /// <summary>Releases what the store holds open, after the last change is applied.</summary>
    protected virtual ValueTask DisposeStoreAsync() => ValueTask.CompletedTask;
}
