using OrderGrains.Client;
using OrderGrains.Contracts.V1;

namespace OrderGrains.Host.Tests;

/// <summary>Many buyers at once, over the wire, on PostgreSQL: never oversell, never lose an acknowledged order.</summary>
public sealed class FlashSaleConcurrencyTests
{
    [Fact]
    public async Task Two_thousand_parallel_orders_for_five_hundred_units_reserve_exactly_five_hundred()
    {
        await using var host = await TestHost.StartAsync(postgresSchema: "t_" + Guid.NewGuid().ToString("N"));
        var client = host.Client;
        await client.UpsertWarehouseAsync(new Warehouse { WarehouseId = "berlin", Name = "Berlin", Latitude = 52.52, Longitude = 13.40, Active = true });
        await client.UpsertWarehouseAsync(new Warehouse { WarehouseId = "munich", Name = "Munich", Latitude = 48.14, Longitude = 11.58, Active = true });
        await client.SetStockAsync(new SetStockRequest { WarehouseId = "berlin", Sku = "hot-1", OnHand = 300, SyncId = "s1" });
        await client.SetStockAsync(new SetStockRequest { WarehouseId = "munich", Sku = "hot-1", OnHand = 200, SyncId = "s2" });
        await Task.WhenAll(Enumerable.Range(0, 2_000).Select(i => client.UpsertCustomerAsync(new Customer { CustomerId = $"buyer-{i}", Name = $"Buyer {i}" })));

        var replies = await Task.WhenAll(Enumerable.Range(0, 2_000).Select(i => client.PlaceOrderAsync(new PlaceOrderRequest
        {
            Channel = "web",
            ExternalOrderId = $"flash-{i}",
            CustomerId = $"buyer-{i}",
            Currency = "EUR",
            ShipTo = new Address { Latitude = 50.1, Longitude = 8.7, Country = "DE" },
            Lines = { new OrderLine { Sku = "hot-1", Quantity = 1, UnitPriceMinor = 999 } },
        }, OrderGrainsClient.Timeout(TimeSpan.FromSeconds(60)))));

        var accepted = replies.Where(r => r.Order.Status == OrderStatus.PendingPayment).ToList();
        var rejected = replies.Where(r => r.Order.Status == OrderStatus.Rejected).ToList();
        Assert.Equal(500, accepted.Count);
        Assert.Equal(1_500, rejected.Count);
        Assert.All(rejected, r => Assert.Equal(RejectReason.OutOfStock, r.Order.RejectReason));
        Assert.All(accepted, r => Assert.Equal(1, r.Order.Allocations.Sum(a => a.Quantity)));
        Assert.Equal(300, accepted.Count(r => r.Order.Allocations.Single().WarehouseId == "berlin"));
        Assert.Equal(200, accepted.Count(r => r.Order.Allocations.Single().WarehouseId == "munich"));

        var availability = await client.GetAvailabilityAsync("hot-1");
        Assert.Equal(0, availability.Available);
        Assert.Equal(500, availability.Reserved);
        Assert.Equal(500, availability.OnHand);
        foreach (var reply in accepted.Take(50))
        {
            var stored = await client.GetOrderAsync(reply.Order.OrderId);
            Assert.Equal(reply.Order, stored);
        }
    }

    [Fact]
    public async Task Per_customer_campaign_limit_holds_under_parallel_calls_from_one_customer()
    {
        await using var host = await TestHost.StartAsync(postgresSchema: "t_" + Guid.NewGuid().ToString("N"));
        var client = host.Client;
        await client.UpsertWarehouseAsync(new Warehouse { WarehouseId = "w", Name = "W", Latitude = 52, Longitude = 13, Active = true });
        await client.SetStockAsync(new SetStockRequest { WarehouseId = "w", Sku = "promo", OnHand = 1_000, SyncId = "s" });
        await client.UpsertCustomerAsync(new Customer { CustomerId = "greedy", Name = "Greedy" });
        await client.UpsertCampaignAsync(new Campaign
        {
            CampaignId = "black-friday",
            Sku = "promo",
            PriceMinor = 499,
            Quota = 100,
            PerCustomerLimit = 2,
            StartsAt = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddMinutes(-1)),
            EndsAt = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddHours(1)),
        });

        var replies = await Task.WhenAll(Enumerable.Range(0, 200).Select(i => client.PlaceOrderAsync(new PlaceOrderRequest
        {
            Channel = "app",
            ExternalOrderId = $"greedy-{i}",
            CustomerId = "greedy",
            Currency = "EUR",
            CampaignId = "black-friday",
            ShipTo = new Address { Latitude = 52, Longitude = 13 },
            Lines = { new OrderLine { Sku = "promo", Quantity = 1, UnitPriceMinor = 999 } },
        }, OrderGrainsClient.Timeout(TimeSpan.FromSeconds(60)))));

        var accepted = replies.Where(r => r.Order.Status == OrderStatus.PendingPayment).ToList();
        Assert.Equal(2, accepted.Count);
        Assert.All(accepted, r => Assert.Equal(499, r.Order.TotalMinor));
        Assert.All(replies.Where(r => r.Order.Status != OrderStatus.PendingPayment),
            r => Assert.Equal(RejectReason.CampaignLimitExceeded, r.Order.RejectReason));
        Assert.Equal(2, (await client.GetAvailabilityAsync("promo")).Reserved);
    }
}
