using OrderGrains.Abstractions;

namespace OrderGrains.Grains;

/// <summary>The client-visible snapshot of an order's state: what every reply and long poll carries.</summary>
internal static class OrderSnapshots
{
    /// <summary>The snapshot of <paramref name="order"/>; its lists are copies, so later changes to the state do not show through.</summary>
    public static OrderSnapshot Of(OrderState order) =>
        new(
            order.OrderId,
            order.Channel,
            order.ExternalOrderId,
            order.CustomerId,
            order.Status,
            order.RejectReason,
            order.HoldReason,
            [.. order.Lines],
            Allocations(order),
            order.TotalMinor,
            order.Currency,
            order.CreatedAt,
            order.UpdatedAt,
            order.ReservationExpiresAt,
            order.Version,
            order.CampaignId,
            [.. order.Progress.Where(p => p.Backordered > 0).Select(p => new LineQuantity(p.Sku, p.Backordered))],
            [.. order.Progress.Where(p => p.Cancelled > 0).Select(p => new LineQuantity(p.Sku, p.Cancelled))],
            [.. order.Shipments],
            [.. order.Returns],
            [.. order.Refunds],
            order.HoldExpiresAt,
            [.. order.Approvers],
            order.ApprovalsRequired,
            order.PaymentTerms,
            order.PaymentDueAt,
            order.ReceivableInvoicedMinor,
            OrderMoney.BalanceDue(order),
            [.. order.Payments],
            [.. order.Exchanges.Where(e => e.Status != ExchangeStatus.Unspecified).Select(ExchangeRules.ToRecord)],
            [.. order.ApprovalSteps],
            order.HoldDetails,
            [.. order.Progress.Where(p => p.Presold > 0).Select(p => new LineQuantity(p.Sku, p.Presold))],
            order.CouponCode,
            order.Lines.Sum(OrderLines.Discount));

    private static List<Allocation> Allocations(OrderState order)
    {
        var result = new List<Allocation>();
        foreach (var progress in order.Progress)
        {
            var perWarehouse = progress.Open.Select(a => (a.WarehouseId, a.Quantity)).ToList();
            foreach (var shipment in order.Shipments)
            {
                foreach (var line in shipment.Lines.Where(l => string.Equals(l.Sku, progress.Sku, StringComparison.Ordinal)))
                {
                    var i = perWarehouse.FindIndex(w => string.Equals(w.WarehouseId, shipment.WarehouseId, StringComparison.Ordinal));
                    if (i < 0)
                    {
                        perWarehouse.Add((shipment.WarehouseId, line.Quantity));
                    }
                    else
                    {
                        perWarehouse[i] = (shipment.WarehouseId, perWarehouse[i].Quantity + line.Quantity);
                    }
                }
            }

            result.AddRange(perWarehouse.Where(w => w.Quantity > 0).Select(w => new Allocation(progress.Sku, w.WarehouseId, w.Quantity)));
        }

        return result;
    }
}
