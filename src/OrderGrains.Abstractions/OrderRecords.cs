namespace OrderGrains.Abstractions;

/// <summary>
/// One order line: <paramref name="UnitPriceMinor"/> is the price of one unit in minor units of the order's currency.
/// <paramref name="ListPriceMinor"/> (0 = not given) is the undiscounted price the manual-review discount rule compares with;
/// on a placed order, the list price the OMS priced the line from. <paramref name="OrderDiscountMinor"/> is the line's share
/// of order-level discounts (threshold promotions), <paramref name="PromotionIds"/> the promotions that discounted it.
/// </summary>
[GenerateSerializer]
[Immutable]
[Alias("ordergrains.OrderLine")]
public sealed record OrderLine(
    [property: Id(0)] string Sku,
    [property: Id(1)] int Quantity,
    [property: Id(2)] long UnitPriceMinor,
    [property: Id(3)] long ListPriceMinor = 0,
    [property: Id(70)] long OrderDiscountMinor = 0,
    [property: Id(71)] IReadOnlyList<string>? PromotionIds = null);

/// <summary>Where an order ships to. Coordinates (WGS84 degrees) only pick the nearest warehouse.</summary>
[GenerateSerializer]
[Immutable]
[Alias("ordergrains.ShippingAddress")]
public sealed record ShippingAddress(
    [property: Id(0)] string Recipient,
    [property: Id(1)] string Line1,
    [property: Id(2)] string City,
    [property: Id(3)] string Region,
    [property: Id(4)] string Country,
    [property: Id(5)] string PostalCode,
    [property: Id(6)] double Latitude,
    [property: Id(7)] double Longitude);

/// <summary>Units of one SKU reserved in (and later shipped from) one warehouse.</summary>
[GenerateSerializer]
[Immutable]
[Alias("ordergrains.Allocation")]
public sealed record Allocation([property: Id(0)] string Sku, [property: Id(1)] string WarehouseId, [property: Id(2)] int Quantity);

/// <summary>
/// PlaceOrder: idempotent per (<paramref name="Channel"/>, <paramref name="ExternalOrderId"/>), which also names the order
/// (see <see cref="OrderIds.For"/>). <paramref name="CampaignId"/> null or empty means no campaign.
/// </summary>
[GenerateSerializer]
[Immutable]
[Alias("ordergrains.PlaceOrderCommand")]
public sealed record PlaceOrderCommand(
    [property: Id(0)] string Channel,
    [property: Id(1)] string ExternalOrderId,
    [property: Id(2)] string CustomerId,
    [property: Id(3)] IReadOnlyList<OrderLine> Lines,
    [property: Id(4)] ShippingAddress? ShipTo,
    [property: Id(5)] string? CampaignId,
    [property: Id(6)] string Currency,
    [property: Id(70)] string? CouponCode = null);

/// <summary>The placed order; <paramref name="Duplicate"/> is true when the idempotency key had been placed before.</summary>
[GenerateSerializer]
[Immutable]
[Alias("ordergrains.PlaceOrderResult")]
public sealed record PlaceOrderResult([property: Id(0)] OrderSnapshot Order, [property: Id(1)] bool Duplicate);

/// <summary>
/// ConfirmPayment: idempotent per <paramref name="PaymentReference"/>. Before shipment the amount must equal the order
/// total; against the invoice of an order on payment terms it may be any positive amount up to the open balance.
/// With <paramref name="ExchangeId"/> it settles the extra payment an exchange is due instead (the exact amount due).
/// </summary>
[GenerateSerializer]
[Immutable]
[Alias("ordergrains.ConfirmPaymentCommand")]
public sealed record ConfirmPaymentCommand([property: Id(0)] string PaymentReference, [property: Id(1)] long AmountMinor, [property: Id(2)] string? ExchangeId = null);

/// <summary>
/// An order as the wire shows it. <paramref name="Allocations"/> are units per SKU and warehouse reserved or shipped;
/// <paramref name="Backordered"/> units wait for stock (<paramref name="Presold"/> of each SKU were bought on presale); <paramref name="Approvers"/> of a hold so far, of
/// <paramref name="ApprovalsRequired"/>: approver i approved step i of <paramref name="ApprovalSteps"/> (the role each
/// step needs). <paramref name="HoldDetails"/> says why the order is held (which review rule, which limit).
/// </summary>
/// <remarks>
/// <paramref name="Version"/> grows by one with every visible change. An order on <paramref name="PaymentTerms"/> ships
/// before payment; once completed it is invoiced (<paramref name="InvoicedMinor"/>, due at <paramref name="PaymentDueAt"/>)
/// and <paramref name="Payments"/> against the invoice lower <paramref name="BalanceDueMinor"/>.
/// </remarks>
[GenerateSerializer]
[Immutable]
[Alias("ordergrains.OrderSnapshot")]
public sealed record OrderSnapshot(
    [property: Id(0)] string OrderId,
    [property: Id(1)] string Channel,
    [property: Id(2)] string ExternalOrderId,
    [property: Id(3)] string CustomerId,
    [property: Id(4)] OrderStatus Status,
    [property: Id(5)] RejectReason RejectReason,
    [property: Id(6)] HoldReason HoldReason,
    [property: Id(7)] IReadOnlyList<OrderLine> Lines,
    [property: Id(8)] IReadOnlyList<Allocation> Allocations,
    [property: Id(9)] long TotalMinor,
    [property: Id(10)] string Currency,
    [property: Id(11)] DateTimeOffset CreatedAt,
    [property: Id(12)] DateTimeOffset UpdatedAt,
    [property: Id(13)] DateTimeOffset? ReservationExpiresAt,
    [property: Id(14)] long Version,
    [property: Id(15)] string? CampaignId,
    [property: Id(16)] IReadOnlyList<LineQuantity> Backordered,
    [property: Id(17)] IReadOnlyList<LineQuantity> CancelledUnits,
    [property: Id(18)] IReadOnlyList<ShipmentRecord> Shipments,
    [property: Id(19)] IReadOnlyList<ReturnRecord> Returns,
    [property: Id(20)] IReadOnlyList<RefundRecord> Refunds,
    [property: Id(21)] DateTimeOffset? HoldExpiresAt,
    [property: Id(22)] IReadOnlyList<string> Approvers,
    [property: Id(23)] int ApprovalsRequired,
    [property: Id(24)] string? PaymentTerms = null,
    [property: Id(25)] DateTimeOffset? PaymentDueAt = null,
    [property: Id(26)] long InvoicedMinor = 0,
    [property: Id(27)] long BalanceDueMinor = 0,
    [property: Id(28)] IReadOnlyList<PaymentRecord>? Payments = null,
    [property: Id(29)] IReadOnlyList<ExchangeRecord>? Exchanges = null,
    [property: Id(40)] IReadOnlyList<string>? ApprovalSteps = null,
    [property: Id(41)] string? HoldDetails = null,
    [property: Id(60)] IReadOnlyList<LineQuantity>? Presold = null,
    [property: Id(70)] string? CouponCode = null,
    [property: Id(71)] long DiscountMinor = 0);

/// <summary>A payment against the invoice of an order on payment terms; <paramref name="PaymentReference"/> is its idempotency key.</summary>
[GenerateSerializer]
[Immutable]
[Alias("ordergrains.PaymentRecord")]
public sealed record PaymentRecord([property: Id(0)] string PaymentReference, [property: Id(1)] long AmountMinor, [property: Id(2)] string Currency, [property: Id(3)] DateTimeOffset At);
