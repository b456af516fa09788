using System.Net;
using System.Text.Json.Nodes;
using Grpc.Core;
using OrderGrains.Client;
using OrderGrains.Contracts.V1;
using OrderGrains.Erp;
using static OrderGrains.Host.Tests.ContractCalls;
using static OrderGrains.Host.Tests.LedgerProbe;

namespace OrderGrains.Host.Tests;

/// <summary>A host whose "b2b" channel backorders, with an operator and a viewer admin token.</summary>
public sealed class PresaleHost : IAsyncLifetime
{
    public const string OperatorToken = "presale-operator-0123456789";
    public const string ViewerToken = "presale-viewer-0123456789";

    private TestHost? _host;

    public TestHost Host => _host ?? throw new InvalidOperationException("The host has not started.");

    public async Task InitializeAsync() =>
        _host = await TestHost.StartAsync(
            null,
            $"--OrderGrains:Admin:Tokens:0:Token={OperatorToken}",
            "--OrderGrains:Admin:Tokens:0:Name=petra",
            "--OrderGrains:Admin:Tokens:0:Role=operator",
            $"--OrderGrains:Admin:Tokens:1:Token={ViewerToken}",
            "--OrderGrains:Admin:Tokens:1:Name=victor",
            "--OrderGrains:Admin:Tokens:1:Role=viewer",
            "--OrderGrains:Backorders:Channels:b2b:AllowBackorders=true");

    public async Task DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }
    }
}

/// <summary>
/// Presale and backorders at placement (issue 13 §3) on the real host: the SKU sale policy over gRPC and the admin
/// API, orders through the intake (sold-out gate included), and what the embedded ERP ledger sees.
/// </summary>
public sealed class PresaleContractTests(PresaleHost fixture) : IClassFixture<PresaleHost>, IDisposable
{
    private const long UnitPrice = 11_300;

    private readonly string _run = Guid.NewGuid().ToString("N")[..8];
    private readonly HttpClient _http = new() { BaseAddress = new Uri($"http://127.0.0.1:{fixture.Host.AdminPort}/"), Timeout = TimeSpan.FromSeconds(30) };

    private OrderGrainsClient Client => fixture.Host.Client;

    private string Sku => "pre-" + _run;

    [Fact]
    public async Task A_presale_sku_sells_before_any_stock_up_to_its_limit_and_the_order_shows_its_expected_units()
    {
        await SeedCustomerAsync();
        var opened = await Client.SetSkuSalePolicyAsync(new SetSkuSalePolicyRequest { Sku = Sku, PresaleLimit = 5 });

        var first = (await Client.PlaceOrderAsync(Place("web", "p1", Sku, 3))).Order;
        var second = (await Client.PlaceOrderAsync(Place("web", "p2", Sku, 3))).Order;
        var availability = await Client.GetAvailabilityAsync(Sku);

        Assert.Equal((0, 5, 0, 5, false), (opened.OnHand, opened.PresaleLimit, opened.Presold, opened.PresaleRemaining, opened.BackordersAllowed));
        Assert.Equal(OrderStatus.PendingPayment, first.Status);
        Assert.Equal(3, Assert.Single(first.Backordered).Quantity);
        Assert.Equal((Sku, 3), (Assert.Single(first.Presold).Sku, first.Presold[0].Quantity));
        Assert.Empty(first.Allocations);
        Assert.Equal((OrderStatus.Rejected, RejectReason.OutOfStock), (second.Status, second.RejectReason));
        Assert.Equal((3, 2, 3), (availability.Presold, availability.PresaleRemaining, availability.Backordered));
    }

    [Fact]
    public async Task A_backordering_channel_is_accepted_on_a_sold_out_sku_while_other_channels_are_refused()
    {
        await SeedStockAsync(Sku, 1);
        Assert.Equal(OrderStatus.PendingPayment, (await Client.PlaceOrderAsync(Place("web", "first", Sku, 1))).Order.Status);

        var web = (await Client.PlaceOrderAsync(Place("web", "late", Sku, 2))).Order;
        var b2b = (await Client.PlaceOrderAsync(Place("b2b", "late", Sku, 2))).Order;

        Assert.Equal((OrderStatus.Rejected, RejectReason.OutOfStock), (web.Status, web.RejectReason));
        Assert.Equal(OrderStatus.PendingPayment, b2b.Status);
        Assert.Equal(2, Assert.Single(b2b.Backordered).Quantity);
        Assert.Empty(b2b.Presold);
        Assert.Equal(2, (await Client.GetAvailabilityAsync(Sku)).Backordered);
    }

    [Fact]
    public async Task Bad_sale_policies_are_refused_naming_the_field_on_grpc_and_on_the_admin_api()
    {
        var negative = await StatusAsync(StatusCode.InvalidArgument, () => Client.SetSkuSalePolicyAsync(new SetSkuSalePolicyRequest { Sku = Sku, PresaleLimit = -1 }));
        var both = await StatusAsync(StatusCode.InvalidArgument, () => Client.SetSkuSalePolicyAsync(new SetSkuSalePolicyRequest { Sku = Sku, PresaleLimit = 5, BackordersAllowed = true }));
        var noSku = await StatusAsync(StatusCode.InvalidArgument, () => Client.SetSkuSalePolicyAsync(new SetSkuSalePolicyRequest { PresaleLimit = 5 }));
        using var adminNegative = await SendAsync("PUT", $"admin/skus/{Sku}/sale-policy", PresaleHost.OperatorToken, """{"presaleLimit":-3}""");
        using var adminBoth = await SendAsync("PUT", $"admin/skus/{Sku}/sale-policy", PresaleHost.OperatorToken, """{"presaleLimit":3,"backordersAllowed":true}""");
        using var viewer = await SendAsync("PUT", $"admin/skus/{Sku}/sale-policy", PresaleHost.ViewerToken, """{"presaleLimit":3}""");

        Assert.StartsWith("presale_limit: must not be negative", negative, StringComparison.Ordinal);
        Assert.StartsWith("backorders_allowed: cannot be combined with presale_limit", both, StringComparison.Ordinal);
        Assert.StartsWith("sku:", noSku, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, adminNegative.StatusCode);
        Assert.Contains("presaleLimit: must not be negative", await adminNegative.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Contains("backordersAllowed: cannot be combined with presaleLimit", await adminBoth.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, viewer.StatusCode);
        Assert.Equal(StatusCode.NotFound, (await Assert.ThrowsAsync<RpcException>(() => Client.GetAvailabilityAsync(Sku))).StatusCode);
    }

    [Fact]
    public async Task An_operator_sets_a_sale_policy_on_the_admin_api_and_channels_see_it_in_availability()
    {
        await SeedStockAsync(Sku, 2);

        using var set = await SendAsync("PUT", $"admin/skus/{Sku}/sale-policy", PresaleHost.OperatorToken, """{"backordersAllowed":true}""");
        var body = JsonNode.Parse(await set.Content.ReadAsStringAsync())!;
        var placed = (await Client.PlaceOrderAsync(Place("web", "more", Sku, 5))).Order;
        using var ended = await SendAsync("PUT", $"admin/skus/{Sku}/sale-policy", PresaleHost.OperatorToken, "{}");
        var refused = (await Client.PlaceOrderAsync(Place("web", "after", Sku, 1))).Order;

        Assert.Equal(HttpStatusCode.OK, set.StatusCode);
        Assert.True(body["backordersAllowed"]!.GetValue<bool>());
        Assert.Equal(2, body["available"]!.GetValue<int>());
        Assert.Equal((OrderStatus.PendingPayment, 3), (placed.Status, placed.Backordered.Single().Quantity));
        Assert.Equal(HttpStatusCode.OK, ended.StatusCode);
        Assert.Equal((OrderStatus.Rejected, RejectReason.OutOfStock), (refused.Status, refused.RejectReason));
        Assert.False((await Client.GetAvailabilityAsync(Sku)).BackordersAllowed);
    }

    [Fact]
    public async Task Presold_units_partly_filled_and_the_rest_cancelled_invoice_only_the_delivered_units_at_delivery()
    {
        await SeedCustomerAsync();
        await Client.UpsertWarehouseAsync(new Warehouse { WarehouseId = "berlin", Name = "berlin", Latitude = 52.52, Longitude = 13.40, Active = true });
        await Client.SetSkuSalePolicyAsync(new SetSkuSalePolicyRequest { Sku = Sku, PresaleLimit = 10 });
        var placed = (await Client.PlaceOrderAsync(Place("web", "ledger", Sku, 5))).Order;
        var order = await Client.ConfirmPaymentAsync(new ConfirmPaymentRequest { OrderId = placed.OrderId, PaymentReference = "pay-" + _run, AmountMinor = placed.TotalMinor });

        await Client.SetStockAsync(new SetStockRequest { WarehouseId = "berlin", Sku = Sku, OnHand = 3, SyncId = "arrival-1" });
        await OrderLifecycle.EventuallyAsync(Client, order.OrderId, o => o.Backordered.Sum(b => b.Quantity) == 2);
        var cancelled = await Client.CancelOrderAsync(new CancelOrderRequest
        {
            OrderId = order.OrderId,
            CancellationId = "cx-" + _run,
            Reason = "won't wait",
            Lines = { new LineQuantity { Sku = Sku, Quantity = 2 } },
        });
        var beforeDelivery = await PostedAsync(fixture.Host, order.OrderId, DocumentTypes.CustomerPayment, DocumentTypes.CreditNote);
        await Client.ReleaseOrderAsync(new ReleaseOrderRequest { OrderId = order.OrderId, Actor = "ops" });
        await Client.ReportShipmentAsync(new ShipmentReport
        {
            OrderId = order.OrderId,
            WarehouseId = "berlin",
            ShipmentId = "s-" + _run,
            Carrier = "DHL",
            TrackingNumber = "T-" + _run,
            Lines = { new LineQuantity { Sku = Sku, Quantity = 3 } },
        });
        var completed = await Client.ConfirmDeliveryAsync(new DeliveryConfirmation { OrderId = order.OrderId, ShipmentId = "s-" + _run });
        var entries = await PostedAsync(fixture.Host, order.OrderId, DocumentTypes.CustomerPayment, DocumentTypes.CreditNote, DocumentTypes.SalesInvoice);

        Assert.Equal(22_600, cancelled.Refunds.Single().AmountMinor);
        Assert.DoesNotContain(beforeDelivery, e => e.DocumentType == DocumentTypes.SalesInvoice);
        Assert.Equal(OrderStatus.Completed, completed.Status);
        Assert.All(entries, e => Assert.Equal(e.Lines.Sum(l => l.DebitMinor), e.Lines.Sum(l => l.CreditMinor)));
        var invoice = Assert.Single(entries, e => e.DocumentType == DocumentTypes.SalesInvoice);
        Assert.Equal(33_900, invoice.Lines.Where(l => l.Account == ChartOfAccounts.CustomerAdvances).Sum(l => l.DebitMinor));
        Assert.Equal(0, Balance(entries, ChartOfAccounts.CustomerAdvances));
        Assert.Equal(56_500 - 22_600, Balance(entries, ChartOfAccounts.CashClearing));
        var stock = await Client.GetAvailabilityAsync(Sku);
        Assert.Equal((3, 7, 0), (stock.Presold, stock.PresaleRemaining, stock.OnHand));
    }

    public void Dispose() => _http.Dispose();

    private PlaceOrderRequest Place(string channel, string externalId, string sku, int quantity) => new()
    {
        Channel = channel,
        ExternalOrderId = $"{externalId}-{_run}",
        CustomerId = "ada",
        Currency = "EUR",
        ShipTo = new Address { Recipient = "Ada", Line1 = "Unter den Linden 1", City = "Berlin", Country = "DE", Latitude = 52.5, Longitude = 13.4 },
        Lines = { new OrderLine { Sku = sku, Quantity = quantity, UnitPriceMinor = UnitPrice } },
    };

    private Task SeedCustomerAsync() => Client.UpsertCustomerAsync(new Customer { CustomerId = "ada", Name = "Ada" });

    private async Task SeedStockAsync(string sku, int units)
    {
        await SeedCustomerAsync();
        await Client.UpsertWarehouseAsync(new Warehouse { WarehouseId = "berlin", Name = "berlin", Latitude = 52.52, Longitude = 13.40, Active = true });
        await Client.SetStockAsync(new SetStockRequest { WarehouseId = "berlin", Sku = sku, OnHand = units, SyncId = "seed-" + sku });
    }

    private Task<HttpResponseMessage> SendAsync(string method, string path, string? token, string? body = null) =>
        _http.SendAdminAsync(method, path, token, body);
}
