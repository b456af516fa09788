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

    /// <summary>The coupon the order redeems (released with everything else when the order is rejected, cancelled or expires).</summary>
    public string? CouponCode { get; set; }

    /// <summary>The requested lines while placing; the priced lines (campaign price applied) once accepted.</summary>
    public List<OrderLine> Lines { get; set; } = [];

    public ShippingAddress? ShipTo { get; set; }

    /// <summary>Canonical hash of the PlaceOrder request: a replay must match it.</summary>
    public string Fingerprint { get; set; } = string.Empty;

    /// <summary>Unspecified until the placement finished; only the transition table changes it after that.</summary>
    public OrderStatus Status { get; set; }

    public RejectReason RejectReason { get; set; }

    public HoldReason HoldReason { get; set; }

    /// <summary>Per line SKU: what the SKU pool holds for the order (units to ship per warehouse, backorders) and what was cancelled.</summary>
    public List<SkuProgress> Progress { get; set; } = [];

    public List<ShipmentRecord> Shipments { get; set; } = [];

    public List<ReturnRecord> Returns { get; set; } = [];

    public List<RefundRecord> Refunds { get; set; } = [];

    /// <summary>Append-only audit trail; every change of the order goes through one method that appends here.</summary>
    public List<OrderHistoryEntry> History { get; set; } = [];

    /// <summary>Distinct operators who approved the current hold.</summary>
    public List<string> Approvers { get; set; } = [];

    public int ApprovalsRequired { get; set; }

    /// <summary>The role each step of the current hold's approval chain needs, in order; <see cref="Approvers"/>[i] approved step i.</summary>
    public List<string> ApprovalSteps { get; set; } = [];

    /// <summary>Set only while ON_HOLD: why, in words (the review rule and its limit).</summary>
    public string? HoldDetails { get; set; }

    /// <summary>Set only while ON_HOLD: when the undecided order is cancelled.</summary>
    public DateTimeOffset? HoldExpiresAt { get; set; }

    public DateTimeOffset? ReleasedAt { get; set; }

    /// <summary>Idempotent SKU pool calls (deductions, cancellations, restocks) recorded with a change and made after it; retried until done.</summary>
    public List<StockCall> StockCalls { get; set; } = [];

    /// <summary>The pick queues of released warehouses must be brought up to date with <see cref="Progress"/>.</summary>
    public bool WarehousesDirty { get; set; }

    /// <summary>Warehouses whose queue holds tasks of this order.</summary>
    public List<string> TaskWarehouses { get; set; } = [];

    /// <summary>The open credit exposure was released (at shipment or cancellation).</summary>
    public bool CreditReleased { get; set; }

    /// <summary>Partial cancellations already applied.</summary>
    public List<string> CancellationIds { get; set; } = [];

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

    /// <summary>The customer's payment terms at placement (e.g. NET_30); null: payment before shipment.</summary>
    public string? PaymentTerms { get; set; }

    /// <summary>Days from the invoice to its due date; 0 for orders paid before shipment.</summary>
    public int PaymentTermDays { get; set; }

    /// <summary>What the completion invoice of an order on terms booked to accounts receivable (0 if it was prepaid).</summary>
    public long ReceivableInvoicedMinor { get; set; }

    /// <summary>Set once an order on terms is invoiced (at completion).</summary>
    public DateTimeOffset? InvoicedAt { get; set; }

    public DateTimeOffset? PaymentDueAt { get; set; }

    /// <summary>Payments against the invoice, in arrival order; each reference once.</summary>
    public List<PaymentRecord> Payments { get; set; } = [];

    /// <summary>Per refund id, the part of a return's credit note booked against the open invoice rather than owed back.</summary>
    public Dictionary<string, long> InvoiceCredits { get; set; } = new(StringComparer.Ordinal);

    /// <summary>The customer account must be told this order's invoice balance (see <see cref="ReceivableUpdate"/>).</summary>
    public bool ReceivableDirty { get; set; }

    /// <summary>Operator alerts recorded with a change (carrier exceptions) and raised after it; retried until raised.</summary>
    public List<AlertRaise> AlertsOwed { get; set; } = [];

    /// <summary>Exchanges in request order (see <see cref="ExchangeRules"/>).</summary>
    public List<ExchangeState> Exchanges { get; set; } = [];
}

/// <summary>One exchange: its RMA, its replacement's reservation (held under <see cref="ReservationHolders.ForExchange"/>) and its settlement.</summary>
public sealed class ExchangeState
{
    public string ExchangeId { get; set; } = string.Empty;

    public string RmaId { get; set; } = string.Empty;

    public LineQuantity Returned { get; set; } = new(string.Empty, 0);

    /// <summary>The replacement with its unit price resolved (never 0 unless the replacement is free).</summary>
    public OrderLine Replacement { get; set; } = new(string.Empty, 0, 0);

    public string Reason { get; set; } = string.Empty;

    /// <summary>The customer was allowed advance exchange when it was requested: released without waiting for the return.</summary>
    public bool Advance { get; set; }

    /// <summary>Unspecified while the request is under way (recorded, replacement not yet confirmed reserved): never published.</summary>
    public ExchangeStatus Status { get; set; }

    public long ReturnedValueMinor { get; set; }

    public long ReplacementValueMinor { get; set; }

    public string? PaymentReference { get; set; }

    /// <summary>Replacement units reserved and not yet shipped, per warehouse.</summary>
    public List<WarehouseQuantity> Open { get; set; } = [];

    public int Backordered { get; set; }

    /// <summary>The version of the SKU pool's reservation this reflects; older reports are ignored.</summary>
    public long ReservationVersion { get; set; }

    public List<string> ShipmentIds { get; set; } = [];

    public DateTimeOffset RequestedAt { get; set; }

    public DateTimeOffset? ReturnReceivedAt { get; set; }

    public DateTimeOffset? ReleasedAt { get; set; }

    public string Holder(string orderId) => ReservationHolders.ForExchange(orderId, ExchangeId);
}

/// <summary>One line's SKU as the SKU pool last reported it (version-checked), plus cancelled units.</summary>
public sealed class SkuProgress
{
    public string Sku { get; set; } = string.Empty;

    /// <summary>Units reserved and not yet shipped, per warehouse.</summary>
    public List<WarehouseQuantity> Open { get; set; } = [];

    public int Backordered { get; set; }

    public int Cancelled { get; set; }

    /// <summary>Units the order bought on presale at placement (then backordered); kept as sold, whatever fills them later.</summary>
    public int Presold { get; set; }

    /// <summary>The version of the SKU pool's reservation this reflects; older reports are ignored.</summary>
    public long ReservationVersion { get; set; }
}

/// <summary>What a <see cref="StockCall"/> asks of a SKU pool. Persisted: numbers are never reused.</summary>
public enum StockCallKind
{
    Unspecified = 0,
    Deduct = 1,
    CancelUnits = 2,
    RestockReturn = 3,
}

/// <summary>One idempotent SKU pool call the order still owes; <see cref="Key"/> is the shipment, cancellation or RMA id.</summary>
public sealed class StockCall
{
    public StockCallKind Kind { get; set; }

    public string Sku { get; set; } = string.Empty;

    public string Key { get; set; } = string.Empty;

    public string WarehouseId { get; set; } = string.Empty;

    public int Quantity { get; set; }

    /// <summary>The SKU pool holder the call is for when it is not the order itself (an exchange's replacement).</summary>
    public string? Holder { get; set; }
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
