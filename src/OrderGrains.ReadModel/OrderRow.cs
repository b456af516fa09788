using OrderGrains.Abstractions;

namespace OrderGrains.ReadModel;

/// <summary>
/// One order as the read model stores it: what operators search, count and report on. An order's latest event gives
/// its whole row (<see cref="OrderEvent"/> carries the order as it stands after each change), so applying a row is an
/// upsert that only a higher <see cref="Version"/> may overwrite.
/// </summary>
public sealed record OrderRow(
    string OrderId,
    long Version,
    OrderStatus Status,
    string Channel,
    string CustomerId,
    string Currency,
    long TotalMinor,
    int Units,
    int CancelledUnits,
    int ReturnedUnits,
    HoldReason HoldReason,
    RejectReason RejectReason,
    bool Paid,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    IReadOnlyList<string> Skus)
{
    /// <summary>The row an event leaves its order in.</summary>
    /// <remarks>
    /// Events written before they carried the status give it from their kind where the kind says it; otherwise
    /// <see cref="OrderStatus.Unspecified"/>, which the stores read as "keep the stored status".
    /// </remarks>
    public static OrderRow From(OrderEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        var status = e.Status != OrderStatus.Unspecified ? e.Status : e.Kind switch
        {
            OrderEventKind.Accepted => OrderStatus.PendingPayment,
            OrderEventKind.Paid when e.ReceivableMinor == 0 => OrderStatus.Paid,
            OrderEventKind.Cancelled => OrderStatus.Cancelled,
            OrderEventKind.Completed => OrderStatus.Completed,
            _ => OrderStatus.Unspecified,
        };
        return new OrderRow(
            e.OrderId,
            e.Version,
            status,
            e.Channel,
            e.CustomerId,
            e.Currency,
            e.TotalMinor,
            e.Lines.Sum(l => l.Quantity),
            e.CancelledUnits,
            e.ReturnedUnits,
            e.HoldReason,
            e.RejectReason,
            e.Paid,
            e.CreatedAt ?? e.At,
            e.At,
            [.. e.Lines.Select(l => l.Sku).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)]);
    }

    /// <summary>
    /// The rows a batch of events leaves: one per order, from its highest version (events of one version carry the
    /// same order, so any of them will do).
    /// </summary>
    public static IReadOnlyList<OrderRow> Latest(IEnumerable<OrderEvent> events)
    {
        ArgumentNullException.ThrowIfNull(events);
        var latest = new Dictionary<string, OrderRow>(StringComparer.Ordinal);
        foreach (var e in events)
        {
            var seen = latest.GetValueOrDefault(e.OrderId);
            if (seen is null || e.Version > seen.Version)
            {
                var row = From(e);
                latest[e.OrderId] = row.Status == OrderStatus.Unspecified && seen is not null ? row with { Status = seen.Status } : row;
            }
        }

        return [.. latest.Values];
    }
}
