using System.Collections.Frozen;
using OrderGrains.Abstractions;

namespace OrderGrains.Grains;

/// <summary>
/// The order state machine in one place: (status, trigger) → next status. Anything not listed is illegal.
/// Later issues (release, shipping, returns) add rows here, never ifs elsewhere.
/// </summary>
public static class OrderTransitions
{
    private static readonly FrozenDictionary<(OrderStatus From, OrderTrigger Trigger), OrderStatus> _table =
        new Dictionary<(OrderStatus, OrderTrigger), OrderStatus>
        {
            [(OrderStatus.Unspecified, OrderTrigger.Accept)] = OrderStatus.PendingPayment,
            [(OrderStatus.Unspecified, OrderTrigger.HoldForCredit)] = OrderStatus.OnHold,
            [(OrderStatus.Unspecified, OrderTrigger.Reject)] = OrderStatus.Rejected,
            [(OrderStatus.OnHold, OrderTrigger.ApproveHold)] = OrderStatus.PendingPayment,
            [(OrderStatus.OnHold, OrderTrigger.Cancel)] = OrderStatus.Cancelled,
            [(OrderStatus.PendingPayment, OrderTrigger.ConfirmPayment)] = OrderStatus.Paid,
            [(OrderStatus.PendingPayment, OrderTrigger.Cancel)] = OrderStatus.Cancelled,
            [(OrderStatus.PendingPayment, OrderTrigger.ExpireReservation)] = OrderStatus.Cancelled,
            [(OrderStatus.Paid, OrderTrigger.Cancel)] = OrderStatus.Cancelled,
        }.ToFrozenDictionary();

    /// <summary>Every legal transition.</summary>
    public static IEnumerable<(OrderStatus From, OrderTrigger Trigger, OrderStatus To)> All =>
        _table.Select(entry => (entry.Key.From, entry.Key.Trigger, entry.Value));

    /// <summary>The status <paramref name="trigger"/> leads to where it is legal (for messages about illegal ones).</summary>
    public static OrderStatus TargetOf(OrderTrigger trigger) => trigger switch
    {
        OrderTrigger.Accept or OrderTrigger.ApproveHold => OrderStatus.PendingPayment,
        OrderTrigger.HoldForCredit => OrderStatus.OnHold,
        OrderTrigger.Reject => OrderStatus.Rejected,
        OrderTrigger.ConfirmPayment => OrderStatus.Paid,
        OrderTrigger.Cancel or OrderTrigger.ExpireReservation => OrderStatus.Cancelled,
        _ => OrderStatus.Unspecified,
    };

    /// <summary>Whether <paramref name="trigger"/> is legal in <paramref name="from"/>.</summary>
    public static bool IsAllowed(OrderStatus from, OrderTrigger trigger) => _table.ContainsKey((from, trigger));

    /// <summary>The next status, or <see cref="IllegalTransitionException"/> naming both states.</summary>
    public static OrderStatus Next(string orderId, OrderStatus from, OrderTrigger trigger) =>
        _table.TryGetValue((from, trigger), out var to)
            ? to
            : throw new IllegalTransitionException(orderId, from, TargetOf(trigger), trigger);
}
