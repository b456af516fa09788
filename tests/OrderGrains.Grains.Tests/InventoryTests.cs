using OrderGrains.Abstractions;

namespace OrderGrains.Grains.Tests;

public sealed class InventoryTests
{
    [Fact]
    public async Task Set_stock_is_absolute_and_reports_per_warehouse_availability()
    {
        await using var oms = await Oms.StartAsync();
        await oms.WarehouseAsync("BER", Oms.BerlinWarehouse);
        await oms.WarehouseAsync("MUC", Oms.MunichWarehouse);
        await oms.StockAsync("SKU-1", "BER", 7);
        await oms.StockAsync("SKU-1", "BER", 5);

        var stock = await oms.StockAsync("SKU-1", "MUC", 3);

        Assert.Equal((8, 0, 8), (stock.OnHand, stock.Reserved, stock.Available));
        Assert.Equal([new WarehouseStock("BER", 5, 0, 5), new WarehouseStock("MUC", 3, 0, 3)], stock.Warehouses);
    }

    [Fact]
    public async Task Replayed_sync_id_does_not_overwrite_a_newer_count()
    {
        await using var oms = await Oms.StartAsync();
        await oms.WarehouseAsync("BER", Oms.BerlinWarehouse);
        var pool = oms.Grains.GetGrain<ISkuStockGrain>("SKU-1");
        await pool.SetStockAsync(new SetStockCommand("BER", 10, "sync-1"));
        await pool.SetStockAsync(new SetStockCommand("BER", 4, "sync-2"));

        var replay = await pool.SetStockAsync(new SetStockCommand("BER", 10, "sync-1"));

        Assert.Equal(4, replay.OnHand);
    }

    [Fact]
    public async Task Stock_below_reserved_backorders_the_shortfall_instead_of_refusing_the_count()
    {
        await using var oms = await Oms.StartAsync();
        await oms.SeedSimpleAsync(units: 10);
        await oms.PlaceAsync("1", "c1", new OrderLine("SKU-1", 6, 1));

        var stock = await oms.StockAsync("SKU-1", "BER", 5);

        Assert.Equal((5, 5, 1), (stock.OnHand, stock.Reserved, stock.Backordered));
        await Oms.WaitUntilAsync(async () => (await oms.Order("1").GetAsync()).Backordered.Count == 1, TimeSpan.FromSeconds(10));
        Assert.Equal([new LineQuantity("SKU-1", 1)], (await oms.Order("1").GetAsync()).Backordered);
    }

    [Fact]
    public async Task Set_stock_rejects_unknown_warehouses_and_malformed_counts()
    {
        await using var oms = await Oms.StartAsync();
        await oms.WarehouseAsync("BER", Oms.BerlinWarehouse);
        var pool = oms.Grains.GetGrain<ISkuStockGrain>("SKU-1");

        Assert.Equal("warehouse", (await Assert.ThrowsAsync<NotFoundException>(() => pool.SetStockAsync(new SetStockCommand("NOWHERE", 1, "s1")))).Entity);
        Assert.Equal("on_hand", (await Assert.ThrowsAsync<DomainValidationException>(() => pool.SetStockAsync(new SetStockCommand("BER", -1, "s2")))).Field);
        Assert.Equal("sync_id", (await Assert.ThrowsAsync<DomainValidationException>(() => pool.SetStockAsync(new SetStockCommand("BER", 1, "")))).Field);
        await Assert.ThrowsAsync<NotFoundException>(() => pool.GetAvailabilityAsync());
    }

    [Fact]
    public async Task Warehouse_created_after_the_pool_cached_the_directory_is_found()
    {
        await using var oms = await Oms.StartAsync();
        await oms.WarehouseAsync("BER", Oms.BerlinWarehouse);
        await oms.StockAsync("SKU-1", "BER", 1);
        await oms.WarehouseAsync("MUC", Oms.MunichWarehouse);

        var stock = await oms.StockAsync("SKU-1", "MUC", 2);

        Assert.Equal(3, stock.OnHand);
        Assert.Equal(new WarehouseInfo("MUC", "Warehouse MUC", Oms.MunichWarehouse.Lat, Oms.MunichWarehouse.Lon, true), await oms.Grains.GetGrain<IWarehouseGrain>("MUC").GetAsync());
    }

    [Fact]
    public async Task Master_data_is_validated()
    {
        await using var oms = await Oms.StartAsync();

        Assert.Equal("latitude", (await Assert.ThrowsAsync<DomainValidationException>(() => oms.WarehouseAsync("W", (95, 0)))).Field);
        Assert.Equal("credit_limit_minor", (await Assert.ThrowsAsync<DomainValidationException>(() =>
            oms.Grains.GetGrain<ICustomerAccountGrain>("c").UpsertAsync(new CustomerProfile("c", "C", "", -1, false)))).Field);
        var now = DateTimeOffset.UtcNow;
        Assert.Equal("ends_at", (await Assert.ThrowsAsync<DomainValidationException>(() =>
            oms.Grains.GetGrain<ICampaignGrain>("flash").UpsertAsync(RejectionTests.Campaign("S", now, now)))).Field);
        await Assert.ThrowsAsync<NotFoundException>(() => oms.Grains.GetGrain<IWarehouseGrain>("none").GetAsync());
        await Assert.ThrowsAsync<NotFoundException>(() => oms.Grains.GetGrain<ICampaignGrain>("none").GetAsync());
    }
}
