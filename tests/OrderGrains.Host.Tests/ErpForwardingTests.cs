using OrderGrains.Client;
using OrderGrains.Contracts.V1;
using OrderGrains.Erp;
using OrderGrains.ErpForwarding;

namespace OrderGrains.Host.Tests;

/// <summary>Completed orders reach the embedded ERP ledger through the durable order stream, exactly once in effect.</summary>
public sealed class ErpForwardingTests
{
    [Fact]
    public async Task Paid_and_completed_orders_become_one_payment_and_one_invoice_each_and_the_ledger_balances()
    {
        await using var host = await TestHost.StartAsync();
        var client = host.Client;
        await client.UpsertWarehouseAsync(new Warehouse { WarehouseId = "berlin", Name = "Berlin", Latitude = 52.52, Longitude = 13.40, Active = true });
        await client.SetStockAsync(new SetStockRequest { WarehouseId = "berlin", Sku = "sku-1", OnHand = 10_000, SyncId = "seed" });
        await client.UpsertCustomerAsync(new Customer { CustomerId = "ada", Name = "Ada" });

        var totals = await Task.WhenAll(Enumerable.Range(0, 40).Select(i => CompleteOrderAsync(client, $"erp-{i}", (i % 3) + 1, 1_999 + i)));

        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{host.AdminPort}/") };
        var erp = new HttpErpClient(http);
        var expected = totals.Sum();
        await WaitUntilAsync(async () => Credit(await erp.GetTrialBalanceAsync(default), ChartOfAccounts.SalesRevenue)
            + Credit(await erp.GetTrialBalanceAsync(default), ChartOfAccounts.OutputVat) == expected, TimeSpan.FromSeconds(60));

        var balance = await erp.GetTrialBalanceAsync(default);
        var eur = Assert.Single(balance.Totals);
        Assert.Equal(eur.DebitMinor, eur.CreditMinor);
        Assert.Equal(expected, Debit(balance, ChartOfAccounts.CashClearing));
        var (net, vat) = (Credit(balance, ChartOfAccounts.SalesRevenue), Credit(balance, ChartOfAccounts.OutputVat));
        Assert.Equal(totals.Sum(t => ErpDocuments.Split(t, 1300).Net), net);
        Assert.Equal(totals.Sum(t => ErpDocuments.Split(t, 1300).Vat), vat);
        for (var i = 0; i < totals.Length; i++)
        {
            var entries = await erp.GetJournalEntriesAsync($"web:erp-{i}", default);
            Assert.Equal([DocumentTypes.CustomerPayment, DocumentTypes.SalesInvoice], entries.Select(e => e.DocumentType));
        }
    }

    private static async Task<long> CompleteOrderAsync(OrderGrainsClient client, string externalId, int quantity, long unitPrice)
    {
        var placed = (await client.PlaceOrderAsync(new PlaceOrderRequest
        {
            Channel = "web",
            ExternalOrderId = externalId,
            CustomerId = "ada",
            Currency = "EUR",
            ShipTo = new Address { Latitude = 52.5, Longitude = 13.4 },
            Lines = { new OrderLine { Sku = "sku-1", Quantity = quantity, UnitPriceMinor = unitPrice } },
        })).Order;
        await client.ConfirmPaymentAsync(new ConfirmPaymentRequest { OrderId = placed.OrderId, PaymentReference = "pay-" + externalId, AmountMinor = placed.TotalMinor });
        await client.ReleaseOrderAsync(new ReleaseOrderRequest { OrderId = placed.OrderId, Actor = "test" });
        await client.ReportShipmentAsync(new ShipmentReport
        {
            OrderId = placed.OrderId,
            WarehouseId = "berlin",
            ShipmentId = "s-" + externalId,
            Carrier = "DHL",
            TrackingNumber = "T-" + externalId,
            Lines = { new LineQuantity { Sku = "sku-1", Quantity = quantity } },
        });
        var completed = await client.ConfirmDeliveryAsync(new DeliveryConfirmation { OrderId = placed.OrderId, ShipmentId = "s-" + externalId });
        Assert.Equal(OrderStatus.Completed, completed.Status);
        return placed.TotalMinor;
    }

    private static long Credit(TrialBalance balance, string account) => balance.Accounts.Where(a => a.Account == account).Sum(a => a.CreditMinor);

    private static long Debit(TrialBalance balance, string account) => balance.Accounts.Where(a => a.Account == account).Sum(a => a.DebitMinor);

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("The ledger did not reach the expected totals in time.");
            }

            await Task.Delay(200);
        }
    }
}
