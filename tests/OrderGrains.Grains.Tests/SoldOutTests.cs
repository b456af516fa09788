using OrderGrains.Abstractions;
using OrderGrains.Testing;

namespace OrderGrains.Grains.Tests;

/// <summary>The sold-out fast path: once a hot grain says nothing is left, orders are refused without a saga.</summary>
public sealed class SoldOutTests
{
    [Fact]
    public async Task After_the_last_unit_a_single_sku_order_is_rejected_out_of_stock_in_one_write_without_a_saga()
    {
        var storage = new InterceptingTestStorage();
        await using var oms = await Oms.StartAsync(storage);
        await oms.SeedSimpleAsync(units: 1);
        // Too many units for the pool: refused by the SKU grain itself, through the full saga.
        var tooMany = await oms.PlaceAsync("too-many", "c1", new OrderLine("SKU-1", 2, 100));
        Assert.Equal(OrderStatus.PendingPayment, (await oms.PlaceAsync("first", "c1", new OrderLine("SKU-1", 1, 100))).Order.Status);

        var late = await oms.PlaceAsync("late", "c1", new OrderLine("SKU-1", 1, 100));

        Assert.Equal((OrderStatus.Rejected, RejectReason.OutOfStock), (tooMany.Order.Status, tooMany.Order.RejectReason));
        Assert.Equal((OrderStatus.Rejected, RejectReason.OutOfStock), (late.Order.Status, late.Order.RejectReason));
        // The saga persists its placing step, then the outcome; the fast path writes the outcome only.
        Assert.True(storage.WritesOf("order", tooMany.Order.OrderId) >= 2);
        Assert.Equal(1, storage.WritesOf("order", late.Order.OrderId));
        Assert.Equal(["rejected"], (await oms.Order("late").GetHistoryAsync()).Entries.Select(e => e.Event));
        Assert.Null(await oms.Grains.GetGrain<ISkuStockGrain>("SKU-1").GetReservationAsync(late.Order.OrderId));
        Assert.Equal(1, (await oms.AvailabilityAsync("SKU-1")).Reserved);
        var replay = await oms.PlaceAsync("late", "c1", new OrderLine("SKU-1", 1, 100));
        Assert.True(replay.Duplicate);
        Assert.Equal(RejectReason.OutOfStock, replay.Order.RejectReason);
    }

    [Fact]
    public async Task Units_coming_back_end_the_sold_out_state_at_once()
    {
        await using var oms = await Oms.StartAsync();
        await oms.SeedSimpleAsync(units: 1);
        var first = await oms.PlaceAsync("first", "c1", new OrderLine("SKU-1", 1, 100));
        Assert.Equal(RejectReason.OutOfStock, (await oms.PlaceAsync("late", "c1", new OrderLine("SKU-1", 1, 100))).Order.RejectReason);

        await oms.Order("first").CancelAsync("changed my mind");

        var after = await oms.PlaceAsync("after-cancel", "c1", new OrderLine("SKU-1", 1, 100));
        Assert.Equal(OrderStatus.PendingPayment, after.Order.Status);
        Assert.Equal(first.Order.Lines, after.Order.Lines);
    }

    [Fact]
    public async Task A_line_of_an_unknown_sku_is_still_reported_as_unknown_beside_a_sold_out_one()
    {
        await using var oms = await Oms.StartAsync();
        await oms.SeedSimpleAsync(units: 1);
        await oms.PlaceAsync("first", "c1", new OrderLine("SKU-1", 1, 100));

        var mixed = await oms.PlaceAsync("mixed", "c1", new OrderLine("SKU-1", 1, 100), new OrderLine("NOPE", 1, 100));

        Assert.Equal(RejectReason.UnknownSku, mixed.Order.RejectReason);
    }

    [Fact]
    public async Task An_exhausted_campaign_refuses_further_buyers_with_the_limit_reason_without_a_saga()
    {
        var storage = new InterceptingTestStorage();
        await using var oms = await Oms.StartAsync(storage);
        await oms.SeedSimpleAsync(units: 10);
        await oms.CustomerAsync("c2");
        var now = DateTimeOffset.UtcNow;
        await oms.Grains.GetGrain<ICampaignGrain>("flash").UpsertAsync(RejectionTests.Campaign("SKU-1", now.AddHours(-1), now.AddHours(1), quota: 1));
        Assert.Equal(OrderStatus.PendingPayment, (await oms.PlaceAsync(Oms.Command("1", "c1", new OrderLine("SKU-1", 1, 100)) with { CampaignId = "flash" })).Order.Status);

        var late = await oms.PlaceAsync(Oms.Command("2", "c2", new OrderLine("SKU-1", 1, 100)) with { CampaignId = "flash" });

        Assert.Equal((OrderStatus.Rejected, RejectReason.CampaignLimitExceeded), (late.Order.Status, late.Order.RejectReason));
        Assert.Equal(1, storage.WritesOf("order", late.Order.OrderId));
        Assert.Equal(1, (await oms.AvailabilityAsync("SKU-1")).Reserved);
    }

    [Fact]
    public async Task Sold_out_is_answered_before_the_customer_is_looked_up()
    {
        var storage = new InterceptingTestStorage();
        await using var oms = await Oms.StartAsync(storage);
        await oms.SeedSimpleAsync(units: 10);
        var now = DateTimeOffset.UtcNow;
        await oms.Grains.GetGrain<ICampaignGrain>("flash").UpsertAsync(RejectionTests.Campaign("SKU-1", now.AddHours(-1), now.AddHours(1), quota: 1));
        Assert.Equal(OrderStatus.PendingPayment, (await oms.PlaceAsync(Oms.Command("1", "c1", new OrderLine("SKU-1", 1, 100)) with { CampaignId = "flash" })).Order.Status);

        // Nobody ever created customer "ghost": before the campaign ran out this order would be NOT_FOUND.
        var late = await oms.PlaceAsync(Oms.Command("2", "ghost", new OrderLine("SKU-1", 1, 100)) with { CampaignId = "flash" });

        Assert.Equal((OrderStatus.Rejected, RejectReason.CampaignLimitExceeded), (late.Order.Status, late.Order.RejectReason));
        Assert.Equal(0, storage.ReadsOf("customer", "ghost"));
        var open = await Assert.ThrowsAsync<NotFoundException>(() => oms.PlaceAsync("3", "ghost", new OrderLine("SKU-1", 1, 100)));
        Assert.Equal(1, storage.ReadsOf("customer", "ghost"));
        Assert.Contains("ghost", open.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_sold_out_gate_stores_the_refusal_the_order_grain_would_without_activating_it()
    {
        var storage = new InterceptingTestStorage();
        await using var oms = await Oms.StartAsync(storage);
        await oms.SeedSimpleAsync(units: 1);
        await oms.PlaceAsync("first", "c1", new OrderLine("SKU-1", 1, 100));
        var byGrain = await oms.PlaceAsync("by-grain", "c1", new OrderLine("SKU-1", 1, 100));

        var byGate = await Gate(oms).TryRefuseAsync(Oms.Command("by-gate", "c1", new OrderLine("SKU-1", 1, 100)));

        Assert.NotNull(byGate);
        Assert.False(byGate.Duplicate);
        var orderId = byGate.Order.OrderId;
        Assert.Equal(0, storage.ReadsOf("order", orderId));
        Assert.Equal(1, storage.WritesOf("order", orderId));
        Assert.Equal(
            (byGrain.Order.Status, byGrain.Order.RejectReason, byGrain.Order.Version, byGrain.Order.TotalMinor, byGrain.Order.Allocations.Count),
            (byGate.Order.Status, byGate.Order.RejectReason, byGate.Order.Version, byGate.Order.TotalMinor, byGate.Order.Allocations.Count));
        Assert.Equal(byGrain.Order.Lines, byGate.Order.Lines);

        // The row is the order: its grain reads it, history and all, and a retry is a duplicate of it.
        var stored = await oms.Order("by-gate").GetAsync();
        Assert.Equal((OrderStatus.Rejected, RejectReason.OutOfStock, byGate.Order.Version), (stored.Status, stored.RejectReason, stored.Version));
        Assert.Equal(
            (await oms.Order("by-grain").GetHistoryAsync()).Entries.Select(e => (e.Event, e.Actor, e.Details, e.From, e.To)),
            (await oms.Order("by-gate").GetHistoryAsync()).Entries.Select(e => (e.Event, e.Actor, e.Details, e.From, e.To)));
        var replay = await oms.PlaceAsync("by-gate", "c1", new OrderLine("SKU-1", 1, 100));
        Assert.True(replay.Duplicate);
        Assert.Equal(RejectReason.OutOfStock, replay.Order.RejectReason);
        await Assert.ThrowsAsync<IdempotencyConflictException>(() => oms.PlaceAsync("by-gate", "c1", new OrderLine("SKU-1", 2, 100)));
        Assert.Equal(1, storage.WritesOf("order", orderId));
        Assert.Equal(1, (await oms.AvailabilityAsync("SKU-1")).Reserved);
    }

    [Fact]
    public async Task The_sold_out_gate_leaves_an_order_that_exists_to_its_grain()
    {
        var storage = new InterceptingTestStorage();
        await using var oms = await Oms.StartAsync(storage);
        await oms.SeedSimpleAsync(units: 1);
        var first = await oms.PlaceAsync("first", "c1", new OrderLine("SKU-1", 1, 100));

        // Sold out now, but "first" holds the unit: a retry of it must get its acceptance back, not a refusal.
        Assert.Null(await Gate(oms).TryRefuseAsync(Oms.Command("first", "c1", new OrderLine("SKU-1", 1, 100))));
        var retry = await oms.PlaceAsync("first", "c1", new OrderLine("SKU-1", 1, 100));

        Assert.True(retry.Duplicate);
        Assert.Equal((OrderStatus.PendingPayment, first.Order.Version), (retry.Order.Status, retry.Order.Version));
    }

    [Fact]
    public async Task The_sold_out_gate_passes_an_order_that_is_not_sold_out_and_stores_nothing()
    {
        var storage = new InterceptingTestStorage();
        await using var oms = await Oms.StartAsync(storage);
        await oms.SeedSimpleAsync(units: 5);
        await oms.PlaceAsync("first", "c1", new OrderLine("SKU-1", 1, 100));

        Assert.Null(await Gate(oms).TryRefuseAsync(Oms.Command("second", "c1", new OrderLine("SKU-1", 1, 100))));
        var invalid = await Assert.ThrowsAsync<DomainValidationException>(() => Gate(oms).TryRefuseAsync(Oms.Command("bad", "c1", new OrderLine("SKU-1", 0, 100))));

        Assert.Equal(0, storage.WritesOf("order", OrderIds.For("web", "second")));
        Assert.Equal(0, storage.WritesOf("order", OrderIds.For("web", "bad")));
        Assert.Contains("quantity", invalid.Field, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_order_grain_that_found_nothing_sees_a_refusal_the_gate_stored_later()
    {
        await using var oms = await Oms.StartAsync();
        await oms.SeedSimpleAsync(units: 1);
        await oms.PlaceAsync("first", "c1", new OrderLine("SKU-1", 1, 100));
        await Assert.ThrowsAsync<NotFoundException>(() => oms.Order("late").GetAsync());

        var refused = await Gate(oms).TryRefuseAsync(Oms.Command("late", "c1", new OrderLine("SKU-1", 1, 100)));

        Assert.NotNull(refused);
        var read = await oms.Order("late").GetAsync();
        Assert.Equal((OrderStatus.Rejected, RejectReason.OutOfStock, refused.Order.Version), (read.Status, read.RejectReason, read.Version));
    }

    private static ISoldOutGateGrain Gate(Oms oms) => oms.Grains.GetGrain<ISoldOutGateGrain>(0);
}
