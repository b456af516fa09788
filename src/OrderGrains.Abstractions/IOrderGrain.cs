using OrderGrains.Runtime;

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

    /// <summary>Lets an ON_HOLD order proceed to PENDING_PAYMENT; its reservation timeout starts now.</summary>
    Task<OrderSnapshot> ApproveHoldAsync();

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
