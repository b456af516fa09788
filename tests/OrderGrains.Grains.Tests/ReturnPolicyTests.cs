using Microsoft.Extensions.Options;
using OrderGrains.Abstractions;
using OrderGrains.Testing;

namespace OrderGrains.Grains.Tests;

/// <summary>
/// The returns policy (issue 14 §4) on real grains and a fake clock: the window per channel, reason codes, and operators'
/// approve, reject and cancel of RMAs where a channel requires approval.
/// </summary>
public sealed class ReturnPolicyTests
{
    private static readonly Dictionary<string, string?> PosNeedsApprovalWithinAWeek = new()
    {
        ["OrderGrains:Returns:Channels:pos:WindowDays"] = "7",
        ["OrderGrains:Returns:Channels:pos:RequireApproval"] = "true",
    };

    [Fact]
    public async Task A_return_is_accepted_up_to_the_last_moment_of_the_window_and_refused_after_it_naming_the_window()
    {
        await using var oms = await AfterSaleOms.StartAsync();
        var delivered = await oms.DeliveredAsync("1");
        await oms.DeliveredAsync("2");
        var deliveredAt = delivered.Shipments[0].DeliveredAt!.Value;

        oms.Clock.Advance(TimeSpan.FromDays(30));
        var onTheLastMoment = await oms.Order("1").RequestReturnAsync(AfterSaleOms.Return("r1", 1));
        oms.Clock.Advance(TimeSpan.FromSeconds(1));
        var late = await Assert.ThrowsAsync<RuleViolationException>(() => oms.Order("2").RequestReturnAsync(AfterSaleOms.Return("r1", 1)));

        Assert.Equal(OrderStatus.ReturnRequested, onTheLastMoment.Status);
        Assert.Contains("return window of channel 'web' (30 days after delivery) closed at", late.Message, StringComparison.Ordinal);
        Assert.Contains(deliveredAt.AddDays(30).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture), late.Message, StringComparison.Ordinal);
        Assert.Equal(OrderStatus.Completed, (await oms.Order("2").GetAsync()).Status);
        Assert.Empty((await oms.Order("2").GetAsync()).Returns);
    }

    [Fact]
    public async Task The_window_is_set_per_channel_and_counts_from_the_carriers_delivery_time()
    {
        await using var oms = await AfterSaleOms.StartAsync(PosNeedsApprovalWithinAWeek);
        await oms.DeliveredAsync("web-1");
        await oms.DeliveredAsync("pos-1", channel: "pos");
        await oms.ShippedAsync("late-scan");
        oms.Clock.Advance(TimeSpan.FromDays(8));
        await oms.Tracking("late-scan").ReportTrackingEventAsync(AfterSaleOms.Scan("late-scan", "d", TrackingEventCode.Delivered, AfterSaleOms.Start.AddDays(1)));

        var web = await oms.Order("web-1").RequestReturnAsync(AfterSaleOms.Return("r", 1));
        var pos = await Assert.ThrowsAsync<RuleViolationException>(() => oms.Order("pos-1", "pos").RequestReturnAsync(AfterSaleOms.Return("r", 1)));
        oms.Clock.Advance(TimeSpan.FromDays(23) + TimeSpan.FromSeconds(1));
        var scanned = await Assert.ThrowsAsync<RuleViolationException>(() => oms.Order("late-scan").RequestReturnAsync(AfterSaleOms.Return("r", 1)));

        Assert.Equal(OrderStatus.ReturnRequested, web.Status);
        Assert.Contains("channel 'pos' (7 days after delivery)", pos.Message, StringComparison.Ordinal);
        Assert.Contains("closed at 2027-01-01T09:00:00Z; the order was delivered at 2026-12-02T09:00:00Z", scanned.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Reason_code_is_recorded_on_the_rma_and_in_the_history_and_an_undefined_one_is_invalid()
    {
        await using var oms = await AfterSaleOms.StartAsync();
        await oms.DeliveredAsync("1");

        var bad = await Assert.ThrowsAsync<DomainValidationException>(() => oms.Order("1").RequestReturnAsync(AfterSaleOms.Return("r0", 1, (ReturnReason)99)));
        var requested = await oms.Order("1").RequestReturnAsync(AfterSaleOms.Return("r1", 1, ReturnReason.Defective));

        Assert.Equal("reason_code", bad.Field);
        var rma = Assert.Single(requested.Returns);
        Assert.Equal((ReturnReason.Defective, RmaStatus.Approved, RmaRules.PolicyActor), (rma.ReasonCode, rma.Status, rma.DecidedBy));
        var entry = (await oms.Order("1").GetHistoryAsync()).Entries[^1];
        Assert.Equal("return_requested", entry.Event);
        Assert.Contains("reason Defective", entry.Details, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Where_the_channel_requires_approval_goods_wait_for_an_operator_who_is_named_in_the_history()
    {
        await using var oms = await AfterSaleOms.StartAsync(PosNeedsApprovalWithinAWeek);
        await oms.DeliveredAsync("1", channel: "pos");
        var rmaId = (await oms.Order("1", "pos").RequestReturnAsync(AfterSaleOms.Return("r1", 2))).Returns[0].RmaId;
        var receipt = new ReceiveReturnCommand(rmaId, "BER", [new ReturnedLine("SKU-1", 2, ItemCondition.Resalable)]);

        Assert.Equal(RmaStatus.AwaitingApproval, (await oms.Order("1", "pos").GetAsync()).Returns[0].Status);
        var early = await Assert.ThrowsAsync<RuleViolationException>(() => oms.Order("1", "pos").ReceiveReturnAsync(receipt));
        var approved = await oms.Returns("1", "pos").DecideReturnAsync(new RmaDecisionCommand(rmaId, RmaDecision.Approve, "operator:alice", null));
        var again = await oms.Returns("1", "pos").DecideReturnAsync(new RmaDecisionCommand(rmaId, RmaDecision.Approve, "operator:bob", null));
        var received = await oms.Order("1", "pos").ReceiveReturnAsync(receipt);

        Assert.Contains("RMA_AWAITING_APPROVAL", early.Message, StringComparison.Ordinal);
        Assert.Equal((RmaStatus.Approved, "operator:alice", OrderStatus.ReturnRequested), (approved.Returns[0].Status, approved.Returns[0].DecidedBy, approved.Status));
        Oms.AssertSameOrder(approved, again);
        Assert.Equal((OrderStatus.PartiallyReturned, RmaStatus.Received), (received.Status, received.Returns[0].Status));
        var approval = Assert.Single((await oms.Order("1", "pos").GetHistoryAsync()).Entries, e => e.Event == "return_approved");
        Assert.Equal("operator:alice", approval.Actor);
        var cancelReceived = await Assert.ThrowsAsync<RuleViolationException>(() => oms.Returns("1", "pos").DecideReturnAsync(new RmaDecisionCommand(rmaId, RmaDecision.Cancel, "operator:alice", null)));
        Assert.Contains("RMA_RECEIVED", cancelReceived.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rejecting_the_only_open_rma_returns_the_order_to_completed_and_frees_its_units()
    {
        await using var oms = await AfterSaleOms.StartAsync(PosNeedsApprovalWithinAWeek);
        await oms.DeliveredAsync("1", quantity: 4, channel: "pos");
        var rmaId = (await oms.Order("1", "pos").RequestReturnAsync(AfterSaleOms.Return("r1", 4))).Returns[0].RmaId;

        var rejected = await oms.Returns("1", "pos").DecideReturnAsync(new RmaDecisionCommand(rmaId, RmaDecision.Reject, "operator:alice", "used goods"));
        var approveRejected = await Assert.ThrowsAsync<RuleViolationException>(() => oms.Returns("1", "pos").DecideReturnAsync(new RmaDecisionCommand(rmaId, RmaDecision.Approve, "operator:bob", null)));
        var again = await oms.Order("1", "pos").RequestReturnAsync(AfterSaleOms.Return("r2", 4));

        Assert.Equal((OrderStatus.Completed, RmaStatus.Rejected, "used goods"), (rejected.Status, rejected.Returns[0].Status, rejected.Returns[0].DecisionNote));
        Assert.Contains("RMA_REJECTED", approveRejected.Message, StringComparison.Ordinal);
        Assert.Equal((OrderStatus.ReturnRequested, 2), (again.Status, again.Returns.Count));
        var rejection = Assert.Single((await oms.Order("1", "pos").GetHistoryAsync()).Entries, e => e.Event == "return_rejected");
        Assert.Equal(("operator:alice", OrderStatus.ReturnRequested, OrderStatus.Completed), (rejection.Actor, rejection.From, rejection.To));
        Assert.Contains("used goods", rejection.Details, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cancelling_an_approved_rma_after_an_earlier_receipt_returns_the_order_to_partially_returned()
    {
        await using var oms = await AfterSaleOms.StartAsync();
        await oms.DeliveredAsync("1", quantity: 4);
        var first = (await oms.Order("1").RequestReturnAsync(AfterSaleOms.Return("r1", 1))).Returns[0].RmaId;
        await oms.Order("1").ReceiveReturnAsync(new ReceiveReturnCommand(first, "BER", [new ReturnedLine("SKU-1", 1, ItemCondition.Damaged)]));
        var second = (await oms.Order("1").RequestReturnAsync(AfterSaleOms.Return("r2", 3))).Returns[1].RmaId;

        var cancelled = await oms.Returns("1").DecideReturnAsync(new RmaDecisionCommand(second, RmaDecision.Cancel, "operator:alice", "customer kept them"));
        var twice = await oms.Returns("1").DecideReturnAsync(new RmaDecisionCommand(second, RmaDecision.Cancel, "operator:alice", null));
        var rejectApproved = await Assert.ThrowsAsync<RuleViolationException>(() => oms.Returns("1").DecideReturnAsync(new RmaDecisionCommand(second, RmaDecision.Reject, "operator:alice", null)));
        var unknown = await Assert.ThrowsAsync<NotFoundException>(() => oms.Returns("1").DecideReturnAsync(new RmaDecisionCommand("RMA-nope", RmaDecision.Cancel, "operator:alice", null)));

        Assert.Equal((OrderStatus.PartiallyReturned, RmaStatus.Cancelled), (cancelled.Status, cancelled.Returns[1].Status));
        Oms.AssertSameOrder(cancelled, twice);
        Assert.Contains("RMA_CANCELLED", rejectApproved.Message, StringComparison.Ordinal);
        Assert.Equal("rma", unknown.Entity);
        await Assert.ThrowsAsync<RuleViolationException>(() => oms.Order("1").ReceiveReturnAsync(new ReceiveReturnCommand(second, "BER", [new ReturnedLine("SKU-1", 3, ItemCondition.Resalable)])));
    }

    [Theory]
    [InlineData("OrderGrains:Returns:WindowDays", "0")]
    [InlineData("OrderGrains:Returns:WindowDays", "3651")]
    [InlineData("OrderGrains:Returns:Channels:pos:WindowDays", "-3")]
    public async Task A_window_outside_1_to_3650_days_stops_start_up_naming_the_key(string key, string value)
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(() => TestSilo.StartAsync(
            TestStorage.Memory(),
            b => b.AddOrderDomain(),
            settings: new Dictionary<string, string?> { [key] = value }));

        var validation = FindValidation(error);
        Assert.Contains($"{key} is '{value}'", validation.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Channel_settings_override_the_defaults_and_other_channels_keep_them()
    {
        var options = new ReturnPolicyOptions { WindowDays = 14 };
        options.Channels["pos"] = new ChannelReturnPolicy { RequireApproval = true };
        options.Channels["b2b"] = new ChannelReturnPolicy { WindowDays = 60 };

        Assert.Equal(new ReturnRules(14, true), options.For("pos"));
        Assert.Equal(new ReturnRules(60, false), options.For("b2b"));
        Assert.Equal(new ReturnRules(14, false), options.For("web"));
    }

    private static OptionsValidationException FindValidation(Exception? error) => error switch
    {
        OptionsValidationException found => found,
        AggregateException aggregate => aggregate.InnerExceptions.Select(FindValidation).First(),
        null => throw new Xunit.Sdk.XunitException("No OptionsValidationException"),
        _ => FindValidation(error.InnerException),
    };
}
