using Orleans.Concurrency;

namespace OrderGrains.Abstractions;

/// <summary>One order, keyed by <see cref="OrderIds.For"/>: the aggregate that owns the order state machine and the placement saga.</summary>
public interface IOrderGrain : IGrainWithStringKey
{
    /// <summary>Places the order (validate, reserve campaign quota, stock and credit) or returns the earlier placement of the same key.</summary>
    Task<PlaceOrderResult> PlaceAsync(PlaceOrderCommand command);

    /// <summary>Returns the order; throws <see cref="NotFoundException"/> when it was never placed.</summary>
    [ReadOnly]
    Task<OrderSnapshot> GetAsync();

    /// <summary>Records the payment of a PENDING_PAYMENT order (idempotent per payment reference).</summary>
    Task<OrderSnapshot> ConfirmPaymentAsync(ConfirmPaymentCommand command);

    /// <summary>Cancels an order that has not been released to the warehouse and releases everything it holds.</summary>
    Task<OrderSnapshot> CancelAsync(string reason);

    /// <summary>As <see cref="CancelAsync"/>, by an operator: the history names <paramref name="actor"/>.</summary>
    Task<OrderSnapshot> CancelByOperatorAsync(string actor, string reason);

    /// <summary>
    /// Approves the next step of an ON_HOLD order's approval chain; the approver must hold the role the step needs
    /// (<see cref="RuleViolationException"/> otherwise). After the last step the order proceeds to PENDING_PAYMENT and
    /// its reservation timeout starts. One person approves at most one step: the same approver again changes nothing.
    /// </summary>
    Task<OrderSnapshot> ApproveHoldAsync(HoldApproval approval);

    /// <summary>An operator refuses an ON_HOLD order: it is cancelled and releases everything it holds.</summary>
    Task<OrderSnapshot> RejectHoldAsync(string approver, string reason);

    /// <summary>Hands a PAID order to the warehouses of its allocations (RELEASED); a released order is returned unchanged.</summary>
    Task<OrderSnapshot> ReleaseAsync(string actor);

    /// <summary>Records a shipped package, deducts its stock and moves to PARTIALLY_SHIPPED or SHIPPED (idempotent per shipment id).</summary>
    Task<OrderSnapshot> ReportShipmentAsync(ReportShipmentCommand command);

    /// <summary>Marks a shipment delivered; with every shipment delivered the order goes DELIVERED, then COMPLETED.</summary>
    Task<OrderSnapshot> ConfirmDeliveryAsync(string shipmentId);

    /// <summary>Opens an RMA for delivered units (RETURN_REQUESTED); idempotent per return request id.</summary>
    Task<OrderSnapshot> RequestReturnAsync(RequestReturnCommand command);

    /// <summary>Opens an exchange: an RMA for delivered units and a reserved replacement (idempotent per exchange id).</summary>
    Task<OrderSnapshot> RequestExchangeAsync(RequestExchangeCommand command);

    /// <summary>Receives the goods of an RMA: restocks resalable units, records the refund, PARTIALLY_RETURNED or RETURNED.</summary>
    Task<OrderSnapshot> ReceiveReturnAsync(ReceiveReturnCommand command);

    /// <summary>Partial cancel: the customer gives up backordered units (idempotent per cancellation id).</summary>
    Task<OrderSnapshot> CancelBackorderAsync(CancelBackorderCommand command);

    /// <summary>Called by a SKU pool when it moved this order's reservation; an older version than known is ignored.</summary>
    Task ApplyStockChangeAsync(StockReservationChange change);

    /// <summary>The append-only audit trail; throws <see cref="NotFoundException"/> when the order was never placed.</summary>
    [ReadOnly]
    Task<OrderHistory> GetHistoryAsync();

    /// <summary>
    /// Long poll for watchers: completes with the order once its version exceeds <paramref name="afterVersion"/>, or
    /// with the current order after <paramref name="timeout"/> (capped by <c>OrderOptions.MaxWatchWait</c>).
    /// </summary>
    /// <remarks>
    /// Always interleaves: a read-only request would hold off the very writes it waits for. It only reads state
    /// that is already durable.
    /// </remarks>
    [AlwaysInterleave]
    Task<OrderSnapshot> WaitForChangeAsync(long afterVersion, TimeSpan timeout);
}
