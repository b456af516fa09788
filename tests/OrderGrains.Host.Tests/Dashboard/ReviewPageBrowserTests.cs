using Microsoft.Playwright;
using OrderGrains.Contracts.V1;

namespace OrderGrains.Host.Tests.Dashboard;

/// <summary>
/// The dashboard's Review page in headless Chromium against a real host: held orders from the read model, oldest
/// first, with counts and filters; Approve and Reject from the page; the API's 409 shown when the operator lacks the
/// role the next step needs.
/// </summary>
public sealed class ReviewPageBrowserTests(DashboardBrowserFixture fixture) : IClassFixture<DashboardBrowserFixture>
{
    private static readonly float UiTimeout = 30_000;

    private readonly string _run = Guid.NewGuid().ToString("N")[..8];

    private string Channel => "rv-" + _run;

    [Fact]
    public async Task Operators_see_held_orders_oldest_first_approve_and_reject_them_and_are_told_when_a_step_needs_another_role()
    {
        var client = fixture.Host.Client;
        var sku = $"lamp-{_run}";
        await client.UpsertWarehouseAsync(new Warehouse { WarehouseId = $"wh-{_run}", Name = "Berlin", Latitude = 52.5, Longitude = 13.4, Active = true });
        await client.SetStockAsync(new SetStockRequest { WarehouseId = $"wh-{_run}", Sku = sku, OnHand = 10, SyncId = "seed" });
        // A credit limit far below the orders: both are held for CREDIT_LIMIT; the large one needs a supervisor, then finance.
        await client.UpsertCustomerAsync(new Customer { CustomerId = "ada-" + _run, Name = "Ada", CreditLimitMinor = 100 });
        var large = await PlaceAsync(sku, "large", 600_000);
        var small = await PlaceAsync(sku, "small", 2_000);

        var page = await fixture.Browser.NewPageAsync();
        var pageErrors = new List<string>();
        page.PageError += (_, message) => pageErrors.Add(message);
        await page.GotoAsync(fixture.AdminUrl.ToString());
        await page.GetByLabel("Admin token").FillAsync(DashboardBrowserFixture.OperatorToken);
        await page.Locator("#login-submit").ClickAsync();
        await Assertions.Expect(page.Locator("#dashboard-view")).ToBeVisibleAsync(new() { Timeout = UiTimeout });
        await Assertions.Expect(page.Locator("#review-held-count")).Not.ToBeHiddenAsync(new() { Timeout = UiTimeout });

        await page.Locator("#pages .page-tab[data-page=\"review\"]").ClickAsync();
        await Assertions.Expect(page.Locator("#page-review")).ToBeVisibleAsync(new() { Timeout = UiTimeout });
        await Assertions.Expect(page.Locator(".kpis")).ToBeHiddenAsync(new() { Timeout = UiTimeout });
        await page.Locator("#review-channel").FillAsync(Channel);
        await page.Locator("#review-apply").ClickAsync();

        var rows = page.Locator("#review-table tbody tr[data-order-id]");
        await Assertions.Expect(rows).ToHaveCountAsync(2, new() { Timeout = UiTimeout });
        Assert.Equal([large.OrderId, small.OrderId], await rows.EvaluateAllAsync<string[]>("rows => rows.map(r => r.dataset.orderId)"));
        var largeRow = page.Locator($"#review-table tr[data-order-id=\"{large.OrderId}\"]");
        var smallRow = page.Locator($"#review-table tr[data-order-id=\"{small.OrderId}\"]");
        await Assertions.Expect(largeRow.Locator("td.reason")).ToHaveTextAsync("CreditLimit");
        await Assertions.Expect(largeRow.Locator("td.steps")).ToHaveTextAsync("0/2");
        await Assertions.Expect(largeRow.Locator("td.next-role")).ToHaveTextAsync("supervisor");
        await Assertions.Expect(smallRow.Locator("td.next-role")).ToHaveTextAsync("reviewer");
        await Assertions.Expect(page.Locator("#review-counts li[data-reason=\"CreditLimit\"] strong")).ToHaveTextAsync("2");

        await page.GetByLabel("Only steps I may approve").CheckAsync();
        await Assertions.Expect(largeRow).ToHaveCountAsync(0, new() { Timeout = UiTimeout });
        await Assertions.Expect(smallRow).ToHaveCountAsync(1, new() { Timeout = UiTimeout });
        await page.GetByLabel("Only steps I may approve").UncheckAsync();
        await Assertions.Expect(largeRow).ToHaveCountAsync(1, new() { Timeout = UiTimeout });

        await largeRow.Locator("button[data-action=\"approve\"]").ClickAsync();
        await Assertions.Expect(page.Locator("#review-error")).ToContainTextAsync(
            "approval step 1 of 2 needs the supervisor role; operator:dashboard-test has operator", new() { Timeout = UiTimeout });

        await smallRow.Locator("button[data-action=\"approve\"]").ClickAsync();
        await Assertions.Expect(smallRow).ToHaveCountAsync(0, new() { Timeout = UiTimeout });
        Assert.Equal(OrderStatus.PendingPayment, (await client.GetOrderAsync(small.OrderId)).Status);

        await page.Locator("#review-note").FillAsync("not a customer we know");
        await largeRow.Locator("button[data-action=\"reject\"]").ClickAsync();
        await Assertions.Expect(largeRow).ToHaveCountAsync(0, new() { Timeout = UiTimeout });
        await Assertions.Expect(page.Locator("#review-table td.empty")).ToHaveTextAsync("No held orders match.", new() { Timeout = UiTimeout });
        var history = await client.GetOrderHistoryAsync(large.OrderId);
        Assert.Contains(history.Events, e => e.Actor == "operator:dashboard-test" && e.Details.Contains("not a customer we know", StringComparison.Ordinal));

        await page.Locator("#pages .page-tab[data-page=\"live\"]").ClickAsync();
        await Assertions.Expect(page.Locator(".kpis")).ToBeVisibleAsync(new() { Timeout = UiTimeout });
        await Assertions.Expect(page.Locator("#page-review")).ToBeHiddenAsync(new() { Timeout = UiTimeout });
        Assert.Empty(pageErrors);
        await page.CloseAsync();
    }

    private async Task<Order> PlaceAsync(string sku, string name, long unitPrice)
    {
        var order = (await fixture.Host.Client.PlaceOrderAsync(new PlaceOrderRequest
        {
            Channel = Channel,
            ExternalOrderId = $"{name}-{_run}",
            CustomerId = "ada-" + _run,
            Currency = "EUR",
            ShipTo = new Address { Recipient = "Ada", Line1 = "Unter den Linden 1", City = "Berlin", Country = "DE", Latitude = 52.5, Longitude = 13.4 },
            Lines = { new OrderLine { Sku = sku, Quantity = 1, UnitPriceMinor = unitPrice } },
        })).Order;
        Assert.Equal((OrderStatus.OnHold, HoldReason.CreditLimit), (order.Status, order.HoldReason));
        return order;
    }
}
