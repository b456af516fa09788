using OrderGrains.Abstractions;

namespace OrderGrains.Grains;

/// <summary>
/// Ages open invoices: an invoice is overdue from the first instant after its due time, and every started day past due
/// counts (due at 10:00, looked at 10:01 the same day: 1 day overdue).
/// </summary>
public static class ReceivableAgeing
{
    /// <summary>Whole days past due, rounded up; 0 while not yet due.</summary>
    public static int DaysOverdue(DateTimeOffset dueAt, DateTimeOffset now) =>
        now <= dueAt ? 0 : (int)Math.Min(int.MaxValue, Math.Ceiling((now - dueAt).TotalDays));

    /// <summary>The bucket of an invoice <paramref name="daysOverdue"/> days past due.</summary>
    public static AgeingBucket BucketOf(int daysOverdue) => daysOverdue switch
    {
        <= 0 => AgeingBucket.Current,
        <= 30 => AgeingBucket.Overdue1To30,
        <= 60 => AgeingBucket.Overdue31To60,
        _ => AgeingBucket.OverdueOver60,
    };

    /// <summary>Each open invoice with its age (oldest due first) and the totals per currency and bucket.</summary>
    public static (IReadOnlyList<OpenReceivable> Receivables, IReadOnlyList<AgeingTotals> Totals) Age(
        IEnumerable<KeyValuePair<string, Receivable>> receivables, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(receivables);
        var open = receivables
            .Where(r => r.Value.OpenMinor > 0)
            .Select(r =>
            {
                var days = DaysOverdue(r.Value.DueAt, now);
                return new OpenReceivable(r.Key, r.Value.Currency, r.Value.InvoicedMinor, r.Value.OpenMinor, r.Value.InvoicedAt, r.Value.DueAt, days, BucketOf(days));
            })
            .OrderBy(r => r.DueAt)
            .ThenBy(r => r.OrderId, StringComparer.Ordinal)
            .ToList();
        var totals = open
            .GroupBy(r => r.Currency, StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => new AgeingTotals(
                g.Key,
                Sum(g, AgeingBucket.Current),
                Sum(g, AgeingBucket.Overdue1To30),
                Sum(g, AgeingBucket.Overdue31To60),
                Sum(g, AgeingBucket.OverdueOver60),
                g.Sum(r => r.OpenMinor)))
            .ToList();
        return (open, totals);

        static long Sum(IEnumerable<OpenReceivable> group, AgeingBucket bucket) => group.Where(r => r.Bucket == bucket).Sum(r => r.OpenMinor);
    }
}
