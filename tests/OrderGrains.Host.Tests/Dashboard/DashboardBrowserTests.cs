using System.Globalization;
using System.Net;
using Microsoft.Playwright;
using OrderGrains.Client;
using OrderGrains.Contracts.V1;
using Grpc.Core;
using OrderGrains.Grpc.Tests;
using Xunit.Abstractions;

namespace OrderGrains.Host.Tests.Dashboard;

/// <summary>
/// The operations dashboard in a real headless Chromium against a real host: login, live figures that move while
/// orders are placed through gRPC, the search box, and a screenshot (copied to docs/dashboard.png for the README when ORDERGRAINS_UPDATE_SCREENSHOT=1).
/// </summary>
public sealed class DashboardBrowserTests(DashboardBrowserFixture fixture, ITestOutputHelper output) : IClassFixture<DashboardBrowserFixture>
{
    // Bounds for what the page must show; the page polls once a second, so these are many polls on a loaded machine.
    private static readonly TimeSpan UiTimeout = TimeSpan.FromSeconds(30);

    private const int HotSkuStock = 5_000;
    private const int ScarceSkuStock = 6;

    private readonly string _run = Guid.NewGuid().ToString("N")[..8];

    [Fact]
    public async Task Dashboard_logs_in_and_shows_live_figures_while_orders_are_placed()
    {
        var client = fixture.Host.Client;
        var warehouse = await client.UpsertWarehouseAsync(
            new Warehouse { WarehouseId = $"berlin-{_run}", Name = "Berlin", Latitude = 52.52, Longitude = 13.40, Active = true }, Call());
        var hotSku = $"tee-{_run}";
        var scarceSku = $"hoodie-{_run}";
        await client.SetStockAsync(new SetStockRequest { WarehouseId = warehouse.WarehouseId, Sku = hotSku, OnHand = HotSkuStock, SyncId = $"sync-{hotSku}" }, Call());
        await client.SetStockAsync(new SetStockRequest { WarehouseId = warehouse.WarehouseId, Sku = scarceSku, OnHand = ScarceSkuStock, SyncId = $"sync-{scarceSku}" }, Call());
        var customers = new List<string>();
        foreach (var name in new[] { "Ada", "Grace", "Edsger" })
        {
            var customer = await client.UpsertCustomerAsync(new Customer { CustomerId = $"{name.ToLowerInvariant()}-{_run}", Name = name, Tier = "gold" }, Call());
            customers.Add(customer.CustomerId);
        }

        var page = await fixture.Browser.NewPageAsync();
        var pageErrors = new List<string>();
        page.PageError += (_, message) => pageErrors.Add(message);
        await page.GotoAsync(fixture.AdminUrl.ToString());
        await Assertions.Expect(page.Locator("#login-form")).ToBeVisibleAsync(Visible());
        await Assertions.Expect(page.GetByLabel("Admin token")).ToBeEditableAsync(Editable());

        await page.GetByLabel("Admin token").FillAsync(DashboardBrowserFixture.OperatorToken);
        await page.Locator("#login-submit").ClickAsync();
        await Assertions.Expect(page.Locator("#dashboard-view")).ToBeVisibleAsync(Visible());
        await Assertions.Expect(page.Locator("#connection-status")).ToHaveTextAsync("Live", Text());
        var rateBefore = await NumberAsync(page, "#orders-per-second-total");
        Assert.Equal(0, rateBefore);

        await using (var traffic = OrderTraffic.Start(client, _run, customers, hotSku, scarceSku, "web", "app", "marketplace"))
        {
            var firstRate = await WaitForNumberAsync(page, "#orders-per-second-total", rate => rate > 0 && rate != rateBefore, "orders/s above zero", traffic);
            await WaitForNumberAsync(page, "#orders-per-second-total", rate => rate > 0 && rate != firstRate, $"orders/s moving on from {firstRate}", traffic);

            var hotSkuAvailable = $"#hot-skus tr[data-sku=\"{hotSku}\"] td.available";
            var firstAvailable = await WaitForNumberAsync(page, hotSkuAvailable, available => available < HotSkuStock, $"{hotSku} below its {HotSkuStock} units", traffic);
            var laterAvailable = await WaitForNumberAsync(page, hotSkuAvailable, available => available < firstAvailable, $"{hotSku} below {firstAvailable} units", traffic);
            output.WriteLine($"{hotSku} available on the page: {firstAvailable}, then {laterAvailable}");

            var p50 = await WaitForNumberAsync(page, "#latency-p50", latency => latency > 0, "a p50 placement latency", traffic);
            var p99 = await WaitForNumberAsync(page, "#latency-p99", latency => latency >= p50, "a p99 placement latency at least p50", traffic);
            output.WriteLine($"latency on the page: p50 {p50} ms, p99 {p99} ms");

            // The silo table (GET /admin/cluster): this host's silo, active, with its activations and orders/s under traffic.
            var siloRate = await WaitForNumberAsync(page, "#silos tr[data-status=\"active\"] td.rate", rate => rate > 0, "the silo's orders/s above zero", traffic);
            var siloActivations = await NumberAsync(page, "#silos tr[data-status=\"active\"] td.count");
            Assert.True(siloActivations > 0, $"the silo row shows {siloActivations} activations");
            output.WriteLine($"silo row: {siloActivations} activations, {siloRate} orders/s");

            await Assertions.Expect(page.Locator("#legend-orders li[data-outcome=\"rejected\"]").First).ToBeVisibleAsync(Visible());
            await Assertions.Expect(page.Locator("#legend-orders li[data-outcome=\"accepted\"][data-channel=\"marketplace\"]")).ToBeVisibleAsync(Visible());
            traffic.ThrowIfFailed();
            Assert.Contains(traffic.Placed, order => order.Status == OrderStatus.Rejected && order.RejectReason == RejectReason.OutOfStock);

            // A hot SKU's id in the table opens that SKU.
            await page.Locator($"#hot-skus tr[data-sku=\"{hotSku}\"] button.link").ClickAsync();
            await AssertLookupFoundAsync(page, $"SKU {hotSku}", hotSku);

            var order = traffic.Placed.First(o => o.Status == OrderStatus.PendingPayment);
            await SearchAsync(page, "order", order.OrderId);
            await AssertLookupFoundAsync(page, $"Order {order.OrderId}", order.OrderId);
            var status = await page.Locator("#search-summary [data-field=\"status\"] dd").TextContentAsync() ?? string.Empty;
            Assert.Equal(Letters(order.Status.ToString()), Letters(status));

            // Let the charts gather a little more history before the picture for the README.
            await page.WaitForTimeoutAsync(8_000);
            traffic.ThrowIfFailed();
            await SaveScreenshotAsync(page);
        }

        await SearchAsync(page, "warehouse", warehouse.WarehouseId);
        await AssertLookupFoundAsync(page, $"Warehouse {warehouse.WarehouseId}", warehouse.WarehouseId);
        await SearchAsync(page, "customer", customers[0]);
        await AssertLookupFoundAsync(page, $"Customer {customers[0]}", customers[0]);

        await SearchAsync(page, "order", $"web:no-such-order-{_run}");
        await Assertions.Expect(page.Locator("#search-result")).ToHaveAttributeAsync("data-state", "not-found", Attribute());
        await Assertions.Expect(page.Locator("#search-message")).ToContainTextAsync("Not found", ContainsText());

        Assert.Empty(pageErrors);
        await page.CloseAsync();
    }

    [Fact]
    public async Task Wrong_token_shows_the_login_error_and_a_rejected_session_returns_to_the_login_form()
    {
        var page = await fixture.Browser.NewPageAsync();
        await page.GotoAsync(fixture.AdminUrl.ToString());

        await page.GetByLabel("Admin token").FillAsync("not-the-token");
        await page.Locator("#login-submit").ClickAsync();

        await Assertions.Expect(page.Locator("#login-error")).ToBeVisibleAsync(Visible());
        await Assertions.Expect(page.Locator("#login-error")).ToContainTextAsync("not accepted", ContainsText());
        await Assertions.Expect(page.Locator("#dashboard-view")).ToBeHiddenAsync(new LocatorAssertionsToBeHiddenOptions { Timeout = Milliseconds(UiTimeout) });

        // A token revoked while the page is open: the next poll's 401 must send the operator back to the form.
        await page.EvaluateAsync("token => sessionStorage.setItem('ordergrains.adminToken', token)", "revoked-token");
        await page.ReloadAsync();
        await Assertions.Expect(page.Locator("#login-form")).ToBeVisibleAsync(Visible());
        await Assertions.Expect(page.Locator("#login-error")).ToContainTextAsync("401", ContainsText());
        Assert.Null(await page.EvaluateAsync<string?>("() => sessionStorage.getItem('ordergrains.adminToken')"));
        await page.CloseAsync();
    }

    [Fact]
    public async Task Dashboard_is_served_on_the_admin_port_and_not_on_the_grpc_port()
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };

        using var page = await http.GetAsync(fixture.AdminUrl);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        Assert.Contains("<title>OrderGrains operations</title>", await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        using var script = await http.GetAsync(new Uri(fixture.AdminUrl, "dashboard.js"));
        Assert.Equal(HttpStatusCode.OK, script.StatusCode);

        using var grpcPort = new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{fixture.Host.GrpcPort}/")
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        using var onGrpcPort = await http.SendAsync(grpcPort);
        Assert.Equal(HttpStatusCode.NotFound, onGrpcPort.StatusCode);
    }

    private static async Task SearchAsync(IPage page, string kind, string id)
    {
        await page.GetByLabel("Kind").SelectOptionAsync(kind);
        await page.GetByLabel("Id", new PageGetByLabelOptions { Exact = true }).FillAsync(id);
        await page.Locator("#search-submit").ClickAsync();
    }

    private static async Task AssertLookupFoundAsync(IPage page, string title, string id)
    {
        await Assertions.Expect(page.Locator("#search-title")).ToHaveTextAsync(title, Text());
        await Assertions.Expect(page.Locator("#search-result")).ToHaveAttributeAsync("data-state", "found", Attribute());
        await Assertions.Expect(page.Locator("#search-json")).ToContainTextAsync($"\"{id}\"", ContainsText());
    }

    private async Task SaveScreenshotAsync(IPage page)
    {
        var path = Path.Combine(AppContext.BaseDirectory, "dashboard.png");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
        output.WriteLine($"screenshot: {path}");

        // Refreshing the README's picture is a deliberate act, not a side effect of every test run.
        if (Environment.GetEnvironmentVariable("ORDERGRAINS_UPDATE_SCREENSHOT") == "1")
        {
            var docs = Path.Combine(PythonConformance.RepositoryRoot, "docs");
            Directory.CreateDirectory(docs);
            File.Copy(path, Path.Combine(docs, "dashboard.png"), overwrite: true);
            output.WriteLine($"copied to: {Path.Combine(docs, "dashboard.png")}");
        }
    }

    private static async Task<double> NumberAsync(IPage page, string selector)
    {
        var text = await page.Locator(selector).TextContentAsync(new LocatorTextContentOptions { Timeout = Milliseconds(UiTimeout) }) ?? string.Empty;
        return double.TryParse(text, NumberStyles.Float | NumberStyles.AllowThousands, CultureInfo.InvariantCulture, out var value) ? value : double.NaN;
    }

    /// <summary>Reads the number in <paramref name="selector"/> until it satisfies <paramref name="condition"/>, at most <see cref="UiTimeout"/>.</summary>
    private static async Task<double> WaitForNumberAsync(IPage page, string selector, Func<double, bool> condition, string what, OrderTraffic traffic)
    {
        var deadline = DateTime.UtcNow + UiTimeout;
        var seen = new List<string>();
        while (DateTime.UtcNow < deadline)
        {
            traffic.ThrowIfFailed();
            if (await page.Locator(selector).CountAsync() > 0)
            {
                var value = await NumberAsync(page, selector);
                if (!double.IsNaN(value) && condition(value))
                {
                    return value;
                }

                var shown = value.ToString(CultureInfo.InvariantCulture);
                if (seen.Count == 0 || seen[^1] != shown)
                {
                    seen.Add(shown);
                }
            }

            await Task.Delay(250);
        }

        throw new TimeoutException($"The dashboard did not show {what} within {UiTimeout.TotalSeconds} s ({selector} showed: {string.Join(", ", seen.DefaultIfEmpty("nothing"))}).");
    }

    private static string Letters(string text) => new([.. text.Where(char.IsLetter).Select(char.ToLowerInvariant)]);

    // A deadline is fixed when the options are made, so every call gets fresh ones.
    private static CallOptions Call() => OrderGrainsClient.Timeout(TimeSpan.FromSeconds(20));

    private static float Milliseconds(TimeSpan timeout) => (float)timeout.TotalMilliseconds;

    private static LocatorAssertionsToBeVisibleOptions Visible() => new() { Timeout = Milliseconds(UiTimeout) };

    private static LocatorAssertionsToBeEditableOptions Editable() => new() { Timeout = Milliseconds(UiTimeout) };

    private static LocatorAssertionsToHaveTextOptions Text() => new() { Timeout = Milliseconds(UiTimeout) };

    private static LocatorAssertionsToContainTextOptions ContainsText() => new() { Timeout = Milliseconds(UiTimeout) };

    private static LocatorAssertionsToHaveAttributeOptions Attribute() => new() { Timeout = Milliseconds(UiTimeout) };
}
