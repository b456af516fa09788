using OrderGrains.Abstractions;
using OrderGrains.ReadModel;

namespace OrderGrains.Host;

/// <summary>
/// The review queue as both front ends ask for it (<c>GET /admin/review-queue</c> and <c>ordergrains.v1.Review</c>):
/// the filters, already parsed from each front end's own form, become one <see cref="ReviewQueueQuery"/>, and a page
/// with its counts is read from the read model only (never a grain). Each front end names its own fields in errors.
/// </summary>
public static class ReviewQueueReader
{
    /// <summary>Orders per page when none is asked for.</summary>
    public const int DefaultPageSize = Admin.AdminReadModelEndpoints.DefaultPageSize;

    /// <summary>The most orders one page may ask for.</summary>
    public const int MaxPageSize = Admin.AdminReadModelEndpoints.MaxPageSize;

    /// <summary>The oldest minimum age accepted (ten years), so that now minus it stays a valid time.</summary>
    public static readonly TimeSpan MaxAge = TimeSpan.FromDays(3_650);

    /// <summary>
    /// The query for the filters: orders held at or before the earlier of <paramref name="heldBefore"/> and
    /// <paramref name="now"/> less <paramref name="minAge"/>; with <paramref name="decider"/>, only steps it may approve
    /// now (its roles qualify for the next step, and it approved no earlier one).
    /// </summary>
    public static ReviewQueueQuery Query(
        DateTimeOffset now,
        HoldReason? holdReason,
        TimeSpan? minAge,
        DateTimeOffset? heldBefore,
        string? nextRole,
        string? channel,
        HoldApproval? decider,
        int pageSize,
        ReviewCursor? after)
    {
        DateTimeOffset? before = minAge is { } age ? now - age : null;
        if (heldBefore is { } limit && (before is null || limit < before))
        {
            before = limit;
        }

        return new ReviewQueueQuery(
            holdReason,
            before,
            nextRole,
            channel,
            decider is null ? null : [.. ReviewRoles.StepRoles.Where(r => ReviewRoles.Qualifies(r, decider.Roles))],
            decider?.Approver,
            pageSize,
            after);
    }

    /// <summary>One page and the counts under the same filters, as of <paramref name="now"/>.</summary>
    public static async Task<ReviewQueueResult> ReadAsync(IOrderReadStore store, ReviewQueueQuery query, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        var page = await store.ReviewQueueAsync(query, cancellationToken);
        var counts = await store.ReviewCountsAsync(query, now, cancellationToken);
        return new ReviewQueueResult(now, page.Orders, page.Next, counts);
    }

    /// <summary>A step role ("reviewer", "supervisor", "finance", any letter case) or null for none; anything else names <paramref name="field"/>.</summary>
    public static string? ParseStepRole(string? value, string field)
    {
        if (string.IsNullOrEmpty(value))
        {
            return null;
        }

        return ReviewRoles.StepRoles.FirstOrDefault(r => string.Equals(r, value, StringComparison.OrdinalIgnoreCase))
            ?? throw new DomainValidationException(field, $"'{value}' is not one of {string.Join(", ", ReviewRoles.StepRoles)}");
    }

    /// <summary>The cursor a previous page gave, or null for the first page; anything else names <paramref name="field"/>.</summary>
    public static ReviewCursor? ParseCursor(string? text, string field, string nextField)
    {
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }

        return ReviewCursor.TryDecode(text, out var cursor) && cursor is not null
            ? cursor
            : throw new DomainValidationException(field, $"is not a cursor of the review queue (use {nextField} of the previous page)");
    }
}

/// <summary>
/// A page of the review queue as of <see cref="AsOf"/>, and the held orders under the query's channel, role and caller
/// filters per reason and age bucket (<see cref="ByReason"/>), with their sums.
/// </summary>
public sealed record ReviewQueueResult(DateTimeOffset AsOf, IReadOnlyList<OrderRow> Orders, ReviewCursor? Next, IReadOnlyList<ReviewReasonCounts> ByReason)
{
    public long Total => ByReason.Sum(c => c.Total);

    public long Under1h => ByReason.Sum(c => c.Under1h);

    public long From1hTo4h => ByReason.Sum(c => c.From1hTo4h);

    public long From4hTo24h => ByReason.Sum(c => c.From4hTo24h);

    public long Over24h => ByReason.Sum(c => c.Over24h);
}
