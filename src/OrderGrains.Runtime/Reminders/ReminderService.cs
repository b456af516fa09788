using OrderGrains.Runtime.Core;
using OrderGrains.Runtime.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace OrderGrains.Runtime.Reminders;

/// <summary>
/// Durable reminders for a single silo: all reminders are read from the <see cref="IReminderTable"/> at start, and
/// one loop fires whichever is due by calling the grain's <see cref="IRemindable.ReceiveReminderAsync"/>, activating it
/// if needed. A tick missed while the process was down fires once right after start, then the period resumes.
/// </summary>
internal sealed class ReminderService(GrainRuntime runtime)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<(GrainId Grain, string Name), ScheduledReminder> _reminders = [];

    // Ordered by next due time. Entries replaced or removed in _reminders stay here until popped and are skipped then.
    private readonly PriorityQueue<ScheduledReminder, DateTimeOffset> _due = new();
    private readonly SemaphoreSlim _changed = new(0);
    private IReminderTable? _table;
    private CancellationTokenSource? _stopping;
    private Task? _loop;

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _reminders.Count;
            }
        }
    }

    /// <summary>Reminders whose next tick is at or before <paramref name="time"/>.</summary>
    public int CountDue(DateTimeOffset time)
    {
        lock (_lock)
        {
            return _reminders.Values.Count(r => r.NextDue <= time);
        }
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        _table = runtime.Services.GetService<IReminderTable>();
        if (_table is null)
        {
            return;
        }

        var entries = await _table.ReadAllAsync(cancellationToken);
        var now = DateTimeOffset.UtcNow;
        lock (_lock)
        {
            foreach (var entry in entries)
            {
                var id = new GrainId(entry.GrainType, entry.GrainKey);
                Schedule(new ScheduledReminder(id, entry, FirstDueAtOrAfterStart(entry, now)));
            }
        }

        _stopping = new CancellationTokenSource();
        _loop = Task.Run(() => RunAsync(_stopping.Token), CancellationToken.None);
    }

    public async Task StopAsync()
    {
        if (_stopping is null || _loop is null)
        {
            return;
        }

        await _stopping.CancelAsync();
        try
        {
            await _loop;
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
            // The loop ends by cancellation; that is the normal way out.
        }
    }

    public async Task<IGrainReminder> RegisterOrUpdateAsync(GrainId grainId, string name, TimeSpan dueTime, TimeSpan period)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        var table = _table ?? throw new InvalidOperationException("No IReminderTable is registered; reminders need durable storage.");
        if (period < runtime.Options.MinimumReminderPeriod)
        {
            throw new ArgumentOutOfRangeException(nameof(period), period, $"Reminder period must be at least {runtime.Options.MinimumReminderPeriod}.");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(dueTime, TimeSpan.Zero);
        var entry = new ReminderEntry(grainId.Type, grainId.Key, name, DateTimeOffset.UtcNow + dueTime, period);
        await table.UpsertAsync(entry, CancellationToken.None);
        lock (_lock)
        {
            Schedule(new ScheduledReminder(grainId, entry, entry.StartAt));
        }

        _changed.Release();
        return new GrainReminderHandle(name, period);
    }

    public async Task UnregisterAsync(GrainId grainId, string name)
    {
        var table = _table ?? throw new InvalidOperationException("No IReminderTable is registered; reminders need durable storage.");
        await table.RemoveAsync(grainId.Type, grainId.Key, name, CancellationToken.None);
        lock (_lock)
        {
            _reminders.Remove((grainId, name));
        }
    }

    public IGrainReminder? Get(GrainId grainId, string name)
    {
        lock (_lock)
        {
            return _reminders.TryGetValue((grainId, name), out var reminder) ? new GrainReminderHandle(name, reminder.Entry.Period) : null;
        }
    }

    private static DateTimeOffset FirstDueAtOrAfterStart(ReminderEntry entry, DateTimeOffset now) =>
        entry.StartAt > now ? entry.StartAt : now;

    // Caller holds the lock.
    private void Schedule(ScheduledReminder reminder)
    {
        _reminders[(reminder.Grain, reminder.Entry.ReminderName)] = reminder;
        _due.Enqueue(reminder, reminder.NextDue);
    }

    // Caller holds the lock.
    private bool IsCurrent(ScheduledReminder reminder) =>
        _reminders.TryGetValue((reminder.Grain, reminder.Entry.ReminderName), out var current) && ReferenceEquals(current, reminder);

    private async Task RunAsync(CancellationToken stopping)
    {
        List<ScheduledReminder> due = [];
        while (!stopping.IsCancellationRequested)
        {
            var now = DateTimeOffset.UtcNow;
            var next = DateTimeOffset.MaxValue;
            due.Clear();
            lock (_lock)
            {
                while (_due.TryPeek(out var reminder, out var at))
                {
                    if (!IsCurrent(reminder) || at != reminder.NextDue)
                    {
                        _due.Dequeue();
                        continue;
                    }

                    if (at > now)
                    {
                        next = at;
                        break;
                    }

                    _due.Dequeue();
                    due.Add(reminder);
                }
            }

            foreach (var reminder in due)
            {
                _ = FireAsync(reminder, now);
            }

            var wait = next == DateTimeOffset.MaxValue ? TimeSpan.FromSeconds(1) : next - DateTimeOffset.UtcNow;
            if (wait > TimeSpan.Zero)
            {
                await _changed.WaitAsync(wait < TimeSpan.FromSeconds(1) ? wait : TimeSpan.FromSeconds(1), stopping);
            }
        }
    }

    private async Task FireAsync(ScheduledReminder reminder, DateTimeOffset now)
    {
        var status = new TickStatus(reminder.Entry.StartAt, reminder.Entry.Period, now);
        try
        {
            var grain = (IRemindable)runtime.GrainFactory.GetGrain(typeof(IRemindable), reminder.Grain);
            await grain.ReceiveReminderAsync(reminder.Entry.ReminderName, status);
        }
        catch (Exception exception)
        {
            runtime.Log.ReminderFailed(exception, reminder.Entry.ReminderName, reminder.Grain);
        }
        finally
        {
            lock (_lock)
            {
                // Next tick on the period's grid, skipping ticks that passed while this one ran.
                var period = reminder.Entry.Period;
                var next = reminder.NextDue + period;
                var current = DateTimeOffset.UtcNow;
                if (next <= current)
                {
                    var behind = (current - next).Ticks / period.Ticks + 1;
                    next += TimeSpan.FromTicks(behind * period.Ticks);
                }

                reminder.NextDue = next;
                if (IsCurrent(reminder))
                {
                    _due.Enqueue(reminder, next);
                }
            }

            _changed.Release();
        }
    }

    private sealed class ScheduledReminder(GrainId grain, ReminderEntry entry, DateTimeOffset nextDue)
    {
        public GrainId Grain { get; } = grain;

        public ReminderEntry Entry { get; } = entry;

        public DateTimeOffset NextDue { get; set; } = nextDue;
    }

    private sealed record GrainReminderHandle(string ReminderName, TimeSpan Period) : IGrainReminder;
}
