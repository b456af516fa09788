using System.Net;
using System.Text.Json.Nodes;
using Grpc.Core;
using OrderGrains.Alerting.Tests;
using OrderGrains.Client;
using OrderGrains.Contracts.V1;
using static OrderGrains.Host.Tests.ContractCalls;

namespace OrderGrains.Host.Tests;

/// <summary>A host posting alerts to a local webhook receiver, with an operator and a viewer admin token.</summary>
public sealed class AlertingHost : IAsyncLifetime
{
    public const string OperatorToken = "alerts-operator-0123456789";
    public const string ViewerToken = "alerts-viewer-0123456789";

    private TestHost? _host;

    public WebhookReceiver Receiver { get; } = new();

    public TestHost Host => _host ?? throw new InvalidOperationException("The host has not started.");

    public async Task InitializeAsync()
    {
        Receiver.Start();
        _host = await TestHost.StartAsync(
            null,
            $"--OrderGrains:Admin:Tokens:0:Token={OperatorToken}",
            "--OrderGrains:Admin:Tokens:0:Name=petra",
            "--OrderGrains:Admin:Tokens:0:Role=operator",
            $"--OrderGrains:Admin:Tokens:1:Token={ViewerToken}",
            "--OrderGrains:Admin:Tokens:1:Name=victor",
            "--OrderGrains:Admin:Tokens:1:Role=viewer",
            $"--OrderGrains:Alerts:Webhook:Url={Receiver.Url}",
            "--OrderGrains:Alerts:PollInterval=00:00:00.100");
    }

    public async Task DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }

        await Receiver.DisposeAsync();
    }
}

/// <summary>
/// Shortage alerts (issue 14 §2) end to end on the real host: thresholds over gRPC and the admin API, alerts in
/// <c>/admin/alerts</c> with acknowledge and self-resolution, OUT_OF_STOCK refusals through the intake, the webhook.
/// </summary>
public sealed class InventoryAlertContractTests(AlertingHost fixture) : IClassFixture<AlertingHost>, IDisposable
{
    private readonly string _run = Guid.NewGuid().ToString("N")[..8];
    private readonly HttpClient _http = new() { BaseAddress = new Uri($"http://127.0.0.1:{fixture.Host.AdminPort}/"), Timeout = TimeSpan.FromSeconds(30) };

    private OrderGrainsClient Client => fixture.Host.Client;

    private string Sku => "sku-" + _run;

    [Fact]
    public async Task Bad_thresholds_are_refused_naming_the_field_on_grpc_and_on_the_admin_api()
    {
        await SeedAsync(Sku, 10);

        var both = await StatusAsync(StatusCode.InvalidArgument, () => Client.SetLowStockThresholdAsync(new SetLowStockThresholdRequest { Sku = Sku, MinAvailable = 2, DaysOfCover = 3 }));
        var neither = await StatusAsync(StatusCode.InvalidArgument, () => Client.SetLowStockThresholdAsync(new SetLowStockThresholdRequest { Sku = Sku }));
        var negative = await StatusAsync(StatusCode.InvalidArgument, () => Client.SetLowStockThresholdAsync(new SetLowStockThresholdRequest { Sku = Sku, MinAvailable = -4 }));
        var clearing = await StatusAsync(StatusCode.InvalidArgument, () => Client.SetLowStockThresholdAsync(new SetLowStockThresholdRequest { Sku = Sku, MinAvailable = 1, Clear = true }));
        using var adminBoth = await SendAsync("PUT", $"admin/skus/{Sku}/threshold", AlertingHost.OperatorToken, """{"minAvailable":2,"daysOfCover":1.5}""");
        using var adminDays = await SendAsync("PUT", $"admin/skus/{Sku}/threshold", AlertingHost.OperatorToken, """{"daysOfCover":-1}""");
        using var adminEmpty = await SendAsync("PUT", $"admin/skus/{Sku}/threshold", AlertingHost.OperatorToken, "{}");
        using var viewer = await SendAsync("PUT", $"admin/skus/{Sku}/threshold", AlertingHost.ViewerToken, """{"minAvailable":2}""");

        Assert.StartsWith("days_of_cover: cannot be set together with min_available", both, StringComparison.Ordinal);
        Assert.StartsWith("min_available: or days_of_cover is required", neither, StringComparison.Ordinal);
        Assert.StartsWith("min_available: must not be negative (it is -4)", negative, StringComparison.Ordinal);
        Assert.StartsWith("clear: cannot be set together", clearing, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, adminBoth.StatusCode);
        Assert.Contains("daysOfCover: cannot be set together with minAvailable", await adminBoth.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Contains("daysOfCover: must be more than 0", await adminDays.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Contains("minAvailable: or daysOfCover is required", await adminEmpty.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, viewer.StatusCode);
        var status = await Client.GetLowStockStatusAsync(Sku);
        Assert.False(status.HasMinAvailable || status.HasDaysOfCover);
    }

    [Fact]
    public async Task Crossing_a_threshold_raises_an_alert_operators_acknowledge_the_webhook_receives_and_a_restock_resolves()
    {
        await SeedAsync(Sku, 10);
        using var set = await SendAsync("PUT", $"admin/skus/{Sku}/threshold", AlertingHost.OperatorToken, """{"minAvailable":5}""");
        Assert.Equal(HttpStatusCode.OK, set.StatusCode);
        var alertId = Sku + "#low-1";

        await PlaceAsync("a", Sku, 6);

        var alert = await WaitForAlertAsync(alertId, "Open");
        Assert.Equal(("inventory", "low_stock", Sku), ((string?)alert["category"], (string?)alert["kind"], (string?)alert["subject"]));
        var listed = (await GetJsonAsync("admin/thresholds")).AsArray().Single(t => (string?)t!["sku"] == Sku)!;
        Assert.Equal((4, true, 5), ((int)listed["available"]!, (bool)listed["low"]!, (int)listed["threshold"]!["minAvailable"]!));
        Assert.DoesNotContain((await GetJsonAsync("admin/alerts?category=carrier"))["alerts"]!.AsArray(), a => (string?)a!["alertId"] == alertId);
        await WaitUntilAsync(() => Task.FromResult(fixture.Receiver.Of(alertId).Count > 0));
        var posted = JsonNode.Parse(fixture.Receiver.Of(alertId)[0].Body)!;
        Assert.Equal((alertId, "inventory", "low_stock"), ((string?)posted["alertId"], (string?)posted["category"], (string?)posted["kind"]));
        var webhook = await GetJsonAsync("admin/alerts/webhook");
        Assert.True((bool)webhook["enabled"]!);
        Assert.Equal(fixture.Receiver.Url, (string?)webhook["url"]);
        Assert.True((long)webhook["delivered"]! >= 1);

        using var acknowledge = await SendAsync("POST", $"admin/alerts/{Uri.EscapeDataString(alertId)}/acknowledge", AlertingHost.OperatorToken);
        var acknowledged = JsonNode.Parse(await acknowledge.Content.ReadAsStringAsync())!;
        Assert.Equal(("Acknowledged", "operator:petra", "inventory"), ((string?)acknowledged["status"], (string?)acknowledged["decidedBy"], (string?)acknowledged["category"]));

        await Client.SetStockAsync(new SetStockRequest { WarehouseId = "wh-" + _run, Sku = Sku, OnHand = 100, SyncId = "restock" });

        var resolved = await WaitForAlertAsync(alertId, "Resolved");
        Assert.Equal("system:restocked", (string?)resolved["decidedBy"]);
        var status = await Client.GetLowStockStatusAsync(Sku);
        Assert.Equal((5, false, 94), (status.MinAvailable, status.Low, status.Available));
        Assert.Single(fixture.Receiver.Of(alertId).Select(r => r.Body).Distinct());
    }

    [Fact]
    public async Task Out_of_stock_refusals_at_the_intake_raise_one_alert_with_their_count()
    {
        await SeedAsync(Sku, 1);
        await PlaceAsync("first", Sku, 1);

        var refused = await Task.WhenAll(Enumerable.Range(0, 50).Select(i => PlaceAsync($"late-{i}", Sku, 1, expectAccepted: false)));

        Assert.All(refused, o => Assert.Equal(RejectReason.OutOfStock, o.RejectReason));
        var alert = await WaitForAlertAsync(Sku + "#oos-1", "Open");
        Assert.Equal("out_of_stock", (string?)alert["kind"]);
        Assert.Contains("order lines refused OUT_OF_STOCK", (string?)alert["message"], StringComparison.Ordinal);
        await Task.Delay(500);
        Assert.DoesNotContain((await GetJsonAsync("admin/alerts?category=inventory"))["alerts"]!.AsArray(), a => (string?)a!["alertId"] == Sku + "#oos-2");
    }

    public void Dispose() => _http.Dispose();

    private async Task SeedAsync(string sku, int units)
    {
        await Client.UpsertWarehouseAsync(new Warehouse { WarehouseId = "wh-" + _run, Name = "Berlin", Latitude = 52.5, Longitude = 13.4, Active = true });
        await Client.SetStockAsync(new SetStockRequest { WarehouseId = "wh-" + _run, Sku = sku, OnHand = units, SyncId = "seed-" + sku });
        await Client.UpsertCustomerAsync(new Customer { CustomerId = "ada", Name = "Ada" });
    }

    private async Task<Order> PlaceAsync(string name, string sku, int quantity, bool expectAccepted = true)
    {
        var order = (await Client.PlaceOrderAsync(new PlaceOrderRequest
        {
            Channel = "web",
            ExternalOrderId = $"{name}-{_run}",
            CustomerId = "ada",
            Currency = "EUR",
            ShipTo = new Address { Recipient = "Ada", Line1 = "Unter den Linden 1", City = "Berlin", Country = "DE", Latitude = 52.5, Longitude = 13.4 },
            Lines = { new OrderLine { Sku = sku, Quantity = quantity, UnitPriceMinor = 1_000 } },
        })).Order;
        if (expectAccepted)
        {
            Assert.Equal(OrderStatus.PendingPayment, order.Status);
        }

        return order;
    }

    private async Task<JsonNode> WaitForAlertAsync(string alertId, string status)
    {
        JsonNode? found = null;
        await WaitUntilAsync(async () =>
        {
            found = (await GetJsonAsync("admin/alerts?category=inventory"))["alerts"]!.AsArray().FirstOrDefault(a => (string?)a!["alertId"] == alertId);
            return found is not null && (string?)found["status"] == status;
        });
        return found!;
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("Condition not met in time.");
            }

            await Task.Delay(100);
        }
    }

    private async Task<JsonNode> GetJsonAsync(string path)
    {
        using var response = await SendAsync("GET", path, AlertingHost.ViewerToken);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"GET {path}: {(int)response.StatusCode} {text}");
        return JsonNode.Parse(text)!;
    }

    private Task<HttpResponseMessage> SendAsync(string method, string path, string? token, string? body = null) =>
        _http.SendAdminAsync(method, path, token, body);
}
