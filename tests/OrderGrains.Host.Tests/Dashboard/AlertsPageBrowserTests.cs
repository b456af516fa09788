using Google.Protobuf.WellKnownTypes;
using Microsoft.Playwright;
using OrderGrains.Contracts.V1;

namespace OrderGrains.Host.Tests.Dashboard;

/// <summary>
/// The dashboard's Alerts page in headless Chromium against a real host: a threshold set from the page, the alert its
/// crossing raises next to a carrier alert, acknowledge and resolve from the page, the open badge and the webhook panel.
/// </summary>
public sealed class AlertsPageBrowserTests(DashboardBrowserFixture fixture) : IClassFixture<DashboardBrowserFixture>
{
    private static readonly float UiTimeout = 30_000;

    private readonly string _run = Guid.NewGuid().ToString("N")[..8];

    [Fact]
    public async Task Operators_set_a_threshold_see_inventory_and_carrier_alerts_and_acknowledge_and_resolve_them()
    {
        var client = fixture.Host.Client;
        var warehouse = $"wh-{_run}";
        var sku = $"mug-{_run}";
        await client.UpsertWarehouseAsync(new Warehouse { WarehouseId = warehouse, Name = "Berlin", Latitude = 52.5, Longitude = 13.4, Active = true });
        await client.SetStockAsync(new SetStockRequest { WarehouseId = warehouse, Sku = sku, OnHand = 10, SyncId = "seed" });
        await client.UpsertCustomerAsync(new Customer { CustomerId = "ada-" + _run, Name = "Ada" });
        var page = await fixture.Browser.NewPageAsync();
        var pageErrors = new List<string>();
        page.PageError += (_, message) => pageErrors.Add(message);
        await page.GotoAsync(fixture.AdminUrl.ToString());
        await page.GetByLabel("Admin token").FillAsync(DashboardBrowserFixture.OperatorToken);
        await page.Locator("#login-submit").ClickAsync();
        await Assertions.Expect(page.Locator("#dashboard-view")).ToBeVisibleAsync(new() { Timeout = UiTimeout });

        await page.Locator("#pages .page-tab[data-page=\"alerts\"]").ClickAsync();
        await Assertions.Expect(page.Locator("#page-alerts")).ToBeVisibleAsync(new() { Timeout = UiTimeout });
        await Assertions.Expect(page.Locator(".kpis")).ToBeHiddenAsync(new() { Timeout = UiTimeout });
        await Assertions.Expect(page.Locator("#webhook-summary [data-field=\"state\"] dd")).ToContainTextAsync("off", new() { Timeout = UiTimeout });
        await page.Locator("#page-alerts").GetByLabel("SKU", new() { Exact = true }).FillAsync(sku);
        await page.Locator("#page-alerts").GetByLabel("Threshold type").SelectOptionAsync("minAvailable");
        await page.Locator("#page-alerts").GetByLabel("Threshold value").FillAsync("5");
        await page.Locator("#threshold-submit").ClickAsync();
        var thresholdRow = page.Locator($"#thresholds-table tr[data-sku=\"{sku}\"]");
        await Assertions.Expect(thresholdRow.Locator("td.threshold")).ToHaveTextAsync("available ≤ 5", new() { Timeout = UiTimeout });
        await Assertions.Expect(thresholdRow.Locator("td.state")).ToHaveTextAsync("OK", new() { Timeout = UiTimeout });

        await PlaceAsync(sku, "low", 6);
        var carrierOrder = await ShippedWithExceptionAsync(sku, warehouse);

        var lowRow = page.Locator($"#alerts-table tr[data-alert-id=\"{sku}#low-1\"]");
        await Assertions.Expect(lowRow.Locator("td.kind")).ToHaveTextAsync("low_stock", new() { Timeout = UiTimeout });
        await Assertions.Expect(lowRow.Locator("td.category")).ToHaveTextAsync("inventory", new() { Timeout = UiTimeout });
        await Assertions.Expect(thresholdRow.Locator("td.state")).ToHaveTextAsync("Low", new() { Timeout = UiTimeout });
        var carrierRow = page.Locator($"#alerts-table tr[data-category=\"carrier\"]").Filter(new() { HasText = carrierOrder });
        await Assertions.Expect(carrierRow.Locator("td.status")).ToHaveTextAsync("Open", new() { Timeout = UiTimeout });
        await Assertions.Expect(page.Locator("#alerts-open-count")).Not.ToBeHiddenAsync(new() { Timeout = UiTimeout });

        await lowRow.Locator("button[data-action=\"acknowledge\"]").ClickAsync();
        await Assertions.Expect(lowRow).ToHaveCountAsync(0, new() { Timeout = UiTimeout });
        await page.Locator("#page-alerts").GetByLabel("Status", new() { Exact = true }).SelectOptionAsync(string.Empty);
        await Assertions.Expect(lowRow.Locator("td.status")).ToHaveTextAsync("Acknowledged", new() { Timeout = UiTimeout });
        await Assertions.Expect(lowRow.Locator("td.decided-by")).ToHaveTextAsync("operator:dashboard-test", new() { Timeout = UiTimeout });
        await carrierRow.Locator("button[data-action=\"resolve\"]").ClickAsync();
        await Assertions.Expect(carrierRow.Locator("td.status")).ToHaveTextAsync("Resolved", new() { Timeout = UiTimeout });
        await Assertions.Expect(carrierRow.Locator("button")).ToHaveCountAsync(0, new() { Timeout = UiTimeout });

        // Restocking resolves the low-stock alert by itself.
        await client.SetStockAsync(new SetStockRequest { WarehouseId = warehouse, Sku = sku, OnHand = 100, SyncId = "restock" });
        await Assertions.Expect(lowRow.Locator("td.status")).ToHaveTextAsync("Resolved", new() { Timeout = UiTimeout });
        await Assertions.Expect(lowRow.Locator("td.decided-by")).ToHaveTextAsync("system:restocked", new() { Timeout = UiTimeout });
        await Assertions.Expect(thresholdRow.Locator("td.state")).ToHaveTextAsync("OK", new() { Timeout = UiTimeout });

        // A bad value comes back as the API's problem detail.
        await page.Locator("#page-alerts").GetByLabel("Threshold type").SelectOptionAsync("daysOfCover");
        await page.Locator("#page-alerts").GetByLabel("Threshold value").FillAsync("0");
        await page.Locator("#threshold-submit").ClickAsync();
        await Assertions.Expect(page.Locator("#alerts-error")).ToContainTextAsync("daysOfCover: must be more than 0", new() { Timeout = UiTimeout });
        await thresholdRow.Locator("button[data-action=\"remove\"]").ClickAsync();
        await Assertions.Expect(thresholdRow).ToHaveCountAsync(0, new() { Timeout = UiTimeout });

        await page.Locator("#pages .page-tab[data-page=\"live\"]").ClickAsync();
        await Assertions.Expect(page.Locator(".kpis")).ToBeVisibleAsync(new() { Timeout = UiTimeout });
        await Assertions.Expect(page.Locator("#page-alerts")).ToBeHiddenAsync(new() { Timeout = UiTimeout });
        Assert.Empty(pageErrors);
        await page.CloseAsync();
    }

    [Fact]
    public async Task Operators_open_an_orders_returns_and_cancel_an_rma_from_the_returns_page()
    {
        var client = fixture.Host.Client;
        var warehouse = $"wh-{_run}";
        var sku = $"cap-{_run}";
        await client.UpsertWarehouseAsync(new Warehouse { WarehouseId = warehouse, Name = "Berlin", Latitude = 52.5, Longitude = 13.4, Active = true });
        await client.SetStockAsync(new SetStockRequest { WarehouseId = warehouse, Sku = sku, OnHand = 10, SyncId = "seed" });
        await client.UpsertCustomerAsync(new Customer { CustomerId = "ada-" + _run, Name = "Ada" });
        var shipped = await ShippedAsync(sku, warehouse, "returned");
        await client.ConfirmDeliveryAsync(new DeliveryConfirmation { OrderId = shipped.OrderId, ShipmentId = shipped.Shipments[0].ShipmentId });
        var requested = await client.RequestReturnAsync(new ReturnRequest
        {
            OrderId = shipped.OrderId,
            ReturnRequestId = "r-" + _run,
            Reason = "too small",
            ReasonCode = ReturnReason.SizeOrFit,
            Lines = { new LineQuantity { Sku = sku, Quantity = 1 } },
        });
        var rma = requested.Returns[0].RmaId;
        var page = await fixture.Browser.NewPageAsync();
        var pageErrors = new List<string>();
        page.PageError += (_, message) => pageErrors.Add(message);
        await page.GotoAsync(fixture.AdminUrl.ToString());
        await page.GetByLabel("Admin token").FillAsync(DashboardBrowserFixture.OperatorToken);
        await page.Locator("#login-submit").ClickAsync();
        await Assertions.Expect(page.Locator("#dashboard-view")).ToBeVisibleAsync(new() { Timeout = UiTimeout });

        await page.Locator("#pages .page-tab[data-page=\"returns\"]").ClickAsync();
        await page.Locator("#page-returns").GetByLabel("Order id").FillAsync(shipped.OrderId);
        await page.Locator("#returns-submit").ClickAsync();

        var row = page.Locator($"#returns-table tr[data-rma=\"{rma}\"]");
        await Assertions.Expect(row.Locator("td.status")).ToHaveTextAsync("Approved", new() { Timeout = UiTimeout });
        await Assertions.Expect(row.Locator("td.reason")).ToHaveTextAsync("SizeOrFit · too small", new() { Timeout = UiTimeout });
        await Assertions.Expect(row.Locator("button[data-action=\"approve\"]")).ToHaveCountAsync(0, new() { Timeout = UiTimeout });
        await page.Locator("#page-returns").GetByLabel("Note for reject or cancel").FillAsync("customer kept it");
        await row.Locator("button[data-action=\"cancel\"]").ClickAsync();

        await Assertions.Expect(row.Locator("td.status")).ToHaveTextAsync("Cancelled", new() { Timeout = UiTimeout });
        await Assertions.Expect(row.Locator("td.decided-by")).ToHaveTextAsync("operator:dashboard-test", new() { Timeout = UiTimeout });
        await Assertions.Expect(row.Locator("button")).ToHaveCountAsync(0, new() { Timeout = UiTimeout });
        var history = await client.GetOrderHistoryAsync(shipped.OrderId);
        Assert.Contains(history.Events, e => e.Actor == "operator:dashboard-test" && e.Details.Contains("customer kept it", StringComparison.Ordinal));

        await page.Locator("#page-returns").GetByLabel("Order id").FillAsync($"web:none-{_run}");
        await page.Locator("#returns-submit").ClickAsync();
        await Assertions.Expect(page.Locator("#returns-error")).ToContainTextAsync("was not found", new() { Timeout = UiTimeout });
        Assert.Empty(pageErrors);
        await page.CloseAsync();
    }

    private async Task<Order> PlaceAsync(string sku, string name, int quantity)
    {
        var order = (await fixture.Host.Client.PlaceOrderAsync(new PlaceOrderRequest
        {
            Channel = "web",
            ExternalOrderId = $"{name}-{_run}",
            CustomerId = "ada-" + _run,
            Currency = "EUR",
            ShipTo = new Address { Recipient = "Ada", Line1 = "Unter den Linden 1", City = "Berlin", Country = "DE", Latitude = 52.5, Longitude = 13.4 },
            Lines = { new OrderLine { Sku = sku, Quantity = quantity, UnitPriceMinor = 1_000 } },
        })).Order;
        Assert.Equal(OrderStatus.PendingPayment, order.Status);
        return order;
    }

    // An order shipped and then scanned as a carrier exception: a carrier alert about its order id.
    private async Task<string> ShippedWithExceptionAsync(string sku, string warehouse)
    {
        var order = await ShippedAsync(sku, warehouse, "carrier");
        await fixture.Host.Client.ReportTrackingEventAsync(new TrackingEventReport
        {
            OrderId = order.OrderId,
            ShipmentId = "s-" + order.ExternalOrderId,
            EventId = "exc-" + _run,
            Carrier = "DHL",
            TrackingNumber = "TRK-" + order.ExternalOrderId,
            Code = TrackingEventCode.TrackingException,
            EventTime = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddMinutes(-1)),
            Details = "parcel damaged",
        });
        return order.OrderId;
    }

    private async Task<Order> ShippedAsync(string sku, string warehouse, string name)
    {
        var client = fixture.Host.Client;
        var order = await PlaceAsync(sku, name, 1);
        await client.ConfirmPaymentAsync(new ConfirmPaymentRequest { OrderId = order.OrderId, PaymentReference = "pay-" + order.ExternalOrderId, AmountMinor = order.TotalMinor });
        await client.ReleaseOrderAsync(new ReleaseOrderRequest { OrderId = order.OrderId, Actor = "ops" });
        return await client.ReportShipmentAsync(new ShipmentReport
        {
            OrderId = order.OrderId,
            WarehouseId = warehouse,
            ShipmentId = "s-" + order.ExternalOrderId,
            Carrier = "DHL",
            TrackingNumber = "TRK-" + order.ExternalOrderId,
            Lines = { new LineQuantity { Sku = sku, Quantity = 1 } },
        });
    }
}
