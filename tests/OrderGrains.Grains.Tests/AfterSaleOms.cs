using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using OrderGrains.Abstractions;
using OrderGrains.Testing;

namespace OrderGrains.Grains.Tests;

/// <summary>
/// The order domain on a <see cref="FakeTimeProvider"/> with configuration settings (e.g. OrderGrains:Returns:*), one
/// warehouse BER with SKU-1 and customer c1: for carrier tracking and the returns policy, where days pass.
/// </summary>
internal sealed class AfterSaleOms(TestSilo silo, FakeTimeProvider clock) : IAsyncDisposable
{
    public static readonly DateTimeOffset Start = new(2026, 12, 1, 9, 0, 0, TimeSpan.Zero);

    public FakeTimeProvider Clock { get; } = clock;

    public IGrainFactory Grains => silo.GrainFactory;

    /// <summary>Starts on <paramref name="storage"/> (fresh memory by default) and seeds the warehouse, stock and customer.</summary>
    public static async Task<AfterSaleOms> StartAsync(IReadOnlyDictionary<string, string?>? settings = null, TestStorage? storage = null)
    {
        var clock = new FakeTimeProvider(Start);
        var silo = await TestSilo.StartAsync(storage ?? TestStorage.Memory(), b => b.AddOrderDomain(), services => services.AddSingleton<TimeProvider>(new WallClockOf(clock)), settings: settings);
        var oms = new AfterSaleOms(silo, clock);
        await oms.Grains.GetGrain<IWarehouseGrain>("BER").UpsertAsync(new WarehouseInfo("BER", "Berlin", Oms.BerlinWarehouse.Lat, Oms.BerlinWarehouse.Lon, true));
        await oms.Grains.GetGrain<ISkuStockGrain>("SKU-1").SetStockAsync(new SetStockCommand("BER", 1_000, "seed"));
        await oms.Grains.GetGrain<ICustomerAccountGrain>("c1").UpsertAsync(new CustomerProfile("c1", "Ada", "gold", 0, false));
        return oms;
    }

    public IOrderGrain Order(string externalId, string channel = "web") => Grains.GetGrain<IOrderGrain>(OrderIds.For(channel, externalId));

    public IOrderTrackingGrain Tracking(string externalId, string channel = "web") => Grains.GetGrain<IOrderTrackingGrain>(OrderIds.For(channel, externalId));

    public IOrderReturnsGrain Returns(string externalId, string channel = "web") => Grains.GetGrain<IOrderReturnsGrain>(OrderIds.For(channel, externalId));

    public Task<IReadOnlyList<OperatorAlert>> CarrierAlertsAsync() => Grains.GetGrain<IOperatorAlertsGrain>(IOperatorAlertsGrain.CarrierCategory).ListAsync();

    /// <summary>Placed, paid, released and shipped as one shipment "s-&lt;id&gt;" with tracking number "T-&lt;id&gt;" (SHIPPED).</summary>
    public async Task<OrderSnapshot> ShippedAsync(string externalId, int quantity = 4, string channel = "web")
    {
        var order = Order(externalId, channel);
        var placed = (await order.PlaceAsync(new PlaceOrderCommand(channel, externalId, "c1", [new OrderLine("SKU-1", quantity, 100)], Oms.Berlin, null, "EUR"))).Order;
        Assert.Equal(OrderStatus.PendingPayment, placed.Status);
        await order.ConfirmPaymentAsync(new ConfirmPaymentCommand("pay-" + externalId, placed.TotalMinor));
        await order.ReleaseAsync("ops");
        var shipped = await order.ReportShipmentAsync(new ReportShipmentCommand("BER", "s-" + externalId, [new LineQuantity("SKU-1", quantity)], "DHL", "T-" + externalId));
        Assert.Equal(OrderStatus.Shipped, shipped.Status);
        return shipped;
    }

    /// <summary>Shipped, then confirmed delivered now (COMPLETED).</summary>
    public async Task<OrderSnapshot> DeliveredAsync(string externalId, int quantity = 4, string channel = "web")
    {
        await ShippedAsync(externalId, quantity, channel);
        var completed = await Order(externalId, channel).ConfirmDeliveryAsync("s-" + externalId);
        Assert.Equal(OrderStatus.Completed, completed.Status);
        return completed;
    }

    /// <summary>A scan of the one shipment of <paramref name="externalId"/> as DHL reports it.</summary>
    public static ReportTrackingEventCommand Scan(string externalId, string eventId, TrackingEventCode code, DateTimeOffset at, string? details = null) =>
        new("s-" + externalId, eventId, "DHL", "T-" + externalId, code, at, details);

    public static TrackingEventRecord ToRecord(ReportTrackingEventCommand scan) =>
        new(scan.EventId, scan.Code, scan.EventTime!.Value, scan.EventTime.Value, scan.Carrier, scan.TrackingNumber, scan.Details ?? string.Empty);

    public static RequestReturnCommand Return(string requestId, int quantity, ReturnReason code = ReturnReason.SizeOrFit) =>
        new(requestId, [new LineQuantity("SKU-1", quantity)], "too small", code);

    public ValueTask DisposeAsync() => silo.DisposeAsync();

    /// <summary>The fake's wall-clock time with real timers, so Orleans' own timers keep running when a test moves the date by weeks.</summary>
    private sealed class WallClockOf(FakeTimeProvider fake) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => fake.GetUtcNow();
    }
}
