using OrderGrains.Abstractions;

namespace OrderGrains.Grains.Tests;

public sealed class PlaceOrderTests
{
    [Fact]
    public async Task Place_accepts_order_reserves_stock_and_sets_reservation_expiry()
    {
        await using var oms = await Oms.StartAsync();
        await oms.SeedSimpleAsync(units: 10);
        var before = DateTimeOffset.UtcNow;

        var result = await oms.PlaceAsync("1", "c1", new OrderLine("SKU-1", 3, 1_250));

        var order = result.Order;
        Assert.False(result.Duplicate);
        Assert.Equal("web:1", order.OrderId);
        Assert.Equal(OrderStatus.PendingPayment, order.Status);
        Assert.Equal(RejectReason.Unspecified, order.RejectReason);
        Assert.Equal(3_750, order.TotalMinor);
        Assert.Equal("EUR", order.Currency);
        Assert.Equal(1, order.Version);
        Assert.Equal([new Allocation("SKU-1", "BER", 3)], order.Allocations);
        Assert.InRange(order.ReservationExpiresAt!.Value, before + TimeSpan.FromMinutes(15) - TimeSpan.FromSeconds(1), DateTimeOffset.UtcNow + TimeSpan.FromMinutes(15));
        var stock = await oms.AvailabilityAsync("SKU-1");
        Assert.Equal((10, 3, 7), (stock.OnHand, stock.Reserved, stock.Available));
        Assert.Equal(3_750, (await oms.AccountAsync("c1")).OpenExposureMinor);
        Oms.AssertSameOrder(order, await oms.Order("1").GetAsync());
    }

    [Fact]
    public async Task Replay_with_the_same_payload_returns_the_same_order_as_duplicate_and_changes_nothing()
    {
        await using var oms = await Oms.StartAsync();
        await oms.SeedSimpleAsync(units: 10);
        var command = Oms.Command("1", "c1", new OrderLine("SKU-1", 2, 100));
        var first = await oms.PlaceAsync(command);

        var replay = await oms.PlaceAsync(command with { Lines = [.. command.Lines] });

        Assert.True(replay.Duplicate);
        Oms.AssertSameOrder(first.Order, replay.Order);
        Assert.Equal(2, (await oms.AvailabilityAsync("SKU-1")).Reserved);
        Assert.Equal(200, (await oms.AccountAsync("c1")).OpenExposureMinor);
    }

    [Fact]
    public async Task Replay_of_a_rejected_order_returns_the_rejection_as_duplicate()
    {
        await using var oms = await Oms.StartAsync();
        await oms.SeedSimpleAsync(units: 1);
        var command = Oms.Command("1", "c1", new OrderLine("SKU-1", 5, 100));
        var first = await oms.PlaceAsync(command);
        await oms.StockAsync("SKU-1", "BER", 50);

        var replay = await oms.PlaceAsync(command);

        Assert.Equal(OrderStatus.Rejected, replay.Order.Status);
        Assert.True(replay.Duplicate);
        Oms.AssertSameOrder(first.Order, replay.Order);
    }

    [Fact]
    public async Task Replay_with_a_different_payload_is_an_idempotency_conflict()
    {
        await using var oms = await Oms.StartAsync();
        await oms.SeedSimpleAsync(units: 10);
        var command = Oms.Command("1", "c1", new OrderLine("SKU-1", 2, 100));
        var first = await oms.PlaceAsync(command);

        await Assert.ThrowsAsync<IdempotencyConflictException>(() => oms.PlaceAsync(command with { Lines = [new OrderLine("SKU-1", 3, 100)] }));
        await Assert.ThrowsAsync<IdempotencyConflictException>(() => oms.PlaceAsync(command with { Currency = "USD" }));

        Oms.AssertSameOrder(first.Order, await oms.Order("1").GetAsync());
        Assert.Equal(2, (await oms.AvailabilityAsync("SKU-1")).Reserved);
    }

    [Fact]
    public async Task Unknown_order_is_not_found()
    {
        await using var oms = await Oms.StartAsync();

        var error = await Assert.ThrowsAsync<NotFoundException>(() => oms.Order("nope").GetAsync());
        Assert.Equal("order", error.Entity);
        await Assert.ThrowsAsync<NotFoundException>(() => oms.Order("nope").CancelAsync("x"));
        await Assert.ThrowsAsync<NotFoundException>(() => oms.Order("nope").ConfirmPaymentAsync(new ConfirmPaymentCommand("p", 1)));
    }

    [Fact]
    public async Task Unknown_customer_is_not_found_and_nothing_is_stored()
    {
        await using var oms = await Oms.StartAsync();
        await oms.SeedSimpleAsync(units: 10);

        var error = await Assert.ThrowsAsync<NotFoundException>(() => oms.PlaceAsync("1", "ghost", new OrderLine("SKU-1", 1, 100)));

        Assert.Equal("customer", error.Entity);
        await Assert.ThrowsAsync<NotFoundException>(() => oms.Order("1").GetAsync());
        Assert.Equal(0, (await oms.AvailabilityAsync("SKU-1")).Reserved);
    }

    [Theory]
    [InlineData("missing channel", "channel")]
    [InlineData("channel with colon", "channel")]
    [InlineData("missing external id", "external_order_id")]
    [InlineData("missing customer", "customer_id")]
    [InlineData("no lines", "lines")]
    [InlineData("null lines", "lines")]
    [InlineData("too many lines", "lines")]
    [InlineData("blank sku", "lines[1].sku")]
    [InlineData("zero quantity", "lines[1].quantity")]
    [InlineData("negative quantity", "lines[0].quantity")]
    [InlineData("negative price", "lines[1].unit_price_minor")]
    [InlineData("duplicate sku", "lines[1].sku")]
    [InlineData("total overflow", "lines[1]")]
    [InlineData("missing ship_to", "ship_to")]
    [InlineData("latitude out of range", "ship_to.latitude")]
    [InlineData("longitude out of range", "ship_to.longitude")]
    [InlineData("lower-case currency", "currency")]
    [InlineData("four-letter currency", "currency")]
    [InlineData("missing currency", "currency")]
    public async Task Malformed_request_is_a_validation_error_naming_the_field(string rule, string field)
    {
        await using var oms = await Oms.StartAsync();
        await oms.SeedSimpleAsync(units: 10);
        var valid = Oms.Command("v1", "c1", new OrderLine("SKU-1", 1, 100), new OrderLine("SKU-2", 1, 100));
        var command = rule switch
        {
            "missing channel" => valid with { Channel = "" },
            "channel with colon" => valid with { Channel = "web:shop" },
            "missing external id" => valid with { ExternalOrderId = " " },
            "missing customer" => valid with { CustomerId = "" },
            "no lines" => valid with { Lines = [] },
            "null lines" => valid with { Lines = null! },
            "too many lines" => valid with { Lines = [.. Enumerable.Range(0, 101).Select(i => new OrderLine($"S{i}", 1, 1))] },
            "blank sku" => valid with { Lines = [valid.Lines[0], new OrderLine("", 1, 1)] },
            "zero quantity" => valid with { Lines = [valid.Lines[0], new OrderLine("SKU-2", 0, 1)] },
            "negative quantity" => valid with { Lines = [new OrderLine("SKU-1", -1, 1)] },
            "negative price" => valid with { Lines = [valid.Lines[0], new OrderLine("SKU-2", 1, -1)] },
            "duplicate sku" => valid with { Lines = [valid.Lines[0], new OrderLine("SKU-1", 2, 100)] },
            "total overflow" => valid with { Lines = [new OrderLine("SKU-1", 2, long.MaxValue / 2), new OrderLine("SKU-2", 1, 10)] },
            "missing ship_to" => valid with { ShipTo = null },
            "latitude out of range" => valid with { ShipTo = Oms.Berlin with { Latitude = 91 } },
            "longitude out of range" => valid with { ShipTo = Oms.Berlin with { Longitude = -180.5 } },
            "lower-case currency" => valid with { Currency = "eur" },
            "four-letter currency" => valid with { Currency = "EURO" },
            "missing currency" => valid with { Currency = "" },
            _ => throw new ArgumentOutOfRangeException(nameof(rule)),
        };

        var error = await Assert.ThrowsAsync<DomainValidationException>(() => oms.Grains.GetGrain<IOrderGrain>("web:v1").PlaceAsync(command));

        Assert.Equal(field, error.Field);
        Assert.StartsWith(field, error.Message, StringComparison.Ordinal);
        Assert.Equal(0, (await oms.AvailabilityAsync("SKU-1")).Reserved);
        await Assert.ThrowsAsync<NotFoundException>(() => oms.Grains.GetGrain<IOrderGrain>("web:v1").GetAsync());
    }

    [Fact]
    public async Task Request_sent_to_another_order_id_is_a_validation_error()
    {
        await using var oms = await Oms.StartAsync();
        await oms.SeedSimpleAsync();

        var error = await Assert.ThrowsAsync<DomainValidationException>(() =>
            oms.Grains.GetGrain<IOrderGrain>("web:other").PlaceAsync(Oms.Command("1", "c1", new OrderLine("SKU-1", 1, 1))));

        Assert.Equal("order_id", error.Field);
    }

    [Fact]
    public void Order_id_is_channel_and_external_id()
    {
        Assert.Equal("marketplace-a:A-17", OrderIds.For("marketplace-a", "A-17"));
        Assert.Equal("channel", Assert.Throws<DomainValidationException>(() => OrderIds.For("a:b", "1")).Field);
    }
}
