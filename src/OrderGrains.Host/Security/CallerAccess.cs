using OrderGrains.Abstractions;
using Wire = OrderGrains.Contracts.V1;

namespace OrderGrains.Host.Security;

/// <summary>
/// What one RPC needs: one of <see cref="Roles"/> (most RPCs name one), and for order calls the channel the request
/// belongs to (null = any channel).
/// </summary>
public sealed record RpcAccess(IReadOnlyList<CallerRole> Roles, Func<object, string>? ChannelOf = null)
{
    public RpcAccess(CallerRole role, Func<object, string>? channelOf = null)
        : this([role], channelOf)
    {
    }
}

/// <summary>
/// The one table of who may call what: every RPC of the public contract and the role (or roles, any one) it needs. A
/// method missing here is refused to everyone (PERMISSION_DENIED), so a new RPC stays closed until it is given a role.
/// The standard services (<c>grpc.health.v1</c>, reflection) are open to all and are not in the table.
/// </summary>
public static class CallerAccess
{
    /// <summary>Prefix of the standard services, which load balancers and grpcurl call without credentials.</summary>
    public const string OpenServicePrefix = "/grpc.";

    private const string OrderIntake = "/ordergrains.v1.OrderIntake/";
    private const string Inventory = "/ordergrains.v1.Inventory/";
    private const string Fulfillment = "/ordergrains.v1.Fulfillment/";
    private const string Pricing = "/ordergrains.v1.Pricing/";
    private const string Review = "/ordergrains.v1.Review/";

    // Any review role reads the queue and reaches the order grain, whose chain then asks for the step's own role
    // (PERMISSION_DENIED naming it); rejecting, as on the admin API, is open to every deciding role at any step.
    private static readonly IReadOnlyList<CallerRole> AnyReviewRole = [CallerRole.Reviewer, CallerRole.Supervisor, CallerRole.Finance];

    public static IReadOnlyDictionary<string, RpcAccess> Table { get; } = new Dictionary<string, RpcAccess>(StringComparer.Ordinal)
    {
        [OrderIntake + "PlaceOrder"] = new(CallerRole.Orders, r => ((Wire.PlaceOrderRequest)r).Channel),
        [OrderIntake + "GetOrder"] = new(CallerRole.Orders, r => ChannelOfOrder(((Wire.GetOrderRequest)r).OrderId)),
        [OrderIntake + "ConfirmPayment"] = new(CallerRole.Orders, r => ChannelOfOrder(((Wire.ConfirmPaymentRequest)r).OrderId)),
        [OrderIntake + "CancelOrder"] = new(CallerRole.Orders, r => ChannelOfOrder(((Wire.CancelOrderRequest)r).OrderId)),
        [OrderIntake + "WatchOrder"] = new(CallerRole.Orders, r => ChannelOfOrder(((Wire.GetOrderRequest)r).OrderId)),
        [OrderIntake + "RequestReturn"] = new(CallerRole.Orders, r => ChannelOfOrder(((Wire.ReturnRequest)r).OrderId)),
        [OrderIntake + "RequestExchange"] = new(CallerRole.Orders, r => ChannelOfOrder(((Wire.ExchangeRequest)r).OrderId)),
        [OrderIntake + "GetOrderHistory"] = new(CallerRole.Orders, r => ChannelOfOrder(((Wire.GetOrderRequest)r).OrderId)),
        [Inventory + "UpsertWarehouse"] = new(CallerRole.Inventory),
        [Inventory + "SetStock"] = new(CallerRole.Inventory),
        [Inventory + "GetAvailability"] = new(CallerRole.Inventory),
        [Inventory + "AdjustStock"] = new(CallerRole.Inventory),
        [Inventory + "ImportStockSnapshot"] = new(CallerRole.Inventory),
        [Inventory + "GetStockLedger"] = new(CallerRole.Inventory),
        [Inventory + "SetLowStockThreshold"] = new(CallerRole.Inventory),
        [Inventory + "GetLowStockStatus"] = new(CallerRole.Inventory),
        [Inventory + "SetSkuSalePolicy"] = new(CallerRole.Inventory),
        [Inventory + "SetChannelStock"] = new(CallerRole.Inventory),
        // Warehouses and carriers serve every channel: fulfilment calls are not limited to channels.
        [Fulfillment + "ReleaseOrder"] = new(CallerRole.Fulfillment),
        [Fulfillment + "ReportShipment"] = new(CallerRole.Fulfillment),
        [Fulfillment + "ConfirmDelivery"] = new(CallerRole.Fulfillment),
        [Fulfillment + "ReceiveReturn"] = new(CallerRole.Fulfillment),
        [Fulfillment + "GetWarehouseQueue"] = new(CallerRole.Fulfillment),
        [Fulfillment + "ReportTrackingEvent"] = new(CallerRole.Fulfillment),
        ["/ordergrains.v1.Customers/UpsertCustomer"] = new(CallerRole.Catalog),
        ["/ordergrains.v1.Campaigns/UpsertCampaign"] = new(CallerRole.Catalog),
        [Pricing + "SetListPrice"] = new(CallerRole.Catalog),
        [Pricing + "GetListPrices"] = new(CallerRole.Catalog),
        [Pricing + "ImportPriceList"] = new(CallerRole.Catalog),
        [Pricing + "UpsertPromotion"] = new(CallerRole.Catalog),
        [Pricing + "ListPromotions"] = new(CallerRole.Catalog),
        [Pricing + "UpsertStackingRule"] = new(CallerRole.Catalog),
        [Pricing + "UpsertCoupon"] = new(CallerRole.Catalog),
        [Pricing + "GetCoupon"] = new(CallerRole.Catalog),
        // Reviewers work across channels, as on the admin API: review calls are not limited to channels.
        [Review + "ListReviewQueue"] = new(AnyReviewRole),
        [Review + "ApproveHold"] = new(AnyReviewRole),
        [Review + "RejectHold"] = new(AnyReviewRole),
    };

    /// <summary>The channel an order belongs to: its id's prefix (<see cref="OrderIds"/>), or empty for an id without one.</summary>
    public static string ChannelOfOrder(string orderId)
    {
        var separator = orderId.IndexOf(OrderIds.Separator, StringComparison.Ordinal);
        return separator > 0 ? orderId[..separator] : string.Empty;
    }
}
