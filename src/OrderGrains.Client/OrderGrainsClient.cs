using Google.Protobuf.Reflection;
using OrderGrains.Contracts.V1;
using OrderGrains.Grpc.Client;

namespace OrderGrains.Client;

/// <summary>One method per RPC of the public contract, over one shared HTTP/2 connection pool.</summary>
public sealed class OrderGrainsClient(GrpcClient grpc) : IDisposable
{
    private static readonly ServiceDescriptor OrderIntake = OrdersReflection.Descriptor.FindTypeByName<ServiceDescriptor>("OrderIntake");
    private static readonly ServiceDescriptor Inventory = InventoryReflection.Descriptor.FindTypeByName<ServiceDescriptor>("Inventory");
    private static readonly ServiceDescriptor Customers = CustomersReflection.Descriptor.FindTypeByName<ServiceDescriptor>("Customers");
    private static readonly ServiceDescriptor Campaigns = CampaignsReflection.Descriptor.FindTypeByName<ServiceDescriptor>("Campaigns");
    private static readonly ServiceDescriptor Fulfillment = FulfillmentReflection.Descriptor.FindTypeByName<ServiceDescriptor>("Fulfillment");

    private static readonly GrpcMethod<PlaceOrderRequest, PlaceOrderReply> PlaceOrderMethod = GrpcMethod.Create<PlaceOrderRequest, PlaceOrderReply>(OrderIntake, "PlaceOrder");
    private static readonly GrpcMethod<GetOrderRequest, Order> GetOrderMethod = GrpcMethod.Create<GetOrderRequest, Order>(OrderIntake, "GetOrder");
    private static readonly GrpcMethod<ConfirmPaymentRequest, Order> ConfirmPaymentMethod = GrpcMethod.Create<ConfirmPaymentRequest, Order>(OrderIntake, "ConfirmPayment");
    private static readonly GrpcMethod<CancelOrderRequest, Order> CancelOrderMethod = GrpcMethod.Create<CancelOrderRequest, Order>(OrderIntake, "CancelOrder");
    private static readonly GrpcMethod<GetOrderRequest, Order> WatchOrderMethod = GrpcMethod.Create<GetOrderRequest, Order>(OrderIntake, "WatchOrder");
    private static readonly GrpcMethod<Warehouse, Warehouse> UpsertWarehouseMethod = GrpcMethod.Create<Warehouse, Warehouse>(Inventory, "UpsertWarehouse");
    private static readonly GrpcMethod<SetStockRequest, SkuAvailability> SetStockMethod = GrpcMethod.Create<SetStockRequest, SkuAvailability>(Inventory, "SetStock");
    private static readonly GrpcMethod<GetAvailabilityRequest, SkuAvailability> GetAvailabilityMethod = GrpcMethod.Create<GetAvailabilityRequest, SkuAvailability>(Inventory, "GetAvailability");
    private static readonly GrpcMethod<Customer, Customer> UpsertCustomerMethod = GrpcMethod.Create<Customer, Customer>(Customers, "UpsertCustomer");
    private static readonly GrpcMethod<Campaign, Campaign> UpsertCampaignMethod = GrpcMethod.Create<Campaign, Campaign>(Campaigns, "UpsertCampaign");
    private static readonly GrpcMethod<ReturnRequest, Order> RequestReturnMethod = GrpcMethod.Create<ReturnRequest, Order>(OrderIntake, "RequestReturn");
    private static readonly GrpcMethod<GetOrderRequest, OrderHistory> GetOrderHistoryMethod = GrpcMethod.Create<GetOrderRequest, OrderHistory>(OrderIntake, "GetOrderHistory");
    private static readonly GrpcMethod<AdjustStockRequest, SkuAvailability> AdjustStockMethod = GrpcMethod.Create<AdjustStockRequest, SkuAvailability>(Inventory, "AdjustStock");
    private static readonly GrpcMethod<StockSnapshot, StockSnapshotSummary> ImportStockSnapshotMethod = GrpcMethod.Create<StockSnapshot, StockSnapshotSummary>(Inventory, "ImportStockSnapshot");
    private static readonly GrpcMethod<GetStockLedgerRequest, StockLedger> GetStockLedgerMethod = GrpcMethod.Create<GetStockLedgerRequest, StockLedger>(Inventory, "GetStockLedger");
    private static readonly GrpcMethod<ReleaseOrderRequest, Order> ReleaseOrderMethod = GrpcMethod.Create<ReleaseOrderRequest, Order>(Fulfillment, "ReleaseOrder");
    private static readonly GrpcMethod<ShipmentReport, Order> ReportShipmentMethod = GrpcMethod.Create<ShipmentReport, Order>(Fulfillment, "ReportShipment");
    private static readonly GrpcMethod<DeliveryConfirmation, Order> ConfirmDeliveryMethod = GrpcMethod.Create<DeliveryConfirmation, Order>(Fulfillment, "ConfirmDelivery");
    private static readonly GrpcMethod<ReturnReceipt, Order> ReceiveReturnMethod = GrpcMethod.Create<ReturnReceipt, Order>(Fulfillment, "ReceiveReturn");
    private static readonly GrpcMethod<GetWarehouseQueueRequest, WarehouseQueue> GetWarehouseQueueMethod = GrpcMethod.Create<GetWarehouseQueueRequest, WarehouseQueue>(Fulfillment, "GetWarehouseQueue");

    /// <summary>Connects to <paramref name="address"/>, e.g. http://127.0.0.1:7070 (HTTP/2 without TLS).</summary>
    public OrderGrainsClient(Uri address, GrpcClientOptions? options = null)
        : this(new GrpcClient(address, options))
    {
    }

    public GrpcClient Grpc { get; } = grpc;

    public Task<PlaceOrderReply> PlaceOrderAsync(PlaceOrderRequest request, GrpcCallOptions options = default) => Grpc.UnaryAsync(PlaceOrderMethod, request, options);

    public Task<Order> GetOrderAsync(string orderId, GrpcCallOptions options = default) => Grpc.UnaryAsync(GetOrderMethod, new GetOrderRequest { OrderId = orderId }, options);

    public Task<Order> ConfirmPaymentAsync(ConfirmPaymentRequest request, GrpcCallOptions options = default) => Grpc.UnaryAsync(ConfirmPaymentMethod, request, options);

    public Task<Order> CancelOrderAsync(CancelOrderRequest request, GrpcCallOptions options = default) => Grpc.UnaryAsync(CancelOrderMethod, request, options);

    public IAsyncEnumerable<Order> WatchOrderAsync(string orderId, GrpcCallOptions options = default) =>
        Grpc.ServerStreamingAsync(WatchOrderMethod, new GetOrderRequest { OrderId = orderId }, options);

    public Task<Warehouse> UpsertWarehouseAsync(Warehouse warehouse, GrpcCallOptions options = default) => Grpc.UnaryAsync(UpsertWarehouseMethod, warehouse, options);

    public Task<SkuAvailability> SetStockAsync(SetStockRequest request, GrpcCallOptions options = default) => Grpc.UnaryAsync(SetStockMethod, request, options);

    public Task<SkuAvailability> GetAvailabilityAsync(string sku, GrpcCallOptions options = default) =>
        Grpc.UnaryAsync(GetAvailabilityMethod, new GetAvailabilityRequest { Sku = sku }, options);

    public Task<Customer> UpsertCustomerAsync(Customer customer, GrpcCallOptions options = default) => Grpc.UnaryAsync(UpsertCustomerMethod, customer, options);

    public Task<Campaign> UpsertCampaignAsync(Campaign campaign, GrpcCallOptions options = default) => Grpc.UnaryAsync(UpsertCampaignMethod, campaign, options);

    public Task<Order> RequestReturnAsync(ReturnRequest request, GrpcCallOptions options = default) => Grpc.UnaryAsync(RequestReturnMethod, request, options);

    public Task<OrderHistory> GetOrderHistoryAsync(string orderId, GrpcCallOptions options = default) =>
        Grpc.UnaryAsync(GetOrderHistoryMethod, new GetOrderRequest { OrderId = orderId }, options);

    public Task<SkuAvailability> AdjustStockAsync(AdjustStockRequest request, GrpcCallOptions options = default) => Grpc.UnaryAsync(AdjustStockMethod, request, options);

    public Task<StockSnapshotSummary> ImportStockSnapshotAsync(StockSnapshot snapshot, GrpcCallOptions options = default) => Grpc.UnaryAsync(ImportStockSnapshotMethod, snapshot, options);

    public Task<StockLedger> GetStockLedgerAsync(string sku, int limit = 0, GrpcCallOptions options = default) =>
        Grpc.UnaryAsync(GetStockLedgerMethod, new GetStockLedgerRequest { Sku = sku, Limit = limit }, options);

    public Task<Order> ReleaseOrderAsync(ReleaseOrderRequest request, GrpcCallOptions options = default) => Grpc.UnaryAsync(ReleaseOrderMethod, request, options);

    public Task<Order> ReportShipmentAsync(ShipmentReport report, GrpcCallOptions options = default) => Grpc.UnaryAsync(ReportShipmentMethod, report, options);

    public Task<Order> ConfirmDeliveryAsync(DeliveryConfirmation confirmation, GrpcCallOptions options = default) => Grpc.UnaryAsync(ConfirmDeliveryMethod, confirmation, options);

    public Task<Order> ReceiveReturnAsync(ReturnReceipt receipt, GrpcCallOptions options = default) => Grpc.UnaryAsync(ReceiveReturnMethod, receipt, options);

    public Task<WarehouseQueue> GetWarehouseQueueAsync(string warehouseId, GrpcCallOptions options = default) =>
        Grpc.UnaryAsync(GetWarehouseQueueMethod, new GetWarehouseQueueRequest { WarehouseId = warehouseId }, options);

    /// <inheritdoc />
    public void Dispose() => Grpc.Dispose();
}
