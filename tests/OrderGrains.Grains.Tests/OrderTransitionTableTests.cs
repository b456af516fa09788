using OrderGrains.Abstractions;

namespace OrderGrains.Grains.Tests;

public sealed class OrderTransitionTableTests
{
    private static readonly HashSet<(OrderStatus, OrderTrigger, OrderStatus)> Expected =
    [
        (OrderStatus.Unspecified, OrderTrigger.Accept, OrderStatus.PendingPayment),
        (OrderStatus.Unspecified, OrderTrigger.HoldForCredit, OrderStatus.OnHold),
        (OrderStatus.Unspecified, OrderTrigger.Reject, OrderStatus.Rejected),
        (OrderStatus.OnHold, OrderTrigger.ApproveHold, OrderStatus.PendingPayment),
        (OrderStatus.OnHold, OrderTrigger.Cancel, OrderStatus.Cancelled),
        (OrderStatus.PendingPayment, OrderTrigger.ConfirmPayment, OrderStatus.Paid),
        (OrderStatus.PendingPayment, OrderTrigger.Cancel, OrderStatus.Cancelled),
        (OrderStatus.PendingPayment, OrderTrigger.ExpireReservation, OrderStatus.Cancelled),
        (OrderStatus.Paid, OrderTrigger.Cancel, OrderStatus.Cancelled),
        (OrderStatus.Unspecified, OrderTrigger.HoldForReview, OrderStatus.OnHold),
        (OrderStatus.OnHold, OrderTrigger.RecordApproval, OrderStatus.OnHold),
        (OrderStatus.OnHold, OrderTrigger.RejectHold, OrderStatus.Cancelled),
        (OrderStatus.OnHold, OrderTrigger.ExpireHold, OrderStatus.Cancelled),
        (OrderStatus.Paid, OrderTrigger.Release, OrderStatus.Released),
        (OrderStatus.Released, OrderTrigger.ShipPartially, OrderStatus.PartiallyShipped),
        (OrderStatus.Released, OrderTrigger.ShipCompletely, OrderStatus.Shipped),
        (OrderStatus.PartiallyShipped, OrderTrigger.ShipPartially, OrderStatus.PartiallyShipped),
        (OrderStatus.PartiallyShipped, OrderTrigger.ShipCompletely, OrderStatus.Shipped),
        (OrderStatus.PartiallyShipped, OrderTrigger.DeliverPartially, OrderStatus.PartiallyShipped),
        (OrderStatus.Shipped, OrderTrigger.DeliverPartially, OrderStatus.Shipped),
        (OrderStatus.Shipped, OrderTrigger.DeliverCompletely, OrderStatus.Delivered),
        (OrderStatus.Delivered, OrderTrigger.Complete, OrderStatus.Completed),
        (OrderStatus.Delivered, OrderTrigger.RequestReturn, OrderStatus.ReturnRequested),
        (OrderStatus.Completed, OrderTrigger.RequestReturn, OrderStatus.ReturnRequested),
        (OrderStatus.PartiallyReturned, OrderTrigger.RequestReturn, OrderStatus.ReturnRequested),
        (OrderStatus.ReturnRequested, OrderTrigger.ReceiveReturnPartially, OrderStatus.PartiallyReturned),
        (OrderStatus.ReturnRequested, OrderTrigger.ReceiveReturnCompletely, OrderStatus.Returned),
        (OrderStatus.PendingPayment, OrderTrigger.Reallocate, OrderStatus.PendingPayment),
        (OrderStatus.OnHold, OrderTrigger.Reallocate, OrderStatus.OnHold),
        (OrderStatus.Paid, OrderTrigger.Reallocate, OrderStatus.Paid),
        (OrderStatus.Released, OrderTrigger.Reallocate, OrderStatus.Released),
        (OrderStatus.PartiallyShipped, OrderTrigger.Reallocate, OrderStatus.PartiallyShipped),
        (OrderStatus.PendingPayment, OrderTrigger.CancelBackorder, OrderStatus.PendingPayment),
        (OrderStatus.OnHold, OrderTrigger.CancelBackorder, OrderStatus.OnHold),
        (OrderStatus.Paid, OrderTrigger.CancelBackorder, OrderStatus.Paid),
        (OrderStatus.Released, OrderTrigger.CancelBackorder, OrderStatus.Released),
        (OrderStatus.PartiallyShipped, OrderTrigger.CancelBackorder, OrderStatus.PartiallyShipped),
        (OrderStatus.PartiallyShipped, OrderTrigger.CancelBackorderCompletingShipment, OrderStatus.Shipped),
        (OrderStatus.Released, OrderTrigger.CancelLastBackorder, OrderStatus.Cancelled),
        (OrderStatus.Unspecified, OrderTrigger.HoldForOverdue, OrderStatus.OnHold),
        (OrderStatus.Unspecified, OrderTrigger.HoldForPriceReview, OrderStatus.OnHold),
        (OrderStatus.PendingPayment, OrderTrigger.ReleaseOnTerms, OrderStatus.Released),
        (OrderStatus.Completed, OrderTrigger.ReceivePayment, OrderStatus.Completed),
        (OrderStatus.ReturnRequested, OrderTrigger.ReceivePayment, OrderStatus.ReturnRequested),
        (OrderStatus.PartiallyReturned, OrderTrigger.ReceivePayment, OrderStatus.PartiallyReturned),
        (OrderStatus.PartiallyShipped, OrderTrigger.RecordTracking, OrderStatus.PartiallyShipped),
        (OrderStatus.Shipped, OrderTrigger.RecordTracking, OrderStatus.Shipped),
        (OrderStatus.Delivered, OrderTrigger.RecordTracking, OrderStatus.Delivered),
        (OrderStatus.Completed, OrderTrigger.RecordTracking, OrderStatus.Completed),
        (OrderStatus.ReturnRequested, OrderTrigger.RecordTracking, OrderStatus.ReturnRequested),
        (OrderStatus.PartiallyReturned, OrderTrigger.RecordTracking, OrderStatus.PartiallyReturned),
        (OrderStatus.ReturnRequested, OrderTrigger.DecideReturn, OrderStatus.ReturnRequested),
        (OrderStatus.PartiallyReturned, OrderTrigger.DecideReturn, OrderStatus.PartiallyReturned),
        (OrderStatus.ReturnRequested, OrderTrigger.WithdrawReturn, OrderStatus.Completed),
        (OrderStatus.ReturnRequested, OrderTrigger.WithdrawReturnAfterReceipt, OrderStatus.PartiallyReturned),
        (OrderStatus.Completed, OrderTrigger.ExchangeProgress, OrderStatus.Completed),
        (OrderStatus.ReturnRequested, OrderTrigger.ExchangeProgress, OrderStatus.ReturnRequested),
        (OrderStatus.PartiallyReturned, OrderTrigger.ExchangeProgress, OrderStatus.PartiallyReturned),
        (OrderStatus.Returned, OrderTrigger.ExchangeProgress, OrderStatus.Returned),
    ];

    [Fact]
    public void Table_holds_exactly_the_legal_transitions()
    {
        Assert.Equal(Expected.OrderBy(t => t.ToString()), OrderTransitions.All.OrderBy(t => t.ToString()));
    }

    [Fact]
    public void Every_other_status_and_trigger_pair_is_illegal_and_names_both_states()
    {
        foreach (var from in Enum.GetValues<OrderStatus>())
        {
            foreach (var trigger in Enum.GetValues<OrderTrigger>().Where(t => t != OrderTrigger.Unspecified))
            {
                var legal = Expected.FirstOrDefault(t => t.Item1 == from && t.Item2 == trigger);
                if (legal != default)
                {
                    Assert.Equal(legal.Item3, OrderTransitions.Next("o", from, trigger));
                    continue;
                }

                var error = Assert.Throws<IllegalTransitionException>(() => OrderTransitions.Next("o", from, trigger));
                Assert.Equal(from, error.From);
                Assert.Equal(OrderTransitions.TargetOf(from, trigger), error.To);
                Assert.Contains(IllegalTransitionException.WireName(from), error.Message, StringComparison.Ordinal);
                Assert.Contains(IllegalTransitionException.WireName(error.To), error.Message, StringComparison.Ordinal);
            }
        }
    }
}
