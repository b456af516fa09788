using System.Text.Json;
using OrderGrains.Abstractions;
using OrderGrains.Storage;
using OrderGrains.Testing;

namespace OrderGrains.Grains.Tests;

/// <summary>
/// What the order stream carries for the read model: an event for every status an order takes, each with the order as
/// it stands (status, hold and reject reason, created-at, cancelled and returned units), including refusals the
/// sold-out gate writes without activating the order.
/// </summary>
public sealed class OrderStreamEventTests
{
    [Fact]
    public async Task Every_status_an_order_takes_is_streamed_with_the_order_as_it_stands()
    {
        var storage = TestStorage.Memory();
        await using var oms = await Oms.StartAsync(storage, options => options.ManualReviewThresholdMinor = 10_000);
        await oms.SeedSimpleAsync(units: 10);
        await oms.PlaceAsync("a", "c1", new OrderLine("SKU-1", 2, 100));
        await oms.Order("a").ConfirmPaymentAsync(new ConfirmPaymentCommand("pay-a", 200));
        await oms.Order("a").ReleaseAsync("test");
        await oms.PlaceAsync("held", "c1", new OrderLine("SKU-1", 1, 20_000));
        await oms.Order("held").ApproveHoldAsync(Oms.Reviewer("olga"));
        await oms.PlaceAsync("gone", "c1", new OrderLine("SKU-1", 3, 100));
        await oms.Order("gone").CancelAsync("changed my mind");

        var a = await EventsOfAsync(oms, "web:a");
        Assert.Equal(
            [(OrderEventKind.Accepted, OrderStatus.PendingPayment), (OrderEventKind.Paid, OrderStatus.Paid), (OrderEventKind.Released, OrderStatus.Released)],
            a.Select(e => (e.Kind, e.Status)));
        Assert.All(a, e => Assert.Equal(a[0].CreatedAt, e.CreatedAt));
        Assert.NotNull(a[0].CreatedAt);

        var held = await EventsOfAsync(oms, "web:held");
        Assert.Equal(
            [(OrderEventKind.Accepted, OrderStatus.OnHold, HoldReason.ManualReview), (OrderEventKind.HoldApproved, OrderStatus.PendingPayment, HoldReason.Unspecified)],
            held.Select(e => (e.Kind, e.Status, e.HoldReason)));

        var gone = await EventsOfAsync(oms, "web:gone");
        Assert.Equal((OrderEventKind.Cancelled, OrderStatus.Cancelled, 3), (gone[^1].Kind, gone[^1].Status, gone[^1].CancelledUnits));
    }

    [Fact]
    public async Task A_step_of_an_approval_chain_short_of_the_last_is_streamed_with_the_hold_and_its_progress()
    {
        var storage = TestStorage.Memory();
        await using var oms = await Oms.StartAsync(storage, options =>
        {
            options.ManualReviewThresholdMinor = 10_000;
            options.DualApprovalThresholdMinor = 10_000;
        });
        await oms.SeedSimpleAsync(units: 10);
        var placed = await oms.PlaceAsync("two", "c1", new OrderLine("SKU-1", 1, 20_000));
        await oms.Order("two").ApproveHoldAsync(Oms.Reviewer("olga"));
        var heldAt = (await oms.Order("two").GetHistoryAsync()).Entries.Single(e => e.Event == "held").At;
        await oms.Order("two").ApproveHoldAsync(Oms.Reviewer("otto"));

        var events = await EventsOfAsync(oms, placed.Order.OrderId);

        Assert.Equal(
            [(OrderEventKind.Accepted, OrderStatus.OnHold), (OrderEventKind.Updated, OrderStatus.OnHold), (OrderEventKind.HoldApproved, OrderStatus.PendingPayment)],
            events.Select(e => (e.Kind, e.Status)));
        Assert.All(events.Take(2), e => Assert.Equal((heldAt, "reviewer,reviewer", "total above 10000"), (e.HeldSince!.Value, string.Join(',', e.ApprovalSteps!), e.HoldDetails)));
        Assert.Equal([[], ["olga"]], events.Take(2).Select(e => e.Approvers!.ToArray()));
        Assert.Equal((null, null, null, null), (events[2].HeldSince, events[2].HoldDetails, events[2].ApprovalSteps, events[2].Approvers));

        // Not held: the hold's fields are left out of the stored JSON, so the events of other orders do not grow.
        var payloads = await PayloadsOfAsync(oms, placed.Order.OrderId);
        Assert.Contains("\"HeldSince\"", payloads[0], StringComparison.Ordinal);
        Assert.DoesNotContain("\"HeldSince\"", payloads[2], StringComparison.Ordinal);
        Assert.DoesNotContain("\"Approvers\"", payloads[2], StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_refusal_by_the_sold_out_gate_is_streamed_in_the_same_write_as_the_rejected_order()
    {
        var storage = new InterceptingTestStorage();
        await using var oms = await Oms.StartAsync(storage);
        await oms.SeedSimpleAsync(units: 1);
        await oms.PlaceAsync("first", "c1", new OrderLine("SKU-1", 1, 100));

        var late = await oms.PlaceAsync("late", "c1", new OrderLine("SKU-1", 1, 100));

        Assert.Equal(1, storage.WritesOf("order", late.Order.OrderId));
        var rejected = Assert.Single(await EventsOfAsync(oms, late.Order.OrderId));
        Assert.Equal(
            (OrderEventKind.Rejected, OrderStatus.Rejected, RejectReason.OutOfStock, late.Order.Version),
            (rejected.Kind, rejected.Status, rejected.RejectReason, rejected.Version));
        Assert.Equal(late.Order.CreatedAt, rejected.CreatedAt);
    }

    private static async Task<List<string>> PayloadsOfAsync(Oms oms, string orderId)
    {
        var streams = (IOutboxStore)oms.Silo.Store;
        var partition = StreamPartitioner.PartitionOf(orderId, streams.PartitionCount);
        var stored = await streams.ReadEventsAsync(OrderStreams.Namespace, partition, 0, 1_000, default);
        return [.. stored.Where(e => e.StreamKey == orderId).Select(e => System.Text.Encoding.UTF8.GetString(e.Payload.Span))];
    }

    private static async Task<List<OrderEvent>> EventsOfAsync(Oms oms, string orderId)
    {
        var streams = (IOutboxStore)oms.Silo.Store;
        var partition = StreamPartitioner.PartitionOf(orderId, streams.PartitionCount);
        var stored = await streams.ReadEventsAsync(OrderStreams.Namespace, partition, 0, 1_000, default);
        return [.. stored
            .Where(e => e.StreamKey == orderId)
            .Select(e => JsonSerializer.Deserialize<OrderEvent>(e.Payload.Span, OrderGrainsStorage.SerializerOptions)!)];
    }
}
