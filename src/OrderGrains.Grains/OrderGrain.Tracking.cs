using OrderGrains.Abstractions;

namespace OrderGrains.Grains;

/// <summary>Carrier tracking of an order's shipments; the rules are in <see cref="ShipmentTracking"/>.</summary>
public sealed partial class OrderGrain : IOrderTrackingGrain
{
    /// <summary>
    /// Records a carrier scan in its shipment's list (event-time order) and the history. A scan that makes the shipment
    /// DELIVERED confirms its delivery in the same write (delivered at the scan's time); EXCEPTION and
    /// RETURNED_TO_SENDER owe an operator alert, raised after the write.
    /// </summary>
    public async Task<OrderSnapshot> ReportTrackingEventAsync(ReportTrackingEventCommand command)
    {
        var now = clock.GetUtcNow();
        ShipmentTracking.Validate(command, now);
        await EnsurePlacedAsync();
        var index = Order.Shipments.FindIndex(s => string.Equals(s.ShipmentId, command.ShipmentId, StringComparison.Ordinal));
        if (index < 0)
        {
            throw new NotFoundException("shipment", command.ShipmentId);
        }

        foreach (var shipment in Order.Shipments)
        {
            var earlier = shipment.TrackingEvents?.FirstOrDefault(e => string.Equals(e.EventId, command.EventId, StringComparison.Ordinal));
            if (earlier is not null)
            {
                if (!string.Equals(shipment.ShipmentId, command.ShipmentId, StringComparison.Ordinal) || !ShipmentTracking.SameScan(earlier, command))
                {
                    throw new IdempotencyConflictException(command.EventId, $"it reported {ShipmentTracking.EventName(earlier.Code)} at {earlier.EventTime:O} for shipment '{shipment.ShipmentId}'");
                }

                // A carrier retries when our answer was lost, e.g. because raising the alert failed: finish that now.
                if (HasFollowUps)
                {
                    await RunFollowUpsAsync();
                }

                return _published!;
            }
        }

        var current = Order.Shipments[index];
        if (current.TrackingNumber.Length > 0 && !string.Equals(current.TrackingNumber, command.TrackingNumber, StringComparison.Ordinal))
        {
            throw new RuleViolationException(
                $"order '{OrderId}' shipment '{current.ShipmentId}'",
                $"tracking_number '{command.TrackingNumber}' is not the shipment's ('{current.TrackingNumber}')");
        }

        OrderTransitions.Next(OrderId, Order.Status, OrderTrigger.RecordTracking);
        var eventTime = command.EventTime!.Value;
        var scan = new TrackingEventRecord(command.EventId, command.Code, eventTime, now, command.Carrier, command.TrackingNumber, command.Details ?? string.Empty);
        var scans = ShipmentTracking.Insert(current.TrackingEvents, scan);
        var status = ShipmentTracking.StatusOf(scans);
        var updated = current with
        {
            TrackingEvents = scans,
            TrackingStatus = status,
            Carrier = current.Carrier.Length > 0 ? current.Carrier : command.Carrier,
            TrackingNumber = command.TrackingNumber,
        };
        var @event = ShipmentTracking.EventName(command.Code);
        var details = $"shipment {current.ShipmentId} ({command.Carrier} {command.TrackingNumber}): {@event["tracking_".Length..].Replace('_', ' ')} at {eventTime:O}, event {command.EventId}"
            + (string.IsNullOrEmpty(command.Details) ? string.Empty : $": {command.Details}")
            + (status == command.Code ? string.Empty : $"; shipment stays {ShipmentTracking.EventName(status)["tracking_".Length..].Replace('_', ' ')}");
        var alert = ShipmentTracking.RaisesAlert(command.Code)
            ? new AlertRaise($"{OrderId}|{current.ShipmentId}|{command.EventId}", @event["tracking_".Length..], OrderId, $"order {OrderId} {details}", now)
            : null;

        var deliversExchange = Order.Exchanges.Exists(e => e.ShipmentIds.Contains(current.ShipmentId, StringComparer.Ordinal));
        if (status == TrackingEventCode.Delivered && current.DeliveredAt is null && !deliversExchange)
        {
            await DeliverAsync(index, updated with { DeliveredAt = eventTime }, $"shipment {current.ShipmentId} (tracking event {command.EventId})", OweAlert, [(@event, details)]);
        }
        else
        {
            await TransitionAsync(OrderTrigger.RecordTracking, @event, "carrier:" + command.Carrier, details, () =>
            {
                Order.Shipments[index] = updated;
                OweAlert();
            });

            // An exchange's replacement shipment is delivered the exchange's way (it invoices the replacement).
            if (status == TrackingEventCode.Delivered && current.DeliveredAt is null && deliversExchange)
            {
                await TryConfirmExchangeDeliveryAsync(index);
            }
        }

        if (alert is not null)
        {
            Log.CarrierAlert(logger, OrderId, current.ShipmentId, command.Carrier, command.TrackingNumber, command.Code, eventTime, command.Details ?? string.Empty);
        }

        if (HasFollowUps)
        {
            await RunFollowUpsAsync();
        }

        return _published!;

        void OweAlert()
        {
            if (alert is not null)
            {
                Order.AlertsOwed.Add(alert);
            }
        }
    }

    /// <summary>Raises the alerts a change recorded (idempotent per alert id), then forgets them.</summary>
    private async Task RaiseOwedAlertsAsync()
    {
        if (Order.AlertsOwed.Count == 0)
        {
            return;
        }

        var alerts = GrainFactory.GetGrainCached<IOperatorAlertsGrain>(IOperatorAlertsGrain.CarrierCategory);
        foreach (var alert in Order.AlertsOwed)
        {
            await alerts.RaiseAsync(alert);
        }

        Order.AlertsOwed.Clear();
        await PersistAsync();
    }
}
