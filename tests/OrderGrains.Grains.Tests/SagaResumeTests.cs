using System.Text.Json;
using OrderGrains.Abstractions;
using OrderGrains.Storage;
using OrderGrains.Testing;

namespace OrderGrains.Grains.Tests;

/// <summary>
/// A crash mid-placement leaves a persisted saga step and reservations made under the order's id. These tests write
/// exactly that (as the grain would have) and check that the next activation finishes the saga forward.
/// </summary>
public sealed class SagaResumeTests
{
    [Fact]
    public async Task Placement_interrupted_after_reserving_stock_completes_on_reactivation_without_reserving_twice()
    {
        var storage = TestStorage.Memory();
        await using var oms = await Oms.StartAsync(storage);
        await oms.SeedSimpleAsync(units: 10);
        var command = Oms.Command("crash-1", "c1", new OrderLine("SKU-1", 3, 100));
        await oms.Grains.GetGrain<ISkuStockGrain>("SKU-1").ReserveAsync(new StockReservationRequest("web:crash-1", 3, Oms.Berlin.Latitude, Oms.Berlin.Longitude));
        await WriteOrderStateAsync(oms, InterruptedState(command, PendingWork.Placing));

        var order = await oms.Order("crash-1").GetAsync();

        Assert.Equal(OrderStatus.PendingPayment, order.Status);
        Assert.Equal([new Allocation("SKU-1", "BER", 3)], order.Allocations);
        Assert.Equal(3, (await oms.AvailabilityAsync("SKU-1")).Reserved);
        Assert.Equal(300, (await oms.AccountAsync("c1")).OpenExposureMinor);
        var replay = await oms.PlaceAsync(command);
        Assert.True(replay.Duplicate);
        Oms.AssertSameOrder(order, replay.Order);
    }

    [Fact]
    public async Task Compensation_interrupted_part_way_finishes_releasing_and_rejects()
    {
        await using var oms = await Oms.StartAsync();
        await oms.SeedSimpleAsync(units: 10);
        var command = Oms.Command("crash-2", "c1", new OrderLine("SKU-1", 3, 100), new OrderLine("SKU-2", 1, 100));
        await oms.Grains.GetGrain<ISkuStockGrain>("SKU-1").ReserveAsync(new StockReservationRequest("web:crash-2", 3, Oms.Berlin.Latitude, Oms.Berlin.Longitude));
        var interrupted = InterruptedState(command, PendingWork.Compensating);
        interrupted.CompensationReason = RejectReason.UnknownSku;
        await WriteOrderStateAsync(oms, interrupted);

        var order = await oms.Order("crash-2").GetAsync();

        Assert.Equal((OrderStatus.Rejected, RejectReason.UnknownSku), (order.Status, order.RejectReason));
        Assert.Equal(0, (await oms.AvailabilityAsync("SKU-1")).Reserved);
    }

    [Fact]
    public async Task Cancellation_interrupted_before_releasing_finishes_on_reactivation()
    {
        await using var oms = await Oms.StartAsync();
        await oms.SeedSimpleAsync(units: 10);
        var command = Oms.Command("crash-3", "c1", new OrderLine("SKU-1", 2, 100));
        await oms.Grains.GetGrain<ISkuStockGrain>("SKU-1").ReserveAsync(new StockReservationRequest("web:crash-3", 2, Oms.Berlin.Latitude, Oms.Berlin.Longitude));
        var interrupted = InterruptedState(command, PendingWork.Releasing);
        interrupted.Status = OrderStatus.Cancelled;
        interrupted.Version = 2;
        await WriteOrderStateAsync(oms, interrupted);

        var order = await oms.Order("crash-3").GetAsync();

        Assert.Equal((OrderStatus.Cancelled, 2L), (order.Status, order.Version));
        Assert.Equal(0, (await oms.AvailabilityAsync("SKU-1")).Reserved);
    }

    [Fact]
    public async Task Interrupted_placement_is_finished_after_a_restart_by_its_reminder_without_any_call()
    {
        var storage = TestStorage.Memory();
        await using (var first = await Oms.StartAsync(storage, o =>
        {
            o.ReservationTimeout = TimeSpan.FromSeconds(1);
            o.ExpiryRetryPeriod = TimeSpan.FromMilliseconds(200);
        }))
        {
            await first.SeedSimpleAsync(units: 10);
            await first.PlaceAsync("1", "c1", new OrderLine("SKU-1", 4, 100));
            var command = Oms.Command("crash-4", "c1", new OrderLine("SKU-1", 1, 100));
            await first.Grains.GetGrain<ISkuStockGrain>("SKU-1").ReserveAsync(new StockReservationRequest("web:crash-4", 1, 0, 0));
            await WriteOrderStateAsync(first, InterruptedState(command, PendingWork.Placing));
        }

        await using var second = await Oms.StartAsync(storage, o =>
        {
            o.ReservationTimeout = TimeSpan.FromSeconds(1);
            o.ExpiryRetryPeriod = TimeSpan.FromMilliseconds(200);
        });

        await Oms.WaitUntilAsync(async () => (await second.AvailabilityAsync("SKU-1")).Reserved == 1, TimeSpan.FromSeconds(10));
        Assert.Equal(OrderStatus.Cancelled, (await second.Order("1").GetAsync()).Status);
    }

    [Fact]
    public async Task An_order_stored_with_a_sha256_fingerprint_still_knows_its_replay_from_a_different_request()
    {
        await using var oms = await Oms.StartAsync();
        var command = Oms.Command("legacy-1", "c1", new OrderLine("SKU-1", 1, 100));
        var stored = InterruptedState(command, PendingWork.None);
        stored.Fingerprint = PlaceOrderValidation.LegacyFingerprint(command);
        stored.Status = OrderStatus.Rejected;
        stored.Version = 1;
        await WriteOrderStateAsync(oms, stored);
        var grain = oms.Grains.GetGrain<IOrderGrain>(stored.OrderId);

        var replay = await grain.PlaceAsync(command);
        var different = await Assert.ThrowsAsync<IdempotencyConflictException>(() => grain.PlaceAsync(command with { CustomerId = "c2" }));

        Assert.True(replay.Duplicate);
        Assert.Equal(OrderStatus.Rejected, replay.Order.Status);
        Assert.Equal(stored.OrderId, different.IdempotencyKey);
    }

    private static OrderState InterruptedState(PlaceOrderCommand command, PendingWork step)
    {
        var now = DateTimeOffset.UtcNow;
        return new OrderState
        {
            OrderId = OrderIds.For(command.Channel, command.ExternalOrderId),
            Channel = command.Channel,
            ExternalOrderId = command.ExternalOrderId,
            CustomerId = command.CustomerId,
            Currency = command.Currency,
            Lines = [.. command.Lines],
            ShipTo = command.ShipTo,
            Fingerprint = PlaceOrderValidation.Fingerprint(command),
            TotalMinor = command.Lines.Sum(l => l.Quantity * l.UnitPriceMinor),
            CreatedAt = now,
            UpdatedAt = now,
            Pending = step,
        };
    }

    private static async Task WriteOrderStateAsync(Oms oms, OrderState state)
    {
        var payload = JsonSerializer.SerializeToUtf8Bytes(state, OrderGrainsStorage.SerializerOptions);
        await oms.Silo.Store.WriteAsync(new GrainStateKey("order", state.OrderId, "order"), payload, expectedEtag: null, CancellationToken.None);
    }
}
