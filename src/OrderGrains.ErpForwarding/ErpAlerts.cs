using System.Globalization;
using OrderGrains.Abstractions;

namespace OrderGrains.ErpForwarding;

/// <summary>An operator should look: <see cref="Kind"/> is <c>erp_lag</c>, <c>erp_blocked</c> or <c>erp_dead_letters</c>.</summary>
public sealed record ErpAlert(string Kind, int? Partition, string Message);

/// <summary>Derives the ERP alerts from the partitions' figures; the admin API and the dashboard show them.</summary>
public static class ErpAlerts
{
    public const string Lag = "erp_lag";
    public const string Blocked = "erp_blocked";
    public const string DeadLetters = "erp_dead_letters";

    /// <summary>
    /// One alert per partition whose oldest unposted event is older than <paramref name="lagThreshold"/>, one per
    /// partition the ERP refuses as a caller, and one when any dead letter waits.
    /// </summary>
    public static IReadOnlyList<ErpAlert> Evaluate(IEnumerable<ErpForwarderStats> partitions, TimeSpan lagThreshold)
    {
        ArgumentNullException.ThrowIfNull(partitions);
        var alerts = new List<ErpAlert>();
        var deadLetters = 0L;
        var parked = 0L;
        foreach (var p in partitions.OrderBy(p => p.Partition))
        {
            deadLetters += p.DeadLettered;
            parked += p.Parked;
            if (p.Status == ErpForwarderStatus.Blocked)
            {
                alerts.Add(new ErpAlert(Blocked, p.Partition, Invariant($"Partition {p.Partition}: the ERP refuses this OMS as a caller ({p.LastError}); fix the ERP API key or permissions. Nothing is dead-lettered meanwhile.")));
            }

            if (p.Lag > lagThreshold)
            {
                var why = p.Status == ErpForwarderStatus.Posting ? "posting" : Invariant($"waiting for the ERP after {p.ConsecutiveFailures} failed posts: {p.LastError}");
                alerts.Add(new ErpAlert(Lag, p.Partition, Invariant($"Partition {p.Partition}: the oldest of {p.Backlog} unposted events is {Math.Round(p.Lag.TotalSeconds)} s old (threshold {lagThreshold.TotalSeconds} s); {why}.")));
            }
        }

        if (deadLetters > 0)
        {
            alerts.Add(new ErpAlert(DeadLetters, null, Invariant($"{deadLetters} document(s) refused by the ERP wait in the dead-letter list ({parked} later document(s) of their orders parked behind them); fix the cause and retry them.")));
        }

        return alerts;
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
