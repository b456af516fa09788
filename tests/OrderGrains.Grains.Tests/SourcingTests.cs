using OrderGrains.Abstractions;

namespace OrderGrains.Grains.Tests;

public sealed class SourcingTests
{
    [Fact]
    public async Task Line_ships_from_the_nearest_warehouse_that_can_fill_it()
    {
        await using var oms = await Oms.StartAsync();
        await oms.CustomerAsync("c1");
        await oms.WarehouseAsync("BER", Oms.BerlinWarehouse);
        await oms.WarehouseAsync("HAM", Oms.HamburgWarehouse);
        await oms.WarehouseAsync("MUC", Oms.MunichWarehouse);
        await oms.StockAsync("SKU-1", "BER", 2);
        await oms.StockAsync("SKU-1", "HAM", 5);
        await oms.StockAsync("SKU-1", "MUC", 50);

        var small = await oms.PlaceAsync("1", "c1", new OrderLine("SKU-1", 2, 1));
        var larger = await oms.PlaceAsync("2", "c1", new OrderLine("SKU-1", 4, 1));

        Assert.Equal([new Allocation("SKU-1", "BER", 2)], small.Order.Allocations);
        Assert.Equal([new Allocation("SKU-1", "HAM", 4)], larger.Order.Allocations);
    }

    [Fact]
    public async Task Line_no_warehouse_can_fill_is_split_over_the_fewest_warehouses_nearest_first()
    {
        await using var oms = await Oms.StartAsync();
        await oms.CustomerAsync("c1");
        await oms.WarehouseAsync("BER", Oms.BerlinWarehouse);
        await oms.WarehouseAsync("HAM", Oms.HamburgWarehouse);
        await oms.WarehouseAsync("MUC", Oms.MunichWarehouse);
        await oms.WarehouseAsync("PAR", Oms.ParisWarehouse);
        await oms.StockAsync("SKU-1", "BER", 3);
        await oms.StockAsync("SKU-1", "HAM", 3);
        await oms.StockAsync("SKU-1", "MUC", 3);
        await oms.StockAsync("SKU-1", "PAR", 8);

        // Three nearby warehouses could fill 9 units, but two (Berlin + Paris) can: fewest wins, nearer ships more.
        var result = await oms.PlaceAsync("1", "c1", new OrderLine("SKU-1", 9, 1));

        Assert.Equal([new Allocation("SKU-1", "BER", 3), new Allocation("SKU-1", "PAR", 6)], result.Order.Allocations);
        var stock = await oms.AvailabilityAsync("SKU-1");
        Assert.Equal(9, stock.Reserved);
        Assert.Equal(3, stock.Warehouses.Single(w => w.WarehouseId == "BER").Reserved);
        Assert.Equal(6, stock.Warehouses.Single(w => w.WarehouseId == "PAR").Reserved);
    }

    [Fact]
    public async Task Split_prefers_nearer_warehouses_among_sets_of_equal_size()
    {
        await using var oms = await Oms.StartAsync();
        await oms.CustomerAsync("c1");
        await oms.WarehouseAsync("BER", Oms.BerlinWarehouse);
        await oms.WarehouseAsync("HAM", Oms.HamburgWarehouse);
        await oms.WarehouseAsync("PAR", Oms.ParisWarehouse);
        await oms.StockAsync("SKU-1", "BER", 5);
        await oms.StockAsync("SKU-1", "HAM", 5);
        await oms.StockAsync("SKU-1", "PAR", 5);

        var result = await oms.PlaceAsync("1", "c1", new OrderLine("SKU-1", 8, 1));

        Assert.Equal([new Allocation("SKU-1", "BER", 5), new Allocation("SKU-1", "HAM", 3)], result.Order.Allocations);
    }

    [Fact]
    public async Task Inactive_warehouse_is_skipped()
    {
        await using var oms = await Oms.StartAsync(configure: o => o.WarehouseDirectoryCacheDuration = TimeSpan.Zero);
        await oms.CustomerAsync("c1");
        await oms.WarehouseAsync("BER", Oms.BerlinWarehouse);
        await oms.WarehouseAsync("MUC", Oms.MunichWarehouse);
        await oms.StockAsync("SKU-1", "BER", 10);
        await oms.StockAsync("SKU-1", "MUC", 10);
        Assert.Equal("BER", (await oms.PlaceAsync("1", "c1", new OrderLine("SKU-1", 1, 1))).Order.Allocations.Single().WarehouseId);

        await oms.WarehouseAsync("BER", Oms.BerlinWarehouse, active: false);
        var result = await oms.PlaceAsync("2", "c1", new OrderLine("SKU-1", 2, 1));

        Assert.Equal([new Allocation("SKU-1", "MUC", 2)], result.Order.Allocations);
        var stock = await oms.AvailabilityAsync("SKU-1");
        Assert.Equal(20, stock.OnHand);
    }

    [Fact]
    public async Task Stock_in_inactive_warehouses_does_not_count_and_the_line_is_out_of_stock()
    {
        await using var oms = await Oms.StartAsync();
        await oms.CustomerAsync("c1");
        await oms.WarehouseAsync("BER", Oms.BerlinWarehouse, active: false);
        await oms.WarehouseAsync("MUC", Oms.MunichWarehouse);
        await oms.StockAsync("SKU-1", "BER", 10);
        await oms.StockAsync("SKU-1", "MUC", 1);

        var result = await oms.PlaceAsync("1", "c1", new OrderLine("SKU-1", 2, 1));

        Assert.Equal((OrderStatus.Rejected, RejectReason.OutOfStock), (result.Order.Status, result.Order.RejectReason));
        Assert.Equal(0, (await oms.AvailabilityAsync("SKU-1")).Reserved);
    }

    [Fact]
    public async Task Lines_are_all_or_nothing_and_a_failing_line_releases_the_others()
    {
        await using var oms = await Oms.StartAsync();
        await oms.CustomerAsync("c1");
        await oms.WarehouseAsync("BER", Oms.BerlinWarehouse);
        await oms.WarehouseAsync("MUC", Oms.MunichWarehouse);
        await oms.StockAsync("SKU-1", "BER", 5);
        await oms.StockAsync("SKU-2", "BER", 2);
        await oms.StockAsync("SKU-2", "MUC", 2);

        var result = await oms.PlaceAsync("1", "c1", new OrderLine("SKU-1", 5, 10), new OrderLine("SKU-2", 5, 10));

        Assert.Equal((OrderStatus.Rejected, RejectReason.OutOfStock), (result.Order.Status, result.Order.RejectReason));
        Assert.Empty(result.Order.Allocations);
        Assert.Equal(0, (await oms.AvailabilityAsync("SKU-1")).Reserved);
        Assert.Equal(0, (await oms.AvailabilityAsync("SKU-2")).Reserved);
        Assert.Equal(0, (await oms.AccountAsync("c1")).OpenExposureMinor);
    }
}
