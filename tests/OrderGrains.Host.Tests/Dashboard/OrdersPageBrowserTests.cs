using Microsoft.Playwright;
using OrderGrains.Client;
using OrderGrains.Contracts.V1;
using OrderGrains.Host.Tests.ReadModel;

namespace OrderGrains.Host.Tests.Dashboard;

/// <summary>
/// The dashboard's Orders page in a real headless Chromium against a real host: filters, paging forward and back over
/// the read model, the counts, the per-channel chart and its CSV download.
/// </summary>
public sealed class OrdersPageBrowserTests(DashboardBrowserFixture fixture) : IClassFixture<DashboardBrowserFixture>
{
    private const float UiTimeoutMs = 30_000;

    private readonly string _run = Guid.NewGuid().ToString("N")[..8];

    [Fact]
    public async Task Orders_page_filters_pages_forward_and_downloads_the_channel_figures_as_csv()
    {
        var channel = "shop-" + _run;
        var client = fixture.Host.Client;
        await client.UpsertWarehouseAsync(new Warehouse { WarehouseId = "wh-" + _run, Name = "Berlin", Latitude = 52.52, Longitude = 13.40, Active = true });
        await client.SetStockAsync(new SetStockRequest { WarehouseId = "wh-" + _run, Sku = "sku-" + _run, OnHand = 500, SyncId = "seed" });
        await client.UpsertCustomerAsync(new Customer { CustomerId = "cust-" + _run, Name = "Ada" });
        var placed = new List<string>();
        for (var i = 0; i < 27; i++)
        {
            placed.Add((await PlaceAsync(client, channel, $"o{i:D2}")).OrderId);
        }

        await client.CancelOrderAsync(new CancelOrderRequest { OrderId = placed[3], Reason = "x" });
        await client.CancelOrderAsync(new CancelOrderRequest { OrderId = placed[4], Reason = "x" });
        using (var probe = new ReadModelProbe(fixture.Host.AdminPort, DashboardBrowserFixture.OperatorToken))
        {
            await probe.EventuallyAsync($"channel={channel}&status=Cancelled", rows => rows.Count == 2);
            await probe.EventuallyAsync($"channel={channel}&limit=500", rows => rows.Count == 27);
        }

        var page = await fixture.Browser.NewPageAsync();
        var pageErrors = new List<string>();
        page.PageError += (_, message) => pageErrors.Add(message);
        await page.GotoAsync(fixture.AdminUrl.ToString());
        await page.GetByLabel("Admin token").FillAsync(DashboardBrowserFixture.OperatorToken);
        await page.Locator("#login-submit").ClickAsync();
        await Assertions.Expect(page.Locator("#dashboard-view")).ToBeVisibleAsync(new() { Timeout = UiTimeoutMs });

        await page.Locator("#nav-orders").ClickAsync();
        await Assertions.Expect(page.Locator("#orders-view")).ToBeVisibleAsync(new() { Timeout = UiTimeoutMs });
        await Assertions.Expect(page.Locator("#dashboard-view")).ToBeHiddenAsync(new() { Timeout = UiTimeoutMs });
        await Assertions.Expect(page.Locator("#read-model-lag")).ToContainTextAsync("backlog", new() { Timeout = UiTimeoutMs });

        await page.Locator("#filter-channel").FillAsync(channel);
        await page.Locator("#filter-limit").SelectOptionAsync("25");
        await page.Locator("#orders-apply").ClickAsync();
        var rows = page.Locator("#orders-table tbody tr[data-order-id]");
        await Assertions.Expect(rows).ToHaveCountAsync(25, new() { Timeout = UiTimeoutMs });
        var first = await rows.EvaluateAllAsync<string[]>("rows => rows.map(r => r.dataset.orderId)");
        Assert.Equal(placed.OrderDescending(StringComparer.Ordinal).Take(25), first);

        await page.Locator("#orders-next").ClickAsync();
        await Assertions.Expect(page.Locator("#orders-page-number")).ToHaveTextAsync("2", new() { Timeout = UiTimeoutMs });
        await Assertions.Expect(rows).ToHaveCountAsync(2, new() { Timeout = UiTimeoutMs });
        var second = await rows.EvaluateAllAsync<string[]>("rows => rows.map(r => r.dataset.orderId)");
        Assert.Equal(placed.OrderDescending(StringComparer.Ordinal).Skip(25), second);
        await Assertions.Expect(page.Locator("#orders-next")).ToBeDisabledAsync();
        await page.Locator("#orders-prev").ClickAsync();
        await Assertions.Expect(rows).ToHaveCountAsync(25, new() { Timeout = UiTimeoutMs });

        await page.Locator("#filter-status").SelectOptionAsync("Cancelled");
        await page.Locator("#orders-apply").ClickAsync();
        await Assertions.Expect(rows).ToHaveCountAsync(2, new() { Timeout = UiTimeoutMs });
        Assert.Equal(new[] { placed[4], placed[3] }, await rows.EvaluateAllAsync<string[]>("rows => rows.map(r => r.dataset.orderId)"));
        await Assertions.Expect(page.Locator("#order-counts li[data-status='Cancelled']")).ToBeVisibleAsync(new() { Timeout = UiTimeoutMs });

        await Assertions.Expect(page.Locator($"#chart-channels rect[data-channel='{channel}']")).ToHaveCountAsync(1, new() { Timeout = UiTimeoutMs });
        var csvLink = page.Locator("#channels-csv");
        Assert.Contains("/admin/read-model/channels.csv?", await csvLink.GetAttributeAsync("href"), StringComparison.Ordinal);
        var download = await page.RunAndWaitForDownloadAsync(() => csvLink.ClickAsync(), new() { Timeout = UiTimeoutMs });
        Assert.EndsWith(".csv", download.SuggestedFilename, StringComparison.Ordinal);
        var csv = await File.ReadAllTextAsync((await download.PathAsync())!);
        var today = DateTimeOffset.UtcNow.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        Assert.StartsWith("day,channel,currency,orders,units,revenue_minor,cancelled,returned,rejected,cancellation_rate,return_rate\r\n", csv, StringComparison.Ordinal);
        Assert.Contains($"{today},{channel},EUR,27,27,2500,2,0,0,0.0741,0\r\n", csv, StringComparison.Ordinal);

        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(AppContext.BaseDirectory, "orders-page.png"), FullPage = true });

        await page.Locator("#nav-operations").ClickAsync();
        await Assertions.Expect(page.Locator("#dashboard-view")).ToBeVisibleAsync(new() { Timeout = UiTimeoutMs });
        await Assertions.Expect(page.Locator("#orders-view")).ToBeHiddenAsync(new() { Timeout = UiTimeoutMs });
        Assert.Empty(pageErrors);
        await page.CloseAsync();
    }

    private async Task<Order> PlaceAsync(OrderGrainsClient client, string channel, string externalId) =>
        (await client.PlaceOrderAsync(new PlaceOrderRequest
        {
            Channel = channel,
            ExternalOrderId = externalId,
            CustomerId = "cust-" + _run,
            Currency = "EUR",
            ShipTo = new Address { Recipient = "Ada", Line1 = "Unter den Linden 1", City = "Berlin", Country = "DE", Latitude = 52.5, Longitude = 13.4 },
            Lines = { new OrderLine { Sku = "sku-" + _run, Quantity = 1, UnitPriceMinor = 100 } },
        })).Order;
}
