using OrderGrains.Abstractions;

namespace OrderGrains.Grains;

/// <summary>
/// Exchanges (换货): the returned units go through the order's RMA machinery, the replacement is a reservation of its
/// own in the SKU pool (see <see cref="ReservationHolders"/>) that ships as pick tasks and shipments of the order. The
/// rules live in <see cref="ExchangeRules"/>; this part only sequences them through the order's transitions.
/// </summary>
public sealed partial class OrderGrain
{
    // Accounting documents the current transition adds beyond the status events (see OrderEventsOf); drained by it.
    private readonly List<(OrderEventKind Kind, long Amount, string Reference)> _documents = [];

    /// <summary>Opens an RMA for the returned units and reserves the replacement; releases it at once for advance exchange.</summary>
    public async Task<OrderSnapshot> RequestExchangeAsync(RequestExchangeCommand command)
    {
        if (command is null)
        {
            throw new DomainValidationException("request", "is required");
        }

        Require(command.ExchangeId, "exchange_id");
        var returned = ValidateLines(command.Returned is null ? null : [command.Returned], "returned")[0];
        if (command.Replacement is null)
        {
            throw new DomainValidationException("replacement", "is required");
        }

        Require(command.Replacement.Sku, "replacement.sku");
        if (command.Replacement.Quantity <= 0)
        {
            throw new DomainValidationException("replacement.quantity", "must be positive");
        }

        if (command.Replacement.UnitPriceMinor < 0)
        {
            throw new DomainValidationException("replacement.unit_price_minor", "must not be negative");
        }

        await EnsurePlacedAsync();
        await AbandonUnfinishedExchangesAsync();
        var linePrice = Order.Lines.Find(l => string.Equals(l.Sku, command.Replacement.Sku, StringComparison.Ordinal))?.UnitPriceMinor;
        var replacement = new OrderLine(command.Replacement.Sku, command.Replacement.Quantity, command.Replacement.UnitPriceMinor > 0
            ? command.Replacement.UnitPriceMinor
            : linePrice ?? throw new DomainValidationException("replacement.unit_price_minor", $"is required: SKU '{command.Replacement.Sku}' is not on the order"));
        var earlier = Order.Exchanges.Find(e => string.Equals(e.ExchangeId, command.ExchangeId, StringComparison.Ordinal));
        if (earlier is not null)
        {
            return ExchangeRules.SameRequest(earlier, returned, replacement)
                ? _published!
                : throw new IdempotencyConflictException(command.ExchangeId, "it requested the exchange of other units or another replacement");
        }

        if (Order.Returns.Exists(r => string.Equals(r.ReturnRequestId, command.ExchangeId, StringComparison.Ordinal)))
        {
            throw new IdempotencyConflictException(command.ExchangeId, "it is the id of a return request of this order");
        }

        OrderTransitions.Next(OrderId, Order.Status, OrderTrigger.RequestReturn);
        _ = ProgressOf(returned.Sku, "returned");
        var returnable = Delivered(returned.Sku) - Returned(returned.Sku);
        if (returned.Quantity > returnable)
        {
            throw new RuleViolationException($"order '{OrderId}' SKU '{returned.Sku}'", $"only {returnable} delivered units can be exchanged, not {returned.Quantity}");
        }

        var customer = await GrainFactory.GetGrainCached<ICustomerAccountGrain>(Order.CustomerId).FindProfileAsync();
        var exchange = new ExchangeState
        {
            ExchangeId = command.ExchangeId,
            RmaId = $"RMA-{OrderId}-{Order.Returns.Count + 1}",
            Returned = returned,
            Replacement = replacement,
            Reason = command.Reason ?? string.Empty,
            Advance = customer?.AdvanceExchange ?? false,
            ReturnedValueMinor = RefundFor(returned.Sku, returned.Quantity),
            ReplacementValueMinor = ExchangeRules.ReplacementValue(replacement),
            RequestedAt = clock.GetUtcNow(),
        };

        // Saga step: the exchange is recorded (unpublished, status Unspecified) before its replacement is reserved, so
        // a reservation whose exchange never became durable is found and released (AbandonUnfinishedExchangesAsync).
        Order.Exchanges.Add(exchange);
        await PersistAsync();
        var shipTo = Order.ShipTo;
        var reservation = await GrainFactory.GetGrainCached<ISkuStockGrain>(replacement.Sku)
            .ReserveAsync(new StockReservationRequest(exchange.Holder(OrderId), replacement.Quantity, shipTo?.Latitude ?? 0, shipTo?.Longitude ?? 0));
        if (reservation.Outcome != StockReservationOutcome.Reserved)
        {
            Order.Exchanges.Remove(exchange);
            await PersistAsync();
            throw reservation.Outcome == StockReservationOutcome.UnknownSku
                ? new NotFoundException("sku", replacement.Sku)
                : new RuleViolationException($"order '{OrderId}' exchange '{command.ExchangeId}'", $"no warehouse has {replacement.Quantity} free units of replacement SKU '{replacement.Sku}'");
        }

        exchange.Open = [.. reservation.Allocations];
        exchange.Backordered = reservation.Backordered;
        exchange.ReservationVersion = reservation.Version;
        var due = ExchangeRules.AmountDue(exchange);
        await TransitionAsync(
            OrderTrigger.RequestReturn,
            "exchange_requested",
            "customer",
            $"{command.ExchangeId} ({exchange.RmaId}): {returned.Quantity} x {returned.Sku} for {replacement.Quantity} x {replacement.Sku} ({exchange.Reason})",
            () =>
            {
                Order.Returns.Add(new ReturnRecord(exchange.RmaId, command.ExchangeId, [returned], exchange.Reason, exchange.RequestedAt, null, [], null, 0, Order.Currency));
                exchange.Status = ExchangeStatus.Reserved;
            },
            [
                ("exchange_reserved", $"{command.ExchangeId}: {Describe([.. exchange.Open.Select(a => new LineQuantity(a.WarehouseId, a.Quantity))])}"),
                ("exchange_settlement", due > 0
                    ? $"{command.ExchangeId}: {due} {Order.Currency} due before the replacement is released"
                    : $"{command.ExchangeId}: {ExchangeRules.RefundDue(exchange)} {Order.Currency} to refund at receipt"),
            ]);
        await ReleaseReadyExchangesAsync("customer");
        return _published!;
    }

    /// <summary>
    /// Compensates exchanges whose request was interrupted between recording them and their transition: the caller got
    /// no answer, so the replacement's reservation (if it was made) is released and the exchange forgotten; a retry
    /// requests it anew.
    /// </summary>
    private async Task AbandonUnfinishedExchangesAsync()
    {
        foreach (var exchange in Order.Exchanges.Where(e => e.Status == ExchangeStatus.Unspecified).ToList())
        {
            await GrainFactory.GetGrainCached<ISkuStockGrain>(exchange.Replacement.Sku).ReleaseAsync(exchange.Holder(OrderId));
            Order.Exchanges.Remove(exchange);
            await PersistAsync();
        }
    }

    /// <summary>The extra payment of an exchange: exactly the amount due, once per payment reference.</summary>
    private async Task<OrderSnapshot> ConfirmExchangePaymentAsync(ConfirmPaymentCommand command)
    {
        await EnsurePlacedAsync();
        var exchange = Order.Exchanges.Find(e => string.Equals(e.ExchangeId, command.ExchangeId, StringComparison.Ordinal))
            ?? throw new NotFoundException("exchange", command.ExchangeId!);
        var due = ExchangeRules.AmountDue(exchange);
        if (exchange.PaymentReference is { } paidWith)
        {
            return string.Equals(paidWith, command.PaymentReference, StringComparison.Ordinal)
                ? command.AmountMinor == due
                    ? _published!
                    : throw new IdempotencyConflictException(command.PaymentReference, $"it paid {due} {Order.Currency}, not {command.AmountMinor}")
                : throw new RuleViolationException($"order '{OrderId}' exchange '{exchange.ExchangeId}'", $"its extra payment was already made by '{paidWith}'");
        }

        if (due == 0)
        {
            throw new RuleViolationException($"order '{OrderId}' exchange '{exchange.ExchangeId}'", "no extra payment is due: the replacement costs no more than the returned units");
        }

        if (command.AmountMinor != due)
        {
            throw new DomainValidationException("amount_minor", $"{command.AmountMinor} does not equal the {due} {Order.Currency} due on exchange '{exchange.ExchangeId}'");
        }

        await TransitionAsync(OrderTrigger.ExchangeProgress, "exchange_paid", "payment:" + command.PaymentReference, $"{exchange.ExchangeId}: {due} {Order.Currency}", () =>
        {
            exchange.PaymentReference = command.PaymentReference;
            _documents.Add((OrderEventKind.Paid, due, command.PaymentReference));
        });
        await ReleaseReadyExchangesAsync("payment:" + command.PaymentReference);
        return _published!;
    }

    /// <summary>Hands every exchange that may now go out to the warehouses: its reserved units become pick tasks of the order.</summary>
    private async Task ReleaseReadyExchangesAsync(string actor)
    {
        foreach (var exchange in Order.Exchanges.Where(ExchangeRules.ReadyToRelease).ToList())
        {
            var warehouses = string.Join(", ", exchange.Open.Select(a => a.WarehouseId).Order(StringComparer.Ordinal));
            await TransitionAsync(OrderTrigger.ExchangeProgress, "exchange_released", actor, $"{exchange.ExchangeId}: {exchange.Replacement.Quantity} x {exchange.Replacement.Sku} to {(warehouses.Length == 0 ? "no warehouse yet (backordered)" : warehouses)}", () =>
            {
                exchange.Status = ExchangeStatus.Released;
                exchange.ReleasedAt = clock.GetUtcNow();
                Order.WarehousesDirty = true;
            });
        }

        if (HasFollowUps)
        {
            await RunFollowUpsAsync();
        }
    }

    /// <summary>A shipment of replacement units (the order itself has nothing left to ship); null when it is not one.</summary>
    private async Task<OrderSnapshot?> TryReportExchangeShipmentAsync(ReportShipmentCommand command, List<LineQuantity> lines)
    {
        if (OrderTransitions.IsAllowed(Order.Status, OrderTrigger.ShipPartially) || !Order.Exchanges.Exists(e => e.Status == ExchangeStatus.Released))
        {
            return null;
        }

        OrderTransitions.Next(OrderId, Order.Status, OrderTrigger.ExchangeProgress);
        var parts = new List<(ExchangeState Exchange, LineQuantity Line)>();
        foreach (var line in lines)
        {
            var split = ExchangeRules.AllocateShipment(Order.Exchanges, command.WarehouseId, line.Sku, line.Quantity)
                ?? throw new RuleViolationException(
                    $"order '{OrderId}' SKU '{line.Sku}'",
                    $"over-shipment: {line.Quantity} units from warehouse '{command.WarehouseId}', where released exchanges hold {Order.Exchanges.Where(e => e.Status == ExchangeStatus.Released && string.Equals(e.Replacement.Sku, line.Sku, StringComparison.Ordinal)).Sum(e => ExchangeRules.OpenAt(e, command.WarehouseId))}");
            parts.AddRange(split.Select(p => (p.Exchange, new LineQuantity(line.Sku, p.Quantity))));
        }

        await TransitionAsync(OrderTrigger.ExchangeProgress, "exchange_shipped", "warehouse:" + command.WarehouseId, $"shipment {command.ShipmentId}: {Describe(lines)} for {string.Join(", ", parts.Select(p => p.Exchange.ExchangeId).Distinct(StringComparer.Ordinal))} via {command.Carrier} {command.TrackingNumber}", () =>
        {
            foreach (var (exchange, line) in parts)
            {
                ExchangeRules.Ship(exchange, command.WarehouseId, line.Quantity, command.ShipmentId);
                Order.StockCalls.Add(new StockCall { Kind = StockCallKind.Deduct, Sku = line.Sku, Key = command.ShipmentId, WarehouseId = command.WarehouseId, Quantity = line.Quantity, Holder = exchange.Holder(OrderId) });
            }

            Order.Shipments.Add(new ShipmentRecord(command.ShipmentId, command.WarehouseId, lines, command.Carrier ?? string.Empty, command.TrackingNumber ?? string.Empty, clock.GetUtcNow(), null));
            Order.WarehousesDirty = true;
        });
        await RunFollowUpsAsync();
        return _published!;
    }

    /// <summary>Delivery of a replacement shipment; an exchange whose every shipment arrived is delivered and invoiced.</summary>
    private async Task<OrderSnapshot?> TryConfirmExchangeDeliveryAsync(int index)
    {
        var shipmentId = Order.Shipments[index].ShipmentId;
        var exchanges = Order.Exchanges.Where(e => e.ShipmentIds.Contains(shipmentId, StringComparer.Ordinal)).ToList();
        if (exchanges.Count == 0)
        {
            return null;
        }

        await TransitionAsync(OrderTrigger.ExchangeProgress, "exchange_delivered", "carrier:" + Order.Shipments[index].Carrier, $"shipment {shipmentId}", () =>
        {
            Order.Shipments[index] = Order.Shipments[index] with { DeliveredAt = clock.GetUtcNow() };
            foreach (var exchange in exchanges.Where(e => e.Status == ExchangeStatus.Shipped))
            {
                var delivered = exchange.ShipmentIds.TrueForAll(id => Order.Shipments.Exists(s => string.Equals(s.ShipmentId, id, StringComparison.Ordinal) && s.DeliveredAt is not null));
                if (delivered)
                {
                    exchange.Status = ExchangeStatus.Delivered;
                    _documents.Add((OrderEventKind.ExchangeInvoiced, exchange.ReplacementValueMinor, exchange.ExchangeId));
                }
            }
        });
        return _published!;
    }

    /// <summary>
    /// The returned goods of an exchange arrived (all authorised units, in any condition): they are credited, a cheaper
    /// replacement's difference is refunded, resalable units are restocked and the replacement may be released.
    /// </summary>
    private async Task<OrderSnapshot?> TryReceiveExchangeReturnAsync(int index, ReceiveReturnCommand command, List<ReturnedLine> received)
    {
        var rma = Order.Returns[index];
        var exchange = Order.Exchanges.Find(e => string.Equals(e.RmaId, rma.RmaId, StringComparison.Ordinal));
        if (exchange is null)
        {
            return null;
        }

        if (received.Sum(l => l.Quantity) != exchange.Returned.Quantity)
        {
            throw new RuleViolationException($"order '{OrderId}' {rma.RmaId}", $"exchange '{exchange.ExchangeId}' expects {exchange.Returned.Quantity} units of '{exchange.Returned.Sku}' back, not {received.Sum(l => l.Quantity)}");
        }

        var refund = ExchangeRules.RefundDue(exchange);
        var now = clock.GetUtcNow();
        List<(string, string)> notes = [("exchange_credited", $"{exchange.ExchangeId}: {exchange.ReturnedValueMinor} {Order.Currency}")];
        if (refund > 0)
        {
            notes.Add(("refund", $"{exchange.ExchangeId}: {refund} {Order.Currency}"));
        }

        // The replacement still goes out (or went out on advance): the order is never RETURNED by an exchange's receipt.
        await TransitionAsync(
            OrderTrigger.ReceiveReturnPartially,
            "return_received",
            "warehouse:" + command.WarehouseId,
            $"{command.RmaId} (exchange {exchange.ExchangeId}): {string.Join(", ", received.Select(l => $"{l.Quantity} x {l.Sku} {l.Condition}"))}",
            () =>
            {
                Order.Returns[index] = rma with { WarehouseId = command.WarehouseId, Received = received, ReceivedAt = now, RefundMinor = refund };
                exchange.ReturnReceivedAt = now;
                _documents.Add((OrderEventKind.ExchangeCredited, exchange.ReturnedValueMinor, exchange.ExchangeId));
                if (refund > 0)
                {
                    Order.Refunds.Add(new RefundRecord(exchange.ExchangeId, OrderMoney.ExchangeCause, refund, Order.Currency, now));
                }

                Order.StockCalls.AddRange(received
                    .Where(l => l.Condition == ItemCondition.Resalable)
                    .GroupBy(l => l.Sku, StringComparer.Ordinal)
                    .Select(g => new StockCall { Kind = StockCallKind.RestockReturn, Sku = g.Key, Key = command.RmaId, WarehouseId = command.WarehouseId, Quantity = g.Sum(l => l.Quantity) }));
            },
            notes);
        await ReleaseReadyExchangesAsync(SystemActor);
        await RunFollowUpsAsync();
        return _published!;
    }

    /// <summary>A SKU pool moved an exchange's replacement reservation (re-sourced, backordered, filled).</summary>
    private async Task ApplyExchangeStockChangeAsync(StockReservationChange change)
    {
        var exchange = Order.Exchanges.Find(e => string.Equals(e.Holder(OrderId), change.Reservation.OrderId, StringComparison.Ordinal));
        if (exchange is null || exchange.Status is not (ExchangeStatus.Reserved or ExchangeStatus.Released) || change.Reservation.Version <= exchange.ReservationVersion)
        {
            return;
        }

        var open = change.Reservation.Allocations.ToList();
        if (!OrderTransitions.IsAllowed(Order.Status, OrderTrigger.ExchangeProgress) || (open.SequenceEqual(exchange.Open) && change.Reservation.Backordered == exchange.Backordered))
        {
            exchange.ReservationVersion = change.Reservation.Version;
            await PersistAsync();
            return;
        }

        await TransitionAsync(OrderTrigger.ExchangeProgress, "exchange_reallocated", "sku:" + change.Sku, $"{exchange.ExchangeId} {change.Cause}: {Describe([.. open.Select(a => new LineQuantity(a.WarehouseId, a.Quantity))])}; backordered {change.Reservation.Backordered}", () =>
        {
            exchange.Open = open;
            exchange.Backordered = change.Reservation.Backordered;
            exchange.ReservationVersion = change.Reservation.Version;
            Order.WarehousesDirty = exchange.Status == ExchangeStatus.Released;
        });
        await RunFollowUpsAsync();
    }

    /// <summary>Bookkeeping after a SKU pool call for an exchange: its reservation version (the units were moved with the change).</summary>
    private void NoteExchangeReservation(string holder, StockReservation? reservation)
    {
        var exchange = Order.Exchanges.Find(e => string.Equals(e.Holder(OrderId), holder, StringComparison.Ordinal));
        if (exchange is not null && reservation is not null)
        {
            exchange.ReservationVersion = Math.Max(exchange.ReservationVersion, reservation.Version);
        }
    }

    /// <summary>What released exchanges still need picked, per warehouse.</summary>
    private IEnumerable<(string WarehouseId, LineQuantity Line)> ExchangePickLines() =>
        Order.Exchanges
            .Where(e => e.Status == ExchangeStatus.Released)
            .SelectMany(e => e.Open.Select(a => (a.WarehouseId, Line: new LineQuantity(e.Replacement.Sku, a.Quantity))));

    /// <summary>The stream events of the documents the transition added (see <see cref="_documents"/>).</summary>
    private IEnumerable<(OrderEventKind Kind, long Amount, string Reference)> DrainDocuments()
    {
        var documents = _documents.Where(d => d.Amount > 0).ToList();
        _documents.Clear();
        return documents;
    }
}
