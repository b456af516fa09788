using OrderGrains.Abstractions;

namespace OrderGrains.Grains;

/// <summary>
/// The RMA's own small state machine and the return window, without a silo. An RMA starts AWAITING_APPROVAL or
/// APPROVED (per channel, <see cref="ReturnPolicyOptions"/>); operators approve, reject or cancel it before its goods
/// arrive; only an approved RMA can be received.
/// </summary>
public static class RmaRules
{
    /// <summary>The actor of an RMA approved by the channel's policy rather than by a person.</summary>
    public const string PolicyActor = "policy";

    private static readonly Dictionary<(RmaStatus From, RmaDecision Decision), RmaStatus> Table = new()
    {
        [(RmaStatus.AwaitingApproval, RmaDecision.Approve)] = RmaStatus.Approved,
        [(RmaStatus.AwaitingApproval, RmaDecision.Reject)] = RmaStatus.Rejected,
        [(RmaStatus.AwaitingApproval, RmaDecision.Cancel)] = RmaStatus.Cancelled,
        [(RmaStatus.Approved, RmaDecision.Cancel)] = RmaStatus.Cancelled,

        // The same decision again changes nothing (an operator's double click, a retried request).
        [(RmaStatus.Approved, RmaDecision.Approve)] = RmaStatus.Approved,
        [(RmaStatus.Rejected, RmaDecision.Reject)] = RmaStatus.Rejected,
        [(RmaStatus.Cancelled, RmaDecision.Cancel)] = RmaStatus.Cancelled,
    };

    /// <summary>The RMA's status; state written before RMAs had one reads as approved, or received once its goods arrived.</summary>
    public static RmaStatus StatusOf(ReturnRecord rma) => rma switch
    {
        { ReceivedAt: not null } => RmaStatus.Received,
        { Status: RmaStatus.Unspecified } => RmaStatus.Approved,
        _ => rma.Status,
    };

    /// <summary>Whether the RMA still waits for a decision or its goods.</summary>
    public static bool IsOpen(ReturnRecord rma) => StatusOf(rma) is RmaStatus.AwaitingApproval or RmaStatus.Approved;

    /// <summary>Whether the RMA's units count as returned or on their way back (a rejected or cancelled one frees them).</summary>
    public static bool HoldsUnits(ReturnRecord rma) => StatusOf(rma) is not (RmaStatus.Rejected or RmaStatus.Cancelled);

    /// <summary>The status <paramref name="decision"/> leads to, or a <see cref="RuleViolationException"/> naming both.</summary>
    public static RmaStatus Next(string orderId, ReturnRecord rma, RmaDecision decision)
    {
        var from = StatusOf(rma);
        return Table.TryGetValue((from, decision), out var to)
            ? to
            : throw new RuleViolationException($"order '{orderId}' {rma.RmaId}", $"an RMA in status {WireName(from)} cannot be {Past(decision)}");
    }

    /// <summary>Refuses the receipt of goods for an RMA that is not approved.</summary>
    public static void EnsureReceivable(string orderId, ReturnRecord rma)
    {
        var status = StatusOf(rma);
        if (status != RmaStatus.Approved)
        {
            throw new RuleViolationException($"order '{orderId}' {rma.RmaId}", $"goods can be received only for an RMA in status RMA_APPROVED, not {WireName(status)}");
        }
    }

    /// <summary>
    /// When the return window of an order delivered at <paramref name="deliveredAt"/> closes; a request after that is
    /// refused naming the window (see <see cref="EnsureWithinWindow"/>).
    /// </summary>
    public static DateTimeOffset WindowClosesAt(DateTimeOffset deliveredAt, int windowDays) => deliveredAt.AddDays(windowDays);

    /// <summary>Refuses a return request after the channel's window; the message names the window, the delivery and the close.</summary>
    public static void EnsureWithinWindow(string orderId, string channel, DateTimeOffset deliveredAt, int windowDays, DateTimeOffset now)
    {
        var closes = WindowClosesAt(deliveredAt, windowDays);
        if (now > closes)
        {
            throw new RuleViolationException(
                $"order '{orderId}'",
                $"the return window of channel '{channel}' ({windowDays} days after delivery) closed at {closes:yyyy-MM-dd'T'HH:mm:ss'Z'}; the order was delivered at {deliveredAt:yyyy-MM-dd'T'HH:mm:ss'Z'}");
        }
    }

    /// <summary>The proto enum name of a status ("RMA_APPROVED").</summary>
    public static string WireName(RmaStatus status) => status switch
    {
        RmaStatus.AwaitingApproval => "RMA_AWAITING_APPROVAL",
        RmaStatus.Approved => "RMA_APPROVED",
        RmaStatus.Rejected => "RMA_REJECTED",
        RmaStatus.Cancelled => "RMA_CANCELLED",
        RmaStatus.Received => "RMA_RECEIVED",
        _ => "RETURN_AUTHORIZATION_STATUS_UNSPECIFIED",
    };

    /// <summary>The history event of a decision.</summary>
    public static string EventName(RmaDecision decision) => decision switch
    {
        RmaDecision.Approve => "return_approved",
        RmaDecision.Reject => "return_rejected",
        _ => "return_cancelled",
    };

    private static string Past(RmaDecision decision) => decision switch
    {
        RmaDecision.Approve => "approved",
        RmaDecision.Reject => "rejected",
        _ => "cancelled",
    };
}
