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
            [(OrderStatus.Unspecified, OrderTrigger.HoldForReview)] = OrderStatus.OnHold,
            [(OrderStatus.OnHold, OrderTrigger.RecordApproval)] = OrderStatus.OnHold,
            [(OrderStatus.OnHold, OrderTrigger.RejectHold)] = OrderStatus.Cancelled,
            [(OrderStatus.OnHold, OrderTrigger.ExpireHold)] = OrderStatus.Cancelled,
            [(OrderStatus.Paid, OrderTrigger.Release)] = OrderStatus.Released,
            [(OrderStatus.Released, OrderTrigger.ShipPartially)] = OrderStatus.PartiallyShipped,
            [(OrderStatus.Released, OrderTrigger.ShipCompletely)] = OrderStatus.Shipped,
            [(OrderStatus.PartiallyShipped, OrderTrigger.ShipPartially)] = OrderStatus.PartiallyShipped,
            [(OrderStatus.PartiallyShipped, OrderTrigger.ShipCompletely)] = OrderStatus.Shipped,
            [(OrderStatus.PartiallyShipped, OrderTrigger.DeliverPartially)] = OrderStatus.PartiallyShipped,
            [(OrderStatus.Shipped, OrderTrigger.DeliverPartially)] = OrderStatus.Shipped,
            [(OrderStatus.Shipped, OrderTrigger.DeliverCompletely)] = OrderStatus.Delivered,
            [(OrderStatus.Delivered, OrderTrigger.Complete)] = OrderStatus.Completed,
            [(OrderStatus.Delivered, OrderTrigger.RequestReturn)] = OrderStatus.ReturnRequested,
            [(OrderStatus.Completed, OrderTrigger.RequestReturn)] = OrderStatus.ReturnRequested,
            [(OrderStatus.PartiallyReturned, OrderTrigger.RequestReturn)] = OrderStatus.ReturnRequested,
            [(OrderStatus.ReturnRequested, OrderTrigger.ReceiveReturnPartially)] = OrderStatus.PartiallyReturned,
            [(OrderStatus.ReturnRequested, OrderTrigger.ReceiveReturnCompletely)] = OrderStatus.Returned,
            [(OrderStatus.PendingPayment, OrderTrigger.Reallocate)] = OrderStatus.PendingPayment,
            [(OrderStatus.OnHold, OrderTrigger.Reallocate)] = OrderStatus.OnHold,
            [(OrderStatus.Paid, OrderTrigger.Reallocate)] = OrderStatus.Paid,
            [(OrderStatus.Released, OrderTrigger.Reallocate)] = OrderStatus.Released,
            [(OrderStatus.PartiallyShipped, OrderTrigger.Reallocate)] = OrderStatus.PartiallyShipped,
            [(OrderStatus.PendingPayment, OrderTrigger.CancelBackorder)] = OrderStatus.PendingPayment,
            [(OrderStatus.OnHold, OrderTrigger.CancelBackorder)] = OrderStatus.OnHold,
            [(OrderStatus.Paid, OrderTrigger.CancelBackorder)] = OrderStatus.Paid,
            [(OrderStatus.Released, OrderTrigger.CancelBackorder)] = OrderStatus.Released,
            [(OrderStatus.PartiallyShipped, OrderTrigger.CancelBackorder)] = OrderStatus.PartiallyShipped,
            [(OrderStatus.PartiallyShipped, OrderTrigger.CancelBackorderCompletingShipment)] = OrderStatus.Shipped,
            [(OrderStatus.Released, OrderTrigger.CancelLastBackorder)] = OrderStatus.Cancelled,
            [(OrderStatus.Unspecified, OrderTrigger.HoldForOverdue)] = OrderStatus.OnHold,
            [(OrderStatus.Unspecified, OrderTrigger.HoldForPriceReview)] = OrderStatus.OnHold,
            [(OrderStatus.PendingPayment, OrderTrigger.ReleaseOnTerms)] = OrderStatus.Released,
            [(OrderStatus.Completed, OrderTrigger.ReceivePayment)] = OrderStatus.Completed,
            [(OrderStatus.ReturnRequested, OrderTrigger.ReceivePayment)] = OrderStatus.ReturnRequested,
            [(OrderStatus.PartiallyReturned, OrderTrigger.ReceivePayment)] = OrderStatus.PartiallyReturned,
            [(OrderStatus.PartiallyShipped, OrderTrigger.RecordTracking)] = OrderStatus.PartiallyShipped,
            [(OrderStatus.Shipped, OrderTrigger.RecordTracking)] = OrderStatus.Shipped,
            [(OrderStatus.Delivered, OrderTrigger.RecordTracking)] = OrderStatus.Delivered,
            [(OrderStatus.Completed, OrderTrigger.RecordTracking)] = OrderStatus.Completed,
            [(OrderStatus.ReturnRequested, OrderTrigger.RecordTracking)] = OrderStatus.ReturnRequested,
            [(OrderStatus.PartiallyReturned, OrderTrigger.RecordTracking)] = OrderStatus.PartiallyReturned,
            [(OrderStatus.ReturnRequested, OrderTrigger.DecideReturn)] = OrderStatus.ReturnRequested,
            [(OrderStatus.PartiallyReturned, OrderTrigger.DecideReturn)] = OrderStatus.PartiallyReturned,
            [(OrderStatus.ReturnRequested, OrderTrigger.WithdrawReturn)] = OrderStatus.Completed,
            [(OrderStatus.ReturnRequested, OrderTrigger.WithdrawReturnAfterReceipt)] = OrderStatus.PartiallyReturned,
            [(OrderStatus.Completed, OrderTrigger.ExchangeProgress)] = OrderStatus.Completed,
            [(OrderStatus.ReturnRequested, OrderTrigger.ExchangeProgress)] = OrderStatus.ReturnRequested,
            [(OrderStatus.PartiallyReturned, OrderTrigger.ExchangeProgress)] = OrderStatus.PartiallyReturned,
            [(OrderStatus.Returned, OrderTrigger.ExchangeProgress)] = OrderStatus.Returned,
        }.ToFrozenDictionary();

    /// <summary>Every legal transition.</summary>
    public static IEnumerable<(OrderStatus From, OrderTrigger Trigger, OrderStatus To)> All =>
        _table.Select(entry => (entry.Key.From, entry.Key.Trigger, entry.Value));

    /// <summary>
    /// The status <paramref name="trigger"/> leads to where it is legal (for messages about illegal ones); triggers
    /// that keep the status lead to <paramref name="from"/>.
    /// </summary>
    public static OrderStatus TargetOf(OrderStatus from, OrderTrigger trigger) => trigger switch
    {
        OrderTrigger.Accept or OrderTrigger.ApproveHold => OrderStatus.PendingPayment,
        OrderTrigger.HoldForCredit or OrderTrigger.HoldForReview or OrderTrigger.RecordApproval or OrderTrigger.HoldForOverdue
            or OrderTrigger.HoldForPriceReview => OrderStatus.OnHold,
        OrderTrigger.Reject => OrderStatus.Rejected,
        OrderTrigger.ConfirmPayment => OrderStatus.Paid,
        OrderTrigger.Cancel or OrderTrigger.ExpireReservation or OrderTrigger.RejectHold or OrderTrigger.ExpireHold
            or OrderTrigger.CancelLastBackorder => OrderStatus.Cancelled,
        OrderTrigger.Release or OrderTrigger.ReleaseOnTerms => OrderStatus.Released,
        OrderTrigger.ShipPartially => OrderStatus.PartiallyShipped,
        OrderTrigger.ShipCompletely or OrderTrigger.CancelBackorderCompletingShipment => OrderStatus.Shipped,
        OrderTrigger.DeliverCompletely => OrderStatus.Delivered,
        OrderTrigger.Complete => OrderStatus.Completed,
        OrderTrigger.RequestReturn => OrderStatus.ReturnRequested,
        OrderTrigger.ReceiveReturnPartially or OrderTrigger.WithdrawReturnAfterReceipt => OrderStatus.PartiallyReturned,
        OrderTrigger.WithdrawReturn => OrderStatus.Completed,
        OrderTrigger.ReceiveReturnCompletely => OrderStatus.Returned,
        OrderTrigger.DeliverPartially or OrderTrigger.Reallocate or OrderTrigger.CancelBackorder or OrderTrigger.ReceivePayment
            or OrderTrigger.RecordTracking or OrderTrigger.DecideReturn or OrderTrigger.ExchangeProgress => from,
        _ => OrderStatus.Unspecified,
    };

    /// <summary>Whether <paramref name="trigger"/> is legal in <paramref name="from"/>.</summary>
    public static bool IsAllowed(OrderStatus from, OrderTrigger trigger) => _table.ContainsKey((from, trigger));

    /// <summary>The next status, or <see cref="IllegalTransitionException"/> naming both states.</summary>
    public static OrderStatus Next(string orderId, OrderStatus from, OrderTrigger trigger) =>
        _table.TryGetValue((from, trigger), out var to)
            ? to
            : throw new IllegalTransitionException(orderId, from, TargetOf(from, trigger), trigger);
}
