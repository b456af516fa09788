using OrderGrains.Abstractions;
using OrderGrains.Testing;

namespace OrderGrains.Grains.Tests;

/// <summary>
/// Backorders and presale at placement (issue 13 §3): a channel or SKU that backorders accepts an order short of stock
/// with the missing units backordered; a presale SKU sells before any stock exists, up to its limit. Real grains.
/// </summary>
public sealed class PresaleTests
{
    private static readonly Dictionary<string, string?> B2bBackorders = new()
    {
        ["OrderGrains:Backorders:Channels:b2b:AllowBackorders"] = "true",
    };

    [Fact]
    public async Task A_channel_that_backorders_reserves_what_there_is_and_backorders_the_rest_while_other_channels_are_refused()
    {
        await using var oms = await StartAsync(B2bBackorders);
        await oms.StockAsync("SKU-1", "BER", 3);

        var web = (await oms.PlaceAsync(Command("web", "w-1", "SKU-1", 5))).Order;
        var b2b = (await oms.PlaceAsync(Command("b2b", "b-1", "SKU-1", 5))).Order;

        Assert.Equal((OrderStatus.Rejected, RejectReason.OutOfStock), (web.Status, web.RejectReason));
        Assert.Equal(OrderStatus.PendingPayment, b2b.Status);
        Assert.Equal(3, b2b.Allocations.Sum(a => a.Quantity));
        Assert.Equal([new LineQuantity("SKU-1", 2)], b2b.Backordered);
        Assert.Empty(b2b.Presold ?? []);
        var stock = await oms.AvailabilityAsync("SKU-1");
        Assert.Equal((3, 3, 0, 2), (stock.OnHand, stock.Reserved, stock.Available, stock.Backordered));
        var history = (await oms.Order("b-1", "b2b").GetHistoryAsync()).Entries;
        Assert.Equal(["accepted", "backordered"], history.Select(e => e.Event));
        Assert.Contains("2 x SKU-1", history[1].Details, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Restock_fills_placement_backorders_first_in_first_out()
    {
        await using var oms = await StartAsync(B2bBackorders);
        await oms.StockAsync("SKU-1", "BER", 0);
        await oms.PlaceAsync(Command("b2b", "old", "SKU-1", 2));
        await oms.PlaceAsync(Command("b2b", "new", "SKU-1", 2));

        await oms.Grains.GetGrain<ISkuStockGrain>("SKU-1").AdjustStockAsync(new AdjustStockCommand("BER", 3, StockAdjustmentReason.Received, "po-1"));

        await Oms.WaitUntilAsync(async () => (await oms.Order("old", "b2b").GetAsync()).Backordered.Count == 0, TimeSpan.FromSeconds(10));
        await Oms.WaitUntilAsync(async () => (await oms.Order("new", "b2b").GetAsync()).Backordered.Sum(b => b.Quantity) == 1, TimeSpan.FromSeconds(10));
        Assert.Equal(2, (await oms.Order("old", "b2b").GetAsync()).Allocations.Sum(a => a.Quantity));
        var stock = await oms.AvailabilityAsync("SKU-1");
        Assert.Equal((3, 3, 1), (stock.OnHand, stock.Reserved, stock.Backordered));
        Assert.Equal(0, (await oms.Grains.GetGrain<ISkuStockGrain>("SKU-1").GetLedgerAsync(10)).InvariantViolations);
    }

    [Fact]
    public async Task The_sold_out_gate_refuses_ordinary_channels_fast_but_lets_a_backordering_channel_through()
    {
        await using var oms = await StartAsync(B2bBackorders);
        await oms.StockAsync("SKU-1", "BER", 1);
        Assert.Equal(OrderStatus.PendingPayment, (await oms.PlaceAsync(Command("web", "first", "SKU-1", 1))).Order.Status);
        var gate = oms.Grains.GetGrain<ISoldOutGateGrain>(0);

        var refused = await gate.TryRefuseAsync(Command("web", "late", "SKU-1", 1));
        var through = await gate.TryRefuseAsync(Command("b2b", "late", "SKU-1", 1));
        var placed = (await oms.PlaceAsync(Command("b2b", "late", "SKU-1", 1))).Order;

        Assert.Equal(RejectReason.OutOfStock, refused?.Order.RejectReason);
        Assert.Null(through);
        Assert.Equal((OrderStatus.PendingPayment, 1), (placed.Status, placed.Backordered.Sum(b => b.Quantity)));
    }

    [Fact]
    public async Task A_sku_that_allows_backorders_accepts_short_orders_of_every_channel_and_the_gate_does_not_refuse_it()
    {
        await using var oms = await StartAsync();
        await oms.StockAsync("SKU-1", "BER", 0);
        var pool = oms.Grains.GetGrain<ISkuStockGrain>("SKU-1");

        var policy = await pool.SetSalePolicyAsync(new SkuSalePolicy(BackordersAllowed: true, PresaleLimit: 0));
        var gated = await oms.Grains.GetGrain<ISoldOutGateGrain>(0).TryRefuseAsync(Command("web", "w-1", "SKU-1", 4));
        var placed = (await oms.PlaceAsync(Command("web", "w-1", "SKU-1", 4))).Order;

        Assert.True(policy.BackordersAllowed);
        Assert.Null(gated);
        Assert.Equal((OrderStatus.PendingPayment, 4), (placed.Status, placed.Backordered.Sum(b => b.Quantity)));
        Assert.Equal(4, (await oms.AvailabilityAsync("SKU-1")).Backordered);
    }

    [Fact]
    public async Task A_presale_sku_sells_before_any_stock_up_to_its_limit_and_cancelling_gives_the_room_back()
    {
        await using var oms = await StartAsync();
        var pool = oms.Grains.GetGrain<ISkuStockGrain>("PRE-1");
        await Assert.ThrowsAsync<NotFoundException>(() => pool.GetAvailabilityAsync());

        var opened = await pool.SetSalePolicyAsync(new SkuSalePolicy(false, 5));
        var first = (await oms.PlaceAsync(Command("web", "p-1", "PRE-1", 3))).Order;
        var tooMany = (await oms.PlaceAsync(Command("web", "p-2", "PRE-1", 3))).Order;
        var rest = (await oms.PlaceAsync(Command("web", "p-3", "PRE-1", 2))).Order;
        var full = await pool.GetAvailabilityAsync();
        var hinted = await oms.Grains.GetGrain<ISoldOutGateGrain>(0).TryRefuseAsync(Command("web", "p-4", "PRE-1", 1));
        await oms.Order("p-1").CancelAsync("changed my mind");
        var reopened = await pool.GetAvailabilityAsync();

        Assert.Equal((0, 5, 0, 5), (opened.OnHand, opened.PresaleLimit, opened.Presold, opened.PresaleRemaining));
        Assert.Equal(OrderStatus.PendingPayment, first.Status);
        Assert.Equal([new LineQuantity("PRE-1", 3)], first.Backordered);
        Assert.Equal([new LineQuantity("PRE-1", 3)], first.Presold);
        Assert.Empty(first.Allocations);
        Assert.Equal((OrderStatus.Rejected, RejectReason.OutOfStock), (tooMany.Status, tooMany.RejectReason));
        Assert.Equal(OrderStatus.PendingPayment, rest.Status);
        Assert.Equal((5, 0, 5), (full.Presold, full.PresaleRemaining, full.Backordered));
        Assert.Equal(RejectReason.OutOfStock, hinted?.Order.RejectReason);
        Assert.Equal((2, 3, 2), (reopened.Presold, reopened.PresaleRemaining, reopened.Backordered));
    }

    [Fact]
    public async Task Presale_units_filled_by_stock_and_shipped_stay_presold()
    {
        await using var oms = await StartAsync();
        var pool = oms.Grains.GetGrain<ISkuStockGrain>("PRE-1");
        await pool.SetSalePolicyAsync(new SkuSalePolicy(false, 4));
        var placed = (await oms.PlaceAsync(Command("web", "p-1", "PRE-1", 4))).Order;
        var order = oms.Order("p-1");
        await order.ConfirmPaymentAsync(new ConfirmPaymentCommand("pay-1", placed.TotalMinor));

        await oms.StockAsync("PRE-1", "BER", 4);
        await Oms.WaitUntilAsync(async () => (await order.GetAsync()).Backordered.Count == 0, TimeSpan.FromSeconds(10));
        await order.ReleaseAsync("ops");
        var shipped = await order.ReportShipmentAsync(new ReportShipmentCommand("BER", "s-1", [new LineQuantity("PRE-1", 4)], "DHL", "T-1"));

        Assert.Equal(OrderStatus.Shipped, shipped.Status);
        Assert.Equal([new LineQuantity("PRE-1", 4)], shipped.Presold);
        var stock = await pool.GetAvailabilityAsync();
        Assert.Equal((0, 0, 4, 0), (stock.OnHand, stock.Reserved, stock.Presold, stock.PresaleRemaining));
        Assert.Equal(0, (await pool.GetLedgerAsync(10)).InvariantViolations);
    }

    [Fact]
    public async Task An_expired_unpaid_presale_order_gives_its_room_back()
    {
        await using var oms = await StartAsync(new Dictionary<string, string?>
        {
            ["OrderGrains:Orders:ReservationTimeout"] = "00:00:01",
            ["OrderGrains:Orders:ExpiryRetryPeriod"] = "00:00:00.2",
        });
        var pool = oms.Grains.GetGrain<ISkuStockGrain>("PRE-1");
        await pool.SetSalePolicyAsync(new SkuSalePolicy(false, 2));
        await oms.PlaceAsync(Command("web", "p-1", "PRE-1", 2));

        await Oms.WaitUntilAsync(async () => (await oms.Order("p-1").GetAsync()).Status == OrderStatus.Cancelled, TimeSpan.FromSeconds(30));

        var stock = await pool.GetAvailabilityAsync();
        Assert.Equal((0, 2, 0), (stock.Presold, stock.PresaleRemaining, stock.Backordered));
    }

    [Fact]
    public async Task Partial_cancel_of_presold_units_gives_their_room_back()
    {
        await using var oms = await StartAsync();
        var pool = oms.Grains.GetGrain<ISkuStockGrain>("PRE-1");
        await pool.SetSalePolicyAsync(new SkuSalePolicy(false, 10));
        var placed = (await oms.PlaceAsync(Command("web", "p-1", "PRE-1", 6))).Order;
        await oms.Order("p-1").ConfirmPaymentAsync(new ConfirmPaymentCommand("pay-1", placed.TotalMinor));

        var cancelled = await oms.Order("p-1").CancelBackorderAsync(new CancelBackorderCommand("x-1", [new LineQuantity("PRE-1", 2)], "fewer", "customer"));

        Assert.Equal([new LineQuantity("PRE-1", 4)], cancelled.Backordered);
        Assert.Equal(200, cancelled.Refunds.Sum(r => r.AmountMinor));
        var stock = await pool.GetAvailabilityAsync();
        Assert.Equal((4, 6, 4), (stock.Presold, stock.PresaleRemaining, stock.Backordered));
    }

    [Fact]
    public async Task A_replayed_reservation_reports_its_backordered_and_presold_units_so_a_resumed_saga_records_them()
    {
        await using var oms = await StartAsync();
        var pool = oms.Grains.GetGrain<ISkuStockGrain>("PRE-1");
        await pool.SetSalePolicyAsync(new SkuSalePolicy(false, 10));
        var request = new StockReservationRequest("web:p-1", 4, Oms.Berlin.Latitude, Oms.Berlin.Longitude);

        var first = await pool.ReserveAsync(request);
        var replayed = await pool.ReserveAsync(request);

        Assert.Equal((4, 4), (first.Backordered, first.Presold));
        Assert.Equal((first.Outcome, first.Version, 4, 4), (replayed.Outcome, replayed.Version, replayed.Backordered, replayed.Presold));
        Assert.Equal(4, (await pool.GetAvailabilityAsync()).Presold);
    }

    [Fact]
    public async Task Concurrent_presale_orders_never_presell_more_than_the_limit()
    {
        await using var oms = await StartAsync();
        var pool = oms.Grains.GetGrain<ISkuStockGrain>("PRE-1");
        await pool.SetSalePolicyAsync(new SkuSalePolicy(false, 100));

        var placed = await Task.WhenAll(Enumerable.Range(0, 400).Select(i =>
            oms.PlaceAsync(Command("web", $"p-{i}", "PRE-1", 1 + (i % 3)))));

        var accepted = placed.Where(p => p.Order.Status == OrderStatus.PendingPayment).ToList();
        var presold = accepted.Sum(p => p.Order.Presold!.Sum(l => l.Quantity));
        Assert.All(placed.Where(p => p.Order.Status != OrderStatus.PendingPayment), p => Assert.Equal(RejectReason.OutOfStock, p.Order.RejectReason));
        Assert.InRange(presold, 98, 100);
        var stock = await pool.GetAvailabilityAsync();
        Assert.Equal((presold, presold), (stock.Presold, stock.Backordered));
        Assert.Equal(0, (await pool.GetLedgerAsync(1)).InvariantViolations);
    }

    [Theory]
    [InlineData(false, -1, "presale_limit")]
    [InlineData(true, 5, "backorders_allowed")]
    public async Task A_sale_policy_that_cannot_be_set_is_refused_naming_the_field(bool backorders, int limit, string field)
    {
        await using var oms = await StartAsync();

        var error = await Assert.ThrowsAsync<DomainValidationException>(() =>
            oms.Grains.GetGrain<ISkuStockGrain>("SKU-1").SetSalePolicyAsync(new SkuSalePolicy(backorders, limit)));

        Assert.Equal(field, error.Field);
    }

    [Fact]
    public async Task An_unreadable_channel_setting_stops_start_up_naming_the_key()
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(() => TestSilo.StartAsync(
            TestStorage.Memory(),
            b => b.AddOrderDomain(),
            settings: new Dictionary<string, string?> { ["OrderGrains:Backorders:Channels:b2b:AllowBackorders"] = "sometimes" }));

        Assert.Contains("OrderGrains:Backorders:Channels:b2b:AllowBackorders is 'sometimes'", Messages(error), StringComparison.Ordinal);
    }

    private static async Task<PresaleOms> StartAsync(IReadOnlyDictionary<string, string?>? settings = null)
    {
        var oms = new PresaleOms(await TestSilo.StartAsync(TestStorage.Memory(), b => b.AddOrderDomain(), settings: settings));
        await oms.Grains.GetGrain<IWarehouseGrain>("BER").UpsertAsync(new WarehouseInfo("BER", "Berlin", Oms.BerlinWarehouse.Lat, Oms.BerlinWarehouse.Lon, true));
        await oms.Grains.GetGrain<ICustomerAccountGrain>("c1").UpsertAsync(new CustomerProfile("c1", "Ada", "gold", 0, false));
        return oms;
    }

    private static PlaceOrderCommand Command(string channel, string externalId, string sku, int quantity) =>
        new(channel, externalId, "c1", [new OrderLine(sku, quantity, 100)], Oms.Berlin, null, "EUR");

    private static string Messages(Exception? error) => error is null ? string.Empty : error.Message + "\n" + Messages(error.InnerException) +
        (error is AggregateException aggregate ? string.Join("\n", aggregate.InnerExceptions.Select(Messages)) : string.Empty);

    private sealed class PresaleOms(TestSilo silo) : IAsyncDisposable
    {
        public IGrainFactory Grains => silo.GrainFactory;

        public Task<SkuAvailability> StockAsync(string sku, string warehouseId, int onHand) =>
            Grains.GetGrain<ISkuStockGrain>(sku).SetStockAsync(new SetStockCommand(warehouseId, onHand, Guid.NewGuid().ToString("N")));

        public Task<SkuAvailability> AvailabilityAsync(string sku) => Grains.GetGrain<ISkuStockGrain>(sku).GetAvailabilityAsync();

        public IOrderGrain Order(string externalId, string channel = "web") => Grains.GetGrain<IOrderGrain>(OrderIds.For(channel, externalId));

        public Task<PlaceOrderResult> PlaceAsync(PlaceOrderCommand command) => Order(command.ExternalOrderId, command.Channel).PlaceAsync(command);

        public ValueTask DisposeAsync() => silo.DisposeAsync();
    }
}
