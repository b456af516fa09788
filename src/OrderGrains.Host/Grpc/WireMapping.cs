using Google.Protobuf.Collections;
using Google.Protobuf.WellKnownTypes;
using OrderGrains.Abstractions;
using Wire = OrderGrains.Contracts.V1;

namespace OrderGrains.Host.Grpc;

/// <summary>Translates between protobuf messages and domain records; no business rules here.</summary>
internal static partial class WireMapping
{
    public static PlaceOrderCommand ToCommand(Wire.PlaceOrderRequest request) => new(
        request.Channel,
        request.ExternalOrderId,
        request.CustomerId,
        request.Lines.Select(l => new OrderLine(l.Sku, l.Quantity, l.UnitPriceMinor, l.ListPriceMinor)).ToList(),
        request.ShipTo is { } a ? new ShippingAddress(a.Recipient, a.Line1, a.City, a.Region, a.Country, a.PostalCode, a.Latitude, a.Longitude) : null,
        NullIfEmpty(request.CampaignId),
        request.Currency,
        NullIfEmpty(request.CouponCode));

    public static Wire.Order ToWire(OrderSnapshot order)
    {
        var wire = new Wire.Order
        {
            OrderId = order.OrderId,
            Channel = order.Channel,
            ExternalOrderId = order.ExternalOrderId,
            CustomerId = order.CustomerId,
            Status = (Wire.OrderStatus)(int)order.Status,
            RejectReason = (Wire.RejectReason)(int)order.RejectReason,
            HoldReason = (Wire.HoldReason)(int)order.HoldReason,
            TotalMinor = order.TotalMinor,
            Currency = order.Currency,
            CreatedAt = Timestamp.FromDateTimeOffset(order.CreatedAt),
            UpdatedAt = Timestamp.FromDateTimeOffset(order.UpdatedAt),
            Version = order.Version,
            CampaignId = order.CampaignId ?? string.Empty,
        };
        if (order.ReservationExpiresAt is { } expires)
        {
            wire.ReservationExpiresAt = Timestamp.FromDateTimeOffset(expires);
        }

        foreach (var line in order.Lines)
        {
            wire.Lines.Add(ToWire(line));
        }

        foreach (var allocation in order.Allocations)
        {
            wire.Allocations.Add(new Wire.Allocation { Sku = allocation.Sku, WarehouseId = allocation.WarehouseId, Quantity = allocation.Quantity });
        }

        AddAll(wire.Backordered, order.Backordered, ToWire);
        AddAll(wire.Presold, order.Presold, ToWire);
        AddAll(wire.Cancelled, order.CancelledUnits, ToWire);
        AddAll(wire.Shipments, order.Shipments, ToWire);
        AddAll(wire.Returns, order.Returns, ToWire);
        AddAll(wire.Refunds, order.Refunds, static r => new Wire.Refund
        {
            RefundId = r.RefundId,
            Cause = r.Cause,
            AmountMinor = r.AmountMinor,
            Currency = r.Currency,
            At = Timestamp.FromDateTimeOffset(r.At),
        });
        AddAll(wire.Approvers, order.Approvers, static a => a);
        wire.ApprovalsRequired = order.ApprovalsRequired;
        AddAll(wire.ApprovalSteps, order.ApprovalSteps, static a => a);
        wire.HoldDetails = order.HoldDetails ?? string.Empty;
        wire.CouponCode = order.CouponCode ?? string.Empty;
        wire.DiscountMinor = order.DiscountMinor;
        if (order.HoldExpiresAt is { } holdExpires)
        {
            wire.HoldExpiresAt = Timestamp.FromDateTimeOffset(holdExpires);
        }

        wire.PaymentTerms = order.PaymentTerms ?? string.Empty;
        if (order.PaymentDueAt is { } due)
        {
            wire.PaymentDueAt = Timestamp.FromDateTimeOffset(due);
        }

        wire.InvoicedMinor = order.InvoicedMinor;
        wire.BalanceDueMinor = order.BalanceDueMinor;
        AddAll(wire.Payments, order.Payments, static p => new Wire.Payment
        {
            PaymentReference = p.PaymentReference,
            AmountMinor = p.AmountMinor,
            Currency = p.Currency,
            At = Timestamp.FromDateTimeOffset(p.At),
        });
        AddAll(wire.Exchanges, order.Exchanges, ToWire);
        return wire;
    }

    // An indexed loop: most of a reply's lists are empty, and AddRange over Select allocated an iterator for each.
    private static void AddAll<TSource, TWire>(RepeatedField<TWire> target, IReadOnlyList<TSource>? source, Func<TSource, TWire> map)
    {
        if (source is null)
        {
            return;
        }

        for (var i = 0; i < source.Count; i++)
        {
            target.Add(map(source[i]));
        }
    }

    public static Wire.Exchange ToWire(ExchangeRecord exchange)
    {
        var wire = new Wire.Exchange
        {
            ExchangeId = exchange.ExchangeId,
            RmaId = exchange.RmaId,
            Returned = ToWire(exchange.Returned),
            Replacement = new Wire.OrderLine { Sku = exchange.Replacement.Sku, Quantity = exchange.Replacement.Quantity, UnitPriceMinor = exchange.Replacement.UnitPriceMinor },
            Reason = exchange.Reason,
            Advance = exchange.Advance,
            Status = (Wire.ExchangeStatus)(int)exchange.Status,
            ReturnedValueMinor = exchange.ReturnedValueMinor,
            ReplacementValueMinor = exchange.ReplacementValueMinor,
            AmountDueMinor = exchange.AmountDueMinor,
            PaymentReference = exchange.PaymentReference ?? string.Empty,
            RefundMinor = exchange.RefundMinor,
            Backordered = exchange.Backordered,
            RequestedAt = Timestamp.FromDateTimeOffset(exchange.RequestedAt),
        };
        wire.Allocations.AddRange(exchange.Allocations.Select(a => new Wire.Allocation { Sku = exchange.Replacement.Sku, WarehouseId = a.WarehouseId, Quantity = a.Quantity }));
        wire.ShipmentIds.AddRange(exchange.ShipmentIds);
        if (exchange.ReturnReceivedAt is { } received)
        {
            wire.ReturnReceivedAt = Timestamp.FromDateTimeOffset(received);
        }

        if (exchange.ReleasedAt is { } released)
        {
            wire.ReleasedAt = Timestamp.FromDateTimeOffset(released);
        }

        return wire;
    }

    public static RequestExchangeCommand ToCommand(Wire.ExchangeRequest request) => new(
        request.ExchangeId,
        request.Returned is { } returned ? new LineQuantity(returned.Sku, returned.Quantity) : null!,
        request.Replacement is { } r ? new OrderLine(r.Sku, r.Quantity, r.UnitPriceMinor, r.ListPriceMinor) : null!,
        request.Reason);

    public static Wire.LineQuantity ToWire(LineQuantity line) => new() { Sku = line.Sku, Quantity = line.Quantity };

    public static List<LineQuantity> ToDomain(IEnumerable<Wire.LineQuantity> lines) =>
        [.. lines.Select(l => new LineQuantity(l.Sku, l.Quantity))];

    public static List<ReturnedLine> ToDomain(IEnumerable<Wire.ReturnedLine> lines) =>
        [.. lines.Select(l => new ReturnedLine(l.Sku, l.Quantity, (ItemCondition)(int)l.Condition))];

    public static Wire.Shipment ToWire(ShipmentRecord shipment)
    {
        var wire = new Wire.Shipment
        {
            ShipmentId = shipment.ShipmentId,
            WarehouseId = shipment.WarehouseId,
            Carrier = shipment.Carrier,
            TrackingNumber = shipment.TrackingNumber,
            ShippedAt = Timestamp.FromDateTimeOffset(shipment.ShippedAt),
        };
        wire.Lines.AddRange(shipment.Lines.Select(ToWire));
        if (shipment.DeliveredAt is { } delivered)
        {
            wire.DeliveredAt = Timestamp.FromDateTimeOffset(delivered);
        }

        AddTracking(wire, shipment);

        return wire;
    }

    public static Wire.ReturnAuthorization ToWire(ReturnRecord rma)
    {
        var wire = new Wire.ReturnAuthorization
        {
            RmaId = rma.RmaId,
            ReturnRequestId = rma.ReturnRequestId,
            Reason = rma.Reason,
            RequestedAt = Timestamp.FromDateTimeOffset(rma.RequestedAt),
            WarehouseId = rma.WarehouseId ?? string.Empty,
            RefundMinor = rma.RefundMinor,
        };
        wire.Lines.AddRange(rma.Lines.Select(ToWire));
        wire.Received.AddRange(rma.Received.Select(l => new Wire.ReturnedLine { Sku = l.Sku, Quantity = l.Quantity, Condition = (Wire.ItemCondition)(int)l.Condition }));
        if (rma.ReceivedAt is { } received)
        {
            wire.ReceivedAt = Timestamp.FromDateTimeOffset(received);
        }

        AddPolicy(wire, rma);

        return wire;
    }

    public static Wire.OrderHistory ToWire(OrderHistory history)
    {
        var wire = new Wire.OrderHistory { OrderId = history.OrderId };
        wire.Events.AddRange(history.Entries.Select(e => new Wire.OrderEvent
        {
            Sequence = e.Sequence,
            At = Timestamp.FromDateTimeOffset(e.At),
            Event = e.Event,
            Actor = e.Actor,
            Details = e.Details,
            FromStatus = (Wire.OrderStatus)(int)e.From,
            ToStatus = (Wire.OrderStatus)(int)e.To,
        }));
        return wire;
    }

    public static Wire.WarehouseQueue ToWire(WarehouseQueue queue)
    {
        var wire = new Wire.WarehouseQueue { WarehouseId = queue.WarehouseId };
        foreach (var package in queue.Packages)
        {
            var p = new Wire.Package { PackageId = package.PackageId, ConsolidationId = package.ConsolidationId, Units = package.Units };
            p.Tasks.AddRange(package.Tasks.Select(t => new Wire.PickTask { OrderId = t.OrderId, Sku = t.Sku, Quantity = t.Quantity }));
            wire.Packages.Add(p);
        }

        return wire;
    }

    public static Wire.StockLedger ToWire(StockLedger ledger)
    {
        var wire = new Wire.StockLedger { Sku = ledger.Sku, TotalMovements = ledger.TotalMovements, InvariantViolations = ledger.InvariantViolations };
        wire.Recent.AddRange(ledger.Recent.Select(m => new Wire.StockMovement
        {
            Sequence = m.Sequence,
            AtUnixMs = m.At.ToUnixTimeMilliseconds(),
            Kind = (Wire.StockMovementKind)(int)m.Kind,
            WarehouseId = m.WarehouseId,
            Quantity = m.Quantity,
            OrderId = m.OrderId ?? string.Empty,
            Reference = m.Reference,
        }));
        return wire;
    }

    public static Wire.SkuAvailability ToWire(SkuAvailability availability)
    {
        var wire = new Wire.SkuAvailability
        {
            Sku = availability.Sku,
            OnHand = availability.OnHand,
            Reserved = availability.Reserved,
            Available = availability.Available,
            Backordered = availability.Backordered,
            BackordersAllowed = availability.BackordersAllowed,
            PresaleLimit = availability.PresaleLimit,
            Presold = availability.Presold,
            PresaleRemaining = availability.PresaleRemaining,
            Channel = availability.Channel ?? string.Empty,
            ChannelAvailable = availability.ChannelAvailable,
        };
        wire.Channels.AddRange((availability.Channels ?? []).Select(c => new Wire.ChannelStock
        {
            Channel = c.Channel,
            Quantity = c.Quantity,
            Percent = c.Percent,
            RingFenced = c.RingFenced,
            Held = c.Held,
            Remaining = c.Remaining,
        }));
        foreach (var warehouse in availability.Warehouses)
        {
            wire.Warehouses.Add(new Wire.WarehouseStock
            {
                WarehouseId = warehouse.WarehouseId,
                OnHand = warehouse.OnHand,
                Reserved = warehouse.Reserved,
                Available = warehouse.Available,
            });
        }

        return wire;
    }

    public static WarehouseInfo ToDomain(Wire.Warehouse warehouse) =>
        new(warehouse.WarehouseId, warehouse.Name, warehouse.Latitude, warehouse.Longitude, warehouse.Active);

    public static Wire.Warehouse ToWire(WarehouseInfo warehouse) => new()
    {
        WarehouseId = warehouse.WarehouseId,
        Name = warehouse.Name,
        Latitude = warehouse.Latitude,
        Longitude = warehouse.Longitude,
        Active = warehouse.Active,
    };

    public static CustomerProfile ToDomain(Wire.Customer customer) =>
        new(customer.CustomerId, customer.Name, customer.Tier, customer.CreditLimitMinor, customer.Blocked, NullIfEmpty(customer.PaymentTerms), customer.AdvanceExchange);

    public static Wire.Customer ToWire(CustomerProfile customer) => new()
    {
        CustomerId = customer.CustomerId,
        Name = customer.Name,
        Tier = customer.Tier,
        CreditLimitMinor = customer.CreditLimitMinor,
        Blocked = customer.Blocked,
        PaymentTerms = customer.PaymentTerms ?? string.Empty,
        AdvanceExchange = customer.AdvanceExchange,
    };

    public static CampaignDefinition ToDomain(Wire.Campaign campaign) => new(
        campaign.CampaignId,
        campaign.Sku,
        campaign.PriceMinor,
        campaign.Quota,
        campaign.PerCustomerLimit,
        campaign.StartsAt?.ToDateTimeOffset() ?? DateTimeOffset.MinValue,
        campaign.EndsAt?.ToDateTimeOffset() ?? DateTimeOffset.MaxValue);

    public static Wire.Campaign ToWire(CampaignDefinition campaign)
    {
        var wire = new Wire.Campaign
        {
            CampaignId = campaign.CampaignId,
            Sku = campaign.Sku,
            PriceMinor = campaign.PriceMinor,
            Quota = campaign.Quota,
            PerCustomerLimit = campaign.PerCustomerLimit,
        };
        if (campaign.StartsAt != DateTimeOffset.MinValue)
        {
            wire.StartsAt = Timestamp.FromDateTimeOffset(campaign.StartsAt);
        }

        if (campaign.EndsAt != DateTimeOffset.MaxValue)
        {
            wire.EndsAt = Timestamp.FromDateTimeOffset(campaign.EndsAt);
        }

        return wire;
    }

    /// <summary>Proto3 strings are never null; an empty one means "not given".</summary>
    public static string? NullIfEmpty(string value) => value.Length == 0 ? null : value;

    /// <summary>Grain keys must be non-empty; the wire names the field that is missing.</summary>
    public static string RequireKey(string value, string field) =>
        value.Length > 0 ? value : throw new DomainValidationException(field, "is required");
}
