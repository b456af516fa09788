using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using OrderGrains.Client;
using OrderGrains.Contracts.V1;

namespace OrderGrains.Host.Tests.ReadModel;

/// <summary>
/// One SQLite host whose holds above 5,000.00 need a supervisor and then finance (reviewer below), with an operator, a
/// viewer, a supervisor who also holds finance, and a finance token; each test uses its own channel and customer.
/// </summary>
public sealed class ReviewQueueHost : IAsyncLifetime
{
    public const string OperatorToken = "rq-op-token-0123456789abcdef";
    public const string ViewerToken = "rq-viewer-token-0123456789abcdef";
    public const string SupervisorToken = "rq-sam-token-0123456789abcdef";
    public const string FinanceToken = "rq-fiona-token-0123456789abcdef";

    private TestHost? _host;

    public TestHost Host => _host ?? throw new InvalidOperationException("The host has not started.");

    public async Task InitializeAsync() => _host = await TestHost.StartAsync(null, Settings);

    public static string[] Settings =>
    [
        $"--OrderGrains:Admin:Tokens:0:Token={OperatorToken}",
        "--OrderGrains:Admin:Tokens:0:Name=olga",
        "--OrderGrains:Admin:Tokens:0:Role=operator",
        $"--OrderGrains:Admin:Tokens:1:Token={ViewerToken}",
        "--OrderGrains:Admin:Tokens:1:Name=vera",
        "--OrderGrains:Admin:Tokens:1:Role=viewer",
        $"--OrderGrains:Admin:Tokens:2:Token={SupervisorToken}",
        "--OrderGrains:Admin:Tokens:2:Name=sam",
        "--OrderGrains:Admin:Tokens:2:Role=supervisor,finance",
        $"--OrderGrains:Admin:Tokens:3:Token={FinanceToken}",
        "--OrderGrains:Admin:Tokens:3:Name=fiona",
        "--OrderGrains:Admin:Tokens:3:Role=finance",
        "--OrderGrains:Orders:ManualReviewThresholdMinor=100000",
        "--OrderGrains:Review:Chains:0:AboveMinor=500000",
        "--OrderGrains:Review:Chains:0:Steps:0=supervisor",
        "--OrderGrains:Review:Chains:0:Steps:1=finance",
    ];

    public async Task DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }
    }
}

/// <summary>
/// The review queue (<c>GET /admin/review-queue</c>) on a live host with real grains and SQLite: held orders enter it
/// from the order stream with since when and why they are held, show an approval chain's progress after each step,
/// leave it when approved, rejected or cancelled; oldest first with stable paging, filters and counts.
/// </summary>
public sealed class ReviewQueueTests(ReviewQueueHost fixture) : IClassFixture<ReviewQueueHost>, IDisposable
{
    private readonly string _run = Guid.NewGuid().ToString("N")[..8];
    private readonly ReadModelProbe _probe = new(fixture.Host.AdminPort, ReviewQueueHost.OperatorToken);

    public static TheoryData<string, string> BadParameters => new()
    {
        { "admin/review-queue?limit=0", "limit" },
        { "admin/review-queue?limit=501", "limit" },
        { "admin/review-queue?holdReason=Whim", "holdReason" },
        { "admin/review-queue?minAge=soon", "minAge" },
        { "admin/review-queue?minAge=-1h", "minAge" },
        { "admin/review-queue?role=boss", "role" },
        { "admin/review-queue?mine=yes", "mine" },
        { "admin/review-queue?cursor=not-a-cursor", "cursor" },
    };

    private OrderGrainsClient Client => fixture.Host.Client;

    private string Channel => "rq-" + _run;

    private string Customer => "rq-cust-" + _run;

    private string Sku => "rq-sku-" + _run;

    [Fact]
    public async Task Held_orders_enter_oldest_first_show_the_chain_progress_and_leave_when_approved_rejected_or_cancelled()
    {
        await SeedAsync();
        var large = await PlaceAsync("large", 2, 300_000);
        var small = await PlaceAsync("small", 2, 60_000);
        var rejected = await PlaceAsync("rejected", 2, 60_000);
        var cancelled = await PlaceAsync("cancelled", 2, 60_000);
        var accepted = await PlaceAsync("accepted", 1, 1_000);
        Assert.Equal(OrderStatus.PendingPayment, accepted.Status);

        var queue = await QueueAsync($"channel={Channel}", q => Ids(q).Count == 4);
        Assert.Equal([large.OrderId, small.OrderId, rejected.OrderId, cancelled.OrderId], Ids(queue));
        var first = queue["items"]![0]!;
        var heldAt = (await Client.GetOrderHistoryAsync(large.OrderId)).Events.Single(e => e.Event == "held").At.ToDateTimeOffset();
        Assert.Equal(heldAt, DateTimeOffset.Parse((string)first["heldSince"]!, CultureInfo.InvariantCulture));
        Assert.Equal(
            (Channel, Customer, 600_000L, "EUR", "ManualReview", "total above 100000", 0, 2, "supervisor"),
            ((string?)first["channel"], (string?)first["customerId"], (long)first["totalMinor"]!, (string?)first["currency"], (string?)first["holdReason"],
             (string?)first["holdDetails"], (int)first["stepsDone"]!, (int)first["stepsRequired"]!, (string?)first["nextRole"]));
        Assert.True((long)first["ageSeconds"]! >= 0);
        Assert.Equal(("reviewer", 1), ((string?)queue["items"]![1]!["nextRole"], (int)queue["items"]![1]!["stepsRequired"]!));

        Assert.Equal(HttpStatusCode.OK, await PostAsync($"admin/orders/{Uri.EscapeDataString(large.OrderId)}/approve", ReviewQueueHost.SupervisorToken));
        var progressed = await QueueAsync($"channel={Channel}", q => (int)q["items"]![0]!["stepsDone"]! == 1);
        Assert.Equal(("finance", 2, "operator:sam"), ((string?)progressed["items"]![0]!["nextRole"], (int)progressed["items"]![0]!["stepsRequired"]!, (string?)progressed["items"]![0]!["approvers"]![0]));
        Assert.Equal(heldAt, DateTimeOffset.Parse((string)progressed["items"]![0]!["heldSince"]!, CultureInfo.InvariantCulture));

        Assert.Equal(HttpStatusCode.OK, await PostAsync($"admin/orders/{Uri.EscapeDataString(small.OrderId)}/approve", ReviewQueueHost.OperatorToken));
        Assert.Equal(HttpStatusCode.OK, await PostAsync($"admin/orders/{Uri.EscapeDataString(rejected.OrderId)}/reject", ReviewQueueHost.FinanceToken));
        await Client.CancelOrderAsync(new CancelOrderRequest { OrderId = cancelled.OrderId, Reason = "customer asked" });
        Assert.Equal([large.OrderId], Ids(await QueueAsync($"channel={Channel}", q => Ids(q).Count == 1)));

        Assert.Equal(HttpStatusCode.OK, await PostAsync($"admin/orders/{Uri.EscapeDataString(large.OrderId)}/approve", ReviewQueueHost.FinanceToken));
        var empty = await QueueAsync($"channel={Channel}", q => Ids(q).Count == 0);
        Assert.Equal((0L, 0), ((long)empty["total"]!, empty["byReason"]!.AsArray().Count));
        await _probe.RowAsync(Customer, large.OrderId, "PendingPayment");
        await _probe.RowAsync(Customer, rejected.OrderId, "Cancelled");
    }

    [Fact]
    public async Task Filters_counts_and_pages_with_no_duplicates_or_gaps_while_new_holds_arrive()
    {
        await SeedAsync();
        var creditCustomer = "rq-credit-" + _run;
        await Client.UpsertCustomerAsync(new Customer { CustomerId = creditCustomer, Name = "Credit", CreditLimitMinor = 1_000 });
        var credit = await PlaceAsync("credit", 1, 5_000, creditCustomer);
        Assert.Equal(HoldReason.CreditLimit, credit.HoldReason);
        var held = new List<string> { credit.OrderId };
        for (var i = 0; i < 4; i++)
        {
            held.Add((await PlaceAsync($"review{i}", 2, i % 2 == 0 ? 300_000 : 60_000)).OrderId);
        }

        var all = await QueueAsync($"channel={Channel}", q => Ids(q).Count == 5);
        Assert.Equal(held, Ids(all));
        Assert.Equal(5L, (long)all["total"]!);
        Assert.Equal((5L, 0L, 0L, 0L), ((long)all["byAge"]!["under1h"]!, (long)all["byAge"]!["from1hTo4h"]!, (long)all["byAge"]!["from4hTo24h"]!, (long)all["byAge"]!["over24h"]!));
        var reasons = all["byReason"]!.AsArray().ToDictionary(r => (string)r!["reason"]!, r => (long)r!["total"]!);
        Assert.Equal(new Dictionary<string, long> { ["CreditLimit"] = 1, ["ManualReview"] = 4 }, reasons);

        Assert.Equal([credit.OrderId], Ids(await GetAsync($"channel={Channel}&holdReason=CREDIT_LIMIT")));
        Assert.Equal([held[1], held[3]], Ids(await GetAsync($"channel={Channel}&role=supervisor")));
        Assert.Equal([held[0], held[2], held[4]], Ids(await GetAsync($"channel={Channel}&role=reviewer")));
        Assert.Empty(Ids(await GetAsync($"channel={Channel}&minAge=1h")));
        Assert.Equal(held, Ids(await GetAsync($"channel={Channel}&minAge=00:00:00")));
        var byReason = await GetAsync($"channel={Channel}&holdReason=ManualReview");
        Assert.Equal(5L, (long)byReason["total"]!);

        // After sam approves the supervisor step of held[1], its next step is finance, which sam may not take as well.
        Assert.Equal(HttpStatusCode.OK, await PostAsync($"admin/orders/{Uri.EscapeDataString(held[1])}/approve", ReviewQueueHost.SupervisorToken));
        await QueueAsync($"channel={Channel}&role=finance", q => Ids(q).Count == 1);
        Assert.Equal([held[3]], Ids(await GetAsync($"channel={Channel}&mine=true", ReviewQueueHost.SupervisorToken)));
        Assert.Equal([held[1]], Ids(await GetAsync($"channel={Channel}&mine=true", ReviewQueueHost.FinanceToken)));
        Assert.Equal([held[0], held[2], held[4]], Ids(await GetAsync($"channel={Channel}&mine=true", ReviewQueueHost.OperatorToken)));
        var viewerMine = await GetAsync($"channel={Channel}&mine=true", ReviewQueueHost.ViewerToken);
        Assert.Equal((0, 0L), (Ids(viewerMine).Count, (long)viewerMine["total"]!));
        Assert.Equal(held, Ids(await GetAsync($"channel={Channel}", ReviewQueueHost.ViewerToken)));

        var seen = new List<string>();
        string? cursor = null;
        var extra = new List<string>();
        do
        {
            var page = await GetAsync($"channel={Channel}&limit=2" + (cursor is null ? string.Empty : "&cursor=" + Uri.EscapeDataString(cursor)));
            Assert.True(Ids(page).Count <= 2);
            seen.AddRange(Ids(page));
            cursor = (string?)page["nextCursor"];
            if (extra.Count < 2)
            {
                // A hold arriving while the operator pages is the youngest: it shows on a later page, once.
                var late = await PlaceAsync($"late{extra.Count}", 2, 60_000);
                extra.Add(late.OrderId);
                await QueueAsync($"channel={Channel}&limit=500", q => Ids(q).Contains(late.OrderId));
            }
        }
        while (cursor is not null);

        Assert.Equal([.. held, .. extra], seen);
    }

    [Theory]
    [MemberData(nameof(BadParameters))]
    public async Task Bad_parameters_are_400_problems_naming_the_parameter(string path, string parameter)
    {
        using var response = await _probe.GetAsync(path);
        var problem = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(parameter, problem.ToJsonString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_order_search_cursor_is_not_a_review_queue_cursor()
    {
        var search = await _probe.GetJsonAsync("admin/orders?limit=1");
        var cursor = (string?)search["nextCursor"] ?? new OrderGrains.ReadModel.OrderCursor(1, "x").Encode();
        using var response = await _probe.GetAsync("admin/review-queue?cursor=" + Uri.EscapeDataString(cursor));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    public void Dispose() => _probe.Dispose();

    internal static List<string> Ids(JsonNode queue) => [.. queue["items"]!.AsArray().Select(i => (string)i!["orderId"]!)];

    private async Task<JsonNode> GetAsync(string query, string? token = null)
    {
        using var response = await _probe.GetAsync("admin/review-queue?" + query, token);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"GET review-queue?{query}: {(int)response.StatusCode} {text}");
        return JsonNode.Parse(text)!;
    }

    // The projection is asynchronous: asks until the queue satisfies the condition (20 s at most).
    private async Task<JsonNode> QueueAsync(string query, Func<JsonNode, bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            var queue = await GetAsync(query);
            if (condition(queue))
            {
                return queue;
            }

            Assert.True(DateTime.UtcNow < deadline, $"The review queue did not show the expected orders for ?{query}: {queue.ToJsonString()}");
            await Task.Delay(100);
        }
    }

    private async Task<HttpStatusCode> PostAsync(string path, string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await _probe.Http.SendAsync(request);
        return response.StatusCode;
    }

    private async Task SeedAsync()
    {
        await Client.UpsertWarehouseAsync(new Warehouse { WarehouseId = "rq-wh-" + _run, Name = "Berlin", Latitude = 52.52, Longitude = 13.40, Active = true });
        await Client.SetStockAsync(new SetStockRequest { WarehouseId = "rq-wh-" + _run, Sku = Sku, OnHand = 100, SyncId = "seed" });
        await Client.UpsertCustomerAsync(new Customer { CustomerId = Customer, Name = "Ada" });
    }

    private async Task<Order> PlaceAsync(string externalId, int quantity, long unitPrice, string? customer = null)
    {
        var reply = await Client.PlaceOrderAsync(new PlaceOrderRequest
        {
            Channel = Channel,
            ExternalOrderId = externalId,
            CustomerId = customer ?? Customer,
            Currency = "EUR",
            ShipTo = new Address { Recipient = "Ada", Line1 = "Unter den Linden 1", City = "Berlin", Country = "DE", Latitude = 52.5, Longitude = 13.4 },
            Lines = { new OrderLine { Sku = Sku, Quantity = quantity, UnitPriceMinor = unitPrice } },
        });
        return reply.Order;
    }
}
