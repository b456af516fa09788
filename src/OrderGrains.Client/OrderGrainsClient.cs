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

    /// <inheritdoc />
    public void Dispose() => Grpc.Dispose();
}
