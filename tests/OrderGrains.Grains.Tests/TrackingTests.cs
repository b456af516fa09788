using System.Text.Json;
using OrderGrains.Abstractions;
using OrderGrains.Storage;
using OrderGrains.Testing;

namespace OrderGrains.Grains.Tests;

/// <summary>Carrier tracking (issue 14 §3) on real grains: scans out of order, replays, delivery, exceptions, refusals.</summary>
public sealed class TrackingTests
{
    private static readonly DateTimeOffset T = AfterSaleOms.Start;

    [Fact]
    public async Task Scans_arriving_out_of_order_are_listed_by_event_time_and_a_late_in_transit_does_not_undo_the_delivery()
    {
        await using var oms = await AfterSaleOms.StartAsync();
        await oms.ShippedAsync("1");
        oms.Clock.Advance(TimeSpan.FromDays(1));
        var tracking = oms.Tracking("1");

        var inTransit = await tracking.ReportTrackingEventAsync(AfterSaleOms.Scan("1", "e2", TrackingEventCode.InTransit, T.AddHours(5)));
        var pickedUpLate = await tracking.ReportTrackingEventAsync(AfterSaleOms.Scan("1", "e1", TrackingEventCode.PickedUp, T.AddHours(1)));
        Assert.Equal(TrackingEventCode.InTransit, inTransit.Shipments[0].TrackingStatus);
        Assert.Equal(TrackingEventCode.InTransit, pickedUpLate.Shipments[0].TrackingStatus);
        Assert.Equal(OrderStatus.Shipped, pickedUpLate.Status);

        var delivered = await tracking.ReportTrackingEventAsync(AfterSaleOms.Scan("1", "e4", TrackingEventCode.Delivered, T.AddHours(20)));
        Assert.Equal(OrderStatus.Completed, delivered.Status);
        Assert.Equal(T.AddHours(20), delivered.Shipments[0].DeliveredAt);

        var strayInTransit = await tracking.ReportTrackingEventAsync(AfterSaleOms.Scan("1", "e5", TrackingEventCode.InTransit, T.AddHours(22)));
        var lateOutForDelivery = await tracking.ReportTrackingEventAsync(AfterSaleOms.Scan("1", "e3", TrackingEventCode.OutForDelivery, T.AddHours(18)));

        var shipment = lateOutForDelivery.Shipments[0];
        Assert.Equal(["e1", "e2", "e3", "e4", "e5"], shipment.TrackingEvents!.Select(e => e.EventId));
        Assert.Equal((TrackingEventCode.Delivered, OrderStatus.Completed), (strayInTransit.Shipments[0].TrackingStatus, strayInTransit.Status));
        Assert.Equal((TrackingEventCode.Delivered, OrderStatus.Completed), (shipment.TrackingStatus, lateOutForDelivery.Status));
        Assert.Equal(T.AddHours(20), shipment.DeliveredAt);

        var history = (await oms.Order("1").GetHistoryAsync()).Entries.Select(e => e.Event).ToList();
        Assert.Equal(
            ["tracking_in_transit", "tracking_picked_up", "delivered", "tracking_delivered", "completed", "tracking_in_transit", "tracking_out_for_delivery"],
            history.SkipWhile(e => e != "shipped").Skip(1));
        var stray = (await oms.Order("1").GetHistoryAsync()).Entries.Single(e => e.Details.Contains("event e5", StringComparison.Ordinal));
        Assert.Equal(("carrier:DHL", OrderStatus.Completed, OrderStatus.Completed), (stray.Actor, stray.From, stray.To));
        Assert.Contains("shipment stays delivered", stray.Details, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_replayed_scan_changes_nothing_and_the_same_event_id_with_another_payload_is_a_conflict()
    {
        await using var oms = await AfterSaleOms.StartAsync();
        await oms.ShippedAsync("1");
        var tracking = oms.Tracking("1");
        var scan = AfterSaleOms.Scan("1", "e1", TrackingEventCode.InTransit, T.AddMinutes(-30), "hub Leipzig");

        var first = await tracking.ReportTrackingEventAsync(scan);
        var replay = await tracking.ReportTrackingEventAsync(scan);

        Oms.AssertSameOrder(first, replay);
        Assert.Single(replay.Shipments[0].TrackingEvents!);
        await Assert.ThrowsAsync<IdempotencyConflictException>(() => tracking.ReportTrackingEventAsync(scan with { Code = TrackingEventCode.OutForDelivery }));
        await Assert.ThrowsAsync<IdempotencyConflictException>(() => tracking.ReportTrackingEventAsync(scan with { EventTime = T }));
        await Assert.ThrowsAsync<IdempotencyConflictException>(() => tracking.ReportTrackingEventAsync(scan with { Details = "hub Kassel" }));
        Assert.Equal(first.Version, (await oms.Order("1").GetAsync()).Version);
    }

    [Fact]
    public async Task Delivered_scan_confirms_the_delivery_like_ConfirmDelivery_and_a_later_confirmation_changes_nothing()
    {
        await using var oms = await AfterSaleOms.StartAsync();
        await oms.ShippedAsync("1");
        oms.Clock.Advance(TimeSpan.FromHours(30));

        var delivered = await oms.Tracking("1").ReportTrackingEventAsync(AfterSaleOms.Scan("1", "d1", TrackingEventCode.Delivered, T.AddHours(26)));
        var confirmed = await oms.Order("1").ConfirmDeliveryAsync("s-1");

        Assert.Equal(OrderStatus.Completed, delivered.Status);
        Assert.Equal(T.AddHours(26), delivered.Shipments[0].DeliveredAt);
        Oms.AssertSameOrder(delivered, confirmed);
        var entries = (await oms.Order("1").GetHistoryAsync()).Entries;
        var delivery = Assert.Single(entries, e => e.Event == "delivered");
        Assert.Equal(("carrier:DHL", OrderStatus.Shipped, OrderStatus.Delivered), (delivery.Actor, delivery.From, delivery.To));
        Assert.Single(entries, e => e.Event == "completed");
    }

    [Fact]
    public async Task Exception_raises_one_open_carrier_alert_and_later_scans_move_on_from_it()
    {
        await using var oms = await AfterSaleOms.StartAsync();
        await oms.ShippedAsync("1");
        var tracking = oms.Tracking("1");
        var exception = AfterSaleOms.Scan("1", "x1", TrackingEventCode.Exception, T.AddMinutes(-10), "address not found");

        var flagged = await tracking.ReportTrackingEventAsync(exception);
        await tracking.ReportTrackingEventAsync(exception);

        Assert.Equal((TrackingEventCode.Exception, OrderStatus.Shipped), (flagged.Shipments[0].TrackingStatus, flagged.Status));
        var alert = Assert.Single(await oms.CarrierAlertsAsync());
        Assert.Equal(("exception", "web:1", AlertStatus.Open), (alert.Kind, alert.Subject, alert.Status));
        Assert.Contains("address not found", alert.Message, StringComparison.Ordinal);
        Assert.Contains("s-1", alert.Message, StringComparison.Ordinal);

        var moving = await tracking.ReportTrackingEventAsync(AfterSaleOms.Scan("1", "x2", TrackingEventCode.OutForDelivery, T.AddMinutes(-5)));
        Assert.Equal(TrackingEventCode.OutForDelivery, moving.Shipments[0].TrackingStatus);

        var acknowledged = await oms.Grains.GetGrain<IOperatorAlertsGrain>(IOperatorAlertsGrain.CarrierCategory).DecideAsync(alert.AlertId, AlertStatus.Acknowledged, "operator:alice");
        Assert.Equal((AlertStatus.Acknowledged, "operator:alice"), (acknowledged.Status, acknowledged.DecidedBy));
    }

    [Fact]
    public async Task Returned_to_sender_is_recorded_raises_an_alert_keeps_the_order_shipped_and_is_not_undone_by_a_later_delivered_scan()
    {
        await using var oms = await AfterSaleOms.StartAsync();
        await oms.ShippedAsync("1");
        var tracking = oms.Tracking("1");

        var back = await tracking.ReportTrackingEventAsync(AfterSaleOms.Scan("1", "r1", TrackingEventCode.ReturnedToSender, T.AddMinutes(-20), "refused by recipient"));
        var stray = await tracking.ReportTrackingEventAsync(AfterSaleOms.Scan("1", "r2", TrackingEventCode.Delivered, T.AddMinutes(-1)));

        Assert.Equal((TrackingEventCode.ReturnedToSender, OrderStatus.Shipped), (back.Shipments[0].TrackingStatus, back.Status));
        Assert.Equal((TrackingEventCode.ReturnedToSender, OrderStatus.Shipped), (stray.Shipments[0].TrackingStatus, stray.Status));
        Assert.Null(stray.Shipments[0].DeliveredAt);
        Assert.Equal("returned_to_sender", Assert.Single(await oms.CarrierAlertsAsync()).Kind);
        Assert.Contains((await oms.Order("1").GetHistoryAsync()).Entries, e => e.Event == "tracking_returned_to_sender");
    }

    [Fact]
    public async Task Unknown_orders_and_shipments_are_not_found_and_malformed_scans_name_the_field()
    {
        await using var oms = await AfterSaleOms.StartAsync();
        await oms.ShippedAsync("1");
        var tracking = oms.Tracking("1");
        var good = AfterSaleOms.Scan("1", "e1", TrackingEventCode.InTransit, T);

        var order = await Assert.ThrowsAsync<NotFoundException>(() => oms.Tracking("never").ReportTrackingEventAsync(good));
        var shipment = await Assert.ThrowsAsync<NotFoundException>(() => tracking.ReportTrackingEventAsync(good with { ShipmentId = "nope" }));
        Assert.Equal(("order", "shipment"), (order.Entity, shipment.Entity));

        foreach (var (bad, field) in new (ReportTrackingEventCommand, string)[]
        {
            (good with { Code = TrackingEventCode.Unspecified }, "code"),
            (good with { Code = (TrackingEventCode)42 }, "code"),
            (good with { EventTime = null }, "event_time"),
            (good with { EventTime = T.AddHours(1) }, "event_time"),
            (good with { EventId = " " }, "event_id"),
            (good with { Carrier = "" }, "carrier"),
            (good with { TrackingNumber = "" }, "tracking_number"),
            (good with { ShipmentId = "" }, "shipment_id"),
        })
        {
            Assert.Equal(field, (await Assert.ThrowsAsync<DomainValidationException>(() => tracking.ReportTrackingEventAsync(bad))).Field);
        }

        var wrongParcel = await Assert.ThrowsAsync<RuleViolationException>(() => tracking.ReportTrackingEventAsync(good with { TrackingNumber = "T-other" }));
        Assert.Contains("'T-1'", wrongParcel.Message, StringComparison.Ordinal);
        Assert.Empty((await oms.Order("1").GetAsync()).Shipments[0].TrackingEvents ?? []);
    }

    [Fact]
    public async Task The_same_event_id_on_another_shipment_of_the_order_is_a_conflict()
    {
        await using var oms = await AfterSaleOms.StartAsync();
        var order = oms.Order("2");
        var placed = (await order.PlaceAsync(new PlaceOrderCommand("web", "2", "c1", [new OrderLine("SKU-1", 4, 100)], Oms.Berlin, null, "EUR"))).Order;
        await order.ConfirmPaymentAsync(new ConfirmPaymentCommand("pay", placed.TotalMinor));
        await order.ReleaseAsync("ops");
        await order.ReportShipmentAsync(new ReportShipmentCommand("BER", "a", [new LineQuantity("SKU-1", 2)], "DHL", "TA"));
        await order.ReportShipmentAsync(new ReportShipmentCommand("BER", "b", [new LineQuantity("SKU-1", 2)], "DHL", "TB"));
        var tracking = oms.Tracking("2");

        await tracking.ReportTrackingEventAsync(new ReportTrackingEventCommand("a", "e1", "DHL", "TA", TrackingEventCode.Delivered, T, null));
        var conflict = await Assert.ThrowsAsync<IdempotencyConflictException>(() =>
            tracking.ReportTrackingEventAsync(new ReportTrackingEventCommand("b", "e1", "DHL", "TB", TrackingEventCode.Delivered, T, null)));
        var half = await tracking.ReportTrackingEventAsync(new ReportTrackingEventCommand("b", "e2", "DHL", "TB", TrackingEventCode.InTransit, T, null));

        Assert.Contains("'a'", conflict.Message, StringComparison.Ordinal);
        Assert.Equal(OrderStatus.Shipped, half.Status);
        Assert.Equal([T, null], half.Shipments.Select(s => s.DeliveredAt));
    }

    [Fact]
    public async Task A_scan_for_a_returned_order_is_refused_because_returned_is_final()
    {
        await using var oms = await AfterSaleOms.StartAsync();
        await oms.DeliveredAsync("1", quantity: 2);
        var rmaId = (await oms.Order("1").RequestReturnAsync(AfterSaleOms.Return("r", 2))).Returns[0].RmaId;
        var returned = await oms.Order("1").ReceiveReturnAsync(new ReceiveReturnCommand(rmaId, "BER", [new ReturnedLine("SKU-1", 2, ItemCondition.Resalable)]));
        Assert.Equal(OrderStatus.Returned, returned.Status);

        var refused = await Assert.ThrowsAsync<IllegalTransitionException>(() => oms.Tracking("1").ReportTrackingEventAsync(AfterSaleOms.Scan("1", "late", TrackingEventCode.InTransit, T)));

        Assert.Equal(OrderStatus.Returned, refused.From);
        Oms.AssertSameOrder(returned, await oms.Order("1").GetAsync());
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task Scans_alerts_and_rma_decisions_survive_a_silo_restart(string storageKind)
    {
        await using var storage = TestStorage.Create(storageKind);
        var settings = new Dictionary<string, string?> { ["OrderGrains:Returns:RequireApproval"] = "true" };
        OrderSnapshot before;
        await using (var first = await AfterSaleOms.StartAsync(settings, storage))
        {
            await first.ShippedAsync("1");
            await first.Tracking("1").ReportTrackingEventAsync(AfterSaleOms.Scan("1", "x", TrackingEventCode.Exception, T.AddMinutes(-9), "damaged parcel"));
            await first.Tracking("1").ReportTrackingEventAsync(AfterSaleOms.Scan("1", "d", TrackingEventCode.Delivered, T.AddMinutes(-1)));
            var rmaId = (await first.Order("1").RequestReturnAsync(AfterSaleOms.Return("r", 1, ReturnReason.DamagedInTransit))).Returns[0].RmaId;
            before = await first.Returns("1").DecideReturnAsync(new RmaDecisionCommand(rmaId, RmaDecision.Approve, "operator:alice", null));
        }

        await using var second = await AfterSaleOms.StartAsync(settings, storage);
        var after = await second.Order("1").GetAsync();

        Oms.AssertSameOrder(before, after);
        Assert.Equal(["x", "d"], after.Shipments[0].TrackingEvents!.Select(e => e.EventId));
        Assert.Equal((RmaStatus.Approved, ReturnReason.DamagedInTransit, "operator:alice"), (after.Returns[0].Status, after.Returns[0].ReasonCode, after.Returns[0].DecidedBy));
        Assert.Equal("exception", Assert.Single(await second.CarrierAlertsAsync()).Kind);
    }

    [Fact]
    public void Shipments_and_rmas_stored_before_tracking_and_the_returns_policy_read_back_as_untracked_and_approved()
    {
        var shipment = new ShipmentRecord("s1", "BER", [new LineQuantity("SKU-1", 1)], "DHL", "T1", T, T, [AfterSaleOms.ToRecord(AfterSaleOms.Scan("1", "e", TrackingEventCode.Delivered, T))], TrackingEventCode.Delivered);
        var rma = new ReturnRecord("RMA-1", "r", [new LineQuantity("SKU-1", 1)], "x", T, null, [], null, 0, "EUR", ReturnReason.Defective, RmaStatus.AwaitingApproval, null, null, null);
        var oldShipment = Strip(shipment, nameof(ShipmentRecord.TrackingEvents), nameof(ShipmentRecord.TrackingStatus));
        var oldRma = Strip(rma, nameof(ReturnRecord.ReasonCode), nameof(ReturnRecord.Status), nameof(ReturnRecord.DecidedBy), nameof(ReturnRecord.DecidedAt), nameof(ReturnRecord.DecisionNote));

        Assert.Equal((null, TrackingEventCode.Unspecified), (oldShipment.TrackingEvents, oldShipment.TrackingStatus));
        Assert.Equal((ReturnReason.Unspecified, RmaStatus.Unspecified, RmaStatus.Approved), (oldRma.ReasonCode, oldRma.Status, RmaRules.StatusOf(oldRma)));
        Assert.Equal(RmaStatus.Received, RmaRules.StatusOf(oldRma with { ReceivedAt = T }));

        static TRecord Strip<TRecord>(TRecord record, params string[] properties)
        {
            var json = JsonSerializer.SerializeToNode(record, OrderGrainsStorage.SerializerOptions)!.AsObject();
            Assert.All(properties, p => Assert.True(json.Remove(p) || json.Remove(JsonNamingPolicy.CamelCase.ConvertName(p)), p));
            return JsonSerializer.Deserialize<TRecord>(json, OrderGrainsStorage.SerializerOptions)!;
        }
    }
}
