using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Google.Protobuf.WellKnownTypes;
using OrderGrains.Client;
using OrderGrains.Contracts.V1;
using OrderGrains.Host.Admin;

namespace OrderGrains.Host.Tests.Admin;

/// <summary>One host with an operator and a viewer token; tests use their own ids so they cannot see each other.</summary>
public sealed class AdminHost : IAsyncLifetime
{
    public const string OperatorToken = "op-token-0123456789abcdef";
    public const string ViewerToken = "viewer-token-0123456789abcdef";

    private TestHost? _host;

    public TestHost Host => _host ?? throw new InvalidOperationException("The host has not started.");

    public async Task InitializeAsync() => _host = await TestHost.StartAsync(
        null,
        $"--OrderGrains:Admin:Tokens:0:Token={OperatorToken}",
        "--OrderGrains:Admin:Tokens:0:Name=alice",
        "--OrderGrains:Admin:Tokens:0:Role=operator",
        $"--OrderGrains:Admin:Tokens:1:Token={ViewerToken}",
        "--OrderGrains:Admin:Tokens:1:Name=victor",
        "--OrderGrains:Admin:Tokens:1:Role=viewer",
        "--OrderGrains:Orders:ManualReviewThresholdMinor=100000");

    public async Task DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }
    }
}

/// <summary>The admin REST API against a live host with real grains: authentication, every endpoint's JSON, and the actions.</summary>
public sealed class AdminApiTests(AdminHost fixture) : IClassFixture<AdminHost>, IDisposable
{
    private readonly string _run = Guid.NewGuid().ToString("N")[..8];
    private readonly HttpClient _http = new() { BaseAddress = new Uri($"http://127.0.0.1:{fixture.Host.AdminPort}/"), Timeout = TimeSpan.FromSeconds(30) };

    private OrderGrainsClient Client => fixture.Host.Client;

    /// <summary>Every admin endpoint: method, path template ({order}, {sku}, ... filled per test) and whether it acts.</summary>
    public static TheoryData<string, string, bool> Endpoints => new()
    {
        { "GET", "admin/overview", false },
        { "GET", "admin/orders/{order}", false },
        { "POST", "admin/orders/{order}/approve", true },
        { "POST", "admin/orders/{order}/reject", true },
        { "POST", "admin/orders/{order}/cancel", true },
        { "GET", "admin/skus/{sku}", false },
        { "GET", "admin/warehouses/{warehouse}", false },
        { "GET", "admin/customers/{customer}", false },
        { "GET", "admin/customers/{customer}/receivables", false },
        { "GET", "admin/campaigns", false },
        { "POST", "admin/campaigns", true },
        { "POST", "admin/campaigns/{campaign}/close", true },
        { "GET", "admin/runtime", false },
        { "GET", "admin/cluster", false },
        { "GET", "admin/erp", false },
        { "GET", "admin/erp/dead-letters", false },
        { "POST", "admin/erp/dead-letters/{event}/retry", true },
        { "POST", "admin/orders/{order}/returns/RMA-none/approve", true },
        { "POST", "admin/orders/{order}/returns/RMA-none/reject", true },
        { "POST", "admin/orders/{order}/returns/RMA-none/cancel", true },
        { "GET", "admin/alerts", false },
        { "POST", "admin/alerts/no-such-alert/acknowledge", true },
        { "POST", "admin/alerts/no-such-alert/resolve", true },
        { "GET", "admin/orders", false },
        { "GET", "admin/read-model", false },
        { "GET", "admin/read-model/counts", false },
        { "GET", "admin/read-model/channels", false },
        { "GET", "admin/review-queue", false },
        { "GET", "admin/review-queue?mine=true", false },
        { "GET", "admin/alerts/webhook", false },
        { "POST", "admin/alerts/webhook/given-up/no-such-alert/retry", true },
        { "GET", "admin/thresholds", false },
        { "GET", "admin/skus/{sku}/threshold", false },
        { "PUT", "admin/skus/{sku}/threshold", true },
        { "DELETE", "admin/skus/{sku}/threshold", true },
        { "GET", "admin/promotions", false },
        { "POST", "admin/promotions", true },
        { "POST", "admin/stacking-rules", true },
        { "GET", "admin/skus/{sku}/prices", false },
        { "PUT", "admin/skus/{sku}/prices", true },
        { "POST", "admin/prices/import", true },
        { "POST", "admin/coupons", true },
    };

    [Theory]
    [MemberData(nameof(Endpoints))]
    public async Task Every_admin_endpoint_answers_401_without_a_token_or_with_a_wrong_one(string method, string template, bool acts)
    {
        _ = acts;
        var held = await SeedHeldOrderAsync();
        var path = Fill(template, held);

        foreach (var authorization in new[] { null, "Bearer not-a-token-of-anyone-here", "Bearer " + AdminHost.OperatorToken + "x", "Basic " + AdminHost.OperatorToken, AdminHost.OperatorToken })
        {
            using var response = await SendAsync(method, path, authorization, body: "{}");
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.Contains("Bearer", response.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
        }

        // Nothing an unauthenticated call did reached the order.
        Assert.Equal(OrderStatus.OnHold, (await Client.GetOrderAsync(held.OrderId)).Status);
    }

    [Theory]
    [MemberData(nameof(Endpoints))]
    public async Task Viewers_read_every_endpoint_and_get_403_on_every_action(string method, string template, bool acts)
    {
        var held = await SeedHeldOrderAsync();
        var path = Fill(template, held);

        using var response = await SendAsync(method, path, "Bearer " + AdminHost.ViewerToken, body: acts ? "{}" : null);

        if (acts)
        {
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
            Assert.Contains("victor", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            Assert.Equal(OrderStatus.OnHold, (await Client.GetOrderAsync(held.OrderId)).Status);
        }
        else
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        }
    }

    [Fact]
    public async Task Order_view_shows_the_order_with_its_history_and_an_approval_names_the_operator()
    {
        var held = await SeedHeldOrderAsync();

        var before = await GetJsonAsync($"admin/orders/{Uri.EscapeDataString(held.OrderId)}");
        Assert.Equal(held.OrderId, (string?)before["order"]!["orderId"]);
        Assert.Equal("OnHold", (string?)before["order"]!["status"]);
        Assert.Equal("ManualReview", (string?)before["order"]!["holdReason"]);
        Assert.NotEmpty(before["history"]!.AsArray());

        using var approve = await SendAsync("POST", $"admin/orders/{Uri.EscapeDataString(held.OrderId)}/approve", "Bearer " + AdminHost.OperatorToken);
        Assert.Equal(HttpStatusCode.OK, approve.StatusCode);

        Assert.Equal(OrderStatus.PendingPayment, (await Client.GetOrderAsync(held.OrderId)).Status);
        var history = await Client.GetOrderHistoryAsync(held.OrderId);
        var approval = history.Events[^1];
        Assert.Equal(("approved", "operator:alice"), (approval.Event, approval.Actor));
        var after = await GetJsonAsync($"admin/orders/{Uri.EscapeDataString(held.OrderId)}");
        Assert.Equal("operator:alice", (string?)after["history"]!.AsArray()[^1]!["actor"]);
    }

    [Fact]
    public async Task Operator_reject_cancels_a_held_order_releases_its_stock_and_names_the_operator()
    {
        var held = await SeedHeldOrderAsync();

        using var reject = await SendAsync("POST", $"admin/orders/{Uri.EscapeDataString(held.OrderId)}/reject", "Bearer " + AdminHost.OperatorToken, """{"reason":"looks like fraud"}""");

        Assert.Equal(HttpStatusCode.OK, reject.StatusCode);
        var order = await Client.GetOrderAsync(held.OrderId);
        Assert.Equal(OrderStatus.Cancelled, order.Status);
        Assert.Equal(0, (await Client.GetAvailabilityAsync(Sku)).Reserved);
        var last = (await Client.GetOrderHistoryAsync(held.OrderId)).Events[^1];
        Assert.Equal(("operator:alice", "looks like fraud"), (last.Actor, last.Details));
    }

    [Fact]
    public async Task Operator_cancel_releases_stock_names_the_operator_and_an_illegal_cancel_is_409()
    {
        await SeedAsync();
        var order = await PlaceAsync("small", 2, 100);
        Assert.Equal(2, (await Client.GetAvailabilityAsync(Sku)).Reserved);

        using var cancel = await SendAsync("POST", $"admin/orders/{Uri.EscapeDataString(order.OrderId)}/cancel", "Bearer " + AdminHost.OperatorToken);

        Assert.Equal(HttpStatusCode.OK, cancel.StatusCode);
        Assert.Equal(OrderStatus.Cancelled, (await Client.GetOrderAsync(order.OrderId)).Status);
        Assert.Equal(0, (await Client.GetAvailabilityAsync(Sku)).Reserved);
        Assert.Equal("operator:alice", (await Client.GetOrderHistoryAsync(order.OrderId)).Events[^1].Actor);

        // An ON_HOLD decision on a cancelled order is an illegal transition: 409 with both states named, nothing changes.
        using var approve = await SendAsync("POST", $"admin/orders/{Uri.EscapeDataString(order.OrderId)}/approve", "Bearer " + AdminHost.OperatorToken);
        Assert.Equal(HttpStatusCode.Conflict, approve.StatusCode);
        Assert.Contains("CANCELLED", await approve.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(OrderStatus.Cancelled, (await Client.GetOrderAsync(order.OrderId)).Status);
    }

    [Fact]
    public async Task Sku_view_shows_stock_per_warehouse_the_ledger_tail_and_that_invariants_hold()
    {
        await SeedAsync();
        await PlaceAsync("a", 3, 100);

        var sku = await GetJsonAsync($"admin/skus/{Sku}");

        Assert.Equal(10, (int)sku["availability"]!["onHand"]!);
        Assert.Equal(3, (int)sku["availability"]!["reserved"]!);
        var warehouse = Assert.Single(sku["availability"]!["warehouses"]!.AsArray());
        Assert.Equal((Warehouse, 3), ((string?)warehouse!["warehouseId"], (int)warehouse["reserved"]!));
        Assert.True((bool)sku["invariants"]!["holds"]!);
        Assert.Equal(0, (long)sku["ledger"]!["invariantViolations"]!);
        var movements = sku["ledger"]!["recent"]!.AsArray();
        Assert.Contains(movements, m => ((string?)m!["kind"] ?? string.Empty).Contains("Reserve", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Warehouse_view_shows_the_pick_queue_of_a_released_order()
    {
        await SeedAsync();
        var order = await PlaceAsync("q", 4, 100);
        await Client.ConfirmPaymentAsync(new ConfirmPaymentRequest { OrderId = order.OrderId, PaymentReference = "pay", AmountMinor = order.TotalMinor });
        await Client.ReleaseOrderAsync(new ReleaseOrderRequest { OrderId = order.OrderId, Actor = "test" });

        var view = await GetJsonAsync($"admin/warehouses/{Warehouse}");

        Assert.Equal(Warehouse, (string?)view["warehouse"]!["warehouseId"]);
        Assert.Equal(4, (int)view["queuedUnits"]!);
        Assert.Contains(order.OrderId, view["queue"]!.ToJsonString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Customer_view_shows_exposure_credit_left_and_units_per_campaign()
    {
        await SeedAsync(creditLimit: 1_000_000);
        var campaignId = Id("sale");
        await Client.UpsertCampaignAsync(new Campaign
        {
            CampaignId = campaignId,
            Sku = Sku,
            PriceMinor = 50,
            Quota = 5,
            PerCustomerLimit = 2,
            StartsAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddMinutes(-1)),
            EndsAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddHours(1)),
        });
        var order = await PlaceAsync("c", 2, 100, campaignId);
        Assert.Equal(OrderStatus.PendingPayment, order.Status);

        var view = await GetJsonAsync($"admin/customers/{Customer}");

        Assert.Equal(100, (long)view["account"]!["openExposureMinor"]!);
        Assert.Equal(1_000_000 - 100, (long)view["creditRemainingMinor"]!);
        var campaign = Assert.Single(view["campaigns"]!.AsArray());
        Assert.Equal((campaignId, 2), ((string?)campaign!["campaignId"], (int)campaign["units"]!));
    }

    [Fact]
    public async Task Campaigns_are_created_listed_and_closed_and_a_closed_sale_takes_no_more_orders()
    {
        await SeedAsync();
        var campaignId = Id("flash");
        var body = JsonSerializer.Serialize(new
        {
            campaignId,
            sku = Sku,
            priceMinor = 70,
            quota = 4,
            perCustomerLimit = 1,
            startsAt = DateTimeOffset.UtcNow.AddMinutes(-1),
            endsAt = DateTimeOffset.UtcNow.AddHours(1),
        });

        using var created = await SendAsync("POST", "admin/campaigns", "Bearer " + AdminHost.OperatorToken, body);
        Assert.Equal(HttpStatusCode.OK, created.StatusCode);
        var listed = (await GetJsonAsync("admin/campaigns")).AsArray().Single(c => (string?)c!["definition"]!["campaignId"] == campaignId)!;
        Assert.Equal((4, 0), ((int)listed["remaining"]!, (int)listed["taken"]!));
        Assert.Equal(OrderStatus.PendingPayment, (await PlaceAsync("before-close", 1, 100, campaignId)).Status);

        using var closed = await SendAsync("POST", $"admin/campaigns/{campaignId}/close", "Bearer " + AdminHost.OperatorToken);
        Assert.Equal(HttpStatusCode.OK, closed.StatusCode);
        Assert.NotNull((string?)JsonNode.Parse(await closed.Content.ReadAsStringAsync())!["closedAt"]);

        var after = await PlaceAsync("after-close", 1, 100, campaignId, customer: Id("other"));
        Assert.Equal((OrderStatus.Rejected, RejectReason.CampaignNotActive), (after.Status, after.RejectReason));
        var reopen = await SendAsync("POST", "admin/campaigns", "Bearer " + AdminHost.OperatorToken, body.Replace("\"quota\":4", "\"quota\":9", StringComparison.Ordinal));
        Assert.Equal(HttpStatusCode.Conflict, reopen.StatusCode);
    }

    [Fact]
    public async Task Malformed_or_incomplete_campaign_bodies_are_400_with_the_reason_and_create_nothing()
    {
        var campaignId = Id("bad");
        using var malformed = await SendAsync("POST", "admin/campaigns", "Bearer " + AdminHost.OperatorToken, "{\"campaignId\": \"" + campaignId + "\", ");
        Assert.Equal(HttpStatusCode.BadRequest, malformed.StatusCode);
        Assert.Contains("Malformed JSON", await malformed.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        using var noEnd = await SendAsync("POST", "admin/campaigns", "Bearer " + AdminHost.OperatorToken, $$"""{"campaignId":"{{campaignId}}","sku":"x","quota":1,"startsAt":"2026-01-01T00:00:00Z"}""");
        Assert.Equal(HttpStatusCode.BadRequest, noEnd.StatusCode);
        Assert.Contains("endsAt", await noEnd.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        Assert.DoesNotContain(campaignId, (await GetJsonAsync("admin/campaigns")).ToJsonString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("admin/orders/web:never-placed")]
    [InlineData("admin/skus/never-stocked")]
    [InlineData("admin/warehouses/nowhere")]
    [InlineData("admin/customers/nobody")]
    public async Task Unknown_ids_are_404_with_a_problem_naming_them(string path)
    {
        using var response = await SendAsync("GET", path, "Bearer " + AdminHost.ViewerToken);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains(path[(path.LastIndexOf('/') + 1)..], await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Erp_view_counts_the_documents_of_a_completed_order_and_retrying_an_unknown_dead_letter_is_404()
    {
        await SeedAsync();
        var before = (long)(await GetJsonAsync("admin/erp"))["posted"]!;
        var order = await PlaceAsync("erp", 1, 100);
        Assert.Equal(OrderStatus.Completed, (await OrderLifecycle.CompleteAsync(Client, order, Warehouse, Sku, 1, "erp")).Status);

        // The payment and the invoice, posted asynchronously by the forwarders.
        var deadline = DateTime.UtcNow.AddSeconds(30);
        JsonNode erp;
        do
        {
            await Task.Delay(200);
            erp = await GetJsonAsync("admin/erp");
        }
        while ((long)erp["posted"]! < before + 2 && DateTime.UtcNow < deadline);

        Assert.True((long)erp["posted"]! >= before + 2, erp.ToJsonString());
        Assert.Equal(8, erp["partitions"]!.AsArray().Count);
        using var retry = await SendAsync("POST", "admin/erp/dead-letters/no-such-event/retry", "Bearer " + AdminHost.OperatorToken);
        Assert.Equal(HttpStatusCode.NotFound, retry.StatusCode);
    }

    [Fact]
    public async Task Overview_counts_placements_by_channel_and_outcome_and_shows_the_hot_sku()
    {
        await SeedAsync();
        for (var i = 0; i < 3; i++)
        {
            await PlaceAsync("ov" + i, 1, 100);
        }

        var rejected = await PlaceAsync("ov-too-many", 50, 100);
        Assert.Equal(OrderStatus.Rejected, rejected.Status);

        // The window covers full seconds only: wait until the placements' second has closed.
        var deadline = DateTime.UtcNow.AddSeconds(10);
        JsonNode overview;
        do
        {
            await Task.Delay(250);
            overview = await GetJsonAsync("admin/overview");
        }
        while (Total(overview["orders"]!["perSecond"]!.AsArray(), Channel, "rejected") < 1 && DateTime.UtcNow < deadline);

        var hot = overview["hotSkus"]!.AsArray().Single(s => (string?)s!["sku"] == Sku)!;
        Assert.Equal((10, 3, 7), ((int)hot["onHand"]!, (int)hot["reserved"]!, (int)hot["available"]!));
        var rates = overview["orders"]!["perSecond"]!.AsArray();
        Assert.True(Total(rates, Channel, "accepted") >= 3, rates.ToJsonString());
        Assert.True(Total(rates, Channel, "rejected") >= 1, rates.ToJsonString());
        Assert.True((long)overview["orders"]!["totalPlaced"]! >= 4);
        Assert.True((double)overview["placementLatencyMs"]!["p99"]! >= (double)overview["placementLatencyMs"]!["p50"]!);
        Assert.True((double)overview["placementLatencyMs"]!["p50"]! > 0);
    }

    [Fact]
    public async Task Runtime_view_reports_uptime_admission_activations_and_storage_batches()
    {
        await SeedAsync();
        await PlaceAsync("rt", 1, 100);

        var view = await GetJsonAsync("admin/runtime");

        Assert.True((double)view["uptimeSeconds"]! > 0);
        Assert.True((bool)view["admission"]!["enabled"]!);
        var types = view["silo"]!["grainTypes"]!.AsArray();
        Assert.Contains(types, t => (string?)t!["grainType"] == "order" && (int)t["activations"]! >= 1 && (long)t["totalCalls"]! >= 1);
        Assert.Contains(types, t => (string?)t!["grainType"] == "sku-stock" && (int)t["activations"]! >= 1);
        Assert.True((long)view["silo"]!["storage"]!["writes"]! > 0);
        var overview = await GetJsonAsync("admin/overview");
        Assert.Contains(overview["activations"]!.AsArray(), a => (string?)a!["grainType"] == "order" && (int)a["count"]! >= 1);
    }

    [Fact]
    public async Task Orleans_dashboard_needs_an_admin_token_in_the_header_or_in_the_session_cookie_our_dashboard_sets()
    {
        using var http = new HttpClient(new HttpClientHandler { UseCookies = false }) { BaseAddress = _http.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        async Task<HttpResponseMessage> GetAsync(string path, string? authorization, string? cookie)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, path);
            if (authorization is not null)
            {
                request.Headers.TryAddWithoutValidation("Authorization", authorization);
            }

            if (cookie is not null)
            {
                request.Headers.TryAddWithoutValidation("Cookie", cookie);
            }

            return await http.SendAsync(request);
        }

        using (var anonymous = await GetAsync("admin/orleans/", null, null))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        }

        using (var viewer = await GetAsync("admin/orleans/", "Bearer " + AdminHost.ViewerToken, null))
        {
            Assert.Equal(HttpStatusCode.OK, viewer.StatusCode);
            Assert.Contains("Orleans Dashboard", await viewer.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        using var session = new HttpRequestMessage(HttpMethod.Post, "admin/dashboard-session");
        session.Headers.TryAddWithoutValidation("Authorization", "Bearer " + AdminHost.ViewerToken);
        using var started = await http.SendAsync(session);
        Assert.Equal(HttpStatusCode.NoContent, started.StatusCode);
        var setCookie = Assert.Single(started.Headers.GetValues("Set-Cookie"));
        Assert.Contains("path=/admin/orleans", setCookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("httponly", setCookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", setCookie, StringComparison.OrdinalIgnoreCase);
        var cookie = setCookie.Split(';')[0];

        using (var browser = await GetAsync("admin/orleans/", null, cookie))
        {
            Assert.Equal(HttpStatusCode.OK, browser.StatusCode);
        }

        using (var forged = await GetAsync("admin/orleans/", null, AdminAuthentication.DashboardCookie + "=not-a-token-of-anyone-here"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, forged.StatusCode);
        }

        // The cookie opens Orleans' dashboard only, never the rest of the admin API.
        using (var elsewhere = await GetAsync("admin/overview", null, cookie))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, elsewhere.StatusCode);
        }
    }

    [Fact]
    public async Task OpenApi_document_describes_the_admin_endpoints()
    {
        var document = JsonNode.Parse(await _http.GetStringAsync("openapi/v1.json"))!;

        var paths = document["paths"]!.AsObject().Select(p => p.Key).ToList();
        foreach (var path in new[] { "/admin/overview", "/admin/orders/{id}", "/admin/orders/{id}/approve", "/admin/skus/{sku}", "/admin/warehouses/{id}", "/admin/customers/{id}", "/admin/customers/{id}/receivables", "/admin/campaigns", "/admin/campaigns/{id}/close", "/admin/runtime", "/admin/cluster", "/admin/erp", "/admin/erp/dead-letters", "/admin/erp/dead-letters/{id}/retry", "/admin/orders", "/admin/read-model", "/admin/read-model/counts", "/admin/read-model/channels", "/admin/read-model/channels.csv", "/admin/review-queue" })
        {
            Assert.Contains(path, paths);
        }
    }

    public void Dispose() => _http.Dispose();

    private string Sku => "sku-" + _run;

    private string Warehouse => "wh-" + _run;

    private string Customer => "cust-" + _run;

    private string Channel => "web-" + _run;

    private string Id(string prefix) => $"{prefix}-{_run}";

    private static long Total(JsonArray rates, string channel, string outcome) =>
        rates.Where(r => (string?)r!["channel"] == channel && (string?)r["outcome"] == outcome).Sum(r => (long)r!["total"]!);

    private async Task SeedAsync(long creditLimit = 0)
    {
        await Client.UpsertWarehouseAsync(new Warehouse { WarehouseId = Warehouse, Name = "Berlin", Latitude = 52.52, Longitude = 13.40, Active = true });
        await Client.SetStockAsync(new SetStockRequest { WarehouseId = Warehouse, Sku = Sku, OnHand = 10, SyncId = "seed" });
        await Client.UpsertCustomerAsync(new Customer { CustomerId = Customer, Name = "Ada", CreditLimitMinor = creditLimit });
    }

    /// <summary>An order above the manual-review threshold: ON_HOLD with 2 units reserved.</summary>
    private async Task<Order> SeedHeldOrderAsync()
    {
        await SeedAsync();
        var held = await PlaceAsync("held", 2, 60_000);
        Assert.Equal((OrderStatus.OnHold, HoldReason.ManualReview), (held.Status, held.HoldReason));
        return held;
    }

    private async Task<Order> PlaceAsync(string externalId, int quantity, long unitPrice, string campaignId = "", string? customer = null)
    {
        if (customer is not null)
        {
            await Client.UpsertCustomerAsync(new Customer { CustomerId = customer, Name = customer });
        }

        var reply = await Client.PlaceOrderAsync(new PlaceOrderRequest
        {
            Channel = Channel,
            ExternalOrderId = externalId,
            CustomerId = customer ?? Customer,
            Currency = "EUR",
            CampaignId = campaignId,
            ShipTo = new Address { Recipient = "Ada", Line1 = "Unter den Linden 1", City = "Berlin", Country = "DE", Latitude = 52.5, Longitude = 13.4 },
            Lines = { new OrderLine { Sku = Sku, Quantity = quantity, UnitPriceMinor = unitPrice } },
        });
        return reply.Order;
    }

    private string Fill(string template, Order held) => template
        .Replace("{order}", Uri.EscapeDataString(held.OrderId), StringComparison.Ordinal)
        .Replace("{sku}", Sku, StringComparison.Ordinal)
        .Replace("{warehouse}", Warehouse, StringComparison.Ordinal)
        .Replace("{customer}", Customer, StringComparison.Ordinal)
        .Replace("{campaign}", Id("camp"), StringComparison.Ordinal)
        .Replace("{event}", "no-such-event", StringComparison.Ordinal);

    private async Task<JsonNode> GetJsonAsync(string path)
    {
        using var response = await SendAsync("GET", path, "Bearer " + AdminHost.OperatorToken);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"GET {path}: {(int)response.StatusCode} {text}");
        return JsonNode.Parse(text)!;
    }

    private async Task<HttpResponseMessage> SendAsync(string method, string path, string? authorization, string? body = null)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (authorization is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", authorization);
        }

        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8, new MediaTypeHeaderValue("application/json"));
        }

        return await _http.SendAsync(request);
    }
}
