using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using OrderGrains.Client;
using OrderGrains.Contracts.V1;
using OrderGrains.ReadModel;

namespace OrderGrains.Host.Tests.ReadModel;

/// <summary>One SQLite host with an operator and a viewer token; each test uses its own channel, customer and SKU.</summary>
public sealed class ReadModelHost : IAsyncLifetime
{
    public const string OperatorToken = "rm-op-token-0123456789abcdef";
    public const string ViewerToken = "rm-viewer-token-0123456789abcdef";

    private TestHost? _host;

    public TestHost Host => _host ?? throw new InvalidOperationException("The host has not started.");

    public async Task InitializeAsync() => _host = await TestHost.StartAsync(
        null,
        $"--OrderGrains:Admin:Tokens:0:Token={OperatorToken}",
        "--OrderGrains:Admin:Tokens:0:Name=olga",
        "--OrderGrains:Admin:Tokens:0:Role=operator",
        $"--OrderGrains:Admin:Tokens:1:Token={ViewerToken}",
        "--OrderGrains:Admin:Tokens:1:Name=vera",
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

/// <summary>
/// The order read model on a live host with real grains and SQLite: the projection of every kind of order event, its
/// idempotence and rebuild, and the admin API over it (search with filters and paging, counts, channel figures as JSON
/// and CSV, validation, authentication).
/// </summary>
public sealed class OrderReadModelTests(ReadModelHost fixture) : IClassFixture<ReadModelHost>, IDisposable
{
    private readonly string _run = Guid.NewGuid().ToString("N")[..8];
    private readonly ReadModelProbe _probe = new(fixture.Host.AdminPort, ReadModelHost.OperatorToken);

    private OrderGrainsClient Client => fixture.Host.Client;

    private string Sku => "rm-sku-" + _run;

    private string Warehouse => "rm-wh-" + _run;

    private string Customer => "rm-cust-" + _run;

    private string Channel => "rm-" + _run;

    public static TheoryData<string> ReadModelEndpoints => new()
    {
        "admin/orders",
        "admin/read-model",
        "admin/read-model/counts",
        "admin/read-model/channels",
        "admin/read-model/channels.csv",
    };

    public static TheoryData<string, string> BadParameters => new()
    {
        { "admin/orders?limit=0", "limit" },
        { "admin/orders?limit=501", "limit" },
        { "admin/orders?limit=ten", "limit" },
        { "admin/orders?status=Lost", "status" },
        { "admin/orders?status=3", "status" },
        { "admin/orders?holdReason=Whim", "holdReason" },
        { "admin/orders?createdFrom=yesterday", "createdFrom" },
        { "admin/orders?createdFrom=2026-12-02T00:00:00Z&createdTo=2026-12-01T00:00:00Z", "createdTo" },
        { "admin/orders?cursor=not-a-cursor", "cursor" },
        { "admin/read-model/counts?createdTo=soon", "createdTo" },
        { "admin/read-model/channels?from=2026-13-01", "from" },
        { "admin/read-model/channels?from=2026-12-02&to=2026-12-01", "to" },
        { "admin/read-model/channels?from=2025-01-01&to=2026-12-01", "from" },
        { "admin/read-model/channels.csv?to=12/01/2026", "to" },
    };

    [Fact]
    public async Task Projection_follows_an_order_through_every_status_with_units_revenue_cancellations_and_returns()
    {
        await SeedAsync(onHand: 20);
        var order = await PlaceAsync("life", 3, 1_000);
        var row = await _probe.RowAsync(Customer, order.OrderId, "PendingPayment");
        Assert.Equal((Channel, 3, 3_000L, "EUR"), ((string?)row["channel"], (int)row["units"]!, (long)row["totalMinor"]!, (string?)row["currency"]));
        Assert.Equal(Sku, (string?)row["skus"]![0]);

        var call = OrderGrainsClient.Timeout(TimeSpan.FromSeconds(30));
        await Client.ConfirmPaymentAsync(new ConfirmPaymentRequest { OrderId = order.OrderId, PaymentReference = "pay-" + _run, AmountMinor = 3_000 }, call);
        Assert.True((bool)(await _probe.RowAsync(Customer, order.OrderId, "Paid"))["paid"]!);
        await Client.ReleaseOrderAsync(new ReleaseOrderRequest { OrderId = order.OrderId, Actor = "test" }, call);
        await _probe.RowAsync(Customer, order.OrderId, "Released");
        await Client.ReportShipmentAsync(new ShipmentReport
        {
            OrderId = order.OrderId, WarehouseId = Warehouse, ShipmentId = "s1", Carrier = "DHL", TrackingNumber = "T1",
            Lines = { new LineQuantity { Sku = Sku, Quantity = 3 } },
        }, call);
        await _probe.RowAsync(Customer, order.OrderId, "Shipped");
        await Client.ConfirmDeliveryAsync(new DeliveryConfirmation { OrderId = order.OrderId, ShipmentId = "s1" }, call);
        await _probe.RowAsync(Customer, order.OrderId, "Completed");
        var requested = await Client.RequestReturnAsync(new ReturnRequest { OrderId = order.OrderId, ReturnRequestId = "r1", Reason = "too small", Lines = { new LineQuantity { Sku = Sku, Quantity = 1 } } }, call);
        await _probe.RowAsync(Customer, order.OrderId, "ReturnRequested");
        await Client.ReceiveReturnAsync(new ReturnReceipt
        {
            OrderId = order.OrderId, RmaId = requested.Returns[0].RmaId, WarehouseId = Warehouse,
            Lines = { new ReturnedLine { Sku = Sku, Quantity = 1, Condition = ItemCondition.Resalable } },
        }, call);
        var returned = await _probe.RowAsync(Customer, order.OrderId, "PartiallyReturned");
        Assert.Equal((1, 0), ((int)returned["returnedUnits"]!, (int)returned["cancelledUnits"]!));

        var held = await PlaceAsync("held", 2, 60_000);
        var heldRow = await _probe.RowAsync(Customer, held.OrderId, "OnHold");
        Assert.Equal("ManualReview", (string?)heldRow["holdReason"]);
        using (var approve = new HttpRequestMessage(HttpMethod.Post, $"admin/orders/{Uri.EscapeDataString(held.OrderId)}/approve"))
        {
            approve.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", ReadModelHost.OperatorToken);
            using var approved = await _probe.Http.SendAsync(approve);
            Assert.Equal(HttpStatusCode.OK, approved.StatusCode);
        }

        var approvedRow = await _probe.RowAsync(Customer, held.OrderId, "PendingPayment");
        Assert.Null(approvedRow["holdReason"]);

        var cancelled = await PlaceAsync("cancelled", 2, 1_000);
        await Client.CancelOrderAsync(new CancelOrderRequest { OrderId = cancelled.OrderId, Reason = "changed mind" }, call);
        Assert.Equal(2, (int)(await _probe.RowAsync(Customer, cancelled.OrderId, "Cancelled"))["cancelledUnits"]!);

        var rejected = await PlaceAsync("rejected", 1, 1_000, sku: "rm-never-stocked-" + _run);
        Assert.Equal(OrderStatus.Rejected, rejected.Status);
        Assert.NotNull((await _probe.RowAsync(Customer, rejected.OrderId, "Rejected"))["rejectReason"]);
    }

    [Fact]
    public async Task Redelivered_older_and_replayed_events_change_no_row()
    {
        await SeedAsync(onHand: 10);
        var paid = await PlaceAsync("paid", 2, 1_500);
        await Client.ConfirmPaymentAsync(new ConfirmPaymentRequest { OrderId = paid.OrderId, PaymentReference = "p-" + _run, AmountMinor = 3_000 });
        var cancelled = await PlaceAsync("cancel", 1, 1_500);
        await Client.CancelOrderAsync(new CancelOrderRequest { OrderId = cancelled.OrderId, Reason = "x" });
        await _probe.RowAsync(Customer, paid.OrderId, "Paid");
        await _probe.RowAsync(Customer, cancelled.OrderId, "Cancelled");
        var before = (await _probe.OrdersAsync($"customer={Customer}")).ToJsonString();

        // An older version of each order arrives again (redelivery after a crash): the stored newer rows win.
        var store = fixture.Host.Services.GetRequiredService<IOrderReadStore>();
        var stale = (await store.SearchAsync(new OrderQuery(null, null, Customer, null, null, null, null, 10, null), default)).Orders
            .Select(r => r with { Version = 1, Status = Abstractions.OrderStatus.PendingPayment, TotalMinor = 1 })
            .ToList();
        Assert.Equal(2, stale.Count);
        await store.ApplyAsync(stale, default);
        await store.ApplyAsync(stale, default);
        Assert.Equal(before, (await _probe.OrdersAsync($"customer={Customer}")).ToJsonString());

        // Every partition replays the whole stream from sequence 0 into the same table: nothing changes.
        var grains = fixture.Host.Services.GetRequiredService<IGrainFactory>();
        await Task.WhenAll(Enumerable.Range(0, 8).Select(p => grains.GetGrain<IOrderProjectorGrain>(p.ToString(CultureInfo.InvariantCulture)).ReplayAsync()));
        await CaughtUpAsync();
        Assert.Equal(before, (await _probe.OrdersAsync($"customer={Customer}")).ToJsonString());
    }

    [Fact]
    public async Task A_table_dropped_under_the_running_host_is_rebuilt_from_the_stream()
    {
        await SeedAsync(onHand: 10);
        var first = await PlaceAsync("a", 1, 1_000);
        await Client.ConfirmPaymentAsync(new ConfirmPaymentRequest { OrderId = first.OrderId, PaymentReference = "p-" + _run, AmountMinor = 1_000 });
        var second = await PlaceAsync("b", 1, 1_000);
        await _probe.RowAsync(Customer, first.OrderId, "Paid");
        await _probe.RowAsync(Customer, second.OrderId, "PendingPayment");
        var before = (await _probe.OrdersAsync($"customer={Customer}")).ToJsonString();

        await DropTableAsync(fixture.Host.DataDirectory);
        Assert.Empty(await _probe.OrdersAsync($"customer={Customer}"));

        // The next event finds the table gone: the projector recreates it and every partition replays.
        var third = await PlaceAsync("c", 1, 1_000);
        await _probe.EventuallyAsync($"customer={Customer}", rows => rows.Count == 3);
        await CaughtUpAsync();
        var after = await _probe.OrdersAsync($"customer={Customer}");
        Assert.Equal(third.OrderId, (string?)after[0]!["orderId"]);
        Assert.Equal(before, new JsonArray([.. after.Skip(1).Select(n => n!.DeepClone())]).ToJsonString());
    }

    [Fact]
    public async Task Pages_have_no_duplicates_or_gaps_while_new_orders_arrive()
    {
        await SeedAsync(onHand: 1_000);
        var existing = new List<string>();
        for (var i = 0; i < 23; i++)
        {
            existing.Add((await PlaceAsync($"p{i:D2}", 1, 100)).OrderId);
        }

        await _probe.EventuallyAsync($"customer={Customer}&limit=500", rows => rows.Count == 23);
        var seen = new List<JsonNode>();
        string? cursor = null;
        var extra = 0;
        do
        {
            var page = await _probe.GetJsonAsync($"admin/orders?customer={Customer}&limit=5" + (cursor is null ? string.Empty : "&cursor=" + Uri.EscapeDataString(cursor)));
            var orders = page["orders"]!.AsArray();
            Assert.True(orders.Count <= 5);
            seen.AddRange(orders.Select(o => o!.DeepClone()));
            cursor = (string?)page["nextCursor"];

            // New orders land while the operator pages.
            await PlaceAsync($"new{extra++}", 1, 100);
        }
        while (cursor is not null);

        var ids = seen.Select(o => (string)o["orderId"]!).ToList();
        Assert.Equal(ids.Count, ids.Distinct(StringComparer.Ordinal).Count());
        Assert.All(existing, id => Assert.Contains(id, ids));
        var keys = seen.Select(o => (DateTimeOffset.Parse((string)o["createdAt"]!, CultureInfo.InvariantCulture), (string)o["orderId"]!)).ToList();
        var sorted = keys.OrderByDescending(k => k.Item1).ThenByDescending(k => k.Item2, StringComparer.Ordinal).ToList();
        Assert.Equal(sorted, keys);
    }

    [Fact]
    public async Task Filters_narrow_the_search_and_counts_split_by_status_and_channel()
    {
        await SeedAsync(onHand: 50);
        var start = DateTimeOffset.UtcNow.AddSeconds(-1);
        var otherSku = "rm-other-" + _run;
        await Client.SetStockAsync(new SetStockRequest { WarehouseId = Warehouse, Sku = otherSku, OnHand = 50, SyncId = "seed2" });
        var pending = await PlaceAsync("f1", 1, 1_000);
        var paid = await PlaceAsync("f2", 2, 1_000, sku: otherSku);
        await Client.ConfirmPaymentAsync(new ConfirmPaymentRequest { OrderId = paid.OrderId, PaymentReference = "p-" + _run, AmountMinor = 2_000 });
        var held = await PlaceAsync("f3", 2, 60_000);
        var other = await PlaceAsync("f4", 1, 1_000, customer: "rm-other-cust-" + _run);
        // Every row is projected before the filters are read: the four orders may sit in different partitions.
        await _probe.RowAsync(Customer, pending.OrderId, "PendingPayment");
        await _probe.RowAsync(Customer, paid.OrderId, "Paid");
        await _probe.RowAsync(Customer, held.OrderId, "OnHold");
        await _probe.RowAsync("rm-other-cust-" + _run, other.OrderId, "PendingPayment");

        Assert.Equal([paid.OrderId], await IdsAsync($"channel={Channel}&status=Paid"));
        Assert.Equal([paid.OrderId], await IdsAsync($"channel={Channel}&status=PAID"));
        Assert.Equal([held.OrderId], await IdsAsync($"channel={Channel}&holdReason=MANUAL_REVIEW"));
        Assert.Equal([paid.OrderId], await IdsAsync($"sku={otherSku}"));
        Assert.Equal([other.OrderId], await IdsAsync($"customer=rm-other-cust-{_run}"));
        Assert.Equal([pending.OrderId], await IdsAsync($"customer={Customer}&status=PendingPayment&channel={Channel}"));
        Assert.Equal(4, (await IdsAsync($"channel={Channel}&createdFrom={Uri.EscapeDataString(start.ToString("O"))}")).Count);
        Assert.Empty(await IdsAsync($"channel={Channel}&createdTo={Uri.EscapeDataString(start.ToString("O"))}"));

        var counts = await _probe.GetJsonAsync($"admin/read-model/counts?createdFrom={Uri.EscapeDataString(start.ToString("O"))}");
        Assert.Equal(4, (long)counts["byChannel"]![Channel]!);
        Assert.True((long)counts["byStatus"]!["OnHold"]! >= 1);
        Assert.True((long)counts["byStatus"]!["Paid"]! >= 1);
        Assert.True((long)counts["total"]! >= 4);
    }

    [Fact]
    public async Task Channel_figures_per_day_come_as_json_and_as_an_rfc_4180_csv_download()
    {
        await SeedAsync(onHand: 50);
        var kept = await PlaceAsync("c1", 2, 1_000);
        var cancelled = await PlaceAsync("c2", 3, 500);
        await Client.CancelOrderAsync(new CancelOrderRequest { OrderId = cancelled.OrderId, Reason = "x" });
        var rejected = await PlaceAsync("c3", 1, 700, sku: "rm-never-stocked-" + _run);
        await _probe.RowAsync(Customer, cancelled.OrderId, "Cancelled");
        await _probe.RowAsync(Customer, rejected.OrderId, "Rejected");
        await _probe.RowAsync(Customer, kept.OrderId, "PendingPayment");
        var today = DateTimeOffset.UtcNow.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

        var figures = await _probe.GetJsonAsync($"admin/read-model/channels?channel={Channel}");
        var day = Assert.Single(figures["days"]!.AsArray())!;
        Assert.Equal((today, Channel, "EUR"), ((string?)day["day"], (string?)day["channel"], (string?)day["currency"]));
        Assert.Equal((2L, 5L, 2_000L, 1L, 0L, 1L), ((long)day["orders"]!, (long)day["units"]!, (long)day["revenueMinor"]!, (long)day["cancelled"]!, (long)day["returned"]!, (long)day["rejected"]!));
        Assert.Equal((0.5m, 0m), ((decimal)day["cancellationRate"]!, (decimal)day["returnRate"]!));

        using var csv = await _probe.GetAsync($"admin/read-model/channels.csv?channel={Channel}&from={today}&to={today}");
        Assert.Equal(HttpStatusCode.OK, csv.StatusCode);
        Assert.Equal("text/csv", csv.Content.Headers.ContentType?.MediaType);
        Assert.Equal("attachment", csv.Content.Headers.ContentDisposition?.DispositionType);
        var text = await csv.Content.ReadAsStringAsync();
        Assert.Equal(
            $"day,channel,currency,orders,units,revenue_minor,cancelled,returned,rejected,cancellation_rate,return_rate\r\n{today},{Channel},EUR,2,5,2000,1,0,1,0.5,0\r\n",
            text);
    }

    [Fact]
    public void Csv_fields_with_commas_quotes_or_line_breaks_are_quoted_with_doubled_quotes()
    {
        Assert.Equal("web", OrderGrains.Host.Admin.ChannelFiguresCsv.Field("web"));
        Assert.Equal("\"a,b\"", OrderGrains.Host.Admin.ChannelFiguresCsv.Field("a,b"));
        Assert.Equal("\"say \"\"hi\"\"\"", OrderGrains.Host.Admin.ChannelFiguresCsv.Field("say \"hi\""));
        Assert.Equal("\"x\r\ny\"", OrderGrains.Host.Admin.ChannelFiguresCsv.Field("x\r\ny"));
    }

    [Theory]
    [MemberData(nameof(BadParameters))]
    public async Task Bad_parameters_are_400_problems_naming_the_parameter(string path, string parameter)
    {
        using var response = await _probe.GetAsync(path);
        var text = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains(parameter, (string?)JsonNode.Parse(text)!["detail"], StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(ReadModelEndpoints))]
    public async Task Read_model_endpoints_need_an_admin_token_and_viewers_may_read_them(string path)
    {
        using (var anonymous = await _probe.Http.GetAsync(path))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        }

        using (var wrong = await _probe.GetAsync(path, "not-a-token"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        }

        using var viewer = await _probe.GetAsync(path, ReadModelHost.ViewerToken);
        Assert.Equal(HttpStatusCode.OK, viewer.StatusCode);
    }

    [Fact]
    public async Task Lag_view_reports_checkpoint_and_head_per_partition_and_the_gauges_are_on_metrics()
    {
        await SeedAsync(onHand: 5);
        await PlaceAsync("lag", 1, 100);
        var report = await CaughtUpAsync();
        Assert.Equal(8, report["partitions"]!.AsArray().Count);
        Assert.All(report["partitions"]!.AsArray(), p => Assert.Equal((long)p!["head"]!, (long)p["checkpoint"]!));
        Assert.Equal(0, (long)report["backlog"]!);

        var metrics = await _probe.Http.GetStringAsync("metrics");
        Assert.Contains("ordergrains_readmodel_backlog", metrics, StringComparison.Ordinal);
        Assert.Contains("ordergrains_readmodel_oldest_unprojected_age_seconds", metrics, StringComparison.Ordinal);
    }

    public void Dispose() => _probe.Dispose();

    internal static async Task DropTableAsync(string dataDirectory)
    {
        await using var connection = new SqliteConnection($"Data Source={Path.Combine(dataDirectory, "ordergrains.db")};Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "DROP TABLE order_read;";
        await command.ExecuteNonQueryAsync();
    }

    private async Task<JsonNode> CaughtUpAsync()
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            var report = await _probe.GetJsonAsync("admin/read-model");
            if ((long)report["backlog"]! == 0)
            {
                return report;
            }

            Assert.True(DateTime.UtcNow < deadline, "The read model did not catch up: " + report.ToJsonString());
            await Task.Delay(100);
        }
    }

    private async Task<List<string>> IdsAsync(string query) =>
        [.. (await _probe.OrdersAsync(query)).Select(o => (string)o!["orderId"]!)];

    private async Task SeedAsync(int onHand)
    {
        await Client.UpsertWarehouseAsync(new Warehouse { WarehouseId = Warehouse, Name = "Berlin", Latitude = 52.52, Longitude = 13.40, Active = true });
        await Client.SetStockAsync(new SetStockRequest { WarehouseId = Warehouse, Sku = Sku, OnHand = onHand, SyncId = "seed" });
        await Client.UpsertCustomerAsync(new Customer { CustomerId = Customer, Name = "Ada" });
    }

    private async Task<Order> PlaceAsync(string externalId, int quantity, long unitPrice, string? sku = null, string? customer = null)
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
            ShipTo = new Address { Recipient = "Ada", Line1 = "Unter den Linden 1", City = "Berlin", Country = "DE", Latitude = 52.5, Longitude = 13.4 },
            Lines = { new OrderLine { Sku = sku ?? Sku, Quantity = quantity, UnitPriceMinor = unitPrice } },
        });
        return reply.Order;
    }
}
