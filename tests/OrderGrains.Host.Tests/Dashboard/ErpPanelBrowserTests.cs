using System.Text.RegularExpressions;
using Microsoft.Playwright;
using OrderGrains.Client;
using OrderGrains.Contracts.V1;
using OrderGrains.Erp;
using OrderGrains.ErpLedger;

namespace OrderGrains.Host.Tests.Dashboard;

/// <summary>
/// Issue 12 §5 on the dashboard, in headless Chromium against a real host and the real standalone ledger: while the
/// ledger is down the ERP figures show a growing backlog, partitions waiting for the ERP and a lag alert, and no dead
/// letter; when it returns the backlog drains, the lag alert clears, and the one document it refuses shows as a dead
/// letter with its order's invoice parked behind it.
/// </summary>
public sealed partial class ErpPanelBrowserTests
{
    private const string OperatorToken = "erp-panel-operator-0123456789";
    private const string Refused = "refused";
    private static readonly float UiTimeout = 60_000;

    [Fact]
    public async Task Dashboard_shows_an_erp_outage_as_backlog_waiting_partitions_and_a_lag_alert_then_the_drain_and_a_dead_letter()
    {
        var ledgerPort = TestHost.FreePort();
        var ledgerData = Directory.CreateTempSubdirectory("ordergrains-erp-panel-").FullName;
        string[] ledgerArgs = [$"--Erp:Port={ledgerPort}", $"--Erp:DataDir={ledgerData}", "--Logging:LogLevel:Default=Warning"];
        var profile = Directory.CreateTempSubdirectory("ordergrains-erp-panel-browser-").FullName;
        try
        {
            // Someone already posted other documents under the keys of web:refused's payment: once the ledger is back it
            // answers that payment 409 Conflict, a definitive refusal.
            var ledger = await ErpLedgerApp.StartAsync(ledgerArgs);
            using (var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{ledgerPort}/") })
            {
                var manual = new JournalEntryRequest(DocumentTypes.CustomerPayment, "manual-entry", "EUR", DateTimeOffset.UtcNow, "manual",
                    [JournalLine.Debit(ChartOfAccounts.CashClearing, 1), JournalLine.Credit(ChartOfAccounts.CustomerAdvances, 1)]);
                for (var version = 1; version <= 12; version++)
                {
                    await new HttpErpClient(http).PostJournalEntryAsync($"web:{Refused}#{version}:{DocumentTypes.CustomerPayment}", manual, default);
                }
            }

            await ledger.StopAsync();
            await ledger.DisposeAsync();

            await using var host = await TestHost.StartAsync(
                null,
                $"--OrderGrains:Erp:Endpoint=http://127.0.0.1:{ledgerPort}/",
                "--OrderGrains:Erp:Forwarder:MaxRetryDelay=00:00:01",
                "--OrderGrains:Erp:Forwarder:LagAlertThreshold=00:00:02",
                $"--OrderGrains:Admin:Tokens:0:Token={OperatorToken}",
                "--OrderGrains:Admin:Tokens:0:Name=erp-panel",
                "--OrderGrains:Admin:Tokens:0:Role=operator");
            await SeedAsync(host.Client);
            Environment.SetEnvironmentVariable("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1");
            using var playwright = await Playwright.CreateAsync();
            await using var browser = await playwright.Chromium.LaunchPersistentContextAsync(profile, new BrowserTypeLaunchPersistentContextOptions
            {
                ExecutablePath = DashboardBrowserFixture.ChromiumPath,
                Headless = true,
                Args = DashboardBrowserFixture.ChromiumFlags,
                ViewportSize = new ViewportSize { Width = 1440, Height = 900 },
                Timeout = 60_000,
            });
            var page = await browser.NewPageAsync();
            var pageErrors = new List<string>();
            page.PageError += (_, message) => pageErrors.Add(message);
            await page.GotoAsync($"http://127.0.0.1:{host.AdminPort}/");
            await page.GetByLabel("Admin token").FillAsync(OperatorToken);
            await page.Locator("#login-submit").ClickAsync();
            await Assertions.Expect(page.Locator("#dashboard-view")).ToBeVisibleAsync(new() { Timeout = UiTimeout });

            var refused = await CompleteAsync(host.Client, Refused);
            var fine = await CompleteAsync(host.Client, "fine");

            await Assertions.Expect(page.Locator("#erp-state")).ToContainTextAsync("waiting for ERP", new() { Timeout = UiTimeout });
            await Assertions.Expect(page.Locator("#erp-alerts")).ToBeVisibleAsync(new() { Timeout = UiTimeout });
            await Assertions.Expect(page.Locator("#erp-alert-list")).ToContainTextAsync("unposted events", new() { Timeout = UiTimeout });
            await Assertions.Expect(page.Locator("#erp-backlog")).ToHaveTextAsync(PositiveCount(), new() { Timeout = UiTimeout });
            await Assertions.Expect(page.Locator("#erp-dead-letters")).ToHaveTextAsync("0", new() { Timeout = UiTimeout });
            await Assertions.Expect(page.Locator("#kpi-dead-letters")).ToHaveAttributeAsync("data-alert", "false", new() { Timeout = UiTimeout });

            ledger = await ErpLedgerApp.StartAsync(ledgerArgs);
            await using (ledger)
            {
                await Assertions.Expect(page.Locator("#erp-dead-letters")).ToHaveTextAsync("1", new() { Timeout = UiTimeout });
                await Assertions.Expect(page.Locator("#erp-parked")).ToHaveTextAsync("1", new() { Timeout = UiTimeout });
                await Assertions.Expect(page.Locator("#kpi-dead-letters")).ToHaveAttributeAsync("data-alert", "true", new() { Timeout = UiTimeout });
                await Assertions.Expect(page.Locator("#erp-backlog")).ToHaveTextAsync("0", new() { Timeout = UiTimeout });
                await Assertions.Expect(page.Locator("#erp-state")).ToHaveTextAsync("8 posting", new() { Timeout = UiTimeout });
                await Assertions.Expect(page.Locator("#erp-alert-list")).ToContainTextAsync("refused by the ERP", new() { Timeout = UiTimeout });
                await Assertions.Expect(page.Locator("#erp-alert-list")).Not.ToContainTextAsync("unposted events", new() { Timeout = UiTimeout });

                using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{ledgerPort}/") };
                var erp = new HttpErpClient(http);
                Assert.Equal([DocumentTypes.CustomerPayment, DocumentTypes.SalesInvoice], (await erp.GetJournalEntriesAsync(fine, default)).Select(e => e.DocumentType));
                Assert.Empty(await erp.GetJournalEntriesAsync(refused, default));
            }

            Assert.Empty(pageErrors);
        }
        finally
        {
            Directory.Delete(ledgerData, recursive: true);
            Directory.Delete(profile, recursive: true);
        }
    }

    [GeneratedRegex("^[1-9][0-9,]*$")]
    private static partial Regex PositiveCount();

    private static async Task SeedAsync(OrderGrainsClient client)
    {
        await client.UpsertWarehouseAsync(new Warehouse { WarehouseId = "berlin", Name = "Berlin", Latitude = 52.52, Longitude = 13.40, Active = true });
        await client.SetStockAsync(new SetStockRequest { WarehouseId = "berlin", Sku = "sku-1", OnHand = 100, SyncId = "seed" });
        await client.UpsertCustomerAsync(new Customer { CustomerId = "ada", Name = "Ada" });
    }

    private static async Task<string> CompleteAsync(OrderGrainsClient client, string externalId)
    {
        var placed = (await client.PlaceOrderAsync(new PlaceOrderRequest
        {
            Channel = "web",
            ExternalOrderId = externalId,
            CustomerId = "ada",
            Currency = "EUR",
            ShipTo = new Address { Latitude = 52.5, Longitude = 13.4 },
            Lines = { new OrderLine { Sku = "sku-1", Quantity = 1, UnitPriceMinor = 1_130 } },
        })).Order;
        var completed = await OrderLifecycle.CompleteAsync(client, placed, "berlin", "sku-1", 1, externalId);
        Assert.Equal(OrderStatus.Completed, completed.Status);
        return placed.OrderId;
    }
}
