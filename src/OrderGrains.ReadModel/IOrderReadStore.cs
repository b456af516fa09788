using OrderGrains.Abstractions;

namespace OrderGrains.ReadModel;

/// <summary>
/// The read model's table (<c>order_read</c>, with the SKUs of each order in <c>order_read_skus</c>) in the same database
/// as grain state. Writes are idempotent upserts: a row applies only over a lower stored version, so redelivered or
/// replayed events never move an order back.
/// </summary>
public interface IOrderReadStore
{
    /// <summary>Creates the tables if missing; true when the orders table did not exist (new, or dropped): the stream must be replayed.</summary>
    Task<bool> EnsureCreatedAsync(CancellationToken cancellationToken);

    /// <summary>Upserts the rows in one transaction, each only where its version is above the stored one.</summary>
    /// <exception cref="ReadModelTableMissingException">The table was dropped under the projection.</exception>
    Task ApplyAsync(IReadOnlyList<OrderRow> rows, CancellationToken cancellationToken);

    /// <summary>One page of orders matching <paramref name="query"/>, newest created first (then order id, descending).</summary>
    Task<OrderPage> SearchAsync(OrderQuery query, CancellationToken cancellationToken);

    /// <summary>How many orders there are per status and per channel, optionally within a created-at range.</summary>
    Task<OrderCounts> CountAsync(DateTimeOffset? createdFrom, DateTimeOffset? createdTo, CancellationToken cancellationToken);

    /// <summary>Figures per channel, UTC day of creation and currency, for orders created in [from, to).</summary>
    Task<IReadOnlyList<ChannelDayFigures>> ChannelFiguresAsync(DateTimeOffset from, DateTimeOffset to, string? channel, CancellationToken cancellationToken);

    /// <summary>One page of the review queue: ON_HOLD orders matching <paramref name="query"/>, oldest hold first (then order id).</summary>
    Task<ReviewQueuePage> ReviewQueueAsync(ReviewQueueQuery query, CancellationToken cancellationToken);

    /// <summary>
    /// Held orders per hold reason and age bucket as of <paramref name="now"/>, under the filter's channel, next role and
    /// caller (not its reason or minimum age, so the counts show what each of those would give).
    /// </summary>
    Task<IReadOnlyList<ReviewReasonCounts>> ReviewCountsAsync(ReviewQueueQuery filter, DateTimeOffset now, CancellationToken cancellationToken);
}

/// <summary>
/// A look at the review queue; null filters match everything. <see cref="HeldBefore"/> keeps orders held at or before
/// it (now minus a minimum age). <see cref="QualifyingRoles"/> keeps orders whose next step needs one of them and
/// <see cref="NotApprovedBy"/> drops those that approver already approved a step of (one person approves one step).
/// </summary>
public sealed record ReviewQueueQuery(
    HoldReason? HoldReason,
    DateTimeOffset? HeldBefore,
    string? NextRole,
    string? Channel,
    IReadOnlyList<string>? QualifyingRoles,
    string? NotApprovedBy,
    int Limit,
    ReviewCursor? After);

/// <summary>A page of the review queue; <see cref="Next"/> is null on the last page.</summary>
public sealed record ReviewQueuePage(IReadOnlyList<OrderRow> Orders, ReviewCursor? Next);

/// <summary>
/// Held orders of one reason: how many, how many per age bucket (under 1 h, 1 to 4 h, 4 to 24 h, over 24 h; a bucket
/// includes its lower bound), and since when the oldest is held.
/// </summary>
public sealed record ReviewReasonCounts(HoldReason Reason, long Total, long Under1h, long From1hTo4h, long From4hTo24h, long Over24h, DateTimeOffset? OldestHeldSince);

/// <summary>
/// A search of the read model; null filters match everything. <see cref="After"/> is the position after the last row of
/// the previous page (see <see cref="OrderCursor"/>).
/// </summary>
public sealed record OrderQuery(
    OrderStatus? Status,
    string? Channel,
    string? CustomerId,
    string? Sku,
    DateTimeOffset? CreatedFrom,
    DateTimeOffset? CreatedTo,
    HoldReason? HoldReason,
    int Limit,
    OrderCursor? After);

/// <summary>A page of orders; <see cref="Next"/> is null on the last page.</summary>
public sealed record OrderPage(IReadOnlyList<OrderRow> Orders, OrderCursor? Next);

/// <summary>Orders per status and per channel.</summary>
public sealed record OrderCounts(long Total, IReadOnlyDictionary<OrderStatus, long> ByStatus, IReadOnlyDictionary<string, long> ByChannel);

/// <summary>
/// One channel's orders created on one UTC day in one currency. <see cref="Orders"/> counts accepted orders (not
/// rejected at intake); <see cref="Units"/> their units; <see cref="RevenueMinor"/> the total of those not cancelled;
/// <see cref="Cancelled"/> and <see cref="Returned"/> (any unit came back) count orders, so their rates are shares of
/// <see cref="Orders"/>.
/// </summary>
public sealed record ChannelDayFigures(
    DateOnly Day,
    string Channel,
    string Currency,
    long Orders,
    long Units,
    long RevenueMinor,
    long Cancelled,
    long Returned,
    long Rejected)
{
    /// <summary>Cancelled orders as a share of orders (0 with no orders).</summary>
    public decimal CancellationRate => Orders == 0 ? 0 : Math.Round((decimal)Cancelled / Orders, 4);

    /// <summary>Orders with returned units as a share of orders (0 with no orders).</summary>
    public decimal ReturnRate => Orders == 0 ? 0 : Math.Round((decimal)Returned / Orders, 4);
}

/// <summary>The read model's table is gone (dropped under a running projection): the projection recreates and replays it.</summary>
public sealed class ReadModelTableMissingException : Exception
{
    public ReadModelTableMissingException()
    {
    }

    public ReadModelTableMissingException(string message) : base(message)
    {
    }

    public ReadModelTableMissingException(string message, Exception innerException) : base(message, innerException)
    {
    }
}
