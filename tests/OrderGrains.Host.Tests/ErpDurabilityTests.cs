using System.Collections.Concurrent;
using OrderGrains.Client;
using OrderGrains.Contracts.V1;
using OrderGrains.Erp;
using OrderGrains.ErpForwarding;
using Grpc.Core;

namespace OrderGrains.Host.Tests;

/// <summary>The OMS → ERP path at volume and across crashes, on PostgreSQL, with the embedded reference ledger.</summary>
public sealed class ErpDurabilityTests
{
    [Fact]
    public async Task Embedded_sqlite_ledger_gets_one_payment_and_one_invoice_per_completed_order_and_balances()
    {
        await using var host = await TestHost.StartAsync();
        await SeedAsync(host.Client, 10_000);

        var totals = await Task.WhenAll(Enumerable.Range(0, 40).Select(i => CompleteAsync(host.Client, $"erp-{i}", (i % 3) + 1, 1_999 + i)));

        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{host.AdminPort}/") };
        var erp = new HttpErpClient(http);
        var expected = totals.Sum();
        await WaitUntilAsync(async () => Credit(await erp.GetTrialBalanceAsync(default), ChartOfAccounts.SalesRevenue, ChartOfAccounts.OutputVat) == expected, TimeSpan.FromSeconds(60));
        var balance = await erp.GetTrialBalanceAsync(default);
        Assert.Equal(0, Assert.Single(balance.Totals).BalanceMinor);
        Assert.Equal(totals.Sum(t => ErpDocuments.Split(t, 1300).Net), Credit(balance, ChartOfAccounts.SalesRevenue));
        Assert.Equal(totals.Sum(t => ErpDocuments.Split(t, 1300).Vat), Credit(balance, ChartOfAccounts.OutputVat));
        for (var i = 0; i < totals.Length; i++)
        {
            var entries = await erp.GetJournalEntriesAsync($"web:erp-{i}", default);
            Assert.Equal([DocumentTypes.CustomerPayment, DocumentTypes.SalesInvoice], entries.Select(e => e.DocumentType));
        }
    }

    [Fact]
    public async Task Five_thousand_completed_orders_give_exactly_five_thousand_payments_and_invoices_and_a_zero_trial_balance()
    {
        await using var host = await TestHost.StartAsync(postgresSchema: "t_" + Guid.NewGuid().ToString("N"));
        await SeedAsync(host.Client, 50_000);
        var totals = new ConcurrentBag<long>();

        await Parallel.ForAsync(0, 5_000, new ParallelOptions { MaxDegreeOfParallelism = 48 }, async (i, _) =>
            totals.Add(await CompleteAsync(host.Client, $"bulk-{i}", 1 + (i % 3), 1_000 + (i % 97))));

        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{host.AdminPort}/") };
        var erp = new HttpErpClient(http);
        var expected = totals.Sum();
        await WaitUntilAsync(async () => Credit(await erp.GetTrialBalanceAsync(default), ChartOfAccounts.SalesRevenue, ChartOfAccounts.OutputVat) == expected, TimeSpan.FromMinutes(3));

        var balance = await erp.GetTrialBalanceAsync(default);
        Assert.Equal(0, Assert.Single(balance.Totals).BalanceMinor);
        Assert.Equal(expected, balance.Accounts.Where(a => a.Account == ChartOfAccounts.CashClearing).Sum(a => a.DebitMinor));
        Assert.Equal(totals.Sum(t => ErpDocuments.Split(t, 1300).Vat), Credit(balance, ChartOfAccounts.OutputVat));
        foreach (var i in new[] { 0, 1, 2_500, 4_999 })
        {
            var entries = await erp.GetJournalEntriesAsync($"web:bulk-{i}", default);
            Assert.Equal([DocumentTypes.CustomerPayment, DocumentTypes.SalesInvoice], entries.Select(e => e.DocumentType));
        }
    }

    [Fact]
    public async Task Repeated_sigkills_lose_no_event_and_post_none_twice()
    {
        var schema = "t_" + Guid.NewGuid().ToString("N");
        var grpcPort = TestHost.FreePort();
        var adminPort = TestHost.FreePort();
        var settings = HostProcess.PostgresSettings(schema, grpcPort, adminPort);
        var attempted = new ConcurrentBag<string>();
        for (var round = 0; round < 3; round++)
        {
            using var host = HostProcess.Start(settings);
            await host.WaitHealthyAsync(adminPort, TimeSpan.FromSeconds(60));

            // A client per host life: a channel that saw the last host die sits in its reconnect backoff and fails
            // calls fast with UNAVAILABLE until that runs out, which says nothing about the new host.
            using var client = HostProcess.Client(grpcPort);
            if (round == 0)
            {
                await SeedAsync(client, 100_000);
            }

            using var stop = new CancellationTokenSource();
            var workers = Enumerable.Range(0, 12).Select(w => Task.Run(async () =>
            {
                for (var i = 0; !stop.IsCancellationRequested; i++)
                {
                    var externalId = $"r{round}-w{w}-{i}";
                    attempted.Add("web:" + externalId);
                    try
                    {
                        await CompleteAsync(client, externalId, 1, 2_000);
                    }
                    catch (Exception exception) when (exception is RpcException or HttpRequestException or OperationCanceledException or IOException)
                    {
                        return;
                    }
                }
            })).ToArray();
            await Task.Delay(TimeSpan.FromSeconds(4));
            host.Kill();
            await stop.CancelAsync();
            await Task.WhenAll(workers);
        }

        using var final = HostProcess.Start(settings);
        await final.WaitHealthyAsync(adminPort, TimeSpan.FromSeconds(60));
        using var reader = HostProcess.Client(grpcPort);
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{adminPort}/") };
        var erp = new HttpErpClient(http);

        // What the ledger must hold: a payment per order that reached PAID, an invoice per COMPLETED order.
        var paid = 0;
        var completed = new List<string>();
        foreach (var orderId in attempted)
        {
            try
            {
                var order = await reader.GetOrderAsync(orderId);
                paid += order.Status is OrderStatus.Paid or OrderStatus.Released or OrderStatus.Shipped or OrderStatus.PartiallyShipped or OrderStatus.Delivered or OrderStatus.Completed ? 1 : 0;
                if (order.Status == OrderStatus.Completed)
                {
                    completed.Add(orderId);
                }
            }
            catch (RpcException exception) when (exception.StatusCode == StatusCode.NotFound)
            {
                // Never acknowledged and never durable.
            }
        }

        Assert.True(completed.Count > 20, $"only {completed.Count} orders completed across the kills");
        await WaitUntilAsync(async () =>
        {
            var balance = await erp.GetTrialBalanceAsync(default);
            return balance.Accounts.Where(a => a.Account == ChartOfAccounts.CashClearing).Sum(a => a.DebitMinor) == paid * 2_000L
                && Credit(balance, ChartOfAccounts.SalesRevenue, ChartOfAccounts.OutputVat) == completed.Count * 2_000L;
        }, TimeSpan.FromMinutes(2));
        foreach (var orderId in completed)
        {
            var entries = await erp.GetJournalEntriesAsync(orderId, default);
            Assert.Equal([DocumentTypes.CustomerPayment, DocumentTypes.SalesInvoice], entries.Select(e => e.DocumentType));
        }

        final.Kill();
    }

    private static async Task SeedAsync(OrderGrainsClient client, int units)
    {
        await client.UpsertWarehouseAsync(new Warehouse { WarehouseId = "berlin", Name = "Berlin", Latitude = 52.52, Longitude = 13.40, Active = true });
        await client.SetStockAsync(new SetStockRequest { WarehouseId = "berlin", Sku = "sku-1", OnHand = units, SyncId = "seed" });
        await client.UpsertCustomerAsync(new Customer { CustomerId = "ada", Name = "Ada" });
    }

    private static async Task<long> CompleteAsync(OrderGrainsClient client, string externalId, int quantity, long unitPrice)
    {
        var call = OrderGrainsClient.Timeout(TimeSpan.FromSeconds(30));
        var placed = (await client.PlaceOrderAsync(new PlaceOrderRequest
        {
            Channel = "web",
            ExternalOrderId = externalId,
            CustomerId = "ada",
            Currency = "EUR",
            ShipTo = new Address { Latitude = 52.5, Longitude = 13.4 },
            Lines = { new OrderLine { Sku = "sku-1", Quantity = quantity, UnitPriceMinor = unitPrice } },
        }, call)).Order;
        var completed = await OrderLifecycle.CompleteAsync(client, placed, "berlin", "sku-1", quantity, externalId);
        Assert.Equal(OrderStatus.Completed, completed.Status);
        return placed.TotalMinor;
    }

    private static long Credit(TrialBalance balance, params string[] accounts) =>
        balance.Accounts.Where(a => accounts.Contains(a.Account)).Sum(a => a.CreditMinor);

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("The ledger did not reach the expected totals in time.");
            }

            await Task.Delay(500);
        }
    }
}
