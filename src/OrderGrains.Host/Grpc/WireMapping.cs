using Google.Protobuf.WellKnownTypes;
using OrderGrains.Abstractions;
using Wire = OrderGrains.Contracts.V1;

namespace OrderGrains.Host.Grpc;

/// <summary>Translates between protobuf messages and domain records; no business rules here.</summary>
internal static class WireMapping
{
    public static PlaceOrderCommand ToCommand(Wire.PlaceOrderRequest request) => new(
        request.Channel,
        request.ExternalOrderId,
        request.CustomerId,
        request.Lines.Select(l => new OrderLine(l.Sku, l.Quantity, l.UnitPriceMinor)).ToList(),
        request.ShipTo is { } a ? new ShippingAddress(a.Recipient, a.Line1, a.City, a.Region, a.Country, a.PostalCode, a.Latitude, a.Longitude) : null,
        NullIfEmpty(request.CampaignId),
        request.Currency);

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
            wire.Lines.Add(new Wire.OrderLine { Sku = line.Sku, Quantity = line.Quantity, UnitPriceMinor = line.UnitPriceMinor });
        }

        foreach (var allocation in order.Allocations)
        {
            wire.Allocations.Add(new Wire.Allocation { Sku = allocation.Sku, WarehouseId = allocation.WarehouseId, Quantity = allocation.Quantity });
        }

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
        };
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
        new(customer.CustomerId, customer.Name, customer.Tier, customer.CreditLimitMinor, customer.Blocked);

    public static Wire.Customer ToWire(CustomerProfile customer) => new()
    {
        CustomerId = customer.CustomerId,
        Name = customer.Name,
        Tier = customer.Tier,
        CreditLimitMinor = customer.CreditLimitMinor,
        Blocked = customer.Blocked,
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
