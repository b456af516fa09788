using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrderGrains.Abstractions;
using OrderGrains.Runtime;

namespace OrderGrains.Grains;

/// <summary>
/// One order: its state machine (see <see cref="OrderTransitions"/>) and the placement saga. The grain is also the
/// idempotency record of PlaceOrder, because its key is derived from (channel, external order id).
/// </summary>
/// <remarks>
/// Saga: persist the step, then call out; every reserve and release elsewhere is keyed by order id, so re-running a
/// step after a crash is safe. <see cref="OnActivateAsync"/> finishes whatever step was left, and the expiry reminder,
/// registered before anything is reserved, guarantees an activation after a restart even if no client calls again.
/// A reply reports only state that is already durable.
/// </remarks>
[GrainType("order")]
public sealed class OrderGrain(
    [PersistentState("order")] IPersistentState<OrderState> state,
    IOptions<OrderOptions> options,
    TimeProvider clock,
    ILogger<OrderGrain> logger) : Grain, IOrderGrain, IRemindable
{
    private const string ExpiryReminder = "reservation-expiry";

    private readonly OrderOptions _options = options.Value;

    // The last durable, client-visible snapshot and a signal completed whenever a newer one is published.
    private OrderSnapshot? _published;
    private TaskCompletionSource<OrderSnapshot> _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private OrderState Order => state.State;

    private string OrderId => GetPrimaryKeyString();

    /// <summary>Finishes an interrupted saga step and makes sure an unpaid order has its expiry reminder.</summary>
    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (Order.Pending != PendingWork.None)
        {
            Log.ResumingSaga(logger, OrderId, Order.Pending);
            await CompletePendingWorkAsync();
        }

        if (Order is { Status: OrderStatus.PendingPayment, ReservationExpiresAt: { } expiresAt } && await GetReminderAsync(ExpiryReminder) is null)
        {
            await RegisterExpiryReminderAsync(expiresAt);
        }

        Publish();
    }

    /// <summary>Places the order, or returns the earlier placement of the same key with duplicate = true.</summary>
    public Task<PlaceOrderResult> PlaceAsync(PlaceOrderCommand command) => PlaceCoreAsync(command);

    private async Task<PlaceOrderResult> PlaceCoreAsync(PlaceOrderCommand command)
    {
        var requestedTotal = PlaceOrderValidation.Validate(command, _options.MaxLinesPerOrder);
        var orderId = OrderIds.For(command.Channel, command.ExternalOrderId);
        if (!string.Equals(orderId, OrderId, StringComparison.Ordinal))
        {
            throw new DomainValidationException("order_id", $"the request belongs to order '{orderId}', not '{OrderId}'");
        }

        var fingerprint = PlaceOrderValidation.Fingerprint(command);
        if (Order.Status != OrderStatus.Unspecified || Order.Pending != PendingWork.None)
        {
            if (!string.Equals(Order.Fingerprint, fingerprint, StringComparison.Ordinal))
            {
                throw new IdempotencyConflictException(OrderId, "PlaceOrder was already called for this (channel, external_order_id) with a different payload");
            }

            await CompletePendingWorkAsync();
            return new PlaceOrderResult(_published!, Duplicate: true);
        }

        var customer = await GrainFactory.GetGrain<ICustomerAccountGrain>(command.CustomerId).FindProfileAsync()
            ?? throw new NotFoundException("customer", command.CustomerId);
        var now = clock.GetUtcNow();
        state.State = new OrderState
        {
            OrderId = OrderId,
            Channel = command.Channel,
            ExternalOrderId = command.ExternalOrderId,
            CustomerId = command.CustomerId,
            Currency = command.Currency,
            CampaignId = string.IsNullOrEmpty(command.CampaignId) ? null : command.CampaignId,
            Lines = [.. command.Lines],
            ShipTo = command.ShipTo,
            Fingerprint = fingerprint,
            TotalMinor = requestedTotal,
            CreatedAt = now,
            UpdatedAt = now,
            Pending = PendingWork.Placing,
        };

        if (customer.Blocked)
        {
            // Nothing reserved yet and nothing will be: the rejection is the first and only write.
            await FinishRejectedAsync(RejectReason.CustomerBlocked, reminderRegistered: false);
            return new PlaceOrderResult(_published!, Duplicate: false);
        }

        await PersistAsync();
        await RegisterExpiryReminderAsync(now + _options.ReservationTimeout);
        try
        {
            await RunPlacementAsync();
        }
        catch (Exception exception) when (exception is not DomainValidationException)
        {
            Log.PlacementInterrupted(logger, exception, OrderId);
            throw;
        }

        return new PlaceOrderResult(_published!, Duplicate: false);
    }

    /// <summary>Returns the order; NotFound until a placement has finished.</summary>
    public Task<OrderSnapshot> GetAsync() =>
        _published is { } snapshot ? Task.FromResult(snapshot) : throw new NotFoundException("order", OrderId);

    /// <summary>Records the payment; the same payment reference again returns the order unchanged.</summary>
    public Task<OrderSnapshot> ConfirmPaymentAsync(ConfirmPaymentCommand command) => ConfirmPaymentCoreAsync(command);

    private async Task<OrderSnapshot> ConfirmPaymentCoreAsync(ConfirmPaymentCommand command)
    {
        if (command is null)
        {
            throw new DomainValidationException("request", "is required");
        }

        if (string.IsNullOrWhiteSpace(command.PaymentReference))
        {
            throw new DomainValidationException("payment_reference", "is required");
        }

        await EnsurePlacedAsync();
        if (string.Equals(Order.PaymentReference, command.PaymentReference, StringComparison.Ordinal))
        {
            return command.AmountMinor == Order.PaidMinor
                ? _published!
                : throw new IdempotencyConflictException(command.PaymentReference, $"it confirmed {Order.PaidMinor} {Order.Currency}, not {command.AmountMinor}");
        }

        // The reminder may be late; a lapsed reservation is honoured here rather than paid.
        if (Order is { Status: OrderStatus.PendingPayment, ReservationExpiresAt: { } expiresAt } && clock.GetUtcNow() >= expiresAt)
        {
            await ExpireAsync(expiresAt);
        }

        var next = OrderTransitions.Next(OrderId, Order.Status, OrderTrigger.ConfirmPayment);
        if (command.AmountMinor != Order.TotalMinor)
        {
            throw new DomainValidationException("amount_minor", $"{command.AmountMinor} does not equal the order total {Order.TotalMinor} {Order.Currency}");
        }

        Order.Status = next;
        Order.PaymentReference = command.PaymentReference;
        Order.PaidMinor = command.AmountMinor;
        Order.ReservationExpiresAt = null;
        Touch();
        await PersistAsync();
        Publish();
        await UnregisterReminderAsync(ExpiryReminder);
        return _published!;
    }

    /// <summary>Cancels the order and releases stock, campaign units and credit exposure; a cancelled order is returned unchanged.</summary>
    public Task<OrderSnapshot> CancelAsync(string reason) => CancelCoreAsync(reason);

    private async Task<OrderSnapshot> CancelCoreAsync(string reason)
    {
        await EnsurePlacedAsync();
        if (Order.Status == OrderStatus.Cancelled)
        {
            return _published!;
        }

        await CancelAndReleaseAsync(OrderTrigger.Cancel, string.IsNullOrWhiteSpace(reason) ? "cancelled" : reason);
        return _published!;
    }

    /// <summary>Moves an ON_HOLD order to PENDING_PAYMENT; its reservation timeout starts now.</summary>
    public Task<OrderSnapshot> ApproveHoldAsync() => ApproveHoldCoreAsync();

    private async Task<OrderSnapshot> ApproveHoldCoreAsync()
    {
        await EnsurePlacedAsync();
        var next = OrderTransitions.Next(OrderId, Order.Status, OrderTrigger.ApproveHold);
        var expiresAt = clock.GetUtcNow() + (Order.CampaignReservationTimeout ?? _options.ReservationTimeout);
        await RegisterExpiryReminderAsync(expiresAt);
        Order.Status = next;
        Order.HoldReason = HoldReason.Unspecified;
        Order.ReservationExpiresAt = expiresAt;
        Touch();
        await PersistAsync();
        Publish();
        return _published!;
    }

    /// <summary>Completes when the version exceeds <paramref name="afterVersion"/> or the (capped) timeout passes.</summary>
    public async Task<OrderSnapshot> WaitForChangeAsync(long afterVersion, TimeSpan timeout)
    {
        var current = _published ?? throw new NotFoundException("order", OrderId);
        if (current.Version > afterVersion || timeout <= TimeSpan.Zero)
        {
            return current;
        }

        var changed = _changed.Task;
        using var delay = new CancellationTokenSource();
        await Task.WhenAny(changed, Task.Delay(timeout < _options.MaxWatchWait ? timeout : _options.MaxWatchWait, delay.Token));
        await delay.CancelAsync();
        return _published!;
    }

    /// <summary>Expires an unpaid order whose reservation lapsed; finishes interrupted saga steps; drops the reminder once it has no work.</summary>
    public Task ReceiveReminderAsync(string reminderName, TickStatus status) => ReceiveReminderCoreAsync(reminderName);

    private async Task ReceiveReminderCoreAsync(string reminderName)
    {
        if (!string.Equals(reminderName, ExpiryReminder, StringComparison.Ordinal))
        {
            return;
        }

        await CompletePendingWorkAsync();
        if (Order is { Status: OrderStatus.PendingPayment, ReservationExpiresAt: { } expiresAt })
        {
            if (clock.GetUtcNow() >= expiresAt)
            {
                await ExpireAsync(expiresAt);
            }

            return;
        }

        await UnregisterReminderAsync(ExpiryReminder);
    }

    private async Task EnsurePlacedAsync()
    {
        await CompletePendingWorkAsync();
        if (Order.Status == OrderStatus.Unspecified)
        {
            throw new NotFoundException("order", OrderId);
        }
    }

    private async Task CompletePendingWorkAsync()
    {
        switch (Order.Pending)
        {
            case PendingWork.Placing:
                await RunPlacementAsync();
                break;
            case PendingWork.Compensating:
                await ReleaseEverythingAsync();
                await FinishRejectedAsync(Order.CompensationReason, reminderRegistered: true);
                break;
            case PendingWork.Releasing:
                await FinishReleaseAsync();
                break;
            default:
                break;
        }
    }

    private async Task RunPlacementAsync()
    {
        var lines = Order.Lines;
        CampaignReservationResult? campaign = null;
        if (Order.CampaignId is { } campaignId)
        {
            campaign = await GrainFactory.GetGrain<ICampaignGrain>(campaignId)
                .ReserveAsync(new CampaignReservationRequest(OrderId, Order.CustomerId, lines));
            if (campaign.Outcome != CampaignReservationOutcome.Reserved)
            {
                var reason = campaign.Outcome == CampaignReservationOutcome.LimitExceeded
                    ? RejectReason.CampaignLimitExceeded
                    : RejectReason.CampaignNotActive;
                await RejectAsync(reason, anythingReserved: false);
                return;
            }
        }

        var priced = campaign is null
            ? lines
            : [.. lines.Select(l => string.Equals(l.Sku, campaign.Sku, StringComparison.Ordinal) ? l with { UnitPriceMinor = campaign.PriceMinor } : l)];
        long total;
        try
        {
            total = priced.Select((line, i) => (line, i)).Aggregate(0L, (sum, x) => PlaceOrderValidation.AddLine(sum, x.line, $"lines[{x.i}]"));
        }
        catch (DomainValidationException)
        {
            // The campaign price made the total overflow: undo the campaign hold and forget the order entirely.
            await ReleaseEverythingAsync();
            await state.ClearStateAsync();
            await UnregisterReminderAsync(ExpiryReminder);
            throw;
        }

        var shipTo = Order.ShipTo!;
        var results = await Task.WhenAll(priced.Select(line =>
            GrainFactory.GetGrain<ISkuStockGrain>(line.Sku)
                .ReserveAsync(new StockReservationRequest(OrderId, line.Quantity, shipTo.Latitude, shipTo.Longitude))));
        if (results.Any(r => r.Outcome != StockReservationOutcome.Reserved))
        {
            var reason = results.Any(r => r.Outcome == StockReservationOutcome.UnknownSku) ? RejectReason.UnknownSku : RejectReason.OutOfStock;
            await RejectAsync(reason, anythingReserved: campaign is not null || results.Any(r => r.Outcome == StockReservationOutcome.Reserved));
            return;
        }

        var decision = await GrainFactory.GetGrain<ICustomerAccountGrain>(Order.CustomerId)
            .ReserveCreditAsync(new CreditReservationRequest(OrderId, total));
        if (decision == CreditDecision.Blocked)
        {
            await RejectAsync(RejectReason.CustomerBlocked, anythingReserved: true);
            return;
        }

        var trigger = decision == CreditDecision.OverLimit ? OrderTrigger.HoldForCredit : OrderTrigger.Accept;
        Order.Status = OrderTransitions.Next(OrderId, Order.Status, trigger);
        Order.HoldReason = decision == CreditDecision.OverLimit ? HoldReason.CreditLimit : HoldReason.Unspecified;
        Order.Lines = priced;
        Order.TotalMinor = total;
        Order.Allocations = [.. priced.Zip(results).SelectMany(x => x.Second.Allocations.Select(a => new Allocation(x.First.Sku, a.WarehouseId, a.Quantity)))];
        Order.CampaignReservationTimeout = campaign?.ReservationTimeout;
        Order.Pending = PendingWork.None;
        if (Order.Status == OrderStatus.PendingPayment)
        {
            // Counted from placement, exactly when the reminder registered at placement is due.
            Order.ReservationExpiresAt = Order.CreatedAt + (campaign?.ReservationTimeout ?? _options.ReservationTimeout);
            if (campaign?.ReservationTimeout is not null)
            {
                await RegisterExpiryReminderAsync(Order.ReservationExpiresAt.Value);
            }
        }

        Touch();
        await PersistAsync();
        Publish();
        if (Order.Status != OrderStatus.PendingPayment)
        {
            await UnregisterReminderAsync(ExpiryReminder);
        }
    }

    private async Task RejectAsync(RejectReason reason, bool anythingReserved)
    {
        if (anythingReserved)
        {
            Order.Pending = PendingWork.Compensating;
            Order.CompensationReason = reason;
            await PersistAsync();
            await ReleaseEverythingAsync();
        }

        await FinishRejectedAsync(reason, reminderRegistered: true);
    }

    private async Task FinishRejectedAsync(RejectReason reason, bool reminderRegistered)
    {
        Order.Status = OrderTransitions.Next(OrderId, Order.Status, OrderTrigger.Reject);
        Order.RejectReason = reason;
        Order.CompensationReason = RejectReason.Unspecified;
        Order.Allocations = [];
        Order.ReservationExpiresAt = null;
        Order.Pending = PendingWork.None;
        Touch();
        await PersistAsync();
        Publish();
        Log.OrderRejected(logger, OrderId, reason);
        if (reminderRegistered)
        {
            await UnregisterReminderAsync(ExpiryReminder);
        }
    }

    private async Task ExpireAsync(DateTimeOffset expiresAt)
    {
        Log.ReservationExpired(logger, OrderId, expiresAt);
        await CancelAndReleaseAsync(OrderTrigger.ExpireReservation, "reservation expired");
    }

    private async Task CancelAndReleaseAsync(OrderTrigger trigger, string reason)
    {
        Order.Status = OrderTransitions.Next(OrderId, Order.Status, trigger);
        Order.CancelReason = reason;
        Order.HoldReason = HoldReason.Unspecified;
        Order.Allocations = [];
        Order.ReservationExpiresAt = null;
        Order.Pending = PendingWork.Releasing;
        Touch();
        await PersistAsync();
        Publish();
        await FinishReleaseAsync();
    }

    private async Task FinishReleaseAsync()
    {
        await ReleaseEverythingAsync();
        Order.Pending = PendingWork.None;
        await PersistAsync();
        await UnregisterReminderAsync(ExpiryReminder);
    }

    /// <summary>Releases stock, campaign units and credit exposure in parallel; each release is a no-op where nothing is held.</summary>
    private Task ReleaseEverythingAsync()
    {
        var releases = Order.Lines.Select(line => GrainFactory.GetGrain<ISkuStockGrain>(line.Sku).ReleaseAsync(OrderId)).ToList();
        if (Order.CampaignId is { } campaignId)
        {
            releases.Add(GrainFactory.GetGrain<ICampaignGrain>(campaignId).ReleaseAsync(OrderId));
        }

        releases.Add(GrainFactory.GetGrain<ICustomerAccountGrain>(Order.CustomerId).ReleaseCreditAsync(OrderId));
        return Task.WhenAll(releases);
    }

    private async Task RegisterExpiryReminderAsync(DateTimeOffset expiresAt)
    {
        var due = expiresAt - clock.GetUtcNow();
        await RegisterOrUpdateReminderAsync(ExpiryReminder, due > TimeSpan.Zero ? due : TimeSpan.Zero, _options.ExpiryRetryPeriod);
    }

    private void Touch()
    {
        Order.Version++;
        Order.UpdatedAt = clock.GetUtcNow();
    }

    private void Publish()
    {
        if (Order.Status == OrderStatus.Unspecified)
        {
            return;
        }

        var previous = _published;
        _published = new OrderSnapshot(
            Order.OrderId,
            Order.Channel,
            Order.ExternalOrderId,
            Order.CustomerId,
            Order.Status,
            Order.RejectReason,
            Order.HoldReason,
            [.. Order.Lines],
            [.. Order.Allocations],
            Order.TotalMinor,
            Order.Currency,
            Order.CreatedAt,
            Order.UpdatedAt,
            Order.ReservationExpiresAt,
            Order.Version,
            Order.CampaignId);
        if (previous is null || previous.Version != _published.Version)
        {
            var changed = _changed;
            _changed = new TaskCompletionSource<OrderSnapshot>(TaskCreationOptions.RunContinuationsAsynchronously);
            changed.TrySetResult(_published);
        }
    }

    private async Task PersistAsync()
    {
        try
        {
            await state.WriteStateAsync();
        }
        catch (Exception)
        {
            // Memory may now differ from storage: the next call must start from a fresh load (and resume the saga from there).
            DeactivateOnIdle();
            throw;
        }
    }
}
