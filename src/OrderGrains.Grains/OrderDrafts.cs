using OrderGrains.Abstractions;

namespace OrderGrains.Grains;

/// <summary>
/// The first step of PlaceOrder, which needs no grain: a request becomes an order draft, and a draft that the hot
/// grains already announced sold out becomes a REJECTED order. The order grain and the sold-out gate
/// (<see cref="SoldOutGateGrain"/>) both use these, so a refusal reads the same whichever of them stored it.
/// </summary>
internal static class OrderDrafts
{
    /// <summary>Validates the request (throws <see cref="DomainValidationException"/>) and returns the order it asks for, still to be placed.</summary>
    public static OrderState From(PlaceOrderCommand command, int maxLines, DateTimeOffset now)
    {
        var total = PlaceOrderValidation.Validate(command, maxLines);
        return new OrderState
        {
            OrderId = OrderIds.For(command.Channel, command.ExternalOrderId),
            Channel = command.Channel,
            ExternalOrderId = command.ExternalOrderId,
            CustomerId = command.CustomerId,
            Currency = command.Currency,
            CampaignId = string.IsNullOrEmpty(command.CampaignId) ? null : command.CampaignId,
            CouponCode = string.IsNullOrEmpty(command.CouponCode) ? null : command.CouponCode,
            // What the OMS computes is never taken from the request.
            Lines = [.. command.Lines.Select(l => l.OrderDiscountMinor == 0 && l.PromotionIds is null ? l : l with { OrderDiscountMinor = 0, PromotionIds = null })],
            ShipTo = command.ShipTo,
            Fingerprint = PlaceOrderValidation.Fingerprint(command),
            TotalMinor = total,
            CreatedAt = now,
            UpdatedAt = now,
            Pending = PendingWork.Placing,
        };
    }

    /// <summary>
    /// Turns a draft nothing was reserved for into its REJECTED order: the one history entry, the first version, no
    /// pending work. A sold-out or blocked-customer refusal is exactly this and one write.
    /// </summary>
    public static void Reject(OrderState draft, RejectReason reason, DateTimeOffset now)
    {
        var from = draft.Status;
        var to = OrderTransitions.Next(draft.OrderId, from, OrderTrigger.Reject);
        draft.RejectReason = reason;
        draft.CompensationReason = RejectReason.Unspecified;
        draft.Progress = [];
        draft.ReservationExpiresAt = null;
        draft.Pending = PendingWork.None;
        draft.Status = to;
        draft.Version++;
        draft.UpdatedAt = now;
        draft.History.Add(new OrderHistoryEntry(draft.History.Count + 1, now, "rejected", "channel:" + draft.Channel, reason.ToString(), from, to));
    }
}
