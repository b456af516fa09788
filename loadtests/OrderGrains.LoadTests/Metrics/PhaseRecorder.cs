using System.Collections.Concurrent;
using System.Diagnostics;
using HdrHistogram;
using OrderGrains.LoadTests.Targets;

namespace OrderGrains.LoadTests.Metrics;

/// <summary>Counts and latencies of one phase on one target, overall and per second of completion.</summary>
public sealed class PhaseRecorder
{
    private readonly ConcurrentDictionary<int, SecondSlot> _timeline = new();
    private readonly Lock _timesLock = new();
    private long _startTimestamp;
    private long _dispatched;
    private long _accepted;
    private long _rejected;
    private long _throttled;
    private long _errors;
    private long _followUps;
    private long _followUpErrors;
    private long _endTimestamp;

    public PhaseRecorder(string name, double offeredRate, int scheduled)
    {
        Name = name;
        OfferedRate = offeredRate;
        Scheduled = scheduled;
    }

    public string Name { get; }

    public double OfferedRate { get; }

    public int Scheduled { get; }

    /// <summary>The wait for a drained host before this phase started; null when the phase did not wait (the first one, or no admin access).</summary>
    public DrainResult? DrainedBefore { get; set; }

    /// <summary>The share of the whole machine that was busy during the phase (see <see cref="MachineCpu"/>); null when unknown.</summary>
    public double? MachineBusy { get; set; }

    /// <summary>The whole machine's CPU time during the phase per order completed, in microseconds; null when unknown.</summary>
    public double? MachineCpuMicrosPerOrder { get; set; }

    /// <summary>PlaceOrder calls that were accepted (PENDING_PAYMENT or ON_HOLD).</summary>
    public HistogramBase AcceptedLatency { get; } = Latencies.NewHistogram();

    /// <summary>PlaceOrder calls that came back REJECTED with a business reason (sold out, over the limit).</summary>
    public HistogramBase RejectedLatency { get; } = Latencies.NewHistogram();

    /// <summary>Every PlaceOrder call, whatever its outcome.</summary>
    public HistogramBase AllLatency { get; } = Latencies.NewHistogram();

    /// <summary>ConfirmPayment and CancelOrder calls.</summary>
    public HistogramBase FollowUpLatency { get; } = Latencies.NewHistogram();

    public ConcurrentDictionary<string, long> RejectReasons { get; } = new(StringComparer.Ordinal);

    public ConcurrentDictionary<string, long> ErrorReasons { get; } = new(StringComparer.Ordinal);

    public long Dispatched => Interlocked.Read(ref _dispatched);

    public long Accepted => Interlocked.Read(ref _accepted);

    public long Rejected => Interlocked.Read(ref _rejected);

    public long Throttled => Interlocked.Read(ref _throttled);

    public long Errors => Interlocked.Read(ref _errors);

    public long Completed => Accepted + Rejected + Throttled + Errors;

    public long FollowUps => Interlocked.Read(ref _followUps);

    public long FollowUpErrors => Interlocked.Read(ref _followUpErrors);

    /// <summary>From the first scheduled arrival to the last reply of the phase (follow-ups included).</summary>
    public double ElapsedSeconds => Stopwatch.GetElapsedTime(_startTimestamp, _endTimestamp == 0 ? Stopwatch.GetTimestamp() : _endTimestamp).TotalSeconds;

    /// <summary>From the first scheduled arrival to the last PlaceOrder reply.</summary>
    public double PlaceSeconds { get; private set; }

    /// <summary>When the last accepted PlaceOrder reply arrived, in seconds from the phase start.</summary>
    public double LastAcceptSeconds { get; private set; }

    public IReadOnlyDictionary<int, SecondSlot> Timeline => _timeline;

    public void Start(long timestamp) => _startTimestamp = timestamp;

    public void End()
    {
        _endTimestamp = Stopwatch.GetTimestamp();
    }

    public void MarkDispatched() => Interlocked.Increment(ref _dispatched);

    /// <summary>Records a PlaceOrder outcome whose intended send time was <paramref name="dueTimestamp"/>.</summary>
    public void RecordPlace(CallOutcome outcome, long dueTimestamp)
    {
        var now = Stopwatch.GetTimestamp();
        var micros = (long)Stopwatch.GetElapsedTime(dueTimestamp, now).TotalMicroseconds;
        var slot = Slot(now);
        AllLatency.RecordMicros(micros);
        slot.Latency.RecordMicros(micros);
        slot.Count(outcome.Kind);
        switch (outcome.Kind)
        {
            case OutcomeKind.Accepted:
                Interlocked.Increment(ref _accepted);
                AcceptedLatency.RecordMicros(micros);
                UpdateLastAccept(now);
                break;
            case OutcomeKind.Rejected:
                Interlocked.Increment(ref _rejected);
                RejectedLatency.RecordMicros(micros);
                RejectReasons.AddOrUpdate(outcome.Reason ?? "unknown", 1, static (_, n) => n + 1);
                break;
            case OutcomeKind.Throttled:
                Interlocked.Increment(ref _throttled);
                break;
            default:
                Interlocked.Increment(ref _errors);
                ErrorReasons.AddOrUpdate(outcome.Reason ?? "unknown", 1, static (_, n) => n + 1);
                break;
        }

        lock (_timesLock)
        {
            PlaceSeconds = Math.Max(PlaceSeconds, Stopwatch.GetElapsedTime(_startTimestamp, now).TotalSeconds);
        }
    }

    /// <summary>Records a payment or cancellation intended at <paramref name="dueTimestamp"/>.</summary>
    public void RecordFollowUp(CallOutcome outcome, long dueTimestamp)
    {
        var now = Stopwatch.GetTimestamp();
        FollowUpLatency.RecordMicros((long)Stopwatch.GetElapsedTime(dueTimestamp, now).TotalMicroseconds);
        Interlocked.Increment(ref _followUps);
        if (outcome.Kind != OutcomeKind.Accepted)
        {
            Interlocked.Increment(ref _followUpErrors);
            ErrorReasons.AddOrUpdate("follow-up " + (outcome.Reason ?? "unknown"), 1, static (_, n) => n + 1);
        }

        Slot(now).CountFollowUp();
    }

    private void UpdateLastAccept(long now)
    {
        lock (_timesLock)
        {
            LastAcceptSeconds = Math.Max(LastAcceptSeconds, Stopwatch.GetElapsedTime(_startTimestamp, now).TotalSeconds);
        }
    }

    private SecondSlot Slot(long now) =>
        _timeline.GetOrAdd((int)Stopwatch.GetElapsedTime(_startTimestamp, now).TotalSeconds, static _ => new SecondSlot());

    /// <summary>What completed during one second of the phase.</summary>
    public sealed class SecondSlot
    {
        private readonly long[] _counts = new long[5];

        public long Accepted => Volatile.Read(ref _counts[0]);

        public long Rejected => Volatile.Read(ref _counts[1]);

        public long Throttled => Volatile.Read(ref _counts[2]);

        public long Errors => Volatile.Read(ref _counts[3]);

        public long FollowUps => Volatile.Read(ref _counts[4]);

        public HistogramBase Latency { get; } = Latencies.NewHistogram();

        internal void Count(OutcomeKind kind) => Interlocked.Increment(ref _counts[kind switch
        {
            OutcomeKind.Accepted => 0,
            OutcomeKind.Rejected => 1,
            OutcomeKind.Throttled => 2,
            _ => 3,
        }]);

        internal void CountFollowUp() => Interlocked.Increment(ref _counts[4]);
    }
}
