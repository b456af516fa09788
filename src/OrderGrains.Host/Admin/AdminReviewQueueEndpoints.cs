using System.Globalization;
using OrderGrains.Abstractions;
using OrderGrains.ReadModel;

namespace OrderGrains.Host.Admin;

/// <summary>
/// The review queue (issue 13 §2): held orders by reason and age, oldest hold first, from the read model's table only
/// (never a grain), with the approval chain's progress and counts per reason and age bucket.
/// </summary>
internal static class AdminReviewQueueEndpoints
{
    public static RouteGroupBuilder MapReviewQueue(this RouteGroupBuilder admin)
    {
        admin.MapGet("/review-queue", QueueAsync).Produces<ReviewQueueView>().ProducesProblem(400)
            .WithSummary("ON_HOLD orders from the read model, oldest hold first (held since, then order id), filtered by holdReason, minAge (e.g. 30m, 4h, 2d), role (the role the next approval step needs), channel and mine=true (steps the caller may approve and has not approved a step of); limit 1-500 (50), cursor = nextCursor of the previous page; counts per hold reason and age bucket (<1h, 1-4h, 4-24h, >24h) under the channel, role and mine filters.");
        return admin;
    }

    private static async Task<IResult> QueueAsync(
        IOrderReadStore store,
        TimeProvider clock,
        HttpContext context,
        string? holdReason,
        string? minAge,
        string? role,
        string? channel,
        string? mine,
        string? limit,
        string? cursor)
    {
        var after = ReviewQueueReader.ParseCursor(cursor, "cursor", "nextCursor");
        var now = clock.GetUtcNow();
        var onlyMine = ParseFlag(mine, "mine");
        var query = ReviewQueueReader.Query(
            now,
            AdminReadModelEndpoints.ParseEnum<HoldReason>(holdReason, "holdReason"),
            ParseAge(minAge),
            heldBefore: null,
            ReviewQueueReader.ParseStepRole(role, "role"),
            AdminReadModelEndpoints.Filter(channel),
            onlyMine ? new HoldApproval(AdminEndpoints.ActorOf(context), context.Operator().RoleNames) : null,
            AdminReadModelEndpoints.ParseLimit(limit),
            after);
        var result = await ReviewQueueReader.ReadAsync(store, query, now, context.RequestAborted);
        return Results.Json(
            new ReviewQueueView(
                now,
                result.Total,
                new ReviewAgeView(result.Under1h, result.From1hTo4h, result.From4hTo24h, result.Over24h),
                [.. result.ByReason.Select(ReviewReasonView.Of)],
                [.. result.Orders.Select(o => ReviewItemView.Of(o, now))],
                result.Next?.Encode()),
            AdminEndpoints.Json);
    }

    // "30m", "4h", "2d" (a whole number and a unit) or a time span ("01:30:00").
    internal static TimeSpan? ParseAge(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return null;
        }

        var unit = value[^1] switch
        {
            'm' => TimeSpan.FromMinutes(1),
            'h' => TimeSpan.FromHours(1),
            'd' => TimeSpan.FromDays(1),
            _ => TimeSpan.Zero,
        };
        if (unit != TimeSpan.Zero && int.TryParse(value.AsSpan(0, value.Length - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var count) && count <= 3_650)
        {
            return unit * count;
        }

        if (unit == TimeSpan.Zero && TimeSpan.TryParseExact(value, "c", CultureInfo.InvariantCulture, out var span) && span >= TimeSpan.Zero)
        {
            return span;
        }

        throw new DomainValidationException("minAge", $"'{value}' is not an age (a whole number with m, h or d, e.g. 4h; or hh:mm:ss)");
    }

    private static bool ParseFlag(string? value, string parameter) => value switch
    {
        null or "" or "false" => false,
        "true" => true,
        _ => throw new DomainValidationException(parameter, $"'{value}' is not true or false"),
    };
}

/// <summary>
/// The review queue as of <see cref="AsOf"/>: how many orders are held under the channel, role and mine filters (in
/// total, per age bucket and per reason), and one page of them, oldest hold first.
/// </summary>
public sealed record ReviewQueueView(
    DateTimeOffset AsOf,
    long Total,
    ReviewAgeView ByAge,
    IReadOnlyList<ReviewReasonView> ByReason,
    IReadOnlyList<ReviewItemView> Items,
    string? NextCursor);

/// <summary>Held orders per age bucket; a bucket includes its lower bound (exactly 1 h old counts as 1-4 h).</summary>
public sealed record ReviewAgeView(long Under1h, long From1hTo4h, long From4hTo24h, long Over24h);

/// <summary>Held orders of one reason, per age bucket, and since when the oldest is held.</summary>
public sealed record ReviewReasonView(HoldReason Reason, long Total, ReviewAgeView ByAge, DateTimeOffset? OldestHeldSince)
{
    public static ReviewReasonView Of(ReviewReasonCounts c) =>
        new(c.Reason, c.Total, new ReviewAgeView(c.Under1h, c.From1hTo4h, c.From4hTo24h, c.Over24h), c.OldestHeldSince);
}

/// <summary>
/// One held order in the queue: who and what, why it is held, since when and how long (seconds), and its approval
/// chain: the role of each step, who approved the steps done, and the role the next step needs (null with steps
/// unknown, for an order held before the read model carried its chain).
/// </summary>
public sealed record ReviewItemView(
    string OrderId,
    string Channel,
    string CustomerId,
    string Currency,
    long TotalMinor,
    HoldReason HoldReason,
    string? HoldDetails,
    DateTimeOffset HeldSince,
    long AgeSeconds,
    int StepsDone,
    int StepsRequired,
    string? NextRole,
    IReadOnlyList<string> ApprovalSteps,
    IReadOnlyList<string> Approvers,
    DateTimeOffset CreatedAt,
    long Version)
{
    public static ReviewItemView Of(OrderRow row, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(row);
        var hold = row.Hold ?? new HoldRow(row.CreatedAt, null, [], []);
        return new(
            row.OrderId,
            row.Channel,
            row.CustomerId,
            row.Currency,
            row.TotalMinor,
            row.HoldReason,
            hold.Details,
            hold.HeldSince,
            (long)Math.Max(0, (now - hold.HeldSince).TotalSeconds),
            hold.StepsDone,
            hold.StepsRequired,
            hold.NextRole,
            hold.Steps,
            hold.Approvers,
            row.CreatedAt,
            row.Version);
    }
}
