using OrderGrains.Abstractions;
using OrderGrains.Storage;

namespace OrderGrains.Grains;

/// <summary>
/// Builds the order events appended with an order's state write (see <see cref="OrderStreams"/>). The order grain and
/// the sold-out gate both use it, so an event reads the same whichever of them stored the order.
/// </summary>
internal static class OrderStreamEvents
{
    /// <summary>
    /// The kind a transition without an accounting event is streamed as for the read model, or
    /// <see cref="OrderEventKind.Unspecified"/> when it changes nothing the read model shows (tracking scans,
    /// re-sourcing).
    /// </summary>
    public static OrderEventKind ReadModelKind(string @event, OrderStatus from, OrderStatus to) => @event switch
    {
        "rejected" => OrderEventKind.Rejected,
        "approved" => OrderEventKind.HoldApproved,
        "released" => OrderEventKind.Released,
        "delivered" when to == OrderStatus.Delivered => OrderEventKind.Delivered,
        "return_requested" when to == OrderStatus.ReturnRequested => OrderEventKind.ReturnRequested,
        "backorder_cancelled" => OrderEventKind.Updated,
        // A step of an approval chain short of the last: the status stays ON_HOLD, but the review queue shows the progress.
        "approval" => OrderEventKind.Updated,
        _ when from != to => OrderEventKind.Updated,
        _ => OrderEventKind.Unspecified,
    };

    /// <summary>
    /// One event of <paramref name="order"/> as it stands now; <paramref name="version"/> names it within the order
    /// (the state version, plus a suffix for a second event of one write).
    /// </summary>
    public static StreamEvent Of(OrderState order, OrderEventKind kind, string version, long amountMinor, string reference, long receivableMinor)
    {
        var payload = new OrderEvent(
            order.OrderId,
            order.Version,
            kind,
            order.Channel,
            order.CustomerId,
            order.Currency,
            order.TotalMinor,
            amountMinor,
            order.PaidMinor > 0,
            [.. order.Lines],
            order.UpdatedAt,
            reference,
            receivableMinor,
            order.PaymentDueAt,
            order.Status,
            order.Status == OrderStatus.OnHold ? order.HoldReason : HoldReason.Unspecified,
            order.Status == OrderStatus.Rejected ? order.RejectReason : RejectReason.Unspecified,
            order.CreatedAt,
            CancelledUnits(order),
            order.Returns.Sum(r => r.Received?.Sum(l => l.Quantity) ?? 0),
            kind == OrderEventKind.Completed ? OrderMoney.InvoicedDiscount(order) : 0);
        if (order.Status == OrderStatus.OnHold)
        {
            payload = payload with
            {
                HeldSince = HeldSince(order),
                HoldDetails = order.HoldDetails,
                ApprovalSteps = order.ApprovalSteps.Count > 0 ? [.. order.ApprovalSteps] : ReviewRules.LegacyChain(order.ApprovalsRequired),
                Approvers = [.. order.Approvers],
            };
        }

        return new StreamEvent(new StreamId(OrderStreams.Namespace, order.OrderId), $"{order.OrderId}#{version}", kind.ToString(), payload);
    }

    /// <summary>The one event of an order refused at intake (<see cref="OrderDrafts.Reject"/>), stored with its only write.</summary>
    public static StreamEvent Rejection(OrderState rejected) =>
        Of(rejected, OrderEventKind.Rejected, rejected.Version.ToString(System.Globalization.CultureInfo.InvariantCulture), 0, "rejected", 0);

    // When the order entered ON_HOLD: the last history entry into it from another status (holds begin at placement, so
    // the creation time stands in for a history that does not say).
    private static DateTimeOffset HeldSince(OrderState order)
    {
        for (var i = order.History.Count - 1; i >= 0; i--)
        {
            var entry = order.History[i];
            if (entry.To == OrderStatus.OnHold && entry.From != OrderStatus.OnHold)
            {
                return entry.At;
            }
        }

        return order.CreatedAt;
    }

    // A cancelled order gave up every unit; otherwise only the backordered units the customer cancelled.
    private static int CancelledUnits(OrderState order) => order.Status == OrderStatus.Cancelled
        ? order.Lines.Sum(l => l.Quantity)
        : order.Progress.Sum(p => p.Cancelled);
}
