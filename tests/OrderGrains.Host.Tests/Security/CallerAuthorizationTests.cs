using System.Collections.Concurrent;
using System.Reflection;
using Google.Protobuf.Reflection;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using OrderGrains.Client;
using OrderGrains.Contracts.V1;
using OrderGrains.Host.Security;

namespace OrderGrains.Host.Tests.Security;

/// <summary>Who may call the gRPC port: tokens, roles and channels, against a real host with configured callers.</summary>
public sealed class CallerAuthorizationTests
{
    private const string ShopToken = "shop-a-token-0123456789";
    private const string WmsToken = "wms-token-0123456789abc";
    private const string AllToken = "all-roles-token-0123456789";

    private static readonly string[] Callers =
    [
        "--OrderGrains:Callers:0:Name=shop-a",
        $"--OrderGrains:Callers:0:Token={ShopToken}",
        "--OrderGrains:Callers:0:Roles:0=orders",
        "--OrderGrains:Callers:0:Channels:0=shop-a",
        "--OrderGrains:Callers:1:Name=wms",
        $"--OrderGrains:Callers:1:Token={WmsToken}",
        "--OrderGrains:Callers:1:Roles=inventory,fulfillment",
        "--OrderGrains:Callers:2:Name=ops",
        $"--OrderGrains:Callers:2:Token={AllToken}",
        "--OrderGrains:Callers:2:Roles=orders,inventory,fulfillment,catalog",
        "--OrderGrains:Callers:2:Channels:0=*",
    ];

    [Fact]
    public async Task A_call_without_a_token_is_unauthenticated_and_health_stays_open()
    {
        await using var host = await TestHost.StartAsync(null, Callers);
        using var anonymous = host.ClientWith(null);

        var error = await Assert.ThrowsAsync<RpcException>(() => anonymous.GetAvailabilityAsync("sku-1", Deadline()));

        Assert.Equal(StatusCode.Unauthenticated, error.StatusCode);
        Assert.Contains("authorization: Bearer", error.Status.Detail, StringComparison.Ordinal);
        var health = new global::Grpc.Health.V1.Health.HealthClient(anonymous.Channel);
        var reply = await health.CheckAsync(new global::Grpc.Health.V1.HealthCheckRequest(), Deadline());
        Assert.Equal(global::Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus.Serving, reply.Status);
    }

    [Fact]
    public async Task A_wrong_token_is_unauthenticated_and_changes_nothing()
    {
        await using var host = await TestHost.StartAsync(null, Callers);
        using var ops = host.ClientWith(AllToken);
        using var stranger = host.ClientWith("not-a-token-of-anyone-here");
        var (sku, _) = await StockAsync(ops, onHand: 5);

        var error = await Assert.ThrowsAsync<RpcException>(
            () => stranger.AdjustStockAsync(new AdjustStockRequest { WarehouseId = "w-" + sku[4..], Sku = sku, Delta = 500, Reason = StockAdjustmentReason.Received, AdjustmentId = "a1" }, Deadline()));

        Assert.Equal(StatusCode.Unauthenticated, error.StatusCode);
        Assert.Equal(5, (await ops.GetAvailabilityAsync(sku, Deadline())).OnHand);
    }

    [Fact]
    public async Task Each_call_on_one_connection_is_judged_by_its_own_token()
    {
        await using var host = await TestHost.StartAsync(null, Callers);
        using var ops = host.ClientWith(AllToken);
        using var connection = host.ClientWith(null);
        var (sku, _) = await StockAsync(ops, onHand: 5);
        CallOptions As(string token) => Deadline().WithHeaders(new Metadata { { "authorization", "Bearer " + token } });

        var first = await connection.GetAvailabilityAsync(sku, As(AllToken));
        var wrong = await Assert.ThrowsAsync<RpcException>(() => connection.GetAvailabilityAsync(sku, As(AllToken + "x")));
        var prefix = await Assert.ThrowsAsync<RpcException>(() => connection.GetAvailabilityAsync(sku, As(AllToken[..^1])));
        var otherCaller = await Assert.ThrowsAsync<RpcException>(() => connection.GetAvailabilityAsync(sku, As(ShopToken)));
        var again = await connection.GetAvailabilityAsync(sku, As(AllToken));

        Assert.Equal(5, first.OnHand);
        Assert.Equal(StatusCode.Unauthenticated, wrong.StatusCode);
        Assert.Equal(StatusCode.Unauthenticated, prefix.StatusCode);
        Assert.Equal(StatusCode.PermissionDenied, otherCaller.StatusCode);
        Assert.Contains("'shop-a' lacks the role", otherCaller.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(5, again.OnHand);
    }

    [Fact]
    public async Task Concurrent_first_calls_on_a_new_connection_all_authenticate()
    {
        await using var host = await TestHost.StartAsync(null, Callers);
        using var ops = host.ClientWith(AllToken);
        var (sku, _) = await StockAsync(ops, onHand: 5);

        for (var round = 0; round < 5; round++)
        {
            // A new connection each round, whose first calls all run at once: each misses the remembered caller.
            using var connection = host.ClientWith(AllToken);
            var replies = await Task.WhenAll(Enumerable.Range(0, 200).Select(_ => connection.GetAvailabilityAsync(sku, Deadline())));
            Assert.All(replies, reply => Assert.Equal(5, reply.OnHand));
        }
    }

    [Fact]
    public async Task A_caller_without_the_role_of_a_method_is_permission_denied()
    {
        await using var host = await TestHost.StartAsync(null, Callers);
        using var shop = host.ClientWith(ShopToken);
        using var wms = host.ClientWith(WmsToken);

        var stock = await Assert.ThrowsAsync<RpcException>(
            () => shop.SetStockAsync(new SetStockRequest { WarehouseId = "w1", Sku = "sku-x", OnHand = 9, SyncId = "s" }, Deadline()));
        var order = await Assert.ThrowsAsync<RpcException>(() => wms.GetOrderAsync("shop-a:1", Deadline()));
        var customer = await Assert.ThrowsAsync<RpcException>(() => wms.UpsertCustomerAsync(new Customer { CustomerId = "c" }, Deadline()));

        Assert.Equal(StatusCode.PermissionDenied, stock.StatusCode);
        Assert.Contains("'shop-a' lacks the role 'inventory'", stock.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(StatusCode.PermissionDenied, order.StatusCode);
        Assert.Equal(StatusCode.PermissionDenied, customer.StatusCode);
    }

    [Fact]
    public async Task An_orders_caller_cannot_place_read_or_act_on_another_channels_orders()
    {
        await using var host = await TestHost.StartAsync(null, Callers);
        using var ops = host.ClientWith(AllToken);
        using var shop = host.ClientWith(ShopToken);
        var (sku, customer) = await StockAsync(ops, onHand: 5);
        var theirs = (await ops.PlaceOrderAsync(Request("shop-b", sku, customer), Deadline())).Order;

        var place = await Assert.ThrowsAsync<RpcException>(() => shop.PlaceOrderAsync(Request("shop-b", sku, customer), Deadline()));
        var read = await Assert.ThrowsAsync<RpcException>(() => shop.GetOrderAsync(theirs.OrderId, Deadline()));
        var history = await Assert.ThrowsAsync<RpcException>(() => shop.GetOrderHistoryAsync(theirs.OrderId, Deadline()));
        var watch = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            await foreach (var _ in shop.WatchOrderAsync(theirs.OrderId, Deadline()))
            {
            }
        });
        var cancel = await Assert.ThrowsAsync<RpcException>(
            () => shop.CancelOrderAsync(new CancelOrderRequest { OrderId = theirs.OrderId, Reason = "not mine" }, Deadline()));
        var pay = await Assert.ThrowsAsync<RpcException>(
            () => shop.ConfirmPaymentAsync(new ConfirmPaymentRequest { OrderId = theirs.OrderId, AmountMinor = theirs.TotalMinor, PaymentReference = "p" }, Deadline()));

        Assert.All([place, read, history, watch, cancel, pay], e => Assert.Equal(StatusCode.PermissionDenied, e.StatusCode));
        Assert.Contains("may not act for channel 'shop-b'", place.Status.Detail, StringComparison.Ordinal);
        var after = await ops.GetOrderAsync(theirs.OrderId, Deadline());
        Assert.Equal(theirs.Status, after.Status);
        Assert.Equal(theirs.Version, after.Version);
        Assert.Equal(4, (await ops.GetAvailabilityAsync(sku, Deadline())).Available);

        var mine = (await shop.PlaceOrderAsync(Request("shop-a", sku, customer), Deadline())).Order;
        Assert.Equal(mine.OrderId, (await shop.GetOrderAsync(mine.OrderId, Deadline())).OrderId);
    }

    [Fact]
    public async Task An_address_is_refused_after_too_many_failed_attempts_even_with_a_good_token()
    {
        await using var host = await TestHost.StartAsync(null, [.. Callers, "--OrderGrains:CallerLockout:MaxFailures=3", "--OrderGrains:CallerLockout:WindowSeconds=600"]);
        using var ops = host.ClientWith(AllToken);
        using var guesser = host.ClientWith("guess-0123456789abcdef");
        await StockAsync(ops, onHand: 1);

        for (var i = 0; i < 3; i++)
        {
            var failed = await Assert.ThrowsAsync<RpcException>(() => guesser.GetAvailabilityAsync("sku-1", Deadline()));
            Assert.Equal(StatusCode.Unauthenticated, failed.StatusCode);
        }

        var locked = await Assert.ThrowsAsync<RpcException>(() => ops.GetAvailabilityAsync("sku-ok", Deadline()));
        Assert.Equal(StatusCode.ResourceExhausted, locked.StatusCode);
        Assert.Contains("Too many failed authentication attempts", locked.Status.Detail, StringComparison.Ordinal);
        Assert.True(long.Parse(locked.Trailers.GetValue("grpc-retry-pushback-ms")!, System.Globalization.CultureInfo.InvariantCulture) > 0);
    }

    [Fact]
    public async Task Tokens_never_reach_the_log()
    {
        var dataDirectory = Path.Combine(Path.GetTempPath(), "ordergrains-host-tests", Guid.NewGuid().ToString("N"));
        var logs = new CapturingLoggerProvider();
        var grpcPort = TestHost.FreePort();
        await using (var host = await OrderGrainsHost.StartAsync(
            [$"--OrderGrains:GrpcPort={grpcPort}", $"--OrderGrains:AdminPort={TestHost.FreePort()}", $"--OrderGrains:DataDir={dataDirectory}", "--Logging:LogLevel:Default=Trace", .. Callers],
            builder => builder.Logging.AddProvider(logs)))
        {
            const string wrong = "wrong-token-that-must-not-be-logged";
            using var guesser = new OrderGrainsClient(new Uri($"http://127.0.0.1:{grpcPort}"), new OrderGrainsClientOptions { Token = wrong });
            using var shop = new OrderGrainsClient(new Uri($"http://127.0.0.1:{grpcPort}"), new OrderGrainsClientOptions { Token = ShopToken });
            await Assert.ThrowsAsync<RpcException>(() => guesser.GetOrderAsync("shop-a:1", Deadline()));
            await Assert.ThrowsAsync<RpcException>(() => shop.SetStockAsync(new SetStockRequest { WarehouseId = "w", Sku = "s", OnHand = 1, SyncId = "x" }, Deadline()));
            await Assert.ThrowsAsync<RpcException>(() => shop.GetOrderAsync("shop-a:missing", Deadline()));

            var lines = logs.Lines.ToList();
            Assert.Contains(lines, l => l.Contains("refused as unauthenticated: unknown token", StringComparison.Ordinal));
            Assert.Contains(lines, l => l.Contains("by caller shop-a denied", StringComparison.Ordinal));
            Assert.DoesNotContain(lines, l => l.Contains(wrong, StringComparison.Ordinal) || l.Contains(ShopToken, StringComparison.Ordinal));
        }

        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(dataDirectory, recursive: true);
    }

    [Fact]
    public void Every_rpc_of_the_contract_has_exactly_one_entry_in_the_table()
    {
        // Every service of every file the contract assembly generated, so a new proto file cannot be left out here either.
        var services = typeof(OrderIntake).Assembly.GetTypes()
            .Select(t => t.GetProperty("Descriptor", BindingFlags.Public | BindingFlags.Static)?.GetValue(null))
            .OfType<FileDescriptor>()
            .SelectMany(f => f.Services)
            .ToList();
        var methods = services.SelectMany(s => s.Methods.Select(m => $"/{s.FullName}/{m.Name}")).ToHashSet();

        Assert.Contains(services, s => s.FullName == Review.Descriptor.FullName);
        Assert.Equal(methods.Order(), CallerAccess.Table.Keys.Order());
        Assert.All(CallerAccess.Table.Where(e => e.Key.StartsWith("/ordergrains.v1.OrderIntake/", StringComparison.Ordinal)), e => Assert.NotNull(e.Value.ChannelOf));
        Assert.All(CallerAccess.Table.Values, access => Assert.NotEmpty(access.Roles));
    }

    private static CallOptions Deadline() => OrderGrainsClient.Timeout(TimeSpan.FromSeconds(30));

    private static async Task<(string Sku, string Customer)> StockAsync(OrderGrainsClient ops, int onHand)
    {
        var id = Guid.NewGuid().ToString("N");
        await ops.UpsertWarehouseAsync(new Warehouse { WarehouseId = "w-" + id, Name = "W", Latitude = 52.5, Longitude = 13.4, Active = true }, Deadline());
        await ops.SetStockAsync(new SetStockRequest { WarehouseId = "w-" + id, Sku = "sku-" + id, OnHand = onHand, SyncId = "s-" + id }, Deadline());
        await ops.UpsertCustomerAsync(new Customer { CustomerId = "c-" + id, Name = "Ada" }, Deadline());
        return ("sku-" + id, "c-" + id);
    }

    private static PlaceOrderRequest Request(string channel, string sku, string customer) => new()
    {
        Channel = channel,
        ExternalOrderId = Guid.NewGuid().ToString("N"),
        CustomerId = customer,
        Currency = "EUR",
        ShipTo = new Address { Recipient = "Ada", Latitude = 52.5, Longitude = 13.4 },
        Lines = { new OrderLine { Sku = sku, Quantity = 1, UnitPriceMinor = 100 } },
    };

    private sealed class CapturingLoggerProvider : ILoggerProvider
    {
        private readonly ConcurrentQueue<string> _lines = new();

        public IEnumerable<string> Lines => _lines;

        public ILogger CreateLogger(string categoryName) => new Capturing(_lines);

        public void Dispose()
        {
        }

        private sealed class Capturing(ConcurrentQueue<string> lines) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                var structured = state is IEnumerable<KeyValuePair<string, object?>> values ? string.Join(";", values.Select(v => $"{v.Key}={v.Value}")) : string.Empty;
                lines.Enqueue($"{formatter(state, exception)} {structured} {exception}");
            }
        }
    }
}
