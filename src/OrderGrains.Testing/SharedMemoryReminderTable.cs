using System.Globalization;

namespace OrderGrains.Testing;

/// <summary>
/// An in-memory Orleans reminder table that outlives the silos using it, so a test can restart a silo on the same
/// <see cref="TestStorage"/> and see its reminders fire again, as a database would keep them. (Orleans' own in-memory
/// reminder service lives inside the cluster and is gone after a restart.)
/// </summary>
public sealed class SharedMemoryReminderTable : IReminderTable
{
    private readonly Lock _lock = new();
    private readonly Dictionary<(GrainId Grain, string Name), ReminderEntry> _rows = [];
    private long _version;

    /// <inheritdoc />
    public Task<ReminderTableData> ReadRows(GrainId grainId)
    {
        lock (_lock)
        {
            return Task.FromResult(new ReminderTableData(_rows.Values.Where(r => r.GrainId.Equals(grainId)).Select(Copy).ToList()));
        }
    }

    /// <inheritdoc />
    public Task<ReminderTableData> ReadRows(uint begin, uint end)
    {
        lock (_lock)
        {
            // The ring range (begin, end], wrapping around when begin >= end.
            var rows = _rows.Values.Where(r =>
            {
                var hash = r.GrainId.GetUniformHashCode();
                return begin < end ? hash > begin && hash <= end : hash > begin || hash <= end;
            });
            return Task.FromResult(new ReminderTableData(rows.Select(Copy).ToList()));
        }
    }

    /// <inheritdoc />
    public Task<ReminderEntry?> ReadRow(GrainId grainId, string reminderName)
    {
        lock (_lock)
        {
            return Task.FromResult(_rows.TryGetValue((grainId, reminderName), out var row) ? Copy(row) : null);
        }
    }

    /// <inheritdoc />
    public Task<string?> UpsertRow(ReminderEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        lock (_lock)
        {
            var stored = Copy(entry);
            stored.ETag = (++_version).ToString(CultureInfo.InvariantCulture);
            _rows[(entry.GrainId, entry.ReminderName)] = stored;
            return Task.FromResult<string?>(stored.ETag);
        }
    }

    /// <inheritdoc />
    public Task<bool> RemoveRow(GrainId grainId, string reminderName, string eTag)
    {
        lock (_lock)
        {
            var key = (grainId, reminderName);
            if (!_rows.TryGetValue(key, out var row) || row.ETag != eTag)
            {
                return Task.FromResult(false);
            }

            _rows.Remove(key);
            return Task.FromResult(true);
        }
    }

    /// <inheritdoc />
    public Task TestOnlyClearTable()
    {
        lock (_lock)
        {
            _rows.Clear();
        }

        return Task.CompletedTask;
    }

    private static ReminderEntry Copy(ReminderEntry row) => new()
    {
        GrainId = row.GrainId,
        ReminderName = row.ReminderName,
        StartAt = row.StartAt,
        Period = row.Period,
        ETag = row.ETag,
    };
}
