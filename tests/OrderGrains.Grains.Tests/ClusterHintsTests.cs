using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using OrderGrains.Abstractions;

namespace OrderGrains.Grains.Tests;

/// <summary>
/// Sold-out hints are cluster-wide (issue 11): a SKU pool selling out on one silo makes every silo's intake see it, a
/// restock clears it everywhere, and a hint from another silo expires unless repeated.
/// </summary>
public sealed class ClusterHintsTests
{
    [Fact]
    public async Task A_sku_selling_out_on_one_silo_is_sold_out_on_every_silo_and_a_restock_clears_it_everywhere()
    {
        await using var oms = await Oms.StartAsync(silos: 2);
        await oms.SeedSimpleAsync("HOT", units: 3);
        var hints = oms.Silo.SiloServices.Select(s => s.GetRequiredService<StockHints>()).ToList();
        Assert.Equal(2, hints.Count);

        var sold = await oms.PlaceAsync("1", "c1", new OrderLine("HOT", 3, 100));
        Assert.Equal(OrderStatus.PendingPayment, sold.Order.Status);
        await Oms.WaitUntilAsync(() => Task.FromResult(hints.All(h => h.IsSoldOut("HOT"))), TimeSpan.FromSeconds(10));

        await oms.StockAsync("HOT", "BER", 10);
        await Oms.WaitUntilAsync(() => Task.FromResult(hints.All(h => h.IsKnown("HOT") && !h.IsSoldOut("HOT"))), TimeSpan.FromSeconds(10));
    }

    [Fact]
    public void A_hint_from_another_silo_stands_for_its_lifetime_and_a_local_one_until_replaced()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 12, 1, 9, 0, 0, TimeSpan.Zero));
        var hints = new StockHints(clock);
        var now = clock.GetUtcNow();

        hints.Apply(new StockHintUpdate("REMOTE", 0));
        hints.Publish("LOCAL", 0);
        hints.Apply(new StockHintUpdate("SKU-9", 0, "flash", now.AddMinutes(-1), now.AddHours(1)));
        var lines = new[] { new OrderLine("SKU-9", 1, 100) };
        Assert.True(hints.IsSoldOut("REMOTE"));
        Assert.True(hints.IsCampaignExhausted("flash", lines, now));

        clock.Advance(StockHints.RemoteHintLifetime);

        Assert.False(hints.IsSoldOut("REMOTE"));
        Assert.False(hints.IsCampaignExhausted("flash", lines, clock.GetUtcNow()));
        Assert.True(hints.IsSoldOut("LOCAL"));
        hints.Apply(new StockHintUpdate(string.Empty, 0, "flash", Forget: true));
        Assert.False(hints.IsCampaignExhausted("flash", lines, now));
    }
}
