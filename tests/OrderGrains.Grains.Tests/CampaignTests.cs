using OrderGrains.Abstractions;
using OrderGrains.Testing;

namespace OrderGrains.Grains.Tests;

/// <summary>Operators' campaign controls: the directory that lists campaigns, and closing a flash sale.</summary>
public sealed class CampaignTests
{
    [Fact]
    public async Task Created_campaigns_are_listed_once_each_in_creation_order()
    {
        await using var oms = await Oms.StartAsync();
        var now = DateTimeOffset.UtcNow;

        await oms.Grains.GetGrain<ICampaignGrain>("b").UpsertAsync(RejectionTests.Campaign("SKU-1", now.AddHours(-1), now.AddHours(1)) with { CampaignId = "b" });
        await oms.Grains.GetGrain<ICampaignGrain>("a").UpsertAsync(RejectionTests.Campaign("SKU-1", now.AddHours(-1), now.AddHours(1)) with { CampaignId = "a" });
        await oms.Grains.GetGrain<ICampaignGrain>("b").UpsertAsync(RejectionTests.Campaign("SKU-1", now.AddHours(-1), now.AddHours(2)) with { CampaignId = "b" });

        Assert.Equal(["b", "a"], await oms.Grains.GetGrain<ICampaignDirectoryGrain>(ICampaignDirectoryGrain.Key).ListAsync());
    }

    /// <summary>
    /// A campaign stores its holds as rows beside its state and keeps the per-customer counts only in memory, built from
    /// the holds: after a restart the quota, each customer's limit and a release must all still count.
    /// </summary>
    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task Quota_and_per_customer_limit_still_count_after_a_restart(string storageName)
    {
        await using var storage = TestStorage.Create(storageName);
        var now = DateTimeOffset.UtcNow;
        var definition = RejectionTests.Campaign("SKU-1", now.AddHours(-1), now.AddHours(1), quota: 5, perCustomerLimit: 2);
        await using (var oms = await Oms.StartAsync(storage))
        {
            await oms.SeedSimpleAsync(units: 10);
            await oms.CustomerAsync("c2");
            await oms.Grains.GetGrain<ICampaignGrain>("flash").UpsertAsync(definition);
            Assert.Equal(OrderStatus.PendingPayment, (await oms.PlaceAsync(Oms.Command("1", "c1", new OrderLine("SKU-1", 2, 100)) with { CampaignId = "flash" })).Order.Status);
            Assert.Equal(OrderStatus.PendingPayment, (await oms.PlaceAsync(Oms.Command("2", "c2", new OrderLine("SKU-1", 1, 100)) with { CampaignId = "flash" })).Order.Status);
            Assert.Equal(OrderStatus.PendingPayment, (await oms.PlaceAsync(Oms.Command("3", "c2", new OrderLine("SKU-1", 1, 100)) with { CampaignId = "flash" })).Order.Status);
            await oms.Order("3").CancelAsync("changed my mind");
        }

        await using var restarted = await Oms.StartAsync(storage);
        var campaign = restarted.Grains.GetGrain<ICampaignGrain>("flash");
        Assert.Equal((3, 2), ((await campaign.GetAsync()).Taken, (await campaign.GetAsync()).Remaining));
        Assert.Equal((2, 1), (await campaign.GetCustomerCountAsync("c1"), await campaign.GetCustomerCountAsync("c2")));
        var overLimit = await restarted.PlaceAsync(Oms.Command("4", "c1", new OrderLine("SKU-1", 1, 100)) with { CampaignId = "flash" });
        Assert.Equal((OrderStatus.Rejected, RejectReason.CampaignLimitExceeded), (overLimit.Order.Status, overLimit.Order.RejectReason));
        var withinLimit = await restarted.PlaceAsync(Oms.Command("5", "c2", new OrderLine("SKU-1", 1, 100)) with { CampaignId = "flash" });
        Assert.Equal(OrderStatus.PendingPayment, withinLimit.Order.Status);
        Assert.Equal(4, (await campaign.GetAsync()).Taken);
    }

    [Fact]
    public async Task A_closed_campaign_takes_no_more_orders_keeps_what_it_sold_and_stays_closed()
    {
        await using var oms = await Oms.StartAsync();
        await oms.SeedSimpleAsync(units: 10);
        await oms.CustomerAsync("c2");
        var now = DateTimeOffset.UtcNow;
        var campaign = oms.Grains.GetGrain<ICampaignGrain>("flash");
        var definition = RejectionTests.Campaign("SKU-1", now.AddHours(-1), now.AddHours(1), quota: 5);
        await campaign.UpsertAsync(definition);
        var sold = await oms.PlaceAsync(Oms.Command("1", "c1", new OrderLine("SKU-1", 2, 100)) with { CampaignId = "flash" });
        Assert.Equal(OrderStatus.PendingPayment, sold.Order.Status);

        var closed = await campaign.CloseAsync("operator:alice");
        var again = await campaign.CloseAsync("operator:bob");

        Assert.NotNull(closed.ClosedAt);
        Assert.Equal(closed.ClosedAt, again.ClosedAt);
        Assert.Equal((2, 3), (closed.Taken, closed.Remaining));
        var late = await oms.PlaceAsync(Oms.Command("2", "c2", new OrderLine("SKU-1", 1, 100)) with { CampaignId = "flash" });
        Assert.Equal((OrderStatus.Rejected, RejectReason.CampaignNotActive), (late.Order.Status, late.Order.RejectReason));
        Assert.Equal(2, (await oms.AvailabilityAsync("SKU-1")).Reserved);
        await Assert.ThrowsAsync<RuleViolationException>(() => campaign.UpsertAsync(definition with { Quota = 50 }));
        Assert.Equal(definition, (await campaign.GetAsync()).Definition);
    }

    [Fact]
    public async Task Closing_needs_an_actor_and_an_existing_campaign()
    {
        await using var oms = await Oms.StartAsync();

        Assert.Equal("actor", (await Assert.ThrowsAsync<DomainValidationException>(() => oms.Grains.GetGrain<ICampaignGrain>("x").CloseAsync(" "))).Field);
        await Assert.ThrowsAsync<NotFoundException>(() => oms.Grains.GetGrain<ICampaignGrain>("x").CloseAsync("operator:alice"));
    }
}
