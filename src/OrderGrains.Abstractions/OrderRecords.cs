namespace OrderGrains.Abstractions;

/// <summary>
/// One order line: <paramref name="UnitPriceMinor"/> is the price of one unit in minor units of the order's currency.
/// <paramref name="ListPriceMinor"/> (0 = not given) is the undiscounted price the manual-review discount rule compares with.
/// </summary>
public sealed record OrderLine(string Sku, int Quantity, long UnitPriceMinor, long ListPriceMinor = 0);

/// <summary>Where an order ships to. Coordinates (WGS84 degrees) only pick the nearest warehouse.</summary>
public sealed record ShippingAddress(
    string Recipient,
    string Line1,
    string City,
    string Region,
    string Country,
    string PostalCode,
    double Latitude,
    double Longitude);

/// <summary>Units of one SKU reserved in (and later shipped from) one warehouse.</summary>
public sealed record Allocation(string Sku, string WarehouseId, int Quantity);

/// <summary>
/// PlaceOrder: idempotent per (<paramref name="Channel"/>, <paramref name="ExternalOrderId"/>), which also names the order
/// (see <see cref="OrderIds.For"/>). <paramref name="CampaignId"/> null or empty means no campaign.
/// </summary>
public sealed record PlaceOrderCommand(
    string Channel,
    string ExternalOrderId,
    string CustomerId,
    IReadOnlyList<OrderLine> Lines,
    ShippingAddress? ShipTo,
    string? CampaignId,
    string Currency);

/// <summary>The placed order; <paramref name="Duplicate"/> is true when the idempotency key had been placed before.</summary>
public sealed record PlaceOrderResult(OrderSnapshot Order, bool Duplicate);

/// <summary>ConfirmPayment: idempotent per <paramref name="PaymentReference"/>; the amount must equal the order total.</summary>
public sealed record ConfirmPaymentCommand(string PaymentReference, long AmountMinor);

/// <summary>
/// An order as the wire shows it. <paramref name="Allocations"/> are units per SKU and warehouse reserved or shipped;
/// <paramref name="Backordered"/> units wait for stock; <paramref name="Approvers"/> of a hold so far, of
/// <paramref name="ApprovalsRequired"/>.
/// </summary>
/// <remarks> <paramref name="Version"/> grows by one with every visible change.</remarks>
public sealed record OrderSnapshot(
    string OrderId,
    string Channel,
    string ExternalOrderId,
    string CustomerId,
    OrderStatus Status,
    RejectReason RejectReason,
    HoldReason HoldReason,
    IReadOnlyList<OrderLine> Lines,
    IReadOnlyList<Allocation> Allocations,
    long TotalMinor,
    string Currency,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    DateTimeOffset? ReservationExpiresAt,
    long Version,
    string? CampaignId,
    IReadOnlyList<LineQuantity> Backordered,
    IReadOnlyList<LineQuantity> CancelledUnits,
    IReadOnlyList<ShipmentRecord> Shipments,
    IReadOnlyList<ReturnRecord> Returns,
    IReadOnlyList<RefundRecord> Refunds,
    DateTimeOffset? HoldExpiresAt,
    IReadOnlyList<string> Approvers,
    int ApprovalsRequired);
