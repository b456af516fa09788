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
                Assert.Equal(OrderTransitions.TargetOf(trigger), error.To);
                Assert.Contains(IllegalTransitionException.WireName(from), error.Message, StringComparison.Ordinal);
                Assert.Contains(IllegalTransitionException.WireName(error.To), error.Message, StringComparison.Ordinal);
            }
        }
    }
}
