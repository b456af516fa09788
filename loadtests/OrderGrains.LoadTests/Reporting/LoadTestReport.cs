using HdrHistogram;
using OrderGrains.LoadTests.Metrics;
using OrderGrains.LoadTests.Targets;

namespace OrderGrains.LoadTests.Reporting;

/// <summary>Latency percentiles in milliseconds.</summary>
public sealed record LatencySummary(long Count, double P50Ms, double P90Ms, double P99Ms, double P999Ms, double MaxMs, double MeanMs)
{
    public static LatencySummary From(HistogramBase histogram) => new(
        histogram?.TotalCount ?? throw new ArgumentNullException(nameof(histogram)),
        Ms(histogram.ValueAt(50)),
        Ms(histogram.ValueAt(90)),
        Ms(histogram.ValueAt(99)),
        Ms(histogram.ValueAt(99.9)),
        Ms(histogram.Max()),
        Math.Round(histogram.Mean() / 1000.0, 3));

    private static double Ms(long micros) => Math.Round(micros / 1000.0, 3);
}

/// <summary>What completed in one second of a phase, and the latency of the PlaceOrder calls among it.</summary>
public sealed record TimelinePoint(int Second, long Accepted, long Rejected, long Throttled, long Errors, long FollowUps, double P50Ms, double P90Ms, double P99Ms, double MaxMs);

/// <summary>One phase of the schedule on one target.</summary>
public sealed record PhaseReport(
    string Name,
    double OfferedRate,
    int Scheduled,
    long Sent,
    long Accepted,
    long Rejected,
    long Throttled,
    long Errors,
    long FollowUps,
    long FollowUpErrors,
    double PlaceSeconds,
    double LastAcceptSeconds,
    double AcceptedPerSecond,
    double CompletedPerSecond,
    LatencySummary AllLatency,
    LatencySummary AcceptedLatency,
    LatencySummary RejectedLatency,
    LatencySummary FollowUpLatency,
    IReadOnlyDictionary<string, long> RejectReasons,
    IReadOnlyDictionary<string, long> ErrorReasons,
    IReadOnlyList<TimelinePoint> Timeline,
    DrainResult? DrainedBefore = null,
    double? MachineBusy = null,
    double? MachineCpuMicrosPerOrder = null)
{
    public static PhaseReport From(PhaseRecorder r)
    {
        var timeline = r.Timeline.OrderBy(p => p.Key)
            .Select(p => new TimelinePoint(
                p.Key,
                p.Value.Accepted,
                p.Value.Rejected,
                p.Value.Throttled,
                p.Value.Errors,
                p.Value.FollowUps,
                p.Value.Latency.ValueAt(50) / 1000.0,
                p.Value.Latency.ValueAt(90) / 1000.0,
                p.Value.Latency.ValueAt(99) / 1000.0,
                p.Value.Latency.Max() / 1000.0))
            .ToList();
        return new PhaseReport(
            r.Name,
            double.IsInfinity(r.OfferedRate) ? 0 : Math.Round(r.OfferedRate, 1),
            r.Scheduled,
            r.Dispatched,
            r.Accepted,
            r.Rejected,
            r.Throttled,
            r.Errors,
            r.FollowUps,
            r.FollowUpErrors,
            Math.Round(r.PlaceSeconds, 3),
            Math.Round(r.LastAcceptSeconds, 3),
            r.LastAcceptSeconds > 0 ? Math.Round(r.Accepted / r.LastAcceptSeconds, 1) : 0,
            r.PlaceSeconds > 0 ? Math.Round(r.Completed / r.PlaceSeconds, 1) : 0,
            LatencySummary.From(r.AllLatency),
            LatencySummary.From(r.AcceptedLatency),
            LatencySummary.From(r.RejectedLatency),
            LatencySummary.From(r.FollowUpLatency),
            new SortedDictionary<string, long>(r.RejectReasons, StringComparer.Ordinal),
            new SortedDictionary<string, long>(r.ErrorReasons, StringComparer.Ordinal),
            timeline,
            r.DrainedBefore,
            r.MachineBusy is { } busy ? Math.Round(busy, 3) : null,
            r.MachineCpuMicrosPerOrder is { } micros ? Math.Round(micros, 1) : null);
    }
}

/// <summary>One system under test: what it does, its phases and its invariant checks.</summary>
public sealed record TargetReport(string Name, string Description, double SetupSeconds, IReadOnlyList<PhaseReport> Phases, IReadOnlyList<InvariantCheck> Checks)
{
    public bool InvariantsHold => Checks.All(c => c.Passed);
}

/// <summary>The echo's calls/s (the ceiling), and PlaceOrder's answered/s in <paramref name="Phase"/> as a fraction of it.</summary>
public sealed record CeilingReport(double EchoCallsPerSecond, long EchoCalls, long EchoErrors, string Phase, double PlaceOrderPerSecond, double Fraction);

/// <summary>OrderGrains ÷ baseline for one phase (throughput: higher is better; latency: lower is better).</summary>
public sealed record RatioReport(string Phase, double AcceptedPerSecond, double AcceptedP50, double AcceptedP99, double AllP99);

/// <summary>One goal of the issue against what this run measured; Met is null when the run was not sized for it.</summary>
public sealed record GoalReport(string Goal, string Measured, bool? Met);

/// <summary>The whole run, written as report.json and rendered as report.html.</summary>
public sealed record LoadTestReport(
    string Scenario,
    string RunId,
    DateTimeOffset StartedAt,
    string Command,
    string Machine,
    string Storage,
    IReadOnlyDictionary<string, string> Settings,
    IReadOnlyList<TargetReport> Targets,
    IReadOnlyList<RatioReport> Ratios,
    IReadOnlyList<GoalReport> Goals)
{
    public bool InvariantsHold => Targets.All(t => t.InvariantsHold);

    /// <summary>The failover scenario's figures; null for the other scenarios.</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public FailoverReport? Failover { get; init; }

    /// <summary>Issue 15's ceiling: a trivial RPC's calls/s on the same stack, and PlaceOrder's rate as a fraction of it; null when not measured.</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public CeilingReport? Ceiling { get; init; }

    public string? JsonPath { get; init; }

    public string? HtmlPath { get; init; }
}

/// <summary>One silo process of a failover run: where it served, whether it was killed, the CPU it used in the measured phase, how it stopped.</summary>
public sealed record SiloReport(int Index, string GrpcEndpoint, string AdminEndpoint, string? Address, bool Killed, double CpuSeconds, string Stop, string LogPath);

/// <summary>
/// A failover run: N silo processes, one SIGKILLed at <see cref="KilledAtSeconds"/> of the measured phase (null: no
/// kill), how long until a survivor's membership listed it dead, the outage per key that failed after the kill, every
/// status callers saw on a failed attempt, and the silos' CPU per completed order.
/// </summary>
public sealed record FailoverReport(
    int Silos,
    double? KillAtSeconds,
    int? KilledSilo,
    string? KilledSiloChoice,
    double? KilledAtSeconds,
    double? DetectionSeconds,
    string? DetectionError,
    Metrics.OutageSummary? Outage,
    IReadOnlyDictionary<string, long> StatusesSeen,
    long Resends,
    double SiloCpuMicrosPerOrder,
    IReadOnlyList<SiloReport> SiloReports);
