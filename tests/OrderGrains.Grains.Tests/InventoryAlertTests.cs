using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using OrderGrains.Abstractions;
using OrderGrains.Storage;
using OrderGrains.Testing;

namespace OrderGrains.Grains.Tests;

/// <summary>The SKU pool's alerts on real grains: thresholds, crossings, the sales window, rate-limited OUT_OF_STOCK, backorders.</summary>
public sealed class InventoryAlertTests
{
    private static readonly DateTimeOffset Start = new(2026, 12, 1, 9, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task A_low_stock_alert_is_raised_once_per_downward_crossing_and_rearmed_when_stock_is_back_above()
    {
        var storage = new InterceptingTestStorage();
        await using var oms = await Oms.StartAsync(storage);
        await oms.SeedSimpleAsync(units: 10);
        var pool = oms.Grains.GetGrain<ISkuStockGrain>("SKU-1");
        Assert.False((await pool.SetLowStockThresholdAsync(new LowStockThreshold(5, null))).Low);

        await oms.PlaceAsync("a", "c1", new OrderLine("SKU-1", 3, 100));
        Assert.Empty(Events(storage, "SKU-1"));
        await oms.PlaceAsync("b", "c1", new OrderLine("SKU-1", 2, 100));
        await oms.PlaceAsync("c", "c1", new OrderLine("SKU-1", 1, 100));
        var low = await pool.GetLowStockStatusAsync();

        var crossing = Assert.Single(Events(storage, "SKU-1"));
        Assert.Equal(("SKU-1#low-1", nameof(LowStockAlert)), (crossing.EventId, crossing.EventType));
        Assert.Equal(5, Read<LowStockAlert>(crossing).Available);
        Assert.Equal((true, "SKU-1#low-1", 4), (low.Low, low.OpenAlertId, low.Available));

        await oms.Order("c").CancelAsync("changed my mind");
        Assert.Single(Events(storage, "SKU-1"));
        await oms.StockAsync("SKU-1", "BER", 20);
        var recovered = Events(storage, "SKU-1")[^1];
        Assert.Equal(("SKU-1#low-1:recovered", nameof(LowStockRecovered)), (recovered.EventId, recovered.EventType));
        Assert.Equal("SKU-1#low-1", Read<LowStockRecovered>(recovered).AlertId);
        Assert.False((await pool.GetLowStockStatusAsync()).Low);

        await oms.PlaceAsync("d", "c1", new OrderLine("SKU-1", 10, 100));
        Assert.Equal(["SKU-1#low-1", "SKU-1#low-1:recovered", "SKU-1#low-2"], Events(storage, "SKU-1").Select(e => e.EventId));
    }

    [Fact]
    public async Task The_threshold_and_the_open_alert_survive_a_restart_so_the_crossing_is_not_raised_twice()
    {
        await using var storage = TestStorage.Sqlite();
        await using (var oms = await Oms.StartAsync(storage))
        {
            await oms.SeedSimpleAsync(units: 10);
            await oms.PlaceAsync("a", "c1", new OrderLine("SKU-1", 7, 100));

            // 7 units in the 7-day window: 1 a day, so the 3 left last 3 days.
            var low = await oms.Grains.GetGrain<ISkuStockGrain>("SKU-1").SetLowStockThresholdAsync(new LowStockThreshold(null, 3.5));
            Assert.Equal((true, "SKU-1#low-1"), (low.Low, low.OpenAlertId));
        }

        await using (var oms = await Oms.StartAsync(storage))
        {
            var pool = oms.Grains.GetGrain<ISkuStockGrain>("SKU-1");
            var reloaded = await pool.GetLowStockStatusAsync();
            Assert.Equal((new LowStockThreshold(null, 3.5), true, "SKU-1#low-1", 1.0), (reloaded.Threshold, reloaded.Low, reloaded.OpenAlertId, reloaded.UnitsPerDay));
            await oms.StockAsync("SKU-1", "BER", 9);
            Assert.Equal("SKU-1#low-1", (await pool.GetLowStockStatusAsync()).OpenAlertId);
            Assert.Equal([new SkuThreshold("SKU-1", new LowStockThreshold(null, 3.5))], await oms.Grains.GetGrain<ILowStockThresholdDirectoryGrain>(ILowStockThresholdDirectoryGrain.Key).ListAsync());
        }
    }

    [Fact]
    public async Task A_threshold_is_either_a_quantity_or_days_of_cover_and_bad_values_name_the_field()
    {
        await using var oms = await Oms.StartAsync();
        await oms.SeedSimpleAsync(units: 10);
        var pool = oms.Grains.GetGrain<ISkuStockGrain>("SKU-1");

        var both = await Assert.ThrowsAsync<DomainValidationException>(() => pool.SetLowStockThresholdAsync(new LowStockThreshold(3, 2)));
        var neither = await Assert.ThrowsAsync<DomainValidationException>(() => pool.SetLowStockThresholdAsync(new LowStockThreshold(null, null)));
        var negative = await Assert.ThrowsAsync<DomainValidationException>(() => pool.SetLowStockThresholdAsync(new LowStockThreshold(-1, null)));
        var zeroDays = await Assert.ThrowsAsync<DomainValidationException>(() => pool.SetLowStockThresholdAsync(new LowStockThreshold(null, 0)));
        var notANumber = await Assert.ThrowsAsync<DomainValidationException>(() => pool.SetLowStockThresholdAsync(new LowStockThreshold(null, double.NaN)));

        Assert.Equal(("days_of_cover", "min_available", "min_available", "days_of_cover", "days_of_cover"), (both.Field, neither.Field, negative.Field, zeroDays.Field, notANumber.Field));
        Assert.Contains("cannot be set together with min_available", both.Message, StringComparison.Ordinal);
        Assert.Contains("must not be negative (it is -1)", negative.Message, StringComparison.Ordinal);
        Assert.Null((await pool.GetLowStockStatusAsync()).Threshold);
        Assert.Empty(await oms.Grains.GetGrain<ILowStockThresholdDirectoryGrain>(ILowStockThresholdDirectoryGrain.Key).ListAsync());

        await pool.SetLowStockThresholdAsync(new LowStockThreshold(0, null));
        Assert.Equal([new SkuThreshold("SKU-1", new LowStockThreshold(0, null))], await oms.Grains.GetGrain<ILowStockThresholdDirectoryGrain>(ILowStockThresholdDirectoryGrain.Key).ListAsync());
        await pool.SetLowStockThresholdAsync(null);
        Assert.Empty(await oms.Grains.GetGrain<ILowStockThresholdDirectoryGrain>(ILowStockThresholdDirectoryGrain.Key).ListAsync());
    }

    [Fact]
    public async Task Days_of_cover_divide_available_units_by_the_units_reserved_per_day_over_the_window()
    {
        var clock = new FakeTimeProvider(Start);
        var storage = new InterceptingTestStorage();
        await using var silo = await StartAsync(storage, clock);
        await SeedAsync(silo, units: 1_000);
        var pool = silo.GrainFactory.GetGrain<ISkuStockGrain>("SKU-1");
        for (var i = 0; i < 7; i++)
        {
            await Place(silo, $"day0-{i}", 10);
        }

        var covered = await pool.SetLowStockThresholdAsync(new LowStockThreshold(null, 90));

        // 70 units in a 7-day window: 10 a day; 930 available last 93 days.
        Assert.Equal((930, 10.0, 7, false), (covered.Available, covered.UnitsPerDay, covered.SalesWindowDays, covered.Low));
        Assert.Equal(93.0, covered.DaysOfCover!.Value, 6);
        clock.Advance(TimeSpan.FromDays(8));
        var quiet = await pool.GetLowStockStatusAsync();
        Assert.Equal((0.0, (double?)null), (quiet.UnitsPerDay, quiet.DaysOfCover));

        await Place(silo, "big", 700);

        var low = await pool.GetLowStockStatusAsync();
        Assert.True(low.Low);
        Assert.Equal(100.0, low.UnitsPerDay);
        Assert.Equal(2.3, low.DaysOfCover!.Value, 6);
        var alert = Read<LowStockAlert>(Assert.Single(Events(storage, "SKU-1")));
        Assert.Equal((230, new LowStockThreshold(null, 90)), (alert.Available, alert.Threshold));
        Assert.Equal(clock.GetUtcNow(), alert.At);
    }

    [Fact]
    public void The_sales_window_keeps_one_counter_per_day_however_many_orders_and_days_pass()
    {
        var state = new SkuAlertState();
        var alerting = new StockAlerting("SKU-1", state, salesWindowDays: 7);

        for (var day = 0; day < 30; day++)
        {
            for (var order = 0; order < 1_000; order++)
            {
                alerting.CountSale(Start.AddDays(day).AddSeconds(order), 1);
            }
        }

        Assert.Equal(7, state.Sales.Count);
        Assert.All(state.Sales, d => Assert.Equal(1_000, d.Units));
        Assert.Equal(1_000.0, alerting.Rate(7_000, Start.AddDays(29)).UnitsPerDay);
        Assert.Equal(7.0, alerting.Rate(7_000, Start.AddDays(29)).DaysOfCover);
    }

    [Fact]
    public async Task Thousands_of_out_of_stock_refusals_make_one_alert_per_interval_with_their_count_not_a_write_each()
    {
        var clock = new FakeTimeProvider(Start);
        var storage = new InterceptingTestStorage();
        await using var silo = await StartAsync(storage, clock);
        await SeedAsync(silo, units: 1);
        await Place(silo, "first", 1);
        var writesBefore = storage.WritesOf("sku-stock", "SKU-1");
        var gate = silo.GrainFactory.GetGrain<ISoldOutGateGrain>(0);

        // Half through the sold-out gate (as the intake does), half through order grains reading the same hints.
        await Task.WhenAll(Enumerable.Range(0, 2_000).Select(i => i % 2 == 0
            ? (Task)gate.TryRefuseAsync(Command($"gate-{i}", 1))
            : silo.GrainFactory.GetGrain<IOrderGrain>(OrderIds.For("web", $"grain-{i}")).PlaceAsync(Command($"grain-{i}", 1))));
        await Oms.WaitUntilAsync(() => Task.FromResult(Events(storage, "SKU-1").Count == 1), TimeSpan.FromSeconds(10));
        var first = Read<OutOfStockAlert>(Assert.Single(Events(storage, "SKU-1")));

        Assert.Equal("SKU-1#oos-1", Events(storage, "SKU-1")[0].EventId);
        Assert.True(first.Rejections >= 1);
        Assert.True(storage.WritesOf("sku-stock", "SKU-1") - writesBefore <= 2, "the refusals cost at most the alert's write");

        // The rest wait for the interval; the pool's timer raises them once it passed, without another refusal.
        clock.Advance(TimeSpan.FromMinutes(5));
        await Oms.WaitUntilAsync(() => Task.FromResult(Events(storage, "SKU-1").Count == 2), TimeSpan.FromSeconds(10));
        var second = Read<OutOfStockAlert>(Events(storage, "SKU-1")[1]);
        Assert.Equal(2_000, first.Rejections + second.Rejections);
        Assert.Equal(clock.GetUtcNow(), second.At);
        await Task.Delay(300);
        Assert.Equal(2, Events(storage, "SKU-1").Count);
    }

    [Fact]
    public async Task A_shortage_event_says_how_many_units_it_backordered()
    {
        var storage = new InterceptingTestStorage();
        await using var oms = await Oms.StartAsync(storage);
        await oms.SeedSimpleAsync(units: 10);
        await oms.PlaceAsync("1", "c1", new OrderLine("SKU-1", 6, 1));

        await oms.StockAsync("SKU-1", "BER", 5);

        var shortage = Read<ShortageAlert>(Assert.Single(Events(storage, "SKU-1")));
        Assert.Equal(("BER", 1, 1), (shortage.WarehouseId, shortage.Shortfall, shortage.Backordered));
    }

    private static List<StoredStreamEvent> Events(InterceptingTestStorage storage, string sku)
    {
        var outbox = (IOutboxStore)storage.Inner;
        var partition = StreamPartitioner.PartitionOf(sku, outbox.PartitionCount);
        return [.. outbox.ReadEventsAsync(InventoryStreams.AlertsNamespace, partition, 0, 10_000, CancellationToken.None).GetAwaiter().GetResult().Where(e => e.StreamKey == sku)];
    }

    private static T Read<T>(StoredStreamEvent item) => JsonSerializer.Deserialize<T>(item.Payload.Span, OrderGrainsStorage.SerializerOptions)!;

    private static PlaceOrderCommand Command(string externalId, int quantity) => Oms.Command(externalId, "c1", new OrderLine("SKU-1", quantity, 100));

    private static async Task Place(TestSilo silo, string externalId, int quantity)
    {
        var placed = await silo.GrainFactory.GetGrain<IOrderGrain>(OrderIds.For("web", externalId)).PlaceAsync(Command(externalId, quantity));
        Assert.Equal(OrderStatus.PendingPayment, placed.Order.Status);
    }

    private static Task<TestSilo> StartAsync(TestStorage storage, FakeTimeProvider clock) =>
        TestSilo.StartAsync(
            storage,
            b => b.AddOrderDomain(o => o.StockNoticeRetryPeriod = TimeSpan.FromMilliseconds(100)),
            services => services.AddSingleton<TimeProvider>(new WallClockOf(clock)));

    private static async Task<TestSilo> SeedAsync(TestSilo silo, int units)
    {
        await silo.GrainFactory.GetGrain<IWarehouseGrain>("BER").UpsertAsync(new WarehouseInfo("BER", "Berlin", Oms.BerlinWarehouse.Lat, Oms.BerlinWarehouse.Lon, true));
        await silo.GrainFactory.GetGrain<ISkuStockGrain>("SKU-1").SetStockAsync(new SetStockCommand("BER", units, "seed"));
        await silo.GrainFactory.GetGrain<ICustomerAccountGrain>("c1").UpsertAsync(new CustomerProfile("c1", "Ada", "gold", 0, false));
        return silo;
    }

    /// <summary>The fake's wall-clock time with real timers, so Orleans' timers keep running when a test moves the date.</summary>
    private sealed class WallClockOf(FakeTimeProvider fake) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => fake.GetUtcNow();
    }
}
