using System.Collections.Concurrent;
using System.Diagnostics;

namespace OrderGrains.LoadTests.Metrics;

/// <summary>
/// What callers saw, attempt by attempt: every failed attempt's status code, and for each key (order id) that failed at
/// least once, when it was first tried, when it failed and when it first succeeded. Only failing keys are kept, so a run
/// without failures costs nothing here. Safe from many threads.
/// </summary>
public sealed class KeyOutages
{
    private readonly ConcurrentDictionary<string, Trace> _keys = new(StringComparer.Ordinal);

    /// <summary>Failed attempts by status code (RESOURCE_EXHAUSTED retries included), whether or not a re-send then succeeded.</summary>
    public ConcurrentDictionary<string, long> StatusesSeen { get; } = new(StringComparer.Ordinal);

    /// <summary>Counts one failed attempt with <paramref name="status"/>.</summary>
    public void Seen(Grpc.Core.StatusCode status) => StatusesSeen.AddOrUpdate(StatusName(status), 1, static (_, n) => n + 1);

    /// <summary>True when an attempt at <paramref name="key"/> failed without a definite answer.</summary>
    public bool HadFailures(string key) => _keys.ContainsKey(key);

    /// <summary>An attempt at <paramref name="key"/>, whose first attempt started at <paramref name="firstAttempt"/>, failed without a definite answer at <paramref name="now"/>.</summary>
    public void Failed(string key, long firstAttempt, long now)
    {
        var trace = _keys.GetOrAdd(key, static (_, first) => new Trace(first), firstAttempt);
        lock (trace)
        {
            trace.FirstFailure = trace.FirstFailure == 0 ? now : trace.FirstFailure;
            trace.LastFailure = Math.Max(trace.LastFailure, now);
        }
    }

    /// <summary>An attempt at <paramref name="key"/> got a definite answer at <paramref name="now"/>.</summary>
    public void Succeeded(string key, long now)
    {
        if (_keys.TryGetValue(key, out var trace))
        {
            lock (trace)
            {
                trace.Success = trace.Success == 0 ? now : trace.Success;
            }
        }
    }

    /// <summary>
    /// The outage of each key that failed at or after <paramref name="since"/> (a kill): from the later of
    /// <paramref name="since"/> and the key's first attempt to its first success. A key first sent before the kill is
    /// out from the kill on; one first sent later is out from its own first attempt, so a key that arrives long after
    /// the kill is not charged with the time before it existed.
    /// </summary>
    public OutageSummary Since(long since)
    {
        var outages = new List<double>();
        var neverRecovered = 0;
        var lastRecovery = 0.0;
        foreach (var trace in _keys.Values)
        {
            long first, last, success;
            lock (trace)
            {
                (first, last, success) = (trace.FirstAttempt, trace.LastFailure, trace.Success);
            }

            if (last < since)
            {
                continue;
            }

            if (success == 0)
            {
                neverRecovered++;
                continue;
            }

            outages.Add(Stopwatch.GetElapsedTime(Math.Max(since, first), success).TotalMilliseconds);
            lastRecovery = Math.Max(lastRecovery, Stopwatch.GetElapsedTime(since, success).TotalSeconds);
        }

        outages.Sort();
        return new OutageSummary(
            outages.Count + neverRecovered,
            neverRecovered,
            outages.Count == 0 ? 0 : Math.Round(NearestRank(outages, 50), 1),
            outages.Count == 0 ? 0 : Math.Round(NearestRank(outages, 99), 1),
            outages.Count == 0 ? 0 : Math.Round(outages[^1], 1),
            Math.Round(lastRecovery, 2));
    }

    /// <summary>The status as the gRPC specification spells it: UNAVAILABLE, DEADLINE_EXCEEDED.</summary>
    public static string StatusName(Grpc.Core.StatusCode status) =>
        string.Concat(status.ToString().Select((c, i) => i > 0 && char.IsUpper(c) ? "_" + c : c.ToString())).ToUpperInvariant();

    private static double NearestRank(List<double> sorted, double percentile) =>
        sorted[Math.Clamp((int)Math.Ceiling(percentile / 100 * sorted.Count) - 1, 0, sorted.Count - 1)];

    private sealed class Trace(long firstAttempt)
    {
        public long FirstAttempt { get; } = firstAttempt;

        public long FirstFailure { get; set; }

        public long LastFailure { get; set; }

        public long Success { get; set; }
    }
}

/// <summary>
/// Keys that failed after a kill: how many, how many never got a definite answer, the outage per key (p50, p99, max, ms)
/// and when the last one recovered (seconds after the kill).
/// </summary>
public sealed record OutageSummary(int AffectedKeys, int NeverRecovered, double P50Ms, double P99Ms, double MaxMs, double LastRecoverySeconds);
