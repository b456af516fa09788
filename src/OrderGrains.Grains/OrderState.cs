using OrderGrains.Abstractions;

namespace OrderGrains.Grains;

/// <summary>Persisted state of <see cref="OrderGrain"/>.</summary>
public sealed class OrderState
{
    public string OrderId { get; set; } = string.Empty;

    public string Channel { get; set; } = string.Empty;

    public string ExternalOrderId { get; set; } = string.Empty;

    public string CustomerId { get; set; } = string.Empty;

    public string Currency { get; set; } = string.Empty;

    public string? CampaignId { get; set; }

    /// <summary>The requested lines while placing; the priced lines (campaign price applied) once accepted.</summary>
    public List<OrderLine> Lines { get; set; } = [];

    public ShippingAddress? ShipTo { get; set; }

    /// <summary>Canonical hash of the PlaceOrder request: a replay must match it.</summary>
    public string Fingerprint { get; set; } = string.Empty;

    /// <summary>Unspecified until the placement finished; only the transition table changes it after that.</summary>
    public OrderStatus Status { get; set; }

    public RejectReason RejectReason { get; set; }

    public HoldReason HoldReason { get; set; }

    public List<Allocation> Allocations { get; set; } = [];

    public long TotalMinor { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }

    /// <summary>Set only while PENDING_PAYMENT.</summary>
    public DateTimeOffset? ReservationExpiresAt { get; set; }

    /// <summary>Grows by one with every change a client can see; saga bookkeeping does not count.</summary>
    public long Version { get; set; }

    /// <summary>The campaign's own reservation timeout, captured at placement (null: the default applies).</summary>
    public TimeSpan? CampaignReservationTimeout { get; set; }

    /// <summary>Saga work that was started and must be finished (on reactivation too) before anything else.</summary>
    public PendingWork Pending { get; set; }

    /// <summary>The reject reason a compensation ends in.</summary>
    public RejectReason CompensationReason { get; set; }

    public string? PaymentReference { get; set; }

    public long PaidMinor { get; set; }

    public string? CancelReason { get; set; }
}

/// <summary>An unfinished saga step of an order. Persisted: numbers are never reused.</summary>
public enum PendingWork
{
    None = 0,

    /// <summary>Reserving campaign quota, stock and credit; re-running is safe because every reservation is keyed by order id.</summary>
    Placing = 1,

    /// <summary>Releasing what a failed placement reserved; ends in REJECTED with <see cref="OrderState.CompensationReason"/>.</summary>
    Compensating = 2,

    /// <summary>The order is CANCELLED; its stock, campaign units and credit exposure are being released.</summary>
    Releasing = 3,
}
