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
    IReadOnlyList<string> Skus,
    HoldRow? Hold = null)
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
            [.. e.Lines.Select(l => l.Sku).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)],
            HoldRow.From(e, status));
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

/// <summary>
/// Where a held order stands in review: since when it is held, why in words, the role of each step of its approval
/// chain and who approved step i. Only rows of ON_HOLD orders have one.
/// </summary>
public sealed record HoldRow(DateTimeOffset HeldSince, string? Details, IReadOnlyList<string> Steps, IReadOnlyList<string> Approvers)
{
    /// <summary>Steps approved so far.</summary>
    public int StepsDone => Math.Min(Approvers.Count, Steps.Count);

    /// <summary>Steps the chain has; 0 when the order was held before events carried its chain.</summary>
    public int StepsRequired => Steps.Count;

    /// <summary>The role the next approval needs, or null when the chain is not known.</summary>
    public string? NextRole => StepsDone < Steps.Count ? Steps[StepsDone] : null;

    /// <summary>
    /// The hold an event of an ON_HOLD order shows. Events written before they carried the hold give the event's time
    /// as held-since (holds begin at placement, whose event is the first) and no chain.
    /// </summary>
    public static HoldRow? From(OrderEvent e, OrderStatus status)
    {
        ArgumentNullException.ThrowIfNull(e);
        if (status != OrderStatus.OnHold)
        {
            return null;
        }

        return new HoldRow(e.HeldSince ?? e.CreatedAt ?? e.At, e.HoldDetails, e.ApprovalSteps ?? [], e.Approvers ?? []);
    }
}
