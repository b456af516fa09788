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
            Copy(order.Lines),
            Allocations(order),
            order.TotalMinor,
            order.Currency,
            order.CreatedAt,
            order.UpdatedAt,
            order.ReservationExpiresAt,
            order.Version,
            order.CampaignId,
            Quantities(order.Progress, static p => p.Backordered),
            Quantities(order.Progress, static p => p.Cancelled),
            Copy(order.Shipments),
            Copy(order.Returns),
            Copy(order.Refunds),
            order.HoldExpiresAt,
            Copy(order.Approvers),
            order.ApprovalsRequired,
            order.PaymentTerms,
            order.PaymentDueAt,
            order.ReceivableInvoicedMinor,
            OrderMoney.BalanceDue(order),
            Copy(order.Payments),
            Exchanges(order.Exchanges),
            Copy(order.ApprovalSteps),
            order.HoldDetails,
            Quantities(order.Progress, static p => p.Presold),
            order.CouponCode,
            order.Lines.Sum(OrderLines.Discount));

    // A refusal's snapshot has nearly every list empty, and one is built for each of a flash sale's refused buyers:
    // empty lists share Array.Empty rather than each getting a copy and a LINQ pipeline.
    private static IReadOnlyList<T> Copy<T>(List<T> items) => items.Count == 0 ? [] : items.ToArray();

    private static IReadOnlyList<LineQuantity> Quantities(List<SkuProgress> progress, Func<SkuProgress, int> quantity)
    {
        List<LineQuantity>? result = null;
        foreach (var line in progress)
        {
            if (quantity(line) is var units and > 0)
            {
                (result ??= []).Add(new LineQuantity(line.Sku, units));
            }
        }

        return result is null ? [] : result;
    }

    private static IReadOnlyList<ExchangeRecord> Exchanges(List<ExchangeState> exchanges)
    {
        List<ExchangeRecord>? result = null;
        foreach (var exchange in exchanges)
        {
            if (exchange.Status != ExchangeStatus.Unspecified)
            {
                (result ??= []).Add(ExchangeRules.ToRecord(exchange));
            }
        }

        return result is null ? [] : result;
    }

    private static List<Allocation> Allocations(OrderState order)
    {
        var result = new List<Allocation>(order.Progress.Count);
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
