using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using OrderGrains.Client;
using OrderGrains.Contracts.V1;

namespace OrderGrains.Host.Tests;

/// <summary>
/// One SQLite host whose holds above 1,000.00 go to review, those above 5,000.00 needing a supervisor and then finance
/// (one reviewer below), with gRPC callers for each review role, one holding supervisor and finance, and callers
/// without a review role; each test uses its own channel, customer and SKU.
/// </summary>
public sealed class ReviewContractHost : IAsyncLifetime
{
    public const string OpsToken = "review-ops-token-0123456789abcdef";
    public const string ShopToken = "review-shop-token-0123456789abcdef";
    public const string RitaToken = "review-rita-token-0123456789abcdef";
    public const string SamToken = "review-sam-token-0123456789abcdef";
    public const string SueToken = "review-sue-token-0123456789abcdef";
    public const string FionaToken = "review-fiona-token-0123456789abcdef";

    private TestHost? _host;

    public TestHost Host => _host ?? throw new InvalidOperationException("The host has not started.");

    public static string[] Settings =>
    [
        "--OrderGrains:Callers:0:Name=ops",
        $"--OrderGrains:Callers:0:Token={OpsToken}",
        "--OrderGrains:Callers:0:Roles=orders,inventory,fulfillment,catalog",
        "--OrderGrains:Callers:0:Channels:0=*",
        "--OrderGrains:Callers:1:Name=shop",
        $"--OrderGrains:Callers:1:Token={ShopToken}",
        "--OrderGrains:Callers:1:Roles=orders",
        "--OrderGrains:Callers:1:Channels:0=*",
        "--OrderGrains:Callers:2:Name=rita",
        $"--OrderGrains:Callers:2:Token={RitaToken}",
        "--OrderGrains:Callers:2:Roles=reviewer",
        "--OrderGrains:Callers:3:Name=sam",
        $"--OrderGrains:Callers:3:Token={SamToken}",
        "--OrderGrains:Callers:3:Roles=supervisor,finance",
        "--OrderGrains:Callers:4:Name=sue",
        $"--OrderGrains:Callers:4:Token={SueToken}",
        "--OrderGrains:Callers:4:Roles:0=supervisor",
        "--OrderGrains:Callers:5:Name=fiona",
        $"--OrderGrains:Callers:5:Token={FionaToken}",
        "--OrderGrains:Callers:5:Roles:0=finance",
        "--OrderGrains:Orders:ManualReviewThresholdMinor=100000",
        "--OrderGrains:Review:Chains:0:AboveMinor=500000",
        "--OrderGrains:Review:Chains:0:Steps:0=supervisor",
        "--OrderGrains:Review:Chains:0:Steps:1=finance",
    ];

    public async Task InitializeAsync() => _host = await TestHost.StartAsync(null, Settings);

    public async Task DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }
    }
}

/// <summary>
/// ordergrains.v1.Review through our client against a real host (issue 13 §2 over the gRPC contract): the review
/// queue from the read model with its filters, counts and page tokens, and hold decisions in the caller's name, where
/// each step needs its role and one caller approves one step, exactly as on the admin API.
/// </summary>
public sealed class ReviewContractTests(ReviewContractHost fixture) : IClassFixture<ReviewContractHost>, IDisposable
{
    private readonly string _run = Guid.NewGuid().ToString("N")[..8];
    private readonly OrderGrainsClient _ops = fixture.Host.ClientWith(ReviewContractHost.OpsToken);
    private readonly OrderGrainsClient _shop = fixture.Host.ClientWith(ReviewContractHost.ShopToken);
    private readonly OrderGrainsClient _rita = fixture.Host.ClientWith(ReviewContractHost.RitaToken);
    private readonly OrderGrainsClient _sam = fixture.Host.ClientWith(ReviewContractHost.SamToken);
    private readonly OrderGrainsClient _sue = fixture.Host.ClientWith(ReviewContractHost.SueToken);
    private readonly OrderGrainsClient _fiona = fixture.Host.ClientWith(ReviewContractHost.FionaToken);

    private string Channel => "rv-" + _run;

    private string Customer => "rv-cust-" + _run;

    private string Sku => "rv-sku-" + _run;

    [Fact]
    public async Task A_two_step_chain_takes_two_callers_each_holding_the_role_of_their_step()
    {
        await SeedAsync();
        var held = await PlaceAsync("large", 2, 300_000);

        var financeFirst = await Assert.ThrowsAsync<RpcException>(() => _fiona.ApproveHoldAsync(held.OrderId, Deadline()));
        var afterRefusal = await _ops.GetOrderAsync(held.OrderId, Deadline());
        var first = await _sam.ApproveHoldAsync(held.OrderId, Deadline());
        // sam holds finance too, but approved step 1: asking again never counts as step 2.
        var samAgain = await _sam.ApproveHoldAsync(held.OrderId, Deadline());
        var supervisorSecond = await Assert.ThrowsAsync<RpcException>(() => _sue.ApproveHoldAsync(held.OrderId, Deadline()));
        var approved = await _fiona.ApproveHoldAsync(held.OrderId, Deadline());

        Assert.Equal((OrderStatus.OnHold, HoldReason.ManualReview), (held.Status, held.HoldReason));
        Assert.Equal(["supervisor", "finance"], held.ApprovalSteps);
        Assert.Equal(StatusCode.PermissionDenied, financeFirst.StatusCode);
        Assert.Contains("approval step 1 of 2 needs the supervisor role; caller:fiona has finance", financeFirst.Status.Detail, StringComparison.Ordinal);
        Assert.Equal((held.Version, 0), (afterRefusal.Version, afterRefusal.Approvers.Count));
        Assert.Equal((OrderStatus.OnHold, "caller:sam"), (first.Status, first.Approvers.Single()));
        Assert.Equal((OrderStatus.OnHold, first.Version, 1), (samAgain.Status, samAgain.Version, samAgain.Approvers.Count));
        Assert.Equal(StatusCode.PermissionDenied, supervisorSecond.StatusCode);
        Assert.Contains("approval step 2 of 2 needs the finance role; caller:sue has supervisor", supervisorSecond.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(OrderStatus.PendingPayment, approved.Status);
        Assert.Equal(["caller:sam", "caller:fiona"], approved.Approvers);
        var history = (await _ops.GetOrderHistoryAsync(held.OrderId, Deadline())).Events;
        Assert.Equal([("approval", "caller:sam"), ("approved", "caller:fiona")], history.Where(e => e.Event is "approval" or "approved").Select(e => (e.Event, e.Actor)));
    }

    [Fact]
    public async Task Any_review_role_rejects_a_held_order_which_is_cancelled_and_releases_its_stock()
    {
        await SeedAsync();
        var held = await PlaceAsync("large", 2, 300_000);
        Assert.Equal(98, (await _ops.GetAvailabilityAsync(Sku, Deadline())).Available);

        var rejected = await _rita.RejectHoldAsync(held.OrderId, "address looks made up", Deadline());

        Assert.Equal(OrderStatus.Cancelled, rejected.Status);
        var cancelled = (await _ops.GetOrderHistoryAsync(held.OrderId, Deadline())).Events.Single(e => e.Event == "cancelled");
        Assert.Equal(("caller:rita", "address looks made up"), (cancelled.Actor, cancelled.Details));
        Assert.Equal(100, (await _ops.GetAvailabilityAsync(Sku, Deadline())).Available);
    }

    [Fact]
    public async Task Unknown_orders_are_not_found_and_orders_not_on_hold_are_failed_precondition_naming_their_status()
    {
        await SeedAsync();
        var pending = await PlaceAsync("small", 1, 1_000);
        var unknown = Channel + ":no-such-order";

        var approveUnknown = await Assert.ThrowsAsync<RpcException>(() => _rita.ApproveHoldAsync(unknown, Deadline()));
        var rejectUnknown = await Assert.ThrowsAsync<RpcException>(() => _rita.RejectHoldAsync(unknown, "", Deadline()));
        var approvePending = await Assert.ThrowsAsync<RpcException>(() => _rita.ApproveHoldAsync(pending.OrderId, Deadline()));
        var rejectPending = await Assert.ThrowsAsync<RpcException>(() => _rita.RejectHoldAsync(pending.OrderId, "", Deadline()));
        var noId = await Assert.ThrowsAsync<RpcException>(() => _rita.ApproveHoldAsync("", Deadline()));

        Assert.Equal(OrderStatus.PendingPayment, pending.Status);
        Assert.Equal((StatusCode.NotFound, StatusCode.NotFound), (approveUnknown.StatusCode, rejectUnknown.StatusCode));
        Assert.Contains(unknown, approveUnknown.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(StatusCode.FailedPrecondition, approvePending.StatusCode);
        Assert.Equal($"Order '{pending.OrderId}' cannot go from PENDING_PAYMENT to PENDING_PAYMENT (ApproveHold).", approvePending.Status.Detail);
        Assert.Equal(StatusCode.FailedPrecondition, rejectPending.StatusCode);
        Assert.Equal($"Order '{pending.OrderId}' cannot go from PENDING_PAYMENT to CANCELLED (RejectHold).", rejectPending.Status.Detail);
        Assert.Equal(StatusCode.InvalidArgument, noId.StatusCode);
        Assert.StartsWith("order_id:", noId.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(pending.Version, (await _ops.GetOrderAsync(pending.OrderId, Deadline())).Version);
    }

    [Fact]
    public async Task A_caller_without_a_review_role_may_neither_read_the_queue_nor_decide()
    {
        await SeedAsync();
        var held = await PlaceAsync("small", 2, 60_000);

        var list = await Assert.ThrowsAsync<RpcException>(() => _shop.ListReviewQueueAsync(new ListReviewQueueRequest(), Deadline()));
        var approve = await Assert.ThrowsAsync<RpcException>(() => _shop.ApproveHoldAsync(held.OrderId, Deadline()));
        var reject = await Assert.ThrowsAsync<RpcException>(() => _ops.RejectHoldAsync(held.OrderId, "", Deadline()));

        Assert.All([list, approve, reject], e => Assert.Equal(StatusCode.PermissionDenied, e.StatusCode));
        Assert.Contains("'shop' lacks one of the roles 'reviewer', 'supervisor', 'finance'", list.Status.Detail, StringComparison.Ordinal);
        var after = await _ops.GetOrderAsync(held.OrderId, Deadline());
        Assert.Equal((OrderStatus.OnHold, held.Version), (after.Status, after.Version));
    }

    [Fact]
    public async Task The_queue_lists_held_orders_oldest_first_with_their_chain_counts_and_filters()
    {
        await SeedAsync();
        var creditCustomer = "rv-credit-" + _run;
        await _ops.UpsertCustomerAsync(new Customer { CustomerId = creditCustomer, Name = "Credit", CreditLimitMinor = 1_000 }, Deadline());
        var large = await PlaceAsync("large", 2, 300_000);
        var small = await PlaceAsync("small", 2, 60_000);
        var credit = await PlaceAsync("credit", 1, 5_000, creditCustomer);
        await PlaceAsync("accepted", 1, 1_000);
        Assert.Equal(HoldReason.CreditLimit, credit.HoldReason);

        var queue = await EventuallyAsync(new ListReviewQueueRequest { Channel = Channel }, q => q.Items.Count == 3);
        var heldAt = await HeldAtAsync(large.OrderId);
        var creditHeldAt = await HeldAtAsync(credit.OrderId);

        Assert.Equal([large.OrderId, small.OrderId, credit.OrderId], queue.Items.Select(i => i.OrderId));
        var first = queue.Items[0];
        Assert.Equal(
            (Channel, Customer, 600_000L, "EUR", HoldReason.ManualReview, "total above 100000", heldAt, 0, 2, "supervisor"),
            (first.Channel, first.CustomerId, first.TotalMinor, first.Currency, first.HoldReason, first.HoldDetails, first.HeldSince, first.StepsDone, first.StepsRequired, first.NextRole));
        Assert.Equal(["supervisor", "finance"], first.ApprovalSteps);
        Assert.Equal((large.CreatedAt, large.Version), (first.CreatedAt, first.Version));
        Assert.Equal(queue.AsOf.ToDateTimeOffset() - heldAt.ToDateTimeOffset(), first.Age.ToTimeSpan());
        Assert.Equal(("reviewer", 1), (queue.Items[1].NextRole, queue.Items[1].StepsRequired));
        Assert.Equal(string.Empty, queue.NextPageToken);
        Assert.Equal((3L, 3L, 0L, 0L, 0L), (queue.Total, queue.ByAge.Under1H, queue.ByAge.From1HTo4H, queue.ByAge.From4HTo24H, queue.ByAge.Over24H));
        Assert.Equal(
            [(HoldReason.CreditLimit, 1L, creditHeldAt), (HoldReason.ManualReview, 2L, heldAt)],
            queue.ByReason.Select(r => (r.HoldReason, r.Total, r.OldestHeldSince)));

        var byReason = await ListAsync(new ListReviewQueueRequest { Channel = Channel, HoldReason = HoldReason.CreditLimit });
        Assert.Equal([credit.OrderId], byReason.Items.Select(i => i.OrderId));
        Assert.Equal(3L, byReason.Total);
        Assert.Equal([large.OrderId], (await ListAsync(new ListReviewQueueRequest { Channel = Channel, NextRole = "SUPERVISOR" })).Items.Select(i => i.OrderId));
        Assert.Empty((await ListAsync(new ListReviewQueueRequest { Channel = Channel, MinAge = Duration.FromTimeSpan(TimeSpan.FromHours(1)) })).Items);
        Assert.Equal(3, (await ListAsync(new ListReviewQueueRequest { Channel = Channel, MinAge = new Duration() })).Items.Count);
        Assert.Equal([large.OrderId], (await ListAsync(new ListReviewQueueRequest { Channel = Channel, HeldBefore = heldAt })).Items.Select(i => i.OrderId));
        Assert.Empty((await ListAsync(new ListReviewQueueRequest { Channel = Channel, HeldBefore = heldAt, MinAge = Duration.FromTimeSpan(TimeSpan.FromDays(1)) })).Items);
        Assert.Equal([small.OrderId, credit.OrderId], (await ListAsync(new ListReviewQueueRequest { Channel = Channel, Mine = true }, _rita)).Items.Select(i => i.OrderId));

        await _sam.ApproveHoldAsync(large.OrderId, Deadline());
        var progressed = await EventuallyAsync(new ListReviewQueueRequest { Channel = Channel, NextRole = "finance" }, q => q.Items.Count == 1);
        Assert.Equal((1, "finance", "caller:sam", heldAt), (progressed.Items[0].StepsDone, progressed.Items[0].NextRole, progressed.Items[0].Approvers.Single(), progressed.Items[0].HeldSince));
        // sam approved step 1, so the finance step is not his to take, though he holds finance; it is fiona's.
        Assert.Empty((await ListAsync(new ListReviewQueueRequest { Channel = Channel, Mine = true }, _sam)).Items);
        Assert.Equal([large.OrderId], (await ListAsync(new ListReviewQueueRequest { Channel = Channel, Mine = true }, _fiona)).Items.Select(i => i.OrderId));
    }

    [Fact]
    public async Task Pages_follow_the_page_token_oldest_first_without_repeats_or_gaps()
    {
        await SeedAsync();
        var held = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            held.Add((await PlaceAsync($"held{i}", 2, 60_000)).OrderId);
        }

        await EventuallyAsync(new ListReviewQueueRequest { Channel = Channel }, q => q.Items.Count == 5);
        var seen = new List<string>();
        var sizes = new List<int>();
        var token = string.Empty;
        do
        {
            var page = await ListAsync(new ListReviewQueueRequest { Channel = Channel, PageSize = 2, PageToken = token });
            sizes.Add(page.Items.Count);
            seen.AddRange(page.Items.Select(i => i.OrderId));
            Assert.Equal(5L, page.Total);
            token = page.NextPageToken;
        }
        while (token.Length > 0);

        Assert.Equal(held, seen);
        Assert.Equal([2, 2, 1], sizes);
        Assert.Equal(5, (await ListAsync(new ListReviewQueueRequest { Channel = Channel, PageSize = 500 })).Items.Count);
    }

    [Fact]
    public async Task Bad_filters_page_sizes_and_page_tokens_are_invalid_argument_naming_the_field()
    {
        var orderSearchCursor = new OrderGrains.ReadModel.OrderCursor(1, "web:1").Encode();
        var bad = new (ListReviewQueueRequest Request, string Field)[]
        {
            (new() { PageSize = 501 }, "page_size"),
            (new() { PageSize = -1 }, "page_size"),
            (new() { PageToken = "not-a-token" }, "page_token"),
            (new() { PageToken = orderSearchCursor }, "page_token"),
            (new() { NextRole = "boss" }, "next_role"),
            (new() { HoldReason = (HoldReason)99 }, "hold_reason"),
            (new() { MinAge = new Duration { Seconds = -60 } }, "min_age"),
            (new() { MinAge = new Duration { Seconds = long.MaxValue } }, "min_age"),
            (new() { HeldBefore = new Timestamp { Seconds = 1, Nanos = -1 } }, "held_before"),
        };

        foreach (var (request, field) in bad)
        {
            var error = await Assert.ThrowsAsync<RpcException>(() => _rita.ListReviewQueueAsync(request, Deadline()));
            Assert.True(error.StatusCode == StatusCode.InvalidArgument && error.Status.Detail.StartsWith(field + ":", StringComparison.Ordinal), $"{request}: {error.Status}");
        }
    }

    public void Dispose()
    {
        foreach (var client in new[] { _ops, _shop, _rita, _sam, _sue, _fiona })
        {
            client.Dispose();
        }
    }

    private static CallOptions Deadline() => OrderGrainsClient.Timeout(TimeSpan.FromSeconds(30));

    private Task<ReviewQueue> ListAsync(ListReviewQueueRequest request, OrderGrainsClient? caller = null) =>
        (caller ?? _rita).ListReviewQueueAsync(request, Deadline());

    // The queue comes from the read model, which follows the order stream: asks until the condition holds (20 s at most).
    private async Task<ReviewQueue> EventuallyAsync(ListReviewQueueRequest request, Func<ReviewQueue, bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            var queue = await ListAsync(request);
            if (condition(queue))
            {
                return queue;
            }

            Assert.True(DateTime.UtcNow < deadline, $"The review queue did not show the expected orders for {request}: {queue}");
            await Task.Delay(100);
        }
    }

    private async Task<Timestamp> HeldAtAsync(string orderId) =>
        (await _ops.GetOrderHistoryAsync(orderId, Deadline())).Events.Single(e => e.Event == "held").At;

    private async Task SeedAsync()
    {
        await _ops.UpsertWarehouseAsync(new Warehouse { WarehouseId = "rv-wh-" + _run, Name = "Berlin", Latitude = 52.52, Longitude = 13.40, Active = true }, Deadline());
        await _ops.SetStockAsync(new SetStockRequest { WarehouseId = "rv-wh-" + _run, Sku = Sku, OnHand = 100, SyncId = "seed" }, Deadline());
        await _ops.UpsertCustomerAsync(new Customer { CustomerId = Customer, Name = "Ada" }, Deadline());
    }

    private async Task<Order> PlaceAsync(string externalId, int quantity, long unitPrice, string? customer = null)
    {
        var reply = await _ops.PlaceOrderAsync(
            new PlaceOrderRequest
            {
                Channel = Channel,
                ExternalOrderId = externalId,
                CustomerId = customer ?? Customer,
                Currency = "EUR",
                ShipTo = new Address { Recipient = "Ada", Line1 = "Unter den Linden 1", City = "Berlin", Country = "DE", Latitude = 52.5, Longitude = 13.4 },
                Lines = { new OrderLine { Sku = Sku, Quantity = quantity, UnitPriceMinor = unitPrice } },
            },
            Deadline());
        return reply.Order;
    }
}
