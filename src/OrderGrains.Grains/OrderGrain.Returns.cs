using OrderGrains.Abstractions;

namespace OrderGrains.Grains;

/// <summary>The returns policy of an order: window, reason codes, operators' RMA decisions (rules in <see cref="RmaRules"/>).</summary>
public sealed partial class OrderGrain : IOrderReturnsGrain
{
    private ReturnRules ReturnRules => returnPolicy.Value.For(Order.Channel);

    /// <summary>Approves, rejects or cancels an RMA before its goods arrive; the last open RMA withdrawn restores the order's status.</summary>
    public async Task<OrderSnapshot> DecideReturnAsync(RmaDecisionCommand command)
    {
        if (command is null)
        {
            throw new DomainValidationException("request", "is required");
        }

        Require(command.RmaId, "rma_id");
        Require(command.Actor, "actor");
        if (command.Decision == RmaDecision.Unspecified || !Enum.IsDefined(command.Decision))
        {
            throw new DomainValidationException("decision", "must be Approve, Reject or Cancel");
        }

        await EnsurePlacedAsync();
        var index = Order.Returns.FindIndex(r => string.Equals(r.RmaId, command.RmaId, StringComparison.Ordinal));
        if (index < 0)
        {
            throw new NotFoundException("rma", command.RmaId);
        }

        var rma = Order.Returns[index];
        var from = RmaRules.StatusOf(rma);
        var to = RmaRules.Next(OrderId, rma, command.Decision);
        if (to == from)
        {
            return _published!;
        }

        var trigger = OrderTrigger.DecideReturn;
        var othersOpen = Order.Returns.Where((_, i) => i != index).Any(RmaRules.IsOpen);
        if (to is RmaStatus.Rejected or RmaStatus.Cancelled && !othersOpen && Order.Status == OrderStatus.ReturnRequested)
        {
            trigger = Order.Returns.Exists(r => r.ReceivedAt is not null) ? OrderTrigger.WithdrawReturnAfterReceipt : OrderTrigger.WithdrawReturn;
        }

        var details = $"{rma.RmaId}: {RmaRules.WireName(from)} -> {RmaRules.WireName(to)}" + (string.IsNullOrWhiteSpace(command.Note) ? string.Empty : $" ({command.Note})");
        await TransitionAsync(trigger, RmaRules.EventName(command.Decision), command.Actor, details, () =>
            Order.Returns[index] = rma with { Status = to, DecidedBy = command.Actor, DecidedAt = clock.GetUtcNow(), DecisionNote = command.Note });
        Log.RmaDecided(logger, OrderId, command.Decision, rma.RmaId, command.Actor);
        return _published!;
    }

    /// <summary>A new RMA as the channel's policy opens it: approved by policy, or waiting for an operator.</summary>
    private ReturnRecord NewRma(string rmaId, RequestReturnCommand command, IReadOnlyList<LineQuantity> lines)
    {
        var now = clock.GetUtcNow();
        var approval = ReturnRules.RequireApproval;
        return new ReturnRecord(
            rmaId, command.ReturnRequestId, lines, command.Reason ?? string.Empty, now, null, [], null, 0, Order.Currency, command.ReasonCode,
            approval ? RmaStatus.AwaitingApproval : RmaStatus.Approved,
            approval ? null : RmaRules.PolicyActor,
            approval ? null : now);
    }

    private static string DescribeNewRma(ReturnRecord rma) =>
        $"reason {rma.ReasonCode}; {RmaRules.WireName(rma.Status)}";

    /// <summary>Refuses a return request after the channel's window, counted from the order's (last) delivery.</summary>
    private void EnsureWithinReturnWindow()
    {
        var deliveredAt = Order.Shipments.Select(s => s.DeliveredAt).Max();
        if (deliveredAt is { } at)
        {
            RmaRules.EnsureWithinWindow(OrderId, Order.Channel, at, ReturnRules.WindowDays, clock.GetUtcNow());
        }
    }

    private static void ValidateReasonCode(ReturnReason code)
    {
        if (!Enum.IsDefined(code))
        {
            throw new DomainValidationException("reason_code", $"'{(int)code}' is not a return reason");
        }
    }
}
