using OrderGrains.Abstractions;
using OrderGrains.Testing;

namespace OrderGrains.Grains.Tests;

public sealed class InventoryTests
{
    /// <summary>
    /// A pool stores its reservations as rows beside its state, writing only those a batch changed: a reservation changed
    /// in place (shipped in part, units cancelled, moved by a shortage) must be stored too, or a restart would bring back
    /// an older one.
    /// </summary>
    [Theory]
    [InlineData("memory")]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task Reservations_changed_in_place_read_back_the_same_after_a_restart(string storageName)
    {
        await using var storage = TestStorage.Create(storageName);
        string[] orders = ["web:r1", "web:r2", "web:r3", "web:r4", "web:r5"];
        List<string> before;
        await using (var oms = await Oms.StartAsync(storage))
        {
            await oms.WarehouseAsync("BER", Oms.BerlinWarehouse);
            await oms.WarehouseAsync("MUC", Oms.MunichWarehouse);
            await oms.StockAsync("SKU-1", "BER", 10);
            await oms.StockAsync("SKU-1", "MUC", 4);
            var pool = oms.Grains.GetGrain<ISkuStockGrain>("SKU-1");
            foreach (var (order, quantity) in ((string, int)[])[("web:r1", 4), ("web:r2", 3), ("web:r3", 3), ("web:r4", 2), ("web:r5", 1)])
            {
                Assert.Equal(StockReservationOutcome.Reserved, (await pool.ReserveAsync(new StockReservationRequest(order, quantity, Oms.Berlin.Latitude, Oms.Berlin.Longitude))).Outcome);
            }

            var placed = await ViewAsync(pool, orders);
            await pool.DeductAsync(new StockDeduction("web:r1", "ship-1", "BER", 2));
            await pool.CancelUnitsAsync("web:r2", "cancel-1", 1);
            await pool.ReleaseAsync("web:r5");
            await oms.StockAsync("SKU-1", "BER", 5);
            before = await ViewAsync(pool, orders);

            // What the restart must keep: r1 shipped in part, r2 cancelled in part, r3 (the newest in BER) re-sourced by the
            // shortage, r4 (in MUC from the start) untouched, r5 released.
            Assert.Equal([true, true, true, false], placed.Zip(before).Take(4).Select(p => p.First != p.Second));
            Assert.Equal("web:r5 none", before[4]);
        }

        await using var restarted = await Oms.StartAsync(storage);
        Assert.Equal(before, await ViewAsync(restarted.Grains.GetGrain<ISkuStockGrain>("SKU-1"), orders));
    }

    /// <summary>The ledger is stored as rows beside the pool's record: a restart reads back the kept movements, and trimmed ones stay gone.</summary>
    [Theory]
    [InlineData("memory")]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task The_ledger_keeps_its_newest_movements_across_restarts(string storageName)
    {
        await using var storage = TestStorage.Create(storageName);
        StockLedger before;
        await using (var oms = await Oms.StartAsync(storage, o => o.LedgerEntriesKept = 8))
        {
            await oms.SeedSimpleAsync(units: 10);
            var pool = oms.Grains.GetGrain<ISkuStockGrain>("SKU-1");
            for (var i = 0; i < 30; i++)
            {
                await pool.AdjustStockAsync(new AdjustStockCommand("BER", 1, StockAdjustmentReason.Received, $"a{i}"));
            }

            before = await pool.GetLedgerAsync(1_000);
        }

        await using (var restarted = await Oms.StartAsync(storage, o => o.LedgerEntriesKept = 8))
        {
            var pool = restarted.Grains.GetGrain<ISkuStockGrain>("SKU-1");
            var after = await pool.GetLedgerAsync(1_000);
            Assert.Equal(before.Recent, after.Recent);
            Assert.Equal(31, after.TotalMovements);
            for (var i = 0; i < 10; i++)
            {
                await pool.AdjustStockAsync(new AdjustStockCommand("BER", 1, StockAdjustmentReason.Received, $"b{i}"));
            }
        }

        await using var again = await Oms.StartAsync(storage, o => o.LedgerEntriesKept = 8);
        var ledger = await again.Grains.GetGrain<ISkuStockGrain>("SKU-1").GetLedgerAsync(1_000);

        Assert.InRange(ledger.Recent.Count, 8, 10);
        Assert.Equal(Enumerable.Range(42 - ledger.Recent.Count, ledger.Recent.Count).Select(i => (long)i), ledger.Recent.Select(m => m.Sequence));
        Assert.Equal("b9 (Received)", ledger.Recent[^1].Reference);
    }

    private static async Task<List<string>> ViewAsync(ISkuStockGrain pool, string[] orders)
    {
        var views = new List<string>();
        foreach (var order in orders)
        {
            views.Add(await pool.GetReservationAsync(order) is { } r
                ? $"{r.OrderId} v{r.Version}: {string.Join(", ", r.Allocations.Select(a => $"{a.WarehouseId} {a.Quantity}"))}; backordered {r.Backordered}"
                : $"{order} none");
        }

        return views;
    }

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
