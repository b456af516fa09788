using OrderGrains.Abstractions;

namespace OrderGrains.Grains.Tests;

/// <summary>Concurrency claims, on one silo and on two (so calls cross silos and every argument and result is serialised).</summary>
public sealed class ConcurrencyTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public async Task Flash_sale_of_2000_parallel_orders_for_500_units_reserves_exactly_500(short silos)
    {
        await using var oms = await Oms.StartAsync(silos: silos);
        await oms.WarehouseAsync("BER", Oms.BerlinWarehouse);
        await oms.WarehouseAsync("MUC", Oms.MunichWarehouse);
        await oms.StockAsync("HOT", "BER", 300);
        await oms.StockAsync("HOT", "MUC", 200);
        for (var c = 0; c < 20; c++)
        {
            await oms.CustomerAsync($"c{c}");
        }

        var results = await Task.WhenAll(Enumerable.Range(0, 2_000).Select(i =>
            oms.PlaceAsync($"flash-{i}", $"c{i % 20}", new OrderLine("HOT", 1, 999))));

        Assert.Equal(500, results.Count(r => r.Order.Status == OrderStatus.PendingPayment));
        Assert.Equal(1_500, results.Count(r => r.Order is { Status: OrderStatus.Rejected, RejectReason: RejectReason.OutOfStock }));
        var stock = await oms.AvailabilityAsync("HOT");
        Assert.Equal((500, 500, 0), (stock.OnHand, stock.Reserved, stock.Available));
        Assert.All(stock.Warehouses, w => Assert.Equal(0, w.Available));
        Assert.Equal(500, results.Sum(r => r.Order.Allocations.Sum(a => a.Quantity)));
        var exposure = 0L;
        for (var c = 0; c < 20; c++)
        {
            exposure += (await oms.AccountAsync($"c{c}")).OpenExposureMinor;
        }

        Assert.Equal(500 * 999, exposure);
        Assert.Equal(silos, await oms.SilosHostingAsync<OrderGrain>());
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public async Task Per_customer_campaign_limit_holds_under_200_parallel_orders_from_one_customer(short silos)
    {
        await using var oms = await Oms.StartAsync(silos: silos);
        await oms.SeedSimpleAsync(sku: "HOT", units: 1_000);
        var now = DateTimeOffset.UtcNow;
        await oms.Grains.GetGrain<ICampaignGrain>("flash").UpsertAsync(
            RejectionTests.Campaign("HOT", now.AddHours(-1), now.AddHours(1), quota: 500, perCustomerLimit: 5));

        var results = await Task.WhenAll(Enumerable.Range(0, 200).Select(i =>
            oms.PlaceAsync(Oms.Command($"greedy-{i}", "c1", new OrderLine("HOT", 1, 2_000)) with { CampaignId = "flash" })));

        Assert.Equal(5, results.Count(r => r.Order.Status == OrderStatus.PendingPayment));
        Assert.Equal(195, results.Count(r => r.Order is { Status: OrderStatus.Rejected, RejectReason: RejectReason.CampaignLimitExceeded }));
        Assert.Equal(5, await oms.Grains.GetGrain<ICampaignGrain>("flash").GetCustomerCountAsync("c1"));
        Assert.Equal(5, (await oms.Grains.GetGrain<ICampaignGrain>("flash").GetAsync()).Taken);
        Assert.Equal(5, (await oms.AvailabilityAsync("HOT")).Reserved);
        Assert.Equal(5 * 499, (await oms.AccountAsync("c1")).OpenExposureMinor);
        Assert.Equal(silos, await oms.SilosHostingAsync<OrderGrain>());
    }
}
