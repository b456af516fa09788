using System.Net;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OrderGrains.Contracts.V1;

namespace OrderGrains.LoadTests.Ceiling;

/// <summary>
/// The ceiling of issue 15: a trivial RPC on the same machine, the same Kestrel and Grpc.AspNetCore stack (HTTP/2
/// without TLS, like the in-process host) and driven by the same client, so its calls/s say what the transport alone
/// allows and PlaceOrder's rate can be read as a fraction of it. It takes a PlaceOrderRequest and answers a
/// PlaceOrderReply naming the order, so messages are about PlaceOrder's size; it touches no grain and no storage.
/// </summary>
/// <remarks>
/// It runs as a bare Grpc.AspNetCore server in the load tool's process rather than inside the OrderGrains host: the
/// host's caller authorization refuses every method its access table does not list, and a load-test method has no
/// place in the product's table. So the ceiling also leaves out what the host adds per call (caller token check,
/// admission, error mapping); those count against PlaceOrder.
/// </remarks>
public sealed class EchoServer : IAsyncDisposable
{
    /// <summary>The echo method's full name; under the load tool's own package, not the product's.</summary>
    public static readonly Method<PlaceOrderRequest, PlaceOrderReply> EchoMethod = new(
        MethodType.Unary,
        "ordergrains.loadtests.Echo",
        "Echo",
        Marshallers.Create(static (PlaceOrderRequest m) => Google.Protobuf.MessageExtensions.ToByteArray(m), PlaceOrderRequest.Parser.ParseFrom),
        Marshallers.Create(static (PlaceOrderReply m) => Google.Protobuf.MessageExtensions.ToByteArray(m), PlaceOrderReply.Parser.ParseFrom));

    private readonly WebApplication _app;

    private EchoServer(WebApplication app, Uri address)
    {
        _app = app;
        Address = address;
    }

    public Uri Address { get; }

    public static async Task<EchoServer> StartAsync()
    {
        var port = InProcessHost.FreePort();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, port, listen => listen.Protocols = HttpProtocols.Http2));
        builder.Services.AddGrpc();
        var app = builder.Build();
        app.MapGrpcService<EchoService>();
        await app.StartAsync();
        return new EchoServer(app, new Uri($"http://127.0.0.1:{port}"));
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    /// <summary>
    /// The one method, bound by hand: no .proto of its own, PlaceOrder's messages on the wire. Grpc.AspNetCore binds a
    /// virtual method declared by the type that carries the binding attribute, as generated service bases do.
    /// </summary>
    [BindServiceMethod(typeof(EchoServiceBase), nameof(BindService))]
    internal abstract class EchoServiceBase
    {
        public static void BindService(ServiceBinderBase binder, EchoServiceBase? service) =>
            binder.AddMethod(EchoMethod, service is null ? null : service.Echo);

        public abstract Task<PlaceOrderReply> Echo(PlaceOrderRequest request, ServerCallContext context);
    }

    internal sealed class EchoService : EchoServiceBase
    {
        public override Task<PlaceOrderReply> Echo(PlaceOrderRequest request, ServerCallContext context) =>
            Task.FromResult(new PlaceOrderReply
            {
                Order = new Order
                {
                    OrderId = request.Channel + ":" + request.ExternalOrderId,
                    Channel = request.Channel,
                    ExternalOrderId = request.ExternalOrderId,
                    CustomerId = request.CustomerId,
                    Currency = request.Currency,
                    Status = OrderStatus.PendingPayment,
                    Lines = { request.Lines },
                },
            });
    }
}
