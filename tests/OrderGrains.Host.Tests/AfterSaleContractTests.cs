using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using OrderGrains.Client;
using OrderGrains.Contracts.V1;
using OrderGrains.Erp;

namespace OrderGrains.Host.Tests;

/// <summary>
/// One host whose "pos" channel requires RMA approval within 14 days (the default channel keeps 30 days and automatic
/// approval), with an operator and a viewer admin token.
/// </summary>
public sealed class AfterSaleHost : IAsyncLifetime
{
    public const string OperatorToken = "after-sale-operator-0123456789";
    public const string ViewerToken = "after-sale-viewer-0123456789";

    private TestHost? _host;

    public TestHost Host => _host ?? throw new InvalidOperationException("The host has not started.");

    public async Task InitializeAsync() => _host = await TestHost.StartAsync(
        null,
        $"--OrderGrains:Admin:Tokens:0:Token={OperatorToken}",
        "--OrderGrains:Admin:Tokens:0:Name=olga",
        "--OrderGrains:Admin:Tokens:0:Role=operator",
        $"--OrderGrains:Admin:Tokens:1:Token={ViewerToken}",
        "--OrderGrains:Admin:Tokens:1:Name=victor",
        "--OrderGrains:Admin:Tokens:1:Role=viewer",
        "--OrderGrains:Returns:Channels:pos:RequireApproval=true",
        "--OrderGrains:Returns:Channels:pos:WindowDays=14");

    public async Task DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }
    }
}

/// <summary>
/// Carrier tracking and the returns policy (issue 14 §3, §4) through the ordergrains.v1 contract with our client and
/// through the admin API, against a real host. Times are real: the window is crossed by a carrier's delivery scan dated
/// 31 days ago, which is what the window counts from.
/// </summary>
public sealed class AfterSaleContractTests(AfterSaleHost fixture) : IClassFixture<AfterSaleHost>, IDisposable
{
    private readonly string _run = Guid.NewGuid().ToString("N")[..8];
    private readonly HttpClient _http = new() { BaseAddress = new Uri($"http://127.0.0.1:{fixture.Host.AdminPort}/"), Timeout = TimeSpan.FromSeconds(30) };

    private OrderGrainsClient Client => fixture.Host.Client;

    private string Sku => "sku-" + _run;

    private string Warehouse => "wh-" + _run;

    [Fact]
    public async Task Tracking_events_out_of_order_are_sorted_replayed_idempotently_confirm_the_delivery_and_reach_watchers_and_the_history()
    {
        var order = await ShippedAsync("web", "t1");
        var now = DateTimeOffset.UtcNow;
        await using var watch = Client.WatchOrderAsync(order.OrderId, OrderGrainsClient.Timeout(TimeSpan.FromSeconds(60))).GetAsyncEnumerator();
        Assert.True(await watch.MoveNextAsync());
        Assert.Equal(order.Version, watch.Current.Version);

        var inTransit = await Client.ReportTrackingEventAsync(Scan(order, "e2", TrackingEventCode.TrackingInTransit, now.AddHours(-2), "hub Leipzig"));
        var pickedUp = Scan(order, "e1", TrackingEventCode.TrackingPickedUp, now.AddHours(-3));
        var late = await Client.ReportTrackingEventAsync(pickedUp);
        Assert.Equal(late, await Client.ReportTrackingEventAsync(pickedUp));
        var conflict = await StatusAsync(StatusCode.AlreadyExists, () => Client.ReportTrackingEventAsync(Scan(order, "e1", TrackingEventCode.TrackingOutForDelivery, now.AddHours(-3))));
        var delivered = await Client.ReportTrackingEventAsync(Scan(order, "e3", TrackingEventCode.TrackingDelivered, now.AddHours(-1)));
        var stray = await Client.ReportTrackingEventAsync(Scan(order, "e4", TrackingEventCode.TrackingInTransit, now.AddMinutes(-30)));

        Assert.Contains("e1", conflict, StringComparison.Ordinal);
        Assert.Equal((OrderStatus.Shipped, TrackingEventCode.TrackingInTransit), (inTransit.Status, inTransit.Shipments[0].TrackingStatus));
        Assert.Equal(["e1", "e2"], late.Shipments[0].TrackingEvents.Select(e => e.EventId));
        Assert.Equal("hub Leipzig", late.Shipments[0].TrackingEvents[1].Details);
        Assert.Equal(OrderStatus.Completed, delivered.Status);
        Assert.Equal(Timestamp.FromDateTimeOffset(now.AddHours(-1)), delivered.Shipments[0].DeliveredAt);
        Assert.Equal((OrderStatus.Completed, TrackingEventCode.TrackingDelivered), (stray.Status, stray.Shipments[0].TrackingStatus));
        Assert.Equal(["e1", "e2", "e3", "e4"], stray.Shipments[0].TrackingEvents.Select(e => e.EventId));

        var seen = new List<Order>();
        while (seen.Count == 0 || seen[^1].Version < stray.Version)
        {
            Assert.True(await watch.MoveNextAsync());
            seen.Add(watch.Current);
        }

        Assert.Contains(seen, o => o.Shipments[0].TrackingEvents.Count == 1 && o.Shipments[0].TrackingStatus == TrackingEventCode.TrackingInTransit);
        Assert.Equal(stray, seen[^1]);

        var history = (await Client.GetOrderHistoryAsync(order.OrderId)).Events.Select(e => e.Event).SkipWhile(e => e != "shipped").Skip(1);
        Assert.Equal(["tracking_in_transit", "tracking_picked_up", "delivered", "tracking_delivered", "completed", "tracking_in_transit"], history);

        // The delivery by scan completed the order as ConfirmDelivery would: the ERP received its sales invoice.
        await LedgerProbe.PostedAsync(fixture.Host, order.OrderId, DocumentTypes.CustomerPayment, DocumentTypes.SalesInvoice);
    }

    [Fact]
    public async Task Unknown_orders_and_shipments_are_not_found_and_bad_reports_are_invalid_argument_naming_the_field()
    {
        var order = await ShippedAsync("web", "t2");
        var good = Scan(order, "e1", TrackingEventCode.TrackingInTransit, DateTimeOffset.UtcNow);

        await StatusAsync(StatusCode.NotFound, () => Client.ReportTrackingEventAsync(Scan(order, "e1", TrackingEventCode.TrackingInTransit, DateTimeOffset.UtcNow, orderId: "web:never-" + _run)));
        await StatusAsync(StatusCode.NotFound, () => Client.ReportTrackingEventAsync(With(good, r => r.ShipmentId = "nope")));
        var code = await StatusAsync(StatusCode.InvalidArgument, () => Client.ReportTrackingEventAsync(With(good, r => r.Code = TrackingEventCode.Unspecified)));
        var unknownCode = await StatusAsync(StatusCode.InvalidArgument, () => Client.ReportTrackingEventAsync(With(good, r => r.Code = (TrackingEventCode)17)));
        var time = await StatusAsync(StatusCode.InvalidArgument, () => Client.ReportTrackingEventAsync(With(good, r => r.EventTime = null)));
        var id = await StatusAsync(StatusCode.InvalidArgument, () => Client.ReportTrackingEventAsync(With(good, r => r.EventId = "")));
        var parcel = await StatusAsync(StatusCode.FailedPrecondition, () => Client.ReportTrackingEventAsync(With(good, r => r.TrackingNumber = "someone else's")));

        Assert.Contains("code:", code, StringComparison.Ordinal);
        Assert.Contains("code: '17'", unknownCode, StringComparison.Ordinal);
        Assert.Contains("event_time:", time, StringComparison.Ordinal);
        Assert.Contains("event_id:", id, StringComparison.Ordinal);
        Assert.Contains("TRK-" + order.ExternalOrderId, parcel, StringComparison.Ordinal);
        Assert.Empty((await Client.GetOrderAsync(order.OrderId)).Shipments[0].TrackingEvents);
    }

    [Fact]
    public async Task A_carrier_exception_is_an_alert_operators_see_in_the_admin_api_and_acknowledge_by_name()
    {
        var order = await ShippedAsync("web", "t3");
        await Client.ReportTrackingEventAsync(Scan(order, "x1", TrackingEventCode.TrackingException, DateTimeOffset.UtcNow.AddMinutes(-5), "address unknown"));

        var alert = (await AlertsAsync()).Single(a => (string?)a!["subject"] == order.OrderId)!;
        var alertId = (string)alert["alertId"]!;
        Assert.Equal(("exception", "Open"), ((string?)alert["kind"], (string?)alert["status"]));
        Assert.Contains("address unknown", (string)alert["message"]!, StringComparison.Ordinal);

        using var byViewer = await SendAsync("POST", $"admin/alerts/{Uri.EscapeDataString(alertId)}/acknowledge", AfterSaleHost.ViewerToken);
        using var anonymous = await SendAsync("POST", $"admin/alerts/{Uri.EscapeDataString(alertId)}/acknowledge", null);
        using var acknowledged = await SendAsync("POST", $"admin/alerts/{Uri.EscapeDataString(alertId)}/acknowledge", AfterSaleHost.OperatorToken);
        using var unknown = await SendAsync("POST", "admin/alerts/no-such-alert/resolve", AfterSaleHost.OperatorToken);
        using var badFilter = await SendAsync("GET", "admin/alerts?status=maybe", AfterSaleHost.ViewerToken);

        Assert.Equal((HttpStatusCode.Forbidden, HttpStatusCode.Unauthorized, HttpStatusCode.OK), (byViewer.StatusCode, anonymous.StatusCode, acknowledged.StatusCode));
        Assert.Equal((HttpStatusCode.NotFound, HttpStatusCode.BadRequest), (unknown.StatusCode, badFilter.StatusCode));
        var after = (await AlertsAsync("?status=acknowledged")).Single(a => (string?)a!["alertId"] == alertId)!;
        Assert.Equal(("Acknowledged", "operator:olga"), ((string?)after["status"], (string?)after["decidedBy"]));
        Assert.DoesNotContain(await AlertsAsync("?status=open"), a => (string?)a!["alertId"] == alertId);
    }

    [Fact]
    public async Task A_return_after_the_window_is_failed_precondition_naming_the_window_and_reason_codes_are_recorded()
    {
        var late = await ShippedAsync("web", "w1");
        var recent = await ShippedAsync("web", "w2");
        await Client.ReportTrackingEventAsync(Scan(late, "d", TrackingEventCode.TrackingDelivered, DateTimeOffset.UtcNow.AddDays(-31)));
        await Client.ReportTrackingEventAsync(Scan(recent, "d", TrackingEventCode.TrackingDelivered, DateTimeOffset.UtcNow.AddDays(-29)));

        var refused = await StatusAsync(StatusCode.FailedPrecondition, () => Client.RequestReturnAsync(Return(late, "r1", 1, ReturnReason.Defective)));
        var requested = await Client.RequestReturnAsync(Return(recent, "r1", 1, ReturnReason.Defective));
        var badReason = await StatusAsync(StatusCode.InvalidArgument, () => Client.RequestReturnAsync(Return(recent, "r2", 1, (ReturnReason)77)));

        Assert.Contains("return window of channel 'web' (30 days after delivery) closed at", refused, StringComparison.Ordinal);
        var rma = Assert.Single(requested.Returns);
        Assert.Equal((ReturnReason.Defective, ReturnAuthorizationStatus.RmaApproved, "policy"), (rma.ReasonCode, rma.Status, rma.DecidedBy));
        Assert.Contains("reason_code:", badReason, StringComparison.Ordinal);
        Assert.Contains("reason Defective", (await Client.GetOrderHistoryAsync(recent.OrderId)).Events[^1].Details, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Where_the_channel_requires_approval_operators_approve_reject_and_cancel_rmas_through_the_admin_api_and_are_named_in_the_history()
    {
        var approved = await DeliveredAsync("pos", "a1");
        var rejected = await DeliveredAsync("pos", "a2");
        var cancelled = await DeliveredAsync("web", "a3");
        var approvedRma = (await Client.RequestReturnAsync(Return(approved, "r", 2, ReturnReason.SizeOrFit))).Returns[0];
        var rejectedRma = (await Client.RequestReturnAsync(Return(rejected, "r", 2, ReturnReason.NoLongerNeeded))).Returns[0].RmaId;
        var cancelledRma = (await Client.RequestReturnAsync(Return(cancelled, "r", 1, ReturnReason.WrongItem))).Returns[0].RmaId;
        var receipt = new ReturnReceipt { OrderId = approved.OrderId, RmaId = approvedRma.RmaId, WarehouseId = Warehouse, Lines = { new ReturnedLine { Sku = Sku, Quantity = 2, Condition = ItemCondition.Resalable } } };

        Assert.Equal(ReturnAuthorizationStatus.RmaAwaitingApproval, approvedRma.Status);
        var early = await StatusAsync(StatusCode.FailedPrecondition, () => Client.ReceiveReturnAsync(receipt));
        using var byViewer = await SendAsync("POST", RmaPath(approved, approvedRma.RmaId, "approve"), AfterSaleHost.ViewerToken);
        using var anonymous = await SendAsync("POST", RmaPath(approved, approvedRma.RmaId, "approve"), null);
        using var approve = await SendAsync("POST", RmaPath(approved, approvedRma.RmaId, "approve"), AfterSaleHost.OperatorToken);
        var received = await Client.ReceiveReturnAsync(receipt);
        using var reject = await SendAsync("POST", RmaPath(rejected, rejectedRma, "reject"), AfterSaleHost.OperatorToken, """{"reason":"worn"}""");
        using var cancel = await SendAsync("POST", RmaPath(cancelled, cancelledRma, "cancel"), AfterSaleHost.OperatorToken);
        using var approveCancelled = await SendAsync("POST", RmaPath(cancelled, cancelledRma, "approve"), AfterSaleHost.OperatorToken);
        using var unknown = await SendAsync("POST", RmaPath(cancelled, "RMA-nope", "cancel"), AfterSaleHost.OperatorToken);

        Assert.Contains("RMA_AWAITING_APPROVAL", early, StringComparison.Ordinal);
        Assert.Equal((HttpStatusCode.Forbidden, HttpStatusCode.Unauthorized), (byViewer.StatusCode, anonymous.StatusCode));
        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK), (approve.StatusCode, reject.StatusCode, cancel.StatusCode));
        Assert.Equal((HttpStatusCode.Conflict, HttpStatusCode.NotFound), (approveCancelled.StatusCode, unknown.StatusCode));
        Assert.Contains("RMA_CANCELLED", await approveCancelled.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal((OrderStatus.PartiallyReturned, ReturnAuthorizationStatus.RmaReceived, "operator:olga"), (received.Status, received.Returns[0].Status, received.Returns[0].DecidedBy));

        var afterReject = await Client.GetOrderAsync(rejected.OrderId);
        Assert.Equal((OrderStatus.Completed, ReturnAuthorizationStatus.RmaRejected, "worn"), (afterReject.Status, afterReject.Returns[0].Status, afterReject.Returns[0].DecisionNote));
        var afterCancel = await Client.GetOrderAsync(cancelled.OrderId);
        Assert.Equal((OrderStatus.Completed, ReturnAuthorizationStatus.RmaCancelled), (afterCancel.Status, afterCancel.Returns[0].Status));
        foreach (var (order, @event) in new[] { (approved, "return_approved"), (rejected, "return_rejected"), (cancelled, "return_cancelled") })
        {
            var entry = (await Client.GetOrderHistoryAsync(order.OrderId)).Events.Single(e => e.Event == @event);
            Assert.Equal("operator:olga", entry.Actor);
        }

        var view = await GetJsonAsync($"admin/orders/{Uri.EscapeDataString(rejected.OrderId)}");
        Assert.Equal(("Rejected", "NoLongerNeeded"), ((string?)view["order"]!["returns"]![0]!["status"], (string?)view["order"]!["returns"]![0]!["reasonCode"]));
    }

    public void Dispose() => _http.Dispose();

    private static string RmaPath(Order order, string rmaId, string action) =>
        $"admin/orders/{Uri.EscapeDataString(order.OrderId)}/returns/{Uri.EscapeDataString(rmaId)}/{action}";

    private TrackingEventReport Scan(Order order, string eventId, TrackingEventCode code, DateTimeOffset at, string details = "", string? orderId = null) => new()
    {
        OrderId = orderId ?? order.OrderId,
        ShipmentId = "s-" + order.ExternalOrderId,
        EventId = eventId,
        Carrier = "DHL",
        TrackingNumber = "TRK-" + order.ExternalOrderId,
        Code = code,
        EventTime = Timestamp.FromDateTimeOffset(at),
        Details = details,
    };

    private static TrackingEventReport With(TrackingEventReport report, Action<TrackingEventReport> change)
    {
        var copy = report.Clone();
        change(copy);
        return copy;
    }

    private ReturnRequest Return(Order order, string requestId, int quantity, ReturnReason code) => new()
    {
        OrderId = order.OrderId,
        ReturnRequestId = requestId,
        Reason = "customer's words",
        ReasonCode = code,
        Lines = { new LineQuantity { Sku = Sku, Quantity = quantity } },
    };

    /// <summary>Placed on <paramref name="channel"/>, paid, released and shipped as "s-&lt;external id&gt;" (3 units, SHIPPED).</summary>
    private async Task<Order> ShippedAsync(string channel, string name)
    {
        await Client.UpsertWarehouseAsync(new Warehouse { WarehouseId = Warehouse, Name = "Berlin", Latitude = 52.52, Longitude = 13.40, Active = true });
        await Client.SetStockAsync(new SetStockRequest { WarehouseId = Warehouse, Sku = Sku, OnHand = 100, SyncId = "seed-" + name });
        await Client.UpsertCustomerAsync(new Customer { CustomerId = "ada", Name = "Ada" });
        var externalId = $"{name}-{_run}";
        var placed = (await Client.PlaceOrderAsync(new PlaceOrderRequest
        {
            Channel = channel,
            ExternalOrderId = externalId,
            CustomerId = "ada",
            Currency = "EUR",
            ShipTo = new Address { Recipient = "Ada", Line1 = "Unter den Linden 1", City = "Berlin", Country = "DE", Latitude = 52.5, Longitude = 13.4 },
            Lines = { new OrderLine { Sku = Sku, Quantity = 3, UnitPriceMinor = 1_000 } },
        })).Order;
        Assert.Equal(OrderStatus.PendingPayment, placed.Status);
        await Client.ConfirmPaymentAsync(new ConfirmPaymentRequest { OrderId = placed.OrderId, PaymentReference = "pay-" + externalId, AmountMinor = placed.TotalMinor });
        await Client.ReleaseOrderAsync(new ReleaseOrderRequest { OrderId = placed.OrderId, Actor = "ops" });
        var shipped = await Client.ReportShipmentAsync(new ShipmentReport
        {
            OrderId = placed.OrderId,
            WarehouseId = Warehouse,
            ShipmentId = "s-" + externalId,
            Carrier = "DHL",
            TrackingNumber = "TRK-" + externalId,
            Lines = { new LineQuantity { Sku = Sku, Quantity = 3 } },
        });
        Assert.Equal(OrderStatus.Shipped, shipped.Status);
        return shipped;
    }

    private async Task<Order> DeliveredAsync(string channel, string name)
    {
        var shipped = await ShippedAsync(channel, name);
        var completed = await Client.ConfirmDeliveryAsync(new DeliveryConfirmation { OrderId = shipped.OrderId, ShipmentId = shipped.Shipments[0].ShipmentId });
        Assert.Equal(OrderStatus.Completed, completed.Status);
        return completed;
    }

    private async Task<JsonArray> AlertsAsync(string query = "") => (await GetJsonAsync("admin/alerts" + query))["alerts"]!.AsArray();

    private async Task<JsonNode> GetJsonAsync(string path)
    {
        using var response = await SendAsync("GET", path, AfterSaleHost.ViewerToken);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"GET {path}: {(int)response.StatusCode} {text}");
        return JsonNode.Parse(text)!;
    }

    private async Task<HttpResponseMessage> SendAsync(string method, string path, string? token, string? body = null)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8, new MediaTypeHeaderValue("application/json"));
        }

        return await _http.SendAsync(request);
    }

    private static async Task<string> StatusAsync(StatusCode expected, Func<Task> call)
    {
        var error = await Assert.ThrowsAsync<RpcException>(call);
        Assert.Equal(expected, error.StatusCode);
        return error.Status.Detail;
    }
}
