using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using OrderGrains.Client;
using OrderGrains.Contracts.V1;
using OrderGrains.Erp;
using OrderGrains.ErpLedger;
using OrderGrains.Storage;

namespace OrderGrains.Host.Tests;

/// <summary>
/// An ERP outage is not a rejection (issue 12 §5), through the gRPC contract, real grains, the admin API and the real
/// reference ledger: the standalone one stopped and started again, and the embedded one refusing a document.
/// </summary>
public sealed class ErpOutageTests
{
    private const string OperatorToken = "erp-outage-operator-0123456789";

    [Fact]
    public async Task Ledger_stopped_while_twenty_orders_complete_dead_letters_nothing_and_every_order_posts_in_order_when_it_returns()
    {
        var ledgerPort = TestHost.FreePort();
        var ledgerData = Directory.CreateTempSubdirectory("ordergrains-erp-outage-").FullName;
        string[] ledgerArgs = [$"--Erp:Port={ledgerPort}", $"--Erp:DataDir={ledgerData}", "--Logging:LogLevel:Default=Warning"];
        var ledger = await ErpLedgerApp.StartAsync(ledgerArgs);
        try
        {
            await using var host = await TestHost.StartAsync(
                null,
                [
                    $"--OrderGrains:Erp:Endpoint=http://127.0.0.1:{ledgerPort}/",
                    "--OrderGrains:Erp:Forwarder:MaxRetryDelay=00:00:01",
                    "--OrderGrains:Erp:Forwarder:LagAlertThreshold=00:00:03",
                    .. AdminToken(),
                ]);
            using var admin = Admin(host);
            using var ledgerHttp = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{ledgerPort}/") };
            var erp = new HttpErpClient(ledgerHttp);
            await SeedAsync(host.Client);
            var before = await CompleteAsync(host.Client, "before-outage");
            await EventuallyAsync(async () => (await erp.GetJournalEntriesAsync(before, default)).Count == 2, "the first order posted");

            await ledger.StopAsync();
            await ledger.DisposeAsync();
            var orders = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => CompleteAsync(host.Client, $"outage-{i}")));

            // The forwarder before this change gave up on a partition's head event after 20 failed posts.
            JsonNode view = null!;
            await EventuallyAsync(async () =>
            {
                view = await GetAsync(admin, "admin/erp");
                return view["partitions"]!.AsArray().Max(p => (int)p!["consecutiveFailures"]!) > 20 && view["alerts"]!.AsArray().Count > 0;
            }, "a partition failed more than 20 posts in a row and an alert is up", TimeSpan.FromMinutes(2));
            Assert.Equal(0, (long)view["deadLetters"]!);
            Assert.True((long)view["backlog"]! >= 40, view.ToJsonString());
            Assert.Contains(view["alerts"]!.AsArray(), a => (string?)a!["kind"] == "erp_lag");
            Assert.All(
                view["partitions"]!.AsArray().Where(p => (long)p!["backlog"]! > 0),
                p => Assert.Equal("WaitingForErp", (string?)p!["status"]));
            var overview = await GetAsync(admin, "admin/overview");
            Assert.Contains(overview["erp"]!["alerts"]!.AsArray(), a => (string?)a!["kind"] == "erp_lag");
            var metrics = await admin.GetStringAsync("metrics");
            Assert.Contains(metrics.Split('\n'), l => l.StartsWith("ordergrains_erp_partition_state{", StringComparison.Ordinal) && l.Contains("state=\"waiting_for_erp\"", StringComparison.Ordinal) && l.EndsWith(" 1", StringComparison.Ordinal));
            Assert.Contains(metrics.Split('\n'), l => l.StartsWith("ordergrains_erp_oldest_unposted_age_seconds{", StringComparison.Ordinal));

            ledger = await ErpLedgerApp.StartAsync(ledgerArgs);

            foreach (var orderId in orders.Prepend(before))
            {
                await EventuallyAsync(async () => (await erp.GetJournalEntriesAsync(orderId, default)).Count == 2, $"{orderId} posted after the ledger returned", TimeSpan.FromMinutes(2));
                Assert.Equal([DocumentTypes.CustomerPayment, DocumentTypes.SalesInvoice], (await erp.GetJournalEntriesAsync(orderId, default)).Select(e => e.DocumentType));
            }

            await EventuallyAsync(async () =>
            {
                view = await GetAsync(admin, "admin/erp");
                return (long)view["backlog"]! == 0 && view["alerts"]!.AsArray().Count == 0
                    && view["partitions"]!.AsArray().All(p => (string?)p!["status"] == "Posting");
            }, "the backlog drained and the alerts cleared");
            Assert.Equal(0, (long)view["deadLetters"]!);
            Assert.Equal(0, Assert.Single((await erp.GetTrialBalanceAsync(default)).Totals).BalanceMinor);
        }
        finally
        {
            await ledger.DisposeAsync();
            Directory.Delete(ledgerData, recursive: true);
        }
    }

    [Fact]
    public async Task A_document_the_ledger_refuses_is_dead_lettered_its_invoice_waits_behind_it_and_other_orders_still_post()
    {
        await using var host = await TestHost.StartAsync(null, AdminToken());
        using var admin = Admin(host);
        var erp = new HttpErpClient(admin);
        await SeedAsync(host.Client);

        // Someone already posted other documents under the keys the payment of web:refused would use: the ledger
        // answers 409 Conflict, a definitive refusal of that document.
        var manual = new JournalEntryRequest(DocumentTypes.CustomerPayment, "manual-entry", "EUR", DateTimeOffset.UtcNow, "manual",
            [JournalLine.Debit(ChartOfAccounts.CashClearing, 1), JournalLine.Credit(ChartOfAccounts.CustomerAdvances, 1)]);
        for (var version = 1; version <= 12; version++)
        {
            await erp.PostJournalEntryAsync($"web:refused#{version}:{DocumentTypes.CustomerPayment}", manual, default);
        }

        var partition = StreamPartitioner.PartitionOf("web:refused", 8);
        var neighbours = Enumerable.Range(0, 500).Select(i => $"fine-{i}").Where(id => StreamPartitioner.PartitionOf("web:" + id, 8) == partition).Take(2).ToList();
        var refused = await CompleteAsync(host.Client, "refused");
        var fine = await Task.WhenAll(neighbours.Select(id => CompleteAsync(host.Client, id)));

        foreach (var orderId in fine)
        {
            await EventuallyAsync(async () => (await erp.GetJournalEntriesAsync(orderId, default)).Count == 2, $"{orderId} posted past the refused order");
        }

        JsonNode view = null!;
        await EventuallyAsync(async () =>
        {
            view = await GetAsync(admin, "admin/erp");
            return (long)view["deadLetters"]! == 1 && (long)view["parked"]! == 1;
        }, "one dead letter with the invoice parked behind it");
        Assert.Contains(view["alerts"]!.AsArray(), a => (string?)a!["kind"] == "erp_dead_letters");
        Assert.Empty(await erp.GetJournalEntriesAsync(refused, default));

        // Counted for monitoring outside the admin API too: the partition's dead-letter and parked gauges on /metrics.
        bool Gauge(string[] lines, string name) => lines.Any(l =>
            l.StartsWith(name + "{", StringComparison.Ordinal) && l.Contains($"partition=\"{partition}\"", StringComparison.Ordinal) && l.EndsWith(" 1", StringComparison.Ordinal));
        await EventuallyAsync(async () =>
        {
            var lines = (await admin.GetStringAsync("metrics")).Split('\n');
            return Gauge(lines, "ordergrains_erp_dead_letters") && Gauge(lines, "ordergrains_erp_parked");
        }, "ordergrains_erp_dead_letters and ordergrains_erp_parked at 1 for the partition on /metrics");

        var page = await GetAsync(admin, "admin/erp/dead-letters?offset=0&limit=10");
        Assert.Equal(1, (int)page["total"]!);
        Assert.Null(page["nextOffset"]);
        var letter = Assert.Single(page["items"]!.AsArray())!;
        Assert.Equal(refused, (string?)letter["orderId"]);
        Assert.Equal(DocumentTypes.CustomerPayment, (string?)letter["documentType"]);
        Assert.Equal(partition, (int)letter["partition"]!);
        Assert.Equal(1, (int)letter["parkedBehind"]!);
        Assert.Contains("409", (string?)letter["reason"], StringComparison.Ordinal);
        Assert.Empty((await GetAsync(admin, "admin/erp/dead-letters?offset=1&limit=10"))["items"]!.AsArray());
        using (var bad = await admin.GetAsync("admin/erp/dead-letters?limit=0"))
        {
            Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        }

        // The cause is not fixed: the retry is refused again, and the letter and its parked invoice stay.
        using var retry = await admin.PostAsync($"admin/erp/dead-letters/{Uri.EscapeDataString((string)letter["eventId"]!)}/retry", content: null);
        Assert.Equal(HttpStatusCode.OK, retry.StatusCode);
        var result = JsonNode.Parse(await retry.Content.ReadAsStringAsync())!;
        Assert.False((bool)result["posted"]!);
        Assert.Contains("409", (string?)result["reason"], StringComparison.Ordinal);
        view = await GetAsync(admin, "admin/erp");
        Assert.Equal((1L, 1L), ((long)view["deadLetters"]!, (long)view["parked"]!));
        Assert.Empty(await erp.GetJournalEntriesAsync(refused, default));
    }

    private static string[] AdminToken() =>
    [
        $"--OrderGrains:Admin:Tokens:0:Token={OperatorToken}",
        "--OrderGrains:Admin:Tokens:0:Name=olga",
        "--OrderGrains:Admin:Tokens:0:Role=operator",
    ];

    private static HttpClient Admin(TestHost host)
    {
        var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{host.AdminPort}/"), Timeout = TimeSpan.FromSeconds(30) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", OperatorToken);
        return http;
    }

    private static async Task<JsonNode> GetAsync(HttpClient admin, string path) =>
        JsonNode.Parse(await admin.GetStringAsync(path)) ?? throw new InvalidOperationException($"{path} answered null.");

    private static async Task SeedAsync(OrderGrainsClient client)
    {
        await client.UpsertWarehouseAsync(new Warehouse { WarehouseId = "berlin", Name = "Berlin", Latitude = 52.52, Longitude = 13.40, Active = true });
        await client.SetStockAsync(new SetStockRequest { WarehouseId = "berlin", Sku = "sku-1", OnHand = 1_000, SyncId = "seed" });
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
        }, OrderGrainsClient.Timeout(TimeSpan.FromSeconds(30)))).Order;
        var completed = await OrderLifecycle.CompleteAsync(client, placed, "berlin", "sku-1", 1, externalId);
        Assert.Equal(OrderStatus.Completed, completed.Status);
        return placed.OrderId;
    }

    private static async Task EventuallyAsync(Func<Task<bool>> condition, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(60));
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Not reached in time: {what}.");
            }

            await Task.Delay(250);
        }
    }
}
