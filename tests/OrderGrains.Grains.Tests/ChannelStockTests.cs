using OrderGrains.Abstractions;
using OrderGrains.Testing;

namespace OrderGrains.Grains.Tests;

/// <summary>
/// Stock per channel (issue 13 §4): a share of a SKU set aside for a channel (a quantity or a percent of on hand),
/// the rest shared; each channel sees its own available-to-promise and never takes what is set aside for another.
/// </summary>
public sealed class ChannelStockTests
{
    [Fact]
    public async Task A_percent_share_is_kept_for_its_channel_while_the_rest_is_shared()
    {
        await using var oms = await StartAsync(onHand: 10);
        await Pool(oms).SetChannelSharesAsync([new ChannelStockShare("marketplace", 0, 30)]);

        var web = (await oms.PlaceAsync(Command("web", "w-1", 7))).Order;
        var webOver = (await oms.PlaceAsync(Command("web", "w-2", 1))).Order;
        var marketplace = (await oms.PlaceAsync(Command("marketplace", "m-1", 3))).Order;
        var stock = await Pool(oms).GetAvailabilityAsync();

        Assert.Equal(OrderStatus.PendingPayment, web.Status);
        Assert.Equal((OrderStatus.Rejected, RejectReason.OutOfStock), (webOver.Status, webOver.RejectReason));
        Assert.Equal(OrderStatus.PendingPayment, marketplace.Status);
        Assert.Equal((10, 10, 0), (stock.OnHand, stock.Reserved, stock.Available));
        Assert.Equal([new ChannelStock("marketplace", 0, 30, 3, 3, 0)], stock.Channels);
    }

    [Fact]
    public async Task A_channel_takes_its_share_first_then_the_shared_units()
    {
        await using var oms = await StartAsync(onHand: 10);
        await Pool(oms).SetChannelSharesAsync([new ChannelStockShare("marketplace", 4, 0)]);

        var marketplace = (await oms.PlaceAsync(Command("marketplace", "m-1", 6))).Order;
        var webView = await Pool(oms).GetChannelAvailabilityAsync("web");
        var web = (await oms.PlaceAsync(Command("web", "w-1", 4))).Order;
        var marketplaceView = await Pool(oms).GetChannelAvailabilityAsync("marketplace");

        Assert.Equal(OrderStatus.PendingPayment, marketplace.Status);
        Assert.Equal(("web", 4), (webView.Channel, webView.ChannelAvailable));
        Assert.Equal(OrderStatus.PendingPayment, web.Status);
        Assert.Equal(0, marketplaceView.ChannelAvailable);
        Assert.Equal([new ChannelStock("marketplace", 4, 0, 4, 6, 0)], marketplaceView.Channels);
    }

    [Fact]
    public async Task Each_channel_sees_its_own_available_to_promise_and_cancelling_gives_the_share_back()
    {
        await using var oms = await StartAsync(onHand: 10);
        await Pool(oms).SetChannelSharesAsync([new ChannelStockShare("marketplace", 0, 30), new ChannelStockShare("pos", 2, 0)]);

        var before = await Task.WhenAll(new[] { "web", "marketplace", "pos" }.Select(c => Pool(oms).GetChannelAvailabilityAsync(c)));
        await oms.PlaceAsync(Command("pos", "p-1", 2));
        var posTook = await Pool(oms).GetChannelAvailabilityAsync("web");
        await oms.Order("p-1", "pos").CancelAsync("not collected");
        var posGaveBack = await Pool(oms).GetChannelAvailabilityAsync("web");

        Assert.Equal([5, 8, 7], before.Select(a => a.ChannelAvailable));
        Assert.Equal(5, posTook.ChannelAvailable);
        Assert.Equal(5, posGaveBack.ChannelAvailable);
        Assert.Equal((2, 0), (posTook.Channels!.Single(c => c.Channel == "pos").Held, posGaveBack.Channels!.Single(c => c.Channel == "pos").Held));
        Assert.Equal(10, posGaveBack.Available);
    }

    [Fact]
    public async Task Removing_the_split_shares_everything_again()
    {
        await using var oms = await StartAsync(onHand: 10);
        await Pool(oms).SetChannelSharesAsync([new ChannelStockShare("marketplace", 0, 50)]);
        Assert.Equal(5, (await Pool(oms).GetChannelAvailabilityAsync("web")).ChannelAvailable);

        var removed = await Pool(oms).SetChannelSharesAsync([]);

        Assert.Empty(removed.Channels!);
        Assert.Equal(10, (await Pool(oms).GetChannelAvailabilityAsync("web")).ChannelAvailable);
        Assert.Equal(OrderStatus.PendingPayment, (await oms.PlaceAsync(Command("web", "w-1", 10))).Order.Status);
    }

    [Fact]
    public async Task Concurrent_orders_of_two_channels_never_oversell_and_never_take_the_other_channels_share()
    {
        await using var oms = await StartAsync(onHand: 100);
        await Pool(oms).SetChannelSharesAsync([new ChannelStockShare("marketplace", 0, 30)]);

        var placed = await Task.WhenAll(Enumerable.Range(0, 300).Select(i =>
            oms.PlaceAsync(Command(i % 2 == 0 ? "web" : "marketplace", $"o-{i}", 1))));

        var accepted = placed.Where(p => p.Order.Status == OrderStatus.PendingPayment).ToList();
        var web = accepted.Count(p => p.Order.Channel == "web");
        var marketplace = accepted.Count(p => p.Order.Channel == "marketplace");
        Assert.All(placed.Where(p => p.Order.Status != OrderStatus.PendingPayment), p => Assert.Equal(RejectReason.OutOfStock, p.Order.RejectReason));
        Assert.Equal(100, web + marketplace);
        Assert.InRange(web, 0, 70);
        Assert.InRange(marketplace, 30, 100);
        var stock = await Pool(oms).GetAvailabilityAsync();
        Assert.Equal((100, 100, 0), (stock.OnHand, stock.Reserved, stock.Available));
        Assert.Equal(marketplace, stock.Channels!.Single().Held);
        Assert.Equal(0, (await Pool(oms).GetLedgerAsync(1)).InvariantViolations);
    }

    [Theory]
    [InlineData("marketplace", 0, 101, "shares[0].percent")]
    [InlineData("marketplace", 5, 10, "shares[0].quantity")]
    [InlineData("marketplace", 0, 0, "shares[0].quantity")]
    [InlineData("", 5, 0, "shares[0].channel")]
    [InlineData("market:place", 5, 0, "shares[0].channel")]
    [InlineData("marketplace", -1, 0, "shares[0].quantity")]
    public async Task A_split_that_cannot_be_set_is_refused_naming_the_field(string channel, int quantity, int percent, string field)
    {
        await using var oms = await StartAsync(onHand: 10);

        var error = await Assert.ThrowsAsync<DomainValidationException>(() => Pool(oms).SetChannelSharesAsync([new ChannelStockShare(channel, quantity, percent)]));

        Assert.Equal(field, error.Field);
    }

    [Fact]
    public async Task Percents_over_100_or_a_channel_listed_twice_are_refused()
    {
        await using var oms = await StartAsync(onHand: 10);

        var over = await Assert.ThrowsAsync<DomainValidationException>(() => Pool(oms).SetChannelSharesAsync(
            [new ChannelStockShare("a", 0, 60), new ChannelStockShare("b", 0, 50)]));
        var twice = await Assert.ThrowsAsync<DomainValidationException>(() => Pool(oms).SetChannelSharesAsync(
            [new ChannelStockShare("a", 1, 0), new ChannelStockShare("a", 0, 5)]));

        Assert.Equal("shares", over.Field);
        Assert.Equal("shares[1].channel", twice.Field);
        Assert.Empty((await Pool(oms).GetAvailabilityAsync()).Channels!);
    }

    private static ISkuStockGrain Pool(ChannelOms oms) => oms.Grains.GetGrain<ISkuStockGrain>("SKU-1");

    private static async Task<ChannelOms> StartAsync(int onHand)
    {
        var oms = new ChannelOms(await TestSilo.StartAsync(TestStorage.Memory(), b => b.AddOrderDomain()));
        await oms.Grains.GetGrain<IWarehouseGrain>("BER").UpsertAsync(new WarehouseInfo("BER", "Berlin", Oms.BerlinWarehouse.Lat, Oms.BerlinWarehouse.Lon, true));
        await oms.Grains.GetGrain<ISkuStockGrain>("SKU-1").SetStockAsync(new SetStockCommand("BER", onHand, "seed"));
        await oms.Grains.GetGrain<ICustomerAccountGrain>("c1").UpsertAsync(new CustomerProfile("c1", "Ada", "gold", 0, false));
        return oms;
    }

    private static PlaceOrderCommand Command(string channel, string externalId, int quantity) =>
        new(channel, externalId, "c1", [new OrderLine("SKU-1", quantity, 100)], Oms.Berlin, null, "EUR");

    private sealed class ChannelOms(TestSilo silo) : IAsyncDisposable
    {
        public IGrainFactory Grains => silo.GrainFactory;

        public IOrderGrain Order(string externalId, string channel) => Grains.GetGrain<IOrderGrain>(OrderIds.For(channel, externalId));

        public Task<PlaceOrderResult> PlaceAsync(PlaceOrderCommand command) => Order(command.ExternalOrderId, command.Channel).PlaceAsync(command);

        public ValueTask DisposeAsync() => silo.DisposeAsync();
    }
}
