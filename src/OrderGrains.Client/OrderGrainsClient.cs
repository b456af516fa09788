using Grpc.Core;
using Grpc.Core.Interceptors;
using Grpc.Net.Client;
using OrderGrains.Contracts.V1;

namespace OrderGrains.Client;

/// <summary>
/// One method per RPC of the public contract, over one <see cref="GrpcChannel"/> (and its HTTP/2 connection pool).
/// Every failure surfaces as <see cref="RpcException"/>: a passed deadline as DEADLINE_EXCEEDED, a cancelled token as
/// CANCELLED, an unreachable server as UNAVAILABLE (its <see cref="Status.DebugException"/> says why).
/// </summary>
public sealed class OrderGrainsClient : IDisposable
{
    /// <summary>Request header that tells Grpc.Net.Client to gzip the call's request message.</summary>
    private const string RequestEncodingHeader = "grpc-internal-encoding-request";

    private readonly OrderIntake.OrderIntakeClient _orders;
    private readonly Inventory.InventoryClient _inventory;
    private readonly Customers.CustomersClient _customers;
    private readonly Campaigns.CampaignsClient _campaigns;
    private readonly Fulfillment.FulfillmentClient _fulfillment;
    private readonly Pricing.PricingClient _pricing;
    private readonly Review.ReviewClient _review;

    /// <summary>
    /// Connects to <paramref name="address"/>: http://127.0.0.1:7070 (HTTP/2 without TLS) or https://host:7070 (HTTP/2 over
    /// TLS, the server's certificate checked against the machine's CAs or <see cref="OrderGrainsClientOptions.CertificateAuthorityPath"/>).
    /// </summary>
    public OrderGrainsClient(Uri address, OrderGrainsClientOptions? options = null)
        : this(CreateChannel(address, options ?? new OrderGrainsClientOptions()), options ?? new OrderGrainsClientOptions())
    {
    }

    private OrderGrainsClient(GrpcChannel channel, OrderGrainsClientOptions options)
    {
        Channel = channel;
        var invoker = options.CompressRequests
            ? channel.Intercept(static metadata =>
            {
                metadata.Add(RequestEncodingHeader, "gzip");
                return metadata;
            })
            : channel.CreateCallInvoker();
        _orders = new OrderIntake.OrderIntakeClient(invoker);
        _inventory = new Inventory.InventoryClient(invoker);
        _customers = new Customers.CustomersClient(invoker);
        _campaigns = new Campaigns.CampaignsClient(invoker);
        _fulfillment = new Fulfillment.FulfillmentClient(invoker);
        _pricing = new Pricing.PricingClient(invoker);
        _review = new Review.ReviewClient(invoker);
    }

    /// <summary>The channel, for calls this class has no method for (health, reflection, tests' own services).</summary>
    public GrpcChannel Channel { get; }

    /// <summary>Call options with a deadline <paramref name="timeout"/> from now.</summary>
    public static CallOptions Timeout(TimeSpan timeout, CancellationToken cancellationToken = default) =>
        new(deadline: DateTime.UtcNow + timeout, cancellationToken: cancellationToken);

    public Task<PlaceOrderReply> PlaceOrderAsync(PlaceOrderRequest request, CallOptions options = default) => _orders.PlaceOrderAsync(request, options).ResponseAsync;

    public Task<Order> GetOrderAsync(string orderId, CallOptions options = default) => _orders.GetOrderAsync(new GetOrderRequest { OrderId = orderId }, options).ResponseAsync;

    public Task<Order> ConfirmPaymentAsync(ConfirmPaymentRequest request, CallOptions options = default) => _orders.ConfirmPaymentAsync(request, options).ResponseAsync;

    public Task<Order> CancelOrderAsync(CancelOrderRequest request, CallOptions options = default) => _orders.CancelOrderAsync(request, options).ResponseAsync;

    /// <summary>The order now, then each new version, until the order can no longer change, the deadline passes or the token is cancelled.</summary>
    public async IAsyncEnumerable<Order> WatchOrderAsync(string orderId, CallOptions options = default)
    {
        using var call = _orders.WatchOrder(new GetOrderRequest { OrderId = orderId }, options);
        await foreach (var order in call.ResponseStream.ReadAllAsync(options.CancellationToken))
        {
            yield return order;
        }
    }

    public Task<Order> RequestReturnAsync(ReturnRequest request, CallOptions options = default) => _orders.RequestReturnAsync(request, options).ResponseAsync;

    public Task<Order> RequestExchangeAsync(ExchangeRequest request, CallOptions options = default) => _orders.RequestExchangeAsync(request, options).ResponseAsync;

    public Task<OrderHistory> GetOrderHistoryAsync(string orderId, CallOptions options = default) =>
        _orders.GetOrderHistoryAsync(new GetOrderRequest { OrderId = orderId }, options).ResponseAsync;

    public Task<Warehouse> UpsertWarehouseAsync(Warehouse warehouse, CallOptions options = default) => _inventory.UpsertWarehouseAsync(warehouse, options).ResponseAsync;

    public Task<SkuAvailability> SetStockAsync(SetStockRequest request, CallOptions options = default) => _inventory.SetStockAsync(request, options).ResponseAsync;

    public Task<SkuAvailability> GetAvailabilityAsync(string sku, CallOptions options = default) =>
        _inventory.GetAvailabilityAsync(new GetAvailabilityRequest { Sku = sku }, options).ResponseAsync;

    public Task<SkuAvailability> AdjustStockAsync(AdjustStockRequest request, CallOptions options = default) => _inventory.AdjustStockAsync(request, options).ResponseAsync;

    public Task<StockSnapshotSummary> ImportStockSnapshotAsync(StockSnapshot snapshot, CallOptions options = default) => _inventory.ImportStockSnapshotAsync(snapshot, options).ResponseAsync;

    public Task<StockLedger> GetStockLedgerAsync(string sku, int limit = 0, CallOptions options = default) =>
        _inventory.GetStockLedgerAsync(new GetStockLedgerRequest { Sku = sku, Limit = limit }, options).ResponseAsync;

    public Task<LowStockStatus> SetLowStockThresholdAsync(SetLowStockThresholdRequest request, CallOptions options = default) =>
        _inventory.SetLowStockThresholdAsync(request, options).ResponseAsync;

    public Task<LowStockStatus> GetLowStockStatusAsync(string sku, CallOptions options = default) =>
        _inventory.GetLowStockStatusAsync(new GetLowStockStatusRequest { Sku = sku }, options).ResponseAsync;

    public Task<SkuAvailability> SetChannelStockAsync(SetChannelStockRequest request, CallOptions options = default) =>
        _inventory.SetChannelStockAsync(request, options).ResponseAsync;

    public Task<SkuAvailability> GetAvailabilityAsync(GetAvailabilityRequest request, CallOptions options = default) =>
        _inventory.GetAvailabilityAsync(request, options).ResponseAsync;

    public Task<SkuAvailability> SetSkuSalePolicyAsync(SetSkuSalePolicyRequest request, CallOptions options = default) =>
        _inventory.SetSkuSalePolicyAsync(request, options).ResponseAsync;

    public Task<Customer> UpsertCustomerAsync(Customer customer, CallOptions options = default) => _customers.UpsertCustomerAsync(customer, options).ResponseAsync;

    public Task<Campaign> UpsertCampaignAsync(Campaign campaign, CallOptions options = default) => _campaigns.UpsertCampaignAsync(campaign, options).ResponseAsync;

    public Task<SkuPrices> SetListPriceAsync(SetListPriceRequest request, CallOptions options = default) => _pricing.SetListPriceAsync(request, options).ResponseAsync;

    public Task<SkuPrices> GetListPricesAsync(string sku, CallOptions options = default) => _pricing.GetListPricesAsync(new GetListPricesRequest { Sku = sku }, options).ResponseAsync;

    public Task<PriceListImportSummary> ImportPriceListAsync(PriceListImport request, CallOptions options = default) => _pricing.ImportPriceListAsync(request, options).ResponseAsync;

    public Task<Promotion> UpsertPromotionAsync(Promotion request, CallOptions options = default) => _pricing.UpsertPromotionAsync(request, options).ResponseAsync;

    public Task<PromotionSet> ListPromotionsAsync(CallOptions options = default) => _pricing.ListPromotionsAsync(new ListPromotionsRequest(), options).ResponseAsync;

    public Task<StackingRule> UpsertStackingRuleAsync(StackingRule request, CallOptions options = default) => _pricing.UpsertStackingRuleAsync(request, options).ResponseAsync;

    public Task<CouponStatus> UpsertCouponAsync(Coupon request, CallOptions options = default) => _pricing.UpsertCouponAsync(request, options).ResponseAsync;

    public Task<CouponStatus> GetCouponAsync(string code, CallOptions options = default) => _pricing.GetCouponAsync(new GetCouponRequest { Code = code }, options).ResponseAsync;

    public Task<ReviewQueue> ListReviewQueueAsync(ListReviewQueueRequest request, CallOptions options = default) => _review.ListReviewQueueAsync(request, options).ResponseAsync;

    public Task<Order> ApproveHoldAsync(string orderId, CallOptions options = default) =>
        _review.ApproveHoldAsync(new ApproveHoldRequest { OrderId = orderId }, options).ResponseAsync;

    public Task<Order> RejectHoldAsync(string orderId, string reason, CallOptions options = default) =>
        _review.RejectHoldAsync(new RejectHoldRequest { OrderId = orderId, Reason = reason }, options).ResponseAsync;

    public Task<Order> ReleaseOrderAsync(ReleaseOrderRequest request, CallOptions options = default) => _fulfillment.ReleaseOrderAsync(request, options).ResponseAsync;

    public Task<Order> ReportShipmentAsync(ShipmentReport report, CallOptions options = default) => _fulfillment.ReportShipmentAsync(report, options).ResponseAsync;

    public Task<Order> ConfirmDeliveryAsync(DeliveryConfirmation confirmation, CallOptions options = default) => _fulfillment.ConfirmDeliveryAsync(confirmation, options).ResponseAsync;

    public Task<Order> ReceiveReturnAsync(ReturnReceipt receipt, CallOptions options = default) => _fulfillment.ReceiveReturnAsync(receipt, options).ResponseAsync;

    public Task<Order> ReportTrackingEventAsync(TrackingEventReport report, CallOptions options = default) => _fulfillment.ReportTrackingEventAsync(report, options).ResponseAsync;

    public Task<WarehouseQueue> GetWarehouseQueueAsync(string warehouseId, CallOptions options = default) =>
        _fulfillment.GetWarehouseQueueAsync(new GetWarehouseQueueRequest { WarehouseId = warehouseId }, options).ResponseAsync;

    /// <inheritdoc />
    public void Dispose() => Channel.Dispose();

    private static GrpcChannel CreateChannel(Uri address, OrderGrainsClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(address);
        var handler = new SocketsHttpHandler
        {
            EnableMultipleHttp2Connections = options.EnableMultipleHttp2Connections,
            // A connection pool that lives as long as the client: reconnecting costs more than an idle socket.
            PooledConnectionIdleTimeout = System.Threading.Timeout.InfiniteTimeSpan,
            KeepAlivePingDelay = TimeSpan.FromSeconds(60),
            KeepAlivePingTimeout = TimeSpan.FromSeconds(30),
            UseProxy = false,
        };
        if (options.CertificateAuthorityPath is { } caPath)
        {
            handler.SslOptions.RemoteCertificateValidationCallback = ServerCertificateValidation.TrustingOnly(caPath);
        }

        var secure = address.Scheme == Uri.UriSchemeHttps;
        var channelOptions = new GrpcChannelOptions
        {
            HttpHandler = handler,
            DisposeHttpClient = true,
            MaxReceiveMessageSize = options.MaxReceiveMessageSize,
            MaxSendMessageSize = options.MaxSendMessageSize,
        };
        if (options.Token is { } token)
        {
            var bearer = "Bearer " + token;
            var callCredentials = CallCredentials.FromInterceptor((_, metadata) =>
            {
                metadata.Add("authorization", bearer);
                return Task.CompletedTask;
            });
            channelOptions.Credentials = ChannelCredentials.Create(secure ? ChannelCredentials.SecureSsl : ChannelCredentials.Insecure, callCredentials);

            // gRPC sends call credentials over TLS only, unless told otherwise: the loopback default has no TLS.
            channelOptions.UnsafeUseInsecureChannelCallCredentials = !secure;
        }

        return GrpcChannel.ForAddress(address, channelOptions);
    }
}
