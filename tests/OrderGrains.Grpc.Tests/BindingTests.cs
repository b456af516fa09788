using Google.Protobuf.Reflection;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging;
using OrderGrains.Contracts.V1;
using OrderGrains.Grpc.Server;
using Xunit;

namespace OrderGrains.Grpc.Tests;

public sealed class BindingTests
{
    private static readonly ServiceDescriptor OrderIntake = OrdersReflection.Descriptor.FindTypeByName<ServiceDescriptor>("OrderIntake");

    [Fact]
    public async Task Missing_handler_methods_fail_at_start_naming_each_rpc()
    {
        await using var app = CreateApp();

        var error = Assert.Throws<InvalidOperationException>(() => app.MapGrpcService(OrderIntake, new PartialOrderIntake()));

        Assert.Contains("ordergrains.v1.OrderIntake.GetOrder", error.Message, StringComparison.Ordinal);
        Assert.Contains("ordergrains.v1.OrderIntake.WatchOrder", error.Message, StringComparison.Ordinal);
        Assert.Contains("GetOrderAsync(GetOrderRequest, ServerCallContext)", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("OrderIntake.PlaceOrder:", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Complete_handler_binds_every_rpc_of_the_contract()
    {
        await using var app = CreateApp();

        app.MapGrpcService(OrderIntake, new CompleteOrderIntake());
    }

    [Fact]
    public async Task Mapping_without_AddGrpcServer_says_what_to_call()
    {
        var builder = WebApplication.CreateSlimBuilder();
        await using var app = builder.Build();

        var error = Assert.Throws<InvalidOperationException>(() => app.MapGrpcService(OrderIntake, new CompleteOrderIntake()));

        Assert.Contains("AddGrpcServer", error.Message, StringComparison.Ordinal);
    }

    private static WebApplication CreateApp()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddGrpcServer();
        return builder.Build();
    }

    private sealed class PartialOrderIntake
    {
        public Task<PlaceOrderReply> PlaceOrderAsync(PlaceOrderRequest request, ServerCallContext context) => Task.FromResult(new PlaceOrderReply());

        // Wrong return type: must not count as a handler for GetOrder.
        public Task<PlaceOrderReply> GetOrderAsync(GetOrderRequest request, ServerCallContext context) => Task.FromResult(new PlaceOrderReply());
    }

    private sealed class CompleteOrderIntake
    {
        public Task<PlaceOrderReply> PlaceOrderAsync(PlaceOrderRequest request, ServerCallContext context) => Task.FromResult(new PlaceOrderReply());

        public ValueTask<Order> GetOrderAsync(GetOrderRequest request, CancellationToken cancellationToken) => ValueTask.FromResult(new Order());

        public Task<Order> ConfirmPaymentAsync(ConfirmPaymentRequest request) => Task.FromResult(new Order());

        public Task<Order> CancelOrderAsync(CancelOrderRequest request, ServerCallContext context) => Task.FromResult(new Order());

        public Task<Order> RequestReturnAsync(ReturnRequest request, ServerCallContext context) => Task.FromResult(new Order());

        public Task<OrderHistory> GetOrderHistoryAsync(GetOrderRequest request, ServerCallContext context) => Task.FromResult(new OrderHistory());

        public async IAsyncEnumerable<Order> WatchOrderAsync(GetOrderRequest request, ServerCallContext context)
        {
            await Task.Yield();
            yield return new Order();
        }
    }
}
