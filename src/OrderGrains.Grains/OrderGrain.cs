using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrderGrains.Abstractions;
using OrderGrains.Storage;

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
[GrainType(GrainTypeName)]
public sealed partial class OrderGrain(
    [PersistentState(OrderGrain.StateName, OrderGrainsStorage.Name)] IPersistentState<OrderState> state,
    IOptions<OrderOptions> options,
    IOptions<ReturnPolicyOptions> returnPolicy,
    IOptions<NewCustomerOptions> newCustomers,
    IOptions<ReviewOptions> reviewOptions,
    TimeProvider clock,
    StockHints hints,
    SiloShutdown shutdown,
    ILogger<OrderGrain> logger) : Grain, IOrderGrain, IRemindable
{
    /// <summary>The grain type of every order grain id.</summary>
    public const string GrainTypeName = "order";

    /// <summary>The name the order's state is stored under.</summary>
    public const string StateName = "order";

    private const string ExpiryReminder = "reservation-expiry";
    private const string HoldReminder = "hold-timeout";
    private const string SystemActor = "system";

    private readonly OrderOptions _options = options.Value;

    // The last durable, client-visible snapshot and a signal completed whenever a newer one is published.
    private OrderSnapshot? _published;
    private TaskCompletionSource<OrderSnapshot> _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    // Cancelled once this activation is on its way out (see RequestDeactivation); ends long polls early.
    private readonly CancellationTokenSource _deactivating = new();

    // Reminder handles this activation registered or found, so unregistering needs no table read.
    private readonly Dictionary<string, IGrainReminder> _reminders = new(StringComparer.Ordinal);

    private OrderState Order => state.State;

    /// <summary>The grain id of order <paramref name="orderId"/>.</summary>
    public static GrainId IdOf(string orderId) => GrainId.Create(GrainTypeName, orderId);

    private string OrderId => this.GetPrimaryKeyString();

    private bool OnTerms => Order.PaymentTermDays > 0;

    /// <summary>Finishes an interrupted saga step and makes sure an unpaid order has its expiry reminder.</summary>
    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (Order.Pending != PendingWork.None)
        {
            Log.ResumingSaga(logger, OrderId, Order.Pending);
            await CompletePendingWorkAsync();
        }

        if (Order is { Status: OrderStatus.PendingPayment, ReservationExpiresAt: { } expiresAt } && await this.GetReminder(ExpiryReminder) is null)
        {
            await RegisterExpiryReminderAsync(expiresAt);
        }

        if (Order is { Status: OrderStatus.OnHold, HoldExpiresAt: { } holdExpiresAt } && await this.GetReminder(HoldReminder) is null)
        {
            await RegisterReminderAtAsync(HoldReminder, holdExpiresAt);
        }

        if (Order.Exchanges.Exists(e => e.Status == ExchangeStatus.Unspecified))
        {
            await AbandonUnfinishedExchangesAsync();
        }

        Publish();
        if (HasFollowUps)
        {
            await RunFollowUpsAsync();
        }
    }

    /// <summary>Places the order, or returns the earlier placement of the same key with duplicate = true.</summary>
    public async Task<PlaceOrderResult> PlaceAsync(PlaceOrderCommand command)
    {
        var now = clock.GetUtcNow();
        var draft = OrderDrafts.From(command, _options.MaxLinesPerOrder, now);
        if (!string.Equals(draft.OrderId, OrderId, StringComparison.Ordinal))
        {
            throw new DomainValidationException("order_id", $"the request belongs to order '{draft.OrderId}', not '{OrderId}'");
        }

        if (Order.Status != OrderStatus.Unspecified || Order.Pending != PendingWork.None)
        {
            if (!PlaceOrderValidation.SameRequest(Order.Fingerprint, draft.Fingerprint, command))
            {
                throw new IdempotencyConflictException(OrderId, "PlaceOrder was already called for this (channel, external_order_id) with a different payload");
            }

            await CompletePendingWorkAsync();
            return new PlaceOrderResult(_published!, Duplicate: true);
        }

        // Sold out is decided before the customer is looked up: in a flash sale nearly every order ends here, and
        // the lookup would activate (and load) one customer grain per buyer just to refuse the order anyway. So a
        // blocked or unknown customer who orders a sold-out item is told it is sold out, which is also true.
        if (hints.SoldOutReason(draft.CampaignId, draft.Lines, now, draft.Channel) is { } soldOut)
        {
            if (soldOut == RejectReason.OutOfStock)
            {
                ServiceProvider.GetRequiredService<OutOfStockTally>().CountRefusal(GrainFactory, draft.Lines, hints, now);
            }

            return await RefuseAsync(draft, soldOut, now);
        }

        var account = GrainFactory.GetGrainCached<ICustomerAccountGrain>(command.CustomerId);
        var customer = await account.FindProfileAsync();
        if (customer is null)
        {
            // A buyer the OMS has never seen: refused, or given an account, as the channel says.
            var rules = newCustomers.Value.For(draft.Channel);
            if (rules.UnknownCustomers != UnknownCustomerPolicy.Create)
            {
                throw new NotFoundException("customer", command.CustomerId);
            }

            customer = await account.OpenIfUnknownAsync(rules.AccountFor(command.CustomerId, draft.ShipTo));
            draft.History.Add(new OrderHistoryEntry(draft.History.Count + 1, now, "customer_account_opened", "channel:" + draft.Channel,
                $"account {customer.CustomerId} opened for channel {draft.Channel}: tier {customer.Tier}, credit limit {customer.CreditLimitMinor}", draft.Status, draft.Status));
        }

        draft.PaymentTerms = customer.PaymentTerms;
        draft.PaymentTermDays = PaymentTerms.Days(customer.PaymentTerms) ?? 0;
        if (customer.Blocked)
        {
            return await RefuseAsync(draft, RejectReason.CustomerBlocked, now);
        }

        state.State = draft;
        await PersistAsync();
        await RegisterExpiryReminderAsync(now + _options.ReservationTimeout);
        try
        {
            await RunPlacementAsync();
        }
        catch (Exception exception) when (exception is not DomainValidationException and not NotFoundException)
        {
            Log.PlacementInterrupted(logger, exception, OrderId);
            throw;
        }

        return new PlaceOrderResult(_published!, Duplicate: false);
    }

    /// <summary>Nothing reserved yet and nothing will be: the rejection is the order's first and only write, with no saga and no reminder.</summary>
    private async Task<PlaceOrderResult> RefuseAsync(OrderState draft, RejectReason reason, DateTimeOffset now)
    {
        OrderDrafts.Reject(draft, reason, now);
        state.State = draft;
        await PersistAsync([OrderStreamEvents.Rejection(draft)]);
        Publish();
        Log.OrderRejected(logger, OrderId, reason);
        return new PlaceOrderResult(_published!, Duplicate: false);
    }

    /// <summary>Returns the order; NotFound until a placement has finished.</summary>
    public async Task<OrderSnapshot> GetAsync()
    {
        if (_published is null && Order is { Status: OrderStatus.Unspecified, Pending: PendingWork.None })
        {
            // The sold-out gate stores refusals without activating this grain: an activation that found nothing
            // may have been overtaken since, so it looks again before saying there is no such order.
            await state.ReadStateAsync();
            Publish();
        }

        return _published ?? throw new NotFoundException("order", OrderId);
    }

    /// <summary>Records the payment; the same payment reference again returns the order unchanged.</summary>
    public async Task<OrderSnapshot> ConfirmPaymentAsync(ConfirmPaymentCommand command)
    {
        if (command is null)
        {
            throw new DomainValidationException("request", "is required");
        }

        if (string.IsNullOrWhiteSpace(command.PaymentReference))
        {
            throw new DomainValidationException("payment_reference", "is required");
        }

        if (command.ExchangeId is not null)
        {
            return await ConfirmExchangePaymentAsync(command);
        }

        await EnsurePlacedAsync();
        if (string.Equals(Order.PaymentReference, command.PaymentReference, StringComparison.Ordinal))
        {
            return command.AmountMinor == Order.PaidMinor
                ? _published!
                : throw new IdempotencyConflictException(command.PaymentReference, $"it confirmed {Order.PaidMinor} {Order.Currency}, not {command.AmountMinor}");
        }

        if (OnTerms && (Order.InvoicedAt is not null || Order.Payments.Count > 0))
        {
            return await ReceivePaymentAsync(command);
        }

        if (OnTerms && Order.PaidMinor == 0 && Order.Status is OrderStatus.Released or OrderStatus.PartiallyShipped or OrderStatus.Shipped or OrderStatus.Delivered)
        {
            throw new RuleViolationException(
                $"order '{OrderId}'",
                $"it ships on {Order.PaymentTerms} terms ({Order.Status}): payments are taken against its invoice once it is completed");
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

        _ = next;
        await TransitionAsync(OrderTrigger.ConfirmPayment, "paid", "payment:" + command.PaymentReference, $"{command.AmountMinor} {Order.Currency}", () =>
        {
            Order.PaymentReference = command.PaymentReference;
            Order.PaidMinor = command.AmountMinor;
            Order.ReservationExpiresAt = null;
        });
        await UnregisterReminderAsync(ExpiryReminder);
        if (_options.AutoRelease)
        {
            await ReleaseCoreAsync(SystemActor);
        }

        return _published!;
    }

    /// <summary>A payment against the invoice of an order on terms: up to the open balance, once per payment reference.</summary>
    private async Task<OrderSnapshot> ReceivePaymentAsync(ConfirmPaymentCommand command)
    {
        var earlier = Order.Payments.Find(p => string.Equals(p.PaymentReference, command.PaymentReference, StringComparison.Ordinal));
        if (earlier is not null)
        {
            return command.AmountMinor == earlier.AmountMinor
                ? _published!
                : throw new IdempotencyConflictException(command.PaymentReference, $"it paid {earlier.AmountMinor} {Order.Currency}, not {command.AmountMinor}");
        }

        if (command.AmountMinor <= 0)
        {
            throw new DomainValidationException("amount_minor", $"{command.AmountMinor} must be positive");
        }

        var open = OrderMoney.BalanceDue(Order);
        if (command.AmountMinor > open)
        {
            throw new DomainValidationException("amount_minor", $"{command.AmountMinor} exceeds the open balance of {open} {Order.Currency} on order '{OrderId}'");
        }

        await TransitionAsync(OrderTrigger.ReceivePayment, "payment_received", "payment:" + command.PaymentReference, $"{command.AmountMinor} {Order.Currency}; {open - command.AmountMinor} still open", () =>
        {
            Order.Payments.Add(new PaymentRecord(command.PaymentReference, command.AmountMinor, Order.Currency, clock.GetUtcNow()));
            Order.ReceivableDirty = true;
        });
        await RunFollowUpsAsync();
        return _published!;
    }

    /// <summary>Cancels the order and releases stock, campaign units and credit exposure; a cancelled order is returned unchanged.</summary>
    public Task<OrderSnapshot> CancelAsync(string reason) => CancelAsAsync("customer", reason);

    /// <summary>Cancels on an operator's word; the history entry names the operator.</summary>
    public Task<OrderSnapshot> CancelByOperatorAsync(string actor, string reason) =>
        string.IsNullOrWhiteSpace(actor)
            ? throw new DomainValidationException("actor", "is required: operator cancellations name the operator")
            : CancelAsAsync(actor, reason);

    private async Task<OrderSnapshot> CancelAsAsync(string actor, string reason)
    {
        await EnsurePlacedAsync();
        if (Order.Status == OrderStatus.Cancelled)
        {
            return _published!;
        }

        await CancelAndReleaseAsync(OrderTrigger.Cancel, string.IsNullOrWhiteSpace(reason) ? "cancelled" : reason, actor);
        return _published!;
    }

    /// <summary>
    /// Approves the next step of the hold's approval chain if the approver holds its role; the last step moves the order to
    /// PENDING_PAYMENT with a fresh reservation timeout. One person approves one step at most.
    /// </summary>
    public async Task<OrderSnapshot> ApproveHoldAsync(HoldApproval approval)
    {
        if (approval is null || string.IsNullOrWhiteSpace(approval.Approver))
        {
            throw new DomainValidationException("approver", "is required: approvals name the operator");
        }

        var approver = approval.Approver;
        await EnsurePlacedAsync();
        OrderTransitions.Next(OrderId, Order.Status, OrderTrigger.ApproveHold);
        if (Order.Approvers.Contains(approver, StringComparer.Ordinal))
        {
            return _published!;
        }

        var steps = Order.ApprovalSteps.Count > 0 ? Order.ApprovalSteps : ReviewRules.LegacyChain(Order.ApprovalsRequired);
        var step = Math.Min(Order.Approvers.Count, steps.Count - 1);
        var role = steps[step];
        if (!ReviewRoles.Qualifies(role, approval.Roles ?? []))
        {
            throw new ApprovalRoleException(OrderId, step + 1, steps.Count, role, approver, approval.Roles ?? []);
        }

        if (step + 1 < steps.Count)
        {
            await TransitionAsync(OrderTrigger.RecordApproval, "approval", approver, $"step {step + 1} of {steps.Count} ({role}) approved; next: {steps[step + 1]}", () => Order.Approvers.Add(approver));
            return _published!;
        }

        // An order on terms waits for release, not for payment: it has no reservation timeout.
        DateTimeOffset? expiresAt = OnTerms ? null : clock.GetUtcNow() + (Order.CampaignReservationTimeout ?? _options.ReservationTimeout);
        if (expiresAt is { } due)
        {
            await RegisterExpiryReminderAsync(due);
        }

        await TransitionAsync(OrderTrigger.ApproveHold, "approved", approver, $"hold {Order.HoldReason} approved (step {step + 1} of {steps.Count}, {role})", () =>
        {
            Order.Approvers.Add(approver);
            Order.HoldReason = HoldReason.Unspecified;
            Order.HoldDetails = null;
            Order.HoldExpiresAt = null;
            Order.ReservationExpiresAt = expiresAt;
        });
        await UnregisterReminderAsync(HoldReminder);
        if (OnTerms && _options.AutoRelease)
        {
            await ReleaseCoreAsync(SystemActor);
        }

        return _published!;
    }

    /// <summary>Cancels a held order on an operator's decision.</summary>
    public async Task<OrderSnapshot> RejectHoldAsync(string approver, string reason)
    {
        if (string.IsNullOrWhiteSpace(approver))
        {
            throw new DomainValidationException("approver", "is required: rejections name the operator");
        }

        await EnsurePlacedAsync();
        await CancelAndReleaseAsync(OrderTrigger.RejectHold, string.IsNullOrWhiteSpace(reason) ? "hold rejected" : reason, approver);
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
        // Ends early when the silo stops or this activation asked to be deactivated: Orleans deactivates an activation
        // only once its running requests finished, so the watcher gets the current state now and asks again (reaching
        // the next activation) rather than holding the deactivation, and the silo's stop, up for the whole wait.
        using var delay = CancellationTokenSource.CreateLinkedTokenSource(_deactivating.Token, shutdown.Stopping);
        await Task.WhenAny(changed, Task.Delay(timeout < _options.MaxWatchWait ? timeout : _options.MaxWatchWait, delay.Token));
        await delay.CancelAsync();
        return _published!;
    }

    /// <summary>Expires an unpaid order whose reservation lapsed; finishes interrupted saga steps; drops the reminder once it has no work.</summary>
    public Task ReceiveReminder(string reminderName, TickStatus status) => ReceiveReminderCoreAsync(reminderName);

    /// <summary>Ends waiting long polls: the activation is going away.</summary>
    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        _deactivating.Cancel();
        return Task.CompletedTask;
    }

    private async Task ReceiveReminderCoreAsync(string reminderName)
    {
        if (string.Equals(reminderName, HoldReminder, StringComparison.Ordinal))
        {
            await CompletePendingWorkAsync();
            if (Order is { Status: OrderStatus.OnHold, HoldExpiresAt: { } holdExpiresAt })
            {
                if (clock.GetUtcNow() >= holdExpiresAt)
                {
                    Log.HoldExpired(logger, OrderId, holdExpiresAt);
                    await CancelAndReleaseAsync(OrderTrigger.ExpireHold, "hold timed out", SystemActor);
                }

                return;
            }

            await UnregisterReminderAsync(HoldReminder);
            return;
        }

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

    /// <summary>Hands the paid order to the warehouses holding its units; replays return the order unchanged.</summary>
    public Task<OrderSnapshot> ReleaseAsync(string actor) => ReleaseCoreAsync(string.IsNullOrWhiteSpace(actor) ? "operator" : actor);

    private async Task<OrderSnapshot> ReleaseCoreAsync(string actor)
    {
        await EnsurePlacedAsync();
        if (Order.ReleasedAt is not null)
        {
            return _published!;
        }

        var warehouses = string.Join(", ", Order.Progress.SelectMany(p => p.Open).Select(a => a.WarehouseId).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal));
        var trigger = OnTerms && Order.Status == OrderStatus.PendingPayment ? OrderTrigger.ReleaseOnTerms : OrderTrigger.Release;
        await TransitionAsync(trigger, "released", actor, $"to {(warehouses.Length == 0 ? "no warehouse yet (all backordered)" : warehouses)}", () =>
        {
            Order.ReleasedAt = clock.GetUtcNow();
            Order.WarehousesDirty = true;
        });
        await RunFollowUpsAsync();
        return _published!;
    }

    /// <summary>Records a shipped package: deducts its stock and moves to PARTIALLY_SHIPPED or SHIPPED; over-shipment is refused.</summary>
    public async Task<OrderSnapshot> ReportShipmentAsync(ReportShipmentCommand command)
    {
        if (command is null)
        {
            throw new DomainValidationException("request", "is required");
        }

        Require(command.WarehouseId, "warehouse_id");
        Require(command.ShipmentId, "shipment_id");
        var lines = ValidateLines(command.Lines, "lines");
        await EnsurePlacedAsync();
        var earlier = Order.Shipments.Find(s => string.Equals(s.ShipmentId, command.ShipmentId, StringComparison.Ordinal));
        if (earlier is not null)
        {
            return string.Equals(earlier.WarehouseId, command.WarehouseId, StringComparison.Ordinal) && SameLines(earlier.Lines, lines)
                ? _published!
                : throw new IdempotencyConflictException(command.ShipmentId, "it reported a different warehouse or different lines");
        }

        if (await TryReportExchangeShipmentAsync(command, lines) is { } afterExchangeShipment)
        {
            return afterExchangeShipment;
        }

        OrderTransitions.Next(OrderId, Order.Status, OrderTrigger.ShipPartially);
        foreach (var line in lines)
        {
            var progress = ProgressOf(line.Sku, "lines");
            var open = progress.Open.Find(a => string.Equals(a.WarehouseId, command.WarehouseId, StringComparison.Ordinal))?.Quantity ?? 0;
            if (line.Quantity > open)
            {
                var shipped = ShippedFrom(line.Sku, command.WarehouseId);
                throw new RuleViolationException(
                    $"order '{OrderId}' SKU '{line.Sku}'",
                    $"over-shipment: {line.Quantity} units from warehouse '{command.WarehouseId}', where {open + shipped} are allocated and {shipped} already shipped");
            }
        }

        foreach (var line in lines)
        {
            var progress = ProgressOf(line.Sku, "lines");
            progress.Open = [.. progress.Open.Select(a => string.Equals(a.WarehouseId, command.WarehouseId, StringComparison.Ordinal) ? a with { Quantity = a.Quantity - line.Quantity } : a).Where(a => a.Quantity > 0)];
        }

        var remaining = Order.Progress.Sum(p => p.Open.Sum(a => a.Quantity) + p.Backordered);
        var trigger = remaining == 0 ? OrderTrigger.ShipCompletely : OrderTrigger.ShipPartially;
        await TransitionAsync(trigger, "shipped", "warehouse:" + command.WarehouseId, $"shipment {command.ShipmentId}: {Describe(lines)} via {command.Carrier} {command.TrackingNumber}", () =>
        {
            Order.Shipments.Add(new ShipmentRecord(command.ShipmentId, command.WarehouseId, lines, command.Carrier ?? string.Empty, command.TrackingNumber ?? string.Empty, clock.GetUtcNow(), null));
            Order.StockCalls.AddRange(lines.Select(l => new StockCall { Kind = StockCallKind.Deduct, Sku = l.Sku, Key = command.ShipmentId, WarehouseId = command.WarehouseId, Quantity = l.Quantity }));
            Order.WarehousesDirty = true;
        });
        await RunFollowUpsAsync();
        return _published!;
    }

    /// <summary>Marks a shipment delivered; the last one of a fully shipped order makes it DELIVERED and then COMPLETED.</summary>
    public async Task<OrderSnapshot> ConfirmDeliveryAsync(string shipmentId)
    {
        Require(shipmentId, "shipment_id");
        await EnsurePlacedAsync();
        var index = Order.Shipments.FindIndex(s => string.Equals(s.ShipmentId, shipmentId, StringComparison.Ordinal));
        if (index < 0)
        {
            throw new NotFoundException("shipment", shipmentId);
        }

        if (Order.Shipments[index].DeliveredAt is not null)
        {
            return _published!;
        }

        if (await TryConfirmExchangeDeliveryAsync(index) is { } afterExchangeDelivery)
        {
            return afterExchangeDelivery;
        }

        await DeliverAsync(index, Order.Shipments[index] with { DeliveredAt = clock.GetUtcNow() }, $"shipment {shipmentId}");
        return _published!;
    }

    /// <summary>
    /// Records <paramref name="delivered"/> (the shipment at <paramref name="index"/> with its delivery time) in one
    /// write with <paramref name="notes"/>; the last delivery of a fully shipped order makes it DELIVERED, then COMPLETED.
    /// </summary>
    private async Task DeliverAsync(int index, ShipmentRecord delivered, string details, Action? alsoApply = null, IReadOnlyList<(string Event, string Details)>? notes = null)
    {
        var everyOtherDelivered = Order.Shipments.Where((_, i) => i != index).All(s => s.DeliveredAt is not null);
        var trigger = everyOtherDelivered && Order.Status == OrderStatus.Shipped ? OrderTrigger.DeliverCompletely : OrderTrigger.DeliverPartially;
        await TransitionAsync(trigger, "delivered", "carrier:" + delivered.Carrier, details, () =>
        {
            Order.Shipments[index] = delivered;
            alsoApply?.Invoke();
        }, notes);
        if (Order.Status == OrderStatus.Delivered)
        {
            await TransitionAsync(OrderTrigger.Complete, "completed", SystemActor, "every shipment delivered");
        }

        if (HasFollowUps)
        {
            // The invoice of an order on terms replaces its exposure in the customer's account.
            await RunFollowUpsAsync();
        }
    }

    /// <summary>Opens an RMA for delivered units that were not returned yet.</summary>
    public async Task<OrderSnapshot> RequestReturnAsync(RequestReturnCommand command)
    {
        if (command is null)
        {
            throw new DomainValidationException("request", "is required");
        }

        Require(command.ReturnRequestId, "return_request_id");
        var lines = ValidateLines(command.Lines, "lines");
        ValidateReasonCode(command.ReasonCode);
        await EnsurePlacedAsync();
        var earlier = Order.Returns.Find(r => string.Equals(r.ReturnRequestId, command.ReturnRequestId, StringComparison.Ordinal));
        if (earlier is not null)
        {
            return SameLines(earlier.Lines, lines)
                ? _published!
                : throw new IdempotencyConflictException(command.ReturnRequestId, "it requested the return of different lines");
        }

        OrderTransitions.Next(OrderId, Order.Status, OrderTrigger.RequestReturn);
        EnsureWithinReturnWindow();
        foreach (var line in lines)
        {
            _ = ProgressOf(line.Sku, "lines");
            var returnable = Delivered(line.Sku) - Returned(line.Sku);
            if (line.Quantity > returnable)
            {
                throw new RuleViolationException($"order '{OrderId}' SKU '{line.Sku}'", $"only {returnable} delivered units can be returned, not {line.Quantity}");
            }
        }

        var rmaId = $"RMA-{OrderId}-{Order.Returns.Count + 1}";
        var rma = NewRma(rmaId, command, lines);
        await TransitionAsync(OrderTrigger.RequestReturn, "return_requested", "customer", $"{rmaId}: {Describe(lines)} ({command.Reason}); {DescribeNewRma(rma)}", () =>
            Order.Returns.Add(rma));
        return _published!;
    }

    /// <summary>Receives an RMA's goods: restocks resalable units, refunds every received unit, PARTIALLY_RETURNED or RETURNED.</summary>
    public async Task<OrderSnapshot> ReceiveReturnAsync(ReceiveReturnCommand command)
    {
        if (command is null)
        {
            throw new DomainValidationException("request", "is required");
        }

        Require(command.RmaId, "rma_id");
        Require(command.WarehouseId, "warehouse_id");
        if (command.Lines is null || command.Lines.Count == 0)
        {
            throw new DomainValidationException("lines", "at least one line is required");
        }

        for (var i = 0; i < command.Lines.Count; i++)
        {
            var line = command.Lines[i];
            Require(line.Sku, $"lines[{i}].sku");
            if (line.Quantity <= 0)
            {
                throw new DomainValidationException($"lines[{i}].quantity", "must be positive");
            }

            if (line.Condition is not (ItemCondition.Resalable or ItemCondition.Damaged))
            {
                throw new DomainValidationException($"lines[{i}].condition", "must be ITEM_CONDITION_RESALABLE or ITEM_CONDITION_DAMAGED");
            }
        }

        await EnsurePlacedAsync();
        var index = Order.Returns.FindIndex(r => string.Equals(r.RmaId, command.RmaId, StringComparison.Ordinal));
        if (index < 0)
        {
            throw new NotFoundException("rma", command.RmaId);
        }

        var rma = Order.Returns[index];
        var received = command.Lines.OrderBy(l => l.Sku, StringComparer.Ordinal).ThenBy(l => l.Condition).ToList();
        if (rma.ReceivedAt is not null)
        {
            return string.Equals(rma.WarehouseId, command.WarehouseId, StringComparison.Ordinal) && rma.Received.SequenceEqual(received)
                ? _published!
                : throw new IdempotencyConflictException(command.RmaId, "its goods were already received with different lines");
        }

        RmaRules.EnsureReceivable(OrderId, rma);

        OrderTransitions.Next(OrderId, Order.Status, OrderTrigger.ReceiveReturnPartially);
        foreach (var group in received.GroupBy(l => l.Sku, StringComparer.Ordinal))
        {
            var authorised = rma.Lines.Where(l => string.Equals(l.Sku, group.Key, StringComparison.Ordinal)).Sum(l => l.Quantity);
            if (group.Sum(l => l.Quantity) > authorised)
            {
                throw new RuleViolationException($"order '{OrderId}' {command.RmaId} SKU '{group.Key}'", $"{group.Sum(l => l.Quantity)} units received, but {authorised} were authorised for return");
            }
        }

        if (await TryReceiveExchangeReturnAsync(index, command, received) is { } afterExchangeReturn)
        {
            return afterExchangeReturn;
        }

        var refund = received.Sum(l => RefundFor(l.Sku, l.Quantity));
        var returnedAfter = Order.Returns.Sum(r => r.Received.Sum(l => l.Quantity)) + received.Sum(l => l.Quantity);
        var shipped = Order.Shipments.Sum(s => s.Lines.Sum(l => l.Quantity));
        var trigger = returnedAfter >= shipped ? OrderTrigger.ReceiveReturnCompletely : OrderTrigger.ReceiveReturnPartially;
        var now = clock.GetUtcNow();
        await TransitionAsync(
            trigger,
            "return_received",
            "warehouse:" + command.WarehouseId,
            $"{command.RmaId}: {string.Join(", ", received.Select(l => $"{l.Quantity} x {l.Sku} {l.Condition}"))}",
            () =>
            {
                Order.Returns[index] = rma with { WarehouseId = command.WarehouseId, Received = received, ReceivedAt = now, RefundMinor = refund, Status = RmaStatus.Received };
                Order.Refunds.Add(new RefundRecord(command.RmaId, OrderMoney.ReturnCause, refund, Order.Currency, now));
                if (OrderMoney.BalanceDue(Order) is > 0 and var due)
                {
                    // Goods back on an unpaid invoice lower what is owed; only the rest is owed back to the customer.
                    Order.InvoiceCredits[command.RmaId] = Math.Min(due, refund);
                    Order.ReceivableDirty = true;
                }

                Order.StockCalls.AddRange(received
                    .Where(l => l.Condition == ItemCondition.Resalable)
                    .GroupBy(l => l.Sku, StringComparer.Ordinal)
                    .Select(g => new StockCall { Kind = StockCallKind.RestockReturn, Sku = g.Key, Key = command.RmaId, WarehouseId = command.WarehouseId, Quantity = g.Sum(l => l.Quantity) }));
            },
            [("refund", $"{command.RmaId}: {refund} {Order.Currency}")]);
        await RunFollowUpsAsync();
        return _published!;
    }

    /// <summary>Partial cancel of backordered units; the last units of a line that shipped nothing else leave nothing to ship.</summary>
    public async Task<OrderSnapshot> CancelBackorderAsync(CancelBackorderCommand command)
    {
        if (command is null)
        {
            throw new DomainValidationException("request", "is required");
        }

        Require(command.CancellationId, "cancellation_id");
        var lines = ValidateLines(command.Lines, "lines");
        await EnsurePlacedAsync();
        if (Order.CancellationIds.Contains(command.CancellationId, StringComparer.Ordinal))
        {
            return _published!;
        }

        OrderTransitions.Next(OrderId, Order.Status, OrderTrigger.CancelBackorder);
        foreach (var line in lines)
        {
            var backordered = ProgressOf(line.Sku, "lines").Backordered;
            if (line.Quantity > backordered)
            {
                throw new RuleViolationException($"order '{OrderId}' SKU '{line.Sku}'", $"only {backordered} units are backordered; {line.Quantity} cannot be cancelled");
            }
        }

        var amount = lines.Sum(l => RefundFor(l.Sku, l.Quantity));
        var remaining = Order.Progress.Sum(p => p.Open.Sum(a => a.Quantity) + p.Backordered) - lines.Sum(l => l.Quantity);
        var trigger = remaining > 0 ? OrderTrigger.CancelBackorder
            : Order.Shipments.Count > 0 ? OrderTrigger.CancelBackorderCompletingShipment
            : Order.Status == OrderStatus.Released ? OrderTrigger.CancelLastBackorder
            : OrderTrigger.Cancel;
        var actor = string.IsNullOrWhiteSpace(command.Actor) ? "customer" : command.Actor;
        if (trigger == OrderTrigger.Cancel)
        {
            // Nothing reserved and nothing left: the whole order is cancelled, releasing campaign units and exposure too.
            Order.CancellationIds.Add(command.CancellationId);
            await CancelAndReleaseAsync(trigger, command.Reason ?? "backorder cancelled", actor);
            return _published!;
        }

        var paid = Order.PaidMinor > 0;
        await TransitionAsync(
            trigger,
            trigger == OrderTrigger.CancelLastBackorder ? "cancelled" : "backorder_cancelled",
            actor,
            $"{command.CancellationId}: {Describe(lines)} ({command.Reason})",
            () =>
            {
                foreach (var line in lines)
                {
                    var progress = ProgressOf(line.Sku, "lines");
                    progress.Backordered -= line.Quantity;
                    progress.Cancelled += line.Quantity;
                }

                Order.CancellationIds.Add(command.CancellationId);
                Order.StockCalls.AddRange(lines.Select(l => new StockCall { Kind = StockCallKind.CancelUnits, Sku = l.Sku, Key = command.CancellationId, Quantity = l.Quantity }));
                if (paid)
                {
                    Order.Refunds.Add(new RefundRecord(command.CancellationId, "backorder cancelled", amount, Order.Currency, clock.GetUtcNow()));
                }
                else
                {
                    Order.TotalMinor -= amount;
                }

                Order.WarehousesDirty = Order.ReleasedAt is not null;
            },
            paid ? [("refund", $"{command.CancellationId}: {amount} {Order.Currency}")] : null);
        if (Order.Status == OrderStatus.Shipped && Order.Shipments.TrueForAll(s => s.DeliveredAt is not null))
        {
            // Everything shipped was delivered before the rest was cancelled: no delivery is left to complete the order.
            await TransitionAsync(OrderTrigger.DeliverCompletely, "delivered", SystemActor, $"{command.CancellationId}: nothing left to ship");
            await TransitionAsync(OrderTrigger.Complete, "completed", SystemActor, "every shipment delivered");
        }

        await RunFollowUpsAsync();
        return _published!;
    }

    /// <summary>Adopts a SKU pool's newer view of this order's reservation and updates the pick queues.</summary>
    public async Task ApplyStockChangeAsync(StockReservationChange change)
    {
        ArgumentNullException.ThrowIfNull(change);
        await CompletePendingWorkAsync();
        if (!string.Equals(change.Reservation.OrderId, OrderId, StringComparison.Ordinal))
        {
            await ApplyExchangeStockChangeAsync(change);
            return;
        }

        var progress = Order.Progress.Find(p => string.Equals(p.Sku, change.Sku, StringComparison.Ordinal));
        if (progress is null || change.Reservation.Version <= progress.ReservationVersion || !OrderTransitions.IsAllowed(Order.Status, OrderTrigger.Reallocate))
        {
            return;
        }

        await AdoptAsync(progress, change.Reservation, change.Cause);
        await RunFollowUpsAsync();
    }

    /// <summary>Returns the audit trail.</summary>
    public Task<OrderHistory> GetHistoryAsync() =>
        Order.Status == OrderStatus.Unspecified
            ? throw new NotFoundException("order", OrderId)
            : Task.FromResult(new OrderHistory(OrderId, [.. Order.History]));

    private async Task AdoptAsync(SkuProgress progress, StockReservation? reservation, string cause)
    {
        var open = reservation is null ? [] : reservation.Allocations.ToList();
        var backordered = reservation?.Backordered ?? 0;
        var version = Math.Max(progress.ReservationVersion, reservation?.Version ?? 0);
        if (open.SequenceEqual(progress.Open) && backordered == progress.Backordered)
        {
            progress.ReservationVersion = version;
            return;
        }

        var @event = backordered > progress.Backordered ? "backordered" : backordered < progress.Backordered ? "backorder_filled" : "reallocated";
        void Apply()
        {
            progress.Open = open;
            progress.Backordered = backordered;
            progress.ReservationVersion = version;
            Order.WarehousesDirty = Order.ReleasedAt is not null;
        }

        if (!OrderTransitions.IsAllowed(Order.Status, OrderTrigger.Reallocate))
        {
            // A shipped or closed order keeps nothing reserved; only bookkeeping can differ here.
            Apply();
            await PersistAsync();
            return;
        }

        await TransitionAsync(OrderTrigger.Reallocate, @event, "sku:" + progress.Sku, $"{cause}: {Describe(open.Select(a => new LineQuantity(a.WarehouseId, a.Quantity)).ToList())}; backordered {backordered}", Apply);
    }

    private bool HasFollowUps =>
        Order.StockCalls.Count > 0 || Order.WarehousesDirty || Order.ReceivableDirty || (!Order.CreditReleased && ReleasesCredit) || Order.AlertsOwed.Count > 0;

    // Orders on terms stay exposed until their invoice replaces the exposure (see ReceivableDirty), unless cancelled.
    private bool ReleasesCredit =>
        Order.Status == OrderStatus.Cancelled || (!OnTerms && ShipmentReleasesCredit(Order.Status));

    private static bool ShipmentReleasesCredit(OrderStatus status) =>
        status is OrderStatus.Shipped or OrderStatus.Delivered or OrderStatus.Completed
            or OrderStatus.ReturnRequested or OrderStatus.PartiallyReturned or OrderStatus.Returned;

    /// <summary>
    /// Makes the calls a change promised (recorded in state with it, each idempotent): stock movements, pick queue updates,
    /// release of the credit exposure once shipped. Interrupted, they are finished on the next call or activation.
    /// </summary>
    private async Task RunFollowUpsAsync()
    {
        try
        {
            while (Order.StockCalls.Count > 0)
            {
                var call = Order.StockCalls[0];
                var pool = GrainFactory.GetGrainCached<ISkuStockGrain>(call.Sku);
                StockReservation? reservation = null;
                var adopt = true;
                switch (call.Kind)
                {
                    case StockCallKind.Deduct:
                        reservation = await pool.DeductAsync(new StockDeduction(call.Holder ?? OrderId, call.Key, call.WarehouseId, call.Quantity));
                        break;
                    case StockCallKind.CancelUnits:
                        reservation = await pool.CancelUnitsAsync(OrderId, call.Key, call.Quantity);
                        break;
                    case StockCallKind.RestockReturn:
                        await pool.RestockReturnAsync(new ReturnRestock(OrderId, call.Key, call.WarehouseId, call.Quantity));
                        adopt = false;
                        break;
                    default:
                        adopt = false;
                        break;
                }

                Order.StockCalls.RemoveAt(0);
                if (call.Holder is not null)
                {
                    NoteExchangeReservation(call.Holder, reservation);
                    adopt = false;
                }

                var progress = Order.Progress.Find(p => string.Equals(p.Sku, call.Sku, StringComparison.Ordinal));
                if (adopt && progress is not null)
                {
                    await AdoptAsync(progress, reservation, "stock pool after " + call.Kind);
                }

                await PersistAsync();
            }

            if (Order.WarehousesDirty)
            {
                await SyncWarehousesAsync();
            }

            if (Order.ReceivableDirty)
            {
                await GrainFactory.GetGrainCached<ICustomerAccountGrain>(Order.CustomerId).UpdateReceivableAsync(new ReceivableUpdate(
                    OrderId, Order.Currency, Order.ReceivableInvoicedMinor, OrderMoney.BalanceDue(Order), Order.InvoicedAt ?? Order.UpdatedAt, Order.PaymentDueAt ?? Order.UpdatedAt));
                Order.ReceivableDirty = false;
                Order.CreditReleased = true;
                await PersistAsync();
            }

            if (!Order.CreditReleased && ReleasesCredit)
            {
                await GrainFactory.GetGrainCached<ICustomerAccountGrain>(Order.CustomerId).ReleaseCreditAsync(OrderId);
                Order.CreditReleased = true;
                await PersistAsync();
            }

            await RaiseOwedAlertsAsync();
        }
        catch (Exception exception) when (exception is not (DomainValidationException or RuleViolationException))
        {
            Log.FollowUpInterrupted(logger, exception, OrderId);
            throw;
        }
    }

    /// <summary>Tells every warehouse exactly what this order still needs picked there (absolute, so a replay is harmless).</summary>
    private async Task SyncWarehousesAsync()
    {
        var byWarehouse = Order.Progress
            .SelectMany(p => p.Open.Select(a => (a.WarehouseId, Line: new LineQuantity(p.Sku, a.Quantity))))
            .Concat(ExchangePickLines())
            .GroupBy(x => x.WarehouseId, StringComparer.Ordinal)
            .ToDictionary(
                g => g.Key,
                g => g.GroupBy(x => x.Line.Sku, StringComparer.Ordinal).Select(s => new LineQuantity(s.Key, s.Sum(x => x.Line.Quantity))).ToList(),
                StringComparer.Ordinal);
        var released = Order.ReleasedAt is not null && Order.Status is not (OrderStatus.Cancelled or OrderStatus.Rejected);
        var targets = Order.TaskWarehouses.Union(released ? byWarehouse.Keys : [], StringComparer.Ordinal).ToList();
        var key = ConsolidationKey();
        await Task.WhenAll(targets.Select(warehouseId => GrainFactory.GetGrainCached<IWarehouseGrain>(warehouseId).SyncPickTasksAsync(
            new PickTaskSync(OrderId, Order.CustomerId, key, released ? byWarehouse.GetValueOrDefault(warehouseId) ?? [] : []))));
        Order.TaskWarehouses = released ? [.. byWarehouse.Keys] : [];
        Order.WarehousesDirty = false;
        await PersistAsync();
    }

    private string ConsolidationKey()
    {
        var a = Order.ShipTo;
        return a is null ? Order.CustomerId : string.Join('|', Order.CustomerId, a.Recipient, a.Line1, a.City, a.PostalCode, a.Country);
    }

    private SkuProgress ProgressOf(string sku, string field) =>
        Order.Progress.Find(p => string.Equals(p.Sku, sku, StringComparison.Ordinal))
            ?? throw new RuleViolationException($"order '{OrderId}'", $"{field}: the order has no line for SKU '{sku}'");

    private int ShippedFrom(string sku, string warehouseId) =>
        Order.Shipments.Where(s => string.Equals(s.WarehouseId, warehouseId, StringComparison.Ordinal))
            .Sum(s => s.Lines.Where(l => string.Equals(l.Sku, sku, StringComparison.Ordinal)).Sum(l => l.Quantity));

    private int Delivered(string sku) =>
        Order.Shipments.Where(s => s.DeliveredAt is not null).Sum(s => s.Lines.Where(l => string.Equals(l.Sku, sku, StringComparison.Ordinal)).Sum(l => l.Quantity));

    /// <summary>Units returned or authorised for return and not yet received (a rejected or cancelled RMA holds none).</summary>
    private int Returned(string sku) =>
        Order.Returns.Where(RmaRules.HoldsUnits).Sum(r => r.ReceivedAt is null
            ? r.Lines.Where(l => string.Equals(l.Sku, sku, StringComparison.Ordinal)).Sum(l => l.Quantity)
            : r.Received.Where(l => string.Equals(l.Sku, sku, StringComparison.Ordinal)).Sum(l => l.Quantity));

    /// <summary>
    /// Unit price × quantity less those units' share of order-level promotions (rounded up, so refunds never exceed what
    /// was paid), scaled pro rata when the amount paid differs from the total.
    /// </summary>
    private long RefundFor(string sku, int quantity)
    {
        var line = Order.Lines.First(l => string.Equals(l.Sku, sku, StringComparison.Ordinal));
        var gross = ((Int128)line.UnitPriceMinor * quantity) - OrderLines.OrderShareOf(line, quantity);
        return Order.PaidMinor > 0 && Order.TotalMinor > 0 && Order.PaidMinor != Order.TotalMinor
            ? (long)(gross * Order.PaidMinor / Order.TotalMinor)
            : (long)gross;
    }

    private static void Require(string? value, string field)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            throw new DomainValidationException(field, "is required");
        }
    }

    /// <summary>Checks SKU and quantity of each line and merges none: a SKU may appear once.</summary>
    private static List<LineQuantity> ValidateLines(IReadOnlyList<LineQuantity>? lines, string field)
    {
        if (lines is null || lines.Count == 0)
        {
            throw new DomainValidationException(field, "at least one line is required");
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < lines.Count; i++)
        {
            Require(lines[i]?.Sku, $"{field}[{i}].sku");
            if (!seen.Add(lines[i].Sku))
            {
                throw new DomainValidationException($"{field}[{i}].sku", $"SKU '{lines[i].Sku}' appears on an earlier line");
            }

            if (lines[i].Quantity <= 0)
            {
                throw new DomainValidationException($"{field}[{i}].quantity", "must be positive");
            }
        }

        return [.. lines.OrderBy(l => l.Sku, StringComparer.Ordinal)];
    }

    private static bool SameLines(IReadOnlyList<LineQuantity> a, IReadOnlyList<LineQuantity> b) =>
        a.OrderBy(l => l.Sku, StringComparer.Ordinal).SequenceEqual(b.OrderBy(l => l.Sku, StringComparer.Ordinal));

    private static string Describe(IReadOnlyList<LineQuantity> lines) =>
        string.Join(", ", lines.Select(l => $"{l.Quantity} x {l.Sku}"));

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
            campaign = await GrainFactory.GetGrainCached<ICampaignGrain>(campaignId)
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

        var campaignPriced = campaign is null
            ? lines
            : [.. lines.Select(l => string.Equals(l.Sku, campaign.Sku, StringComparison.Ordinal) ? l with { UnitPriceMinor = campaign.PriceMinor } : l)];
        try
        {
            _ = campaignPriced.Select((line, i) => (line, i)).Aggregate(0L, (sum, x) => PlaceOrderValidation.AddLine(sum, x.line, $"lines[{x.i}]"));
        }
        catch (DomainValidationException)
        {
            // The campaign price made the total overflow: undo the campaign hold and forget the order entirely.
            await ForgetPlacementAsync();
            throw;
        }

        var pricing = await PriceAsync(campaign);
        if (pricing is null)
        {
            return;
        }

        List<OrderLine> priced = [.. pricing.Lines];
        var total = pricing.TotalMinor;
        var priceHold = pricing.Mismatches.Count > 0 ? "price below list less promotions: " + string.Join("; ", pricing.Mismatches) : null;

        var shipTo = Order.ShipTo!;
        var backorders = ServiceProvider.GetRequiredService<IOptions<BackorderOptions>>().Value.AllowsBackorders(Order.Channel);
        var results = await Task.WhenAll(priced.Select(line =>
            GrainFactory.GetGrainCached<ISkuStockGrain>(line.Sku)
                .ReserveAsync(new StockReservationRequest(OrderId, line.Quantity, shipTo.Latitude, shipTo.Longitude, backorders))));
        if (results.Any(r => r.Outcome != StockReservationOutcome.Reserved))
        {
            var reason = results.Any(r => r.Outcome == StockReservationOutcome.UnknownSku) ? RejectReason.UnknownSku : RejectReason.OutOfStock;
            await RejectAsync(reason, anythingReserved: campaign is not null || Order.CouponCode is not null || results.Any(r => r.Outcome == StockReservationOutcome.Reserved));
            return;
        }

        var account = GrainFactory.GetGrainCached<ICustomerAccountGrain>(Order.CustomerId);
        var decision = OnTerms
            ? await account.ReserveTermsCreditAsync(new TermsReservationRequest(OrderId, total))
            : await account.ReserveCreditAsync(new CreditReservationRequest(OrderId, total));
        if (decision == CreditDecision.Blocked)
        {
            await RejectAsync(RejectReason.CustomerBlocked, anythingReserved: true);
            return;
        }

        if (decision == CreditDecision.Overdue && _options.OverdueCustomerOrders == OverduePolicy.Reject)
        {
            await RejectAsync(RejectReason.PaymentOverdue, anythingReserved: true);
            return;
        }

        // Counted for every order the credit check let through, so the velocity rules see held orders too. The discount
        // rule looks at the channel's own discounts (and campaigns) as always: promotions the OMS computed are sanctioned.
        var reviewReason = decision is CreditDecision.Accepted or CreditDecision.OverLimit or CreditDecision.Overdue ? await ReviewReasonAsync(lines, campaignPriced, total) : null;
        var review = decision == CreditDecision.Accepted ? reviewReason : null;
        var trigger = decision == CreditDecision.OverLimit ? OrderTrigger.HoldForCredit
            : decision == CreditDecision.Overdue ? OrderTrigger.HoldForOverdue
            : priceHold is not null && decision == CreditDecision.Accepted ? OrderTrigger.HoldForPriceReview
            : review is not null ? OrderTrigger.HoldForReview
            : OrderTrigger.Accept;
        var held = trigger != OrderTrigger.Accept;
        DateTimeOffset? holdExpiresAt = held ? clock.GetUtcNow() + _options.HoldTimeout : null;
        if (holdExpiresAt is { } holdDue)
        {
            await RegisterReminderAtAsync(HoldReminder, holdDue);
        }

        // An accepted order on terms waits for release, not for payment: no reservation timeout.
        DateTimeOffset? reservationExpiresAt = held || OnTerms ? null : Order.CreatedAt + (campaign?.ReservationTimeout ?? _options.ReservationTimeout);
        if (reservationExpiresAt is { } expiresAt && campaign?.ReservationTimeout is not null)
        {
            // Counted from placement, exactly when the reminder registered at placement is due unless the campaign says otherwise.
            await RegisterExpiryReminderAsync(expiresAt);
        }

        var details = trigger switch
        {
            OrderTrigger.HoldForCredit => $"total {total} {Order.Currency}; on hold: credit limit",
            OrderTrigger.HoldForReview => $"total {total} {Order.Currency}; on hold for manual review: {review}",
            OrderTrigger.HoldForOverdue => $"total {total} {Order.Currency}; on hold: an invoice of the customer is past due",
            OrderTrigger.HoldForPriceReview => $"total {total} {Order.Currency}; on hold for price review: {priceHold}",
            OrderTrigger.Accept when OnTerms => $"total {total} {Order.Currency}; on {Order.PaymentTerms} terms",
            _ => $"total {total} {Order.Currency}",
        };
        await TransitionAsync(trigger, held ? "held" : "accepted", "channel:" + Order.Channel, details, () =>
        {
            Order.HoldReason = trigger switch
            {
                OrderTrigger.HoldForCredit => HoldReason.CreditLimit,
                OrderTrigger.HoldForReview => HoldReason.ManualReview,
                OrderTrigger.HoldForOverdue => HoldReason.OverdueReceivable,
                OrderTrigger.HoldForPriceReview => HoldReason.PriceReview,
                _ => HoldReason.Unspecified,
            };
            Order.HoldExpiresAt = holdExpiresAt;
            Order.ApprovalSteps = held ? ReviewRules.ChainFor(total, reviewOptions.Value, _options.DualApprovalThresholdMinor) : [];
            Order.ApprovalsRequired = Order.ApprovalSteps.Count;
            Order.HoldDetails = trigger switch
            {
                OrderTrigger.HoldForCredit => $"open exposure with this order is over the customer's credit limit",
                OrderTrigger.HoldForReview => reviewReason,
                OrderTrigger.HoldForOverdue => "an invoice of the customer is past due",
                OrderTrigger.HoldForPriceReview => priceHold,
                _ => null,
            };
            Order.Lines = priced;
            Order.TotalMinor = total;
            Order.Progress = [.. priced.Zip(results).Select(x => BackorderNotes.Progress(x.First.Sku, x.Second))];
            Order.CampaignReservationTimeout = campaign?.ReservationTimeout;
            Order.Pending = PendingWork.None;
            Order.ReservationExpiresAt = reservationExpiresAt;
        },
        BackorderNotes.AtPlacement(priced, results));
        if (held)
        {
            Log.OrderHeld(logger, OrderId, Order.HoldReason);
        }

        if (Order.Status != OrderStatus.PendingPayment || reservationExpiresAt is null)
        {
            await UnregisterReminderAsync(ExpiryReminder);
        }

        if (OnTerms && Order.Status == OrderStatus.PendingPayment && _options.AutoRelease)
        {
            await ReleaseCoreAsync(SystemActor);
        }
    }

    /// <summary>
    /// Every review rule the order trips, joined, or null: its total or a discount against list price, a blocked address
    /// or a country not served, too many orders from the customer or to the address within the velocity window.
    /// </summary>
    private async Task<string?> ReviewReasonAsync(IReadOnlyList<OrderLine> requested, IReadOnlyList<OrderLine> priced, long total)
    {
        var rules = reviewOptions.Value;
        var reasons = new List<string>();
        if (ReviewReason(requested, priced, total) is { } amount)
        {
            reasons.Add(amount);
        }

        if (ReviewRules.AddressReason(Order.ShipTo, rules) is { } address)
        {
            reasons.Add(address);
        }

        if (rules.MaxOrdersPerCustomer > 0)
        {
            var count = await GrainFactory.GetGrainCached<IOrderVelocityGrain>("customer:" + Order.CustomerId).CountAsync(OrderId, Order.CreatedAt, rules.VelocityWindow);
            if (count > rules.MaxOrdersPerCustomer)
            {
                reasons.Add($"{count} orders from customer {Order.CustomerId} within {rules.VelocityWindow} (at most {rules.MaxOrdersPerCustomer})");
            }
        }

        if (rules.MaxOrdersPerAddress > 0 && Order.ShipTo is { } shipTo)
        {
            var count = await GrainFactory.GetGrainCached<IOrderVelocityGrain>("address:" + ReviewRules.AddressKeyOf(shipTo)).CountAsync(OrderId, Order.CreatedAt, rules.VelocityWindow);
            if (count > rules.MaxOrdersPerAddress)
            {
                reasons.Add($"{count} orders to {shipTo.Line1}, {shipTo.PostalCode} within {rules.VelocityWindow} (at most {rules.MaxOrdersPerAddress})");
            }
        }

        return reasons.Count == 0 ? null : string.Join("; ", reasons);
    }

    /// <summary>Why the order needs a person to look at it, or null: its total or a discount against list price.</summary>
    private string? ReviewReason(IReadOnlyList<OrderLine> requested, IReadOnlyList<OrderLine> priced, long total)
    {
        if (_options.ManualReviewThresholdMinor > 0 && total > _options.ManualReviewThresholdMinor)
        {
            return $"total above {_options.ManualReviewThresholdMinor}";
        }

        if (_options.ManualReviewDiscountPercent <= 0)
        {
            return null;
        }

        for (var i = 0; i < priced.Count; i++)
        {
            var list = requested[i].ListPriceMinor > 0 ? requested[i].ListPriceMinor : requested[i].UnitPriceMinor;
            var discount = (Int128)(list - priced[i].UnitPriceMinor) * 100;
            if (list > 0 && discount > (Int128)list * _options.ManualReviewDiscountPercent)
            {
                return $"{priced[i].Sku} discounted more than {_options.ManualReviewDiscountPercent}% against list price {list}";
            }
        }

        return null;
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
        await TransitionAsync(OrderTrigger.Reject, "rejected", "channel:" + Order.Channel, reason.ToString(), () =>
        {
            Order.RejectReason = reason;
            Order.CompensationReason = RejectReason.Unspecified;
            Order.Progress = [];
            Order.ReservationExpiresAt = null;
            Order.Pending = PendingWork.None;
        });
        Log.OrderRejected(logger, OrderId, reason);
        if (reminderRegistered)
        {
            await UnregisterReminderAsync(ExpiryReminder);
        }
    }

    private async Task ExpireAsync(DateTimeOffset expiresAt)
    {
        Log.ReservationExpired(logger, OrderId, expiresAt);
        await CancelAndReleaseAsync(OrderTrigger.ExpireReservation, "reservation expired", SystemActor);
    }

    private async Task CancelAndReleaseAsync(OrderTrigger trigger, string reason, string actor)
    {
        // What was paid and not yet refunded goes back: recorded like every other refund (the credit note's event).
        var owed = OrderMoney.Unrefunded(Order);
        var refundId = $"{OrderId}:cancelled";
        await TransitionAsync(trigger, "cancelled", actor, reason, () =>
        {
            if (owed > 0)
            {
                Order.Refunds.Add(new RefundRecord(refundId, OrderMoney.CancellationCause, owed, Order.Currency, clock.GetUtcNow()));
            }

            Order.CancelReason = reason;
            Order.HoldReason = HoldReason.Unspecified;
            Order.HoldDetails = null;
            Order.HoldExpiresAt = null;
            foreach (var progress in Order.Progress)
            {
                progress.Open = [];
                progress.Backordered = 0;
            }

            Order.WarehousesDirty = Order.TaskWarehouses.Count > 0;
            Order.CreditReleased = true;
            Order.ReservationExpiresAt = null;
            Order.Pending = PendingWork.Releasing;
        },
        owed > 0 ? [("refund", $"{refundId}: {owed} {Order.Currency}")] : null);
        await FinishReleaseAsync();
    }

    private async Task FinishReleaseAsync()
    {
        await ReleaseEverythingAsync();
        Order.Pending = PendingWork.None;
        await PersistAsync();
        await UnregisterReminderAsync(ExpiryReminder);
        await UnregisterReminderAsync(HoldReminder);
        await RunFollowUpsAsync();
    }

    /// <summary>Releases stock, campaign units and credit exposure in parallel; each release is a no-op where nothing is held.</summary>
    private Task ReleaseEverythingAsync()
    {
        var releases = Order.Lines.Select(line => GrainFactory.GetGrainCached<ISkuStockGrain>(line.Sku).ReleaseAsync(OrderId)).ToList();
        if (Order.CampaignId is { } campaignId)
        {
            releases.Add(GrainFactory.GetGrainCached<ICampaignGrain>(campaignId).ReleaseAsync(OrderId));
        }

        if (Order.CouponCode is { } couponCode)
        {
            releases.Add(GrainFactory.GetGrainCached<ICouponGrain>(couponCode).ReleaseAsync(OrderId));
        }

        releases.Add(GrainFactory.GetGrainCached<ICustomerAccountGrain>(Order.CustomerId).ReleaseCreditAsync(OrderId));
        return Task.WhenAll(releases);
    }

    /// <summary>Undoes what placement took and forgets the order entirely, for a request found impossible after its first write.</summary>
    private async Task ForgetPlacementAsync()
    {
        await ReleaseEverythingAsync();
        await state.ClearStateAsync();
        await UnregisterReminderAsync(ExpiryReminder);
    }

    private Task RegisterExpiryReminderAsync(DateTimeOffset expiresAt) => RegisterReminderAtAsync(ExpiryReminder, expiresAt);

    private async Task RegisterReminderAtAsync(string name, DateTimeOffset dueAt)
    {
        var due = dueAt - clock.GetUtcNow();
        _reminders[name] = await this.RegisterOrUpdateReminder(name, due > TimeSpan.Zero ? due : TimeSpan.Zero, _options.ExpiryRetryPeriod);
    }

    private async Task UnregisterReminderAsync(string name)
    {
        if (!_reminders.Remove(name, out var reminder))
        {
            reminder = await this.GetReminder(name);
        }

        if (reminder is not null)
        {
            await this.UnregisterReminder(reminder);
        }
    }

    // Memory may now differ from storage: the next call must start from a fresh load (and resume the saga from there).
    private void RequestDeactivation()
    {
        _deactivating.Cancel();
        DeactivateOnIdle();
    }

    /// <summary>
    /// The one way an order changes: checks the trigger against the transition table, applies the change, appends
    /// the history entry (and any <paramref name="notes"/>), persists and publishes. Streams of order events hook in here.
    /// </summary>
    private async Task TransitionAsync(OrderTrigger trigger, string @event, string actor, string details, Action? apply = null, IReadOnlyList<(string Event, string Details)>? notes = null)
    {
        var from = Order.Status;
        var to = OrderTransitions.Next(OrderId, from, trigger);
        var refundsBefore = Order.Refunds.Count;
        apply?.Invoke();
        if (trigger == OrderTrigger.Complete && OnTerms)
        {
            InvoiceOnTerms();
        }

        Order.Status = to;
        Touch();
        Order.History.Add(new OrderHistoryEntry(Order.History.Count + 1, Order.UpdatedAt, @event, actor, details, from, to));
        foreach (var note in notes ?? [])
        {
            Order.History.Add(new OrderHistoryEntry(Order.History.Count + 1, Order.UpdatedAt, note.Event, actor, note.Details, to, to));
        }

        await PersistAsync(OrderEventsOf(@event, from, refundsBefore));
        Publish();
    }

    /// <summary>The completion of an order on terms opens its invoice: what was not prepaid goes to receivables, due after the term.</summary>
    private void InvoiceOnTerms()
    {
        var now = clock.GetUtcNow();
        Order.ReceivableInvoicedMinor = Order.PaidMinor > 0 ? 0 : OrderMoney.Invoiced(Order);
        Order.InvoicedAt = now;
        Order.PaymentDueAt = now.AddDays(Order.PaymentTermDays);
        Order.ReceivableDirty = true;
    }

    // The stream events of one transition, appended in the same transaction as its state (see OrderStreams).
    // A transition with no accounting event still streams one when it changes what the read model shows.
    private List<StreamEvent> OrderEventsOf(string @event, OrderStatus from, int refundsBefore)
    {
        var events = new List<StreamEvent>();
        var kind = @event switch
        {
            "accepted" or "held" => OrderEventKind.Accepted,
            "paid" or "payment_received" => OrderEventKind.Paid,
            "cancelled" => OrderEventKind.Cancelled,
            "shipped" => OrderEventKind.Shipped,
            "completed" => OrderEventKind.Completed,
            "return_received" => OrderEventKind.ReturnReceived,
            _ => OrderStreamEvents.ReadModelKind(@event, from, Order.Status),
        };
        if (kind != OrderEventKind.Unspecified)
        {
            var receivablePayment = @event == "payment_received" ? Order.Payments[^1] : null;
            var amount = kind switch
            {
                OrderEventKind.Paid => receivablePayment?.AmountMinor ?? Order.PaidMinor,
                OrderEventKind.Completed => OrderMoney.Invoiced(Order),
                OrderEventKind.Cancelled => OrderMoney.Unrefunded(Order),
                _ => 0,
            };
            var receivable = kind switch
            {
                OrderEventKind.Paid => receivablePayment?.AmountMinor ?? 0,
                OrderEventKind.Completed when OnTerms => Order.ReceivableInvoicedMinor,
                _ => 0,
            };
            events.Add(Event(kind, Order.Version.ToString(CultureInfo.InvariantCulture), amount, receivablePayment?.PaymentReference ?? @event, receivable));
        }

        for (var i = refundsBefore; i < Order.Refunds.Count; i++)
        {
            var refund = Order.Refunds[i];
            var refundKind = OrderMoney.IsForReturn(refund) ? OrderEventKind.Refunded : OrderEventKind.PaymentRefunded;
            events.Add(Event(refundKind, $"{Order.Version}.r{i}", refund.AmountMinor, refund.RefundId, Order.InvoiceCredits.GetValueOrDefault(refund.RefundId)));
        }

        var d = 0;
        foreach (var (documentKind, documentAmount, documentReference) in DrainDocuments())
        {
            events.Add(Event(documentKind, $"{Order.Version}.x{d++}", documentAmount, documentReference, 0));
        }

        return events;

        StreamEvent Event(OrderEventKind eventKind, string version, long amount, string reference, long receivableMinor) =>
            OrderStreamEvents.Of(Order, eventKind, version, amount, reference, receivableMinor);
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
        _published = OrderSnapshots.Of(Order);
        if (previous is null || previous.Version != _published.Version)
        {
            var changed = _changed;
            _changed = new TaskCompletionSource<OrderSnapshot>(TaskCreationOptions.RunContinuationsAsynchronously);
            changed.TrySetResult(_published);
        }
    }

    private async Task PersistAsync(IReadOnlyList<StreamEvent>? events = null)
    {
        try
        {
            await (events is { Count: > 0 } ? state.WriteStateAsync(events) : state.WriteStateAsync());
        }
        catch (Exception)
        {
            RequestDeactivation();
            throw;
        }
    }
}
