using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using OrderGrains.Client;
using OrderGrains.Contracts.V1;
using OrderGrains.Erp;
using OrderGrains.Host.Telemetry;

namespace OrderGrains.Host.Tests;

/// <summary>Traces and metrics of a real host: one trace from the gRPC call to the ERP post, and a scrape of /metrics.</summary>
[Collection(ReadsProcessMetrics.Name)]
public sealed class TelemetryTests
{
    private static readonly ActivitySource TestSource = new("OrderGrains.Tests.Host");

    [Fact]
    public async Task An_order_placed_in_a_root_activity_has_one_trace_from_the_grpc_call_to_the_erp_invoice()
    {
        var spans = new ConcurrentQueue<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name.StartsWith("OrderGrains", StringComparison.Ordinal),
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = spans.Enqueue,
        };
        ActivitySource.AddActivityListener(listener);
        await using var host = await TestHost.StartAsync();
        await SeedAsync(host.Client);
        var externalId = "traced-" + Guid.NewGuid().ToString("N");
        var orderId = "web:" + externalId;

        ActivityTraceId traceId;
        ActivitySpanId rootSpan;
        using (var root = TestSource.StartActivity("place and complete an order"))
        {
            Assert.NotNull(root);
            (traceId, rootSpan) = (root.TraceId, root.SpanId);
            await CompleteAsync(host.Client, externalId);
        }

        List<Activity> Trace() => spans.Where(s => s.TraceId == traceId).ToList();
        bool IsInvoicePost(Activity s) => s.DisplayName == ErpTelemetry.PostSpanName
            && (string?)s.GetTagItem("ordergrains.order.id") == orderId
            && (string?)s.GetTagItem("ordergrains.erp.document_type") == DocumentTypes.SalesInvoice;
        // A span is collected when it stops, and the grain call that delivers an event stops after the ERP post inside
        // it: wait for the parents too, or a loaded machine shows the post before the span it hangs off.
        List<string> Orphans(List<Activity> trace)
        {
            var ids = trace.Select(s => s.SpanId).ToHashSet();
            return trace.Where(s => s.SpanId != rootSpan && s.Source.Name != "OrderGrains.Grpc" && !ids.Contains(s.ParentSpanId)).Select(s => s.DisplayName).ToList();
        }

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (!Trace().Exists(IsInvoicePost) || (Orphans(Trace()).Count > 0 && DateTime.UtcNow < deadline))
        {
            Assert.True(DateTime.UtcNow < deadline, "no ERP post of the order's invoice in the order's trace within 60 s; spans in the trace: "
                + string.Join(", ", Trace().Select(s => s.DisplayName).Distinct()));
            await Task.Delay(100);
        }

        var trace = Trace();
        var place = Assert.Single(trace, s => s.DisplayName == "ordergrains.v1.OrderIntake/PlaceOrder");
        Assert.Equal(ActivityKind.Server, place.Kind);
        Assert.Equal("grpc", place.GetTagItem("rpc.system"));
        Assert.Equal("ordergrains.v1.OrderIntake", place.GetTagItem("rpc.service"));
        Assert.Equal("PlaceOrder", place.GetTagItem("rpc.method"));
        Assert.Equal(0, place.GetTagItem("rpc.grpc.status_code"));
        Assert.Contains(trace, s => s.DisplayName == "grain order/PlaceAsync" && (string?)s.GetTagItem("ordergrains.grain.key") == orderId);
        Assert.Contains(trace, s => s.DisplayName.StartsWith("grain sku-stock/", StringComparison.Ordinal));
        Assert.Contains(trace, s => s.Source.Name == "OrderGrains.Storage" && s.DisplayName == "storage batch");
        var post = trace.First(IsInvoicePost);
        // The forwarder pulls its partition itself (no grain call delivers the event): the post hangs off the order's
        // grain call that wrote the invoice event, whose trace context the outbox row carries.
        Assert.Contains(trace, s => s.SpanId == post.ParentSpanId && s.DisplayName.StartsWith("grain order/", StringComparison.Ordinal));
        Assert.Equal(ActivityStatusCode.Unset, post.Status);
        Assert.Equal(201, post.GetTagItem("http.response.status_code"));

        // Every span below the gRPC ones hangs off a span of ours: the context is never lost on the way (the gRPC spans
        // themselves may hang off ASP.NET Core's request span, which this listener does not collect).
        var orphans = Orphans(trace);
        Assert.True(orphans.Count == 0, "spans whose parent is not in the trace: " + string.Join(", ", orphans));
    }

    [Fact]
    public async Task Metrics_scrape_parses_completely_and_counts_grain_calls_activations_and_storage_batches()
    {
        await using var host = await TestHost.StartAsync();
        await SeedAsync(host.Client);
        for (var i = 0; i < 3; i++)
        {
            await host.Client.PlaceOrderAsync(Order("metrics-" + Guid.NewGuid().ToString("N"), quantity: 1));
        }

        using var http = new HttpClient();
        PrometheusText metrics;
        var scrapes = 0;
        do
        {
            // The activation gauge waits at most a sampler period for Orleans' management grain; on a loaded machine a
            // scrape may still report the counts of up to a second ago, so scrape again (bounded) until they are in.
            using var response = await http.GetAsync(new Uri($"http://127.0.0.1:{host.AdminPort}/metrics"));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("text/plain; version=0.0.4; charset=utf-8", response.Content.Headers.ContentType?.ToString());
            metrics = PrometheusText.Parse(await response.Content.ReadAsStringAsync());
        }
        while (++scrapes < 20 && metrics.Named("ordergrains_runtime_activations").SingleOrDefault(s => s.Label("grain_type") == "order")?.Value is not >= 3 && await Delay());

        Assert.Equal("counter", metrics.Families["ordergrains_runtime_grain_calls_total"]);
        Assert.True(metrics.Named("ordergrains_runtime_grain_calls_total").Single(s => s.Label("grain_type") == "order").Value >= 3);
        Assert.Equal("gauge", metrics.Families["ordergrains_runtime_activations"]);
        Assert.True(metrics.Named("ordergrains_runtime_activations").Single(s => s.Label("grain_type") == "order").Value >= 3);
        Assert.Contains(metrics.Named("ordergrains_runtime_mailbox_depth"), s => s.Label("grain_type") == "order");
        Assert.True(metrics.Named("ordergrains_inventory_units_reserved_total").Single().Value >= 3);

        Assert.Equal("histogram", metrics.Families["ordergrains_runtime_storage_batch_size"]);
        var buckets = metrics.Named("ordergrains_runtime_storage_batch_size_bucket").Where(s => s.Label("provider") == "sqlite").ToList();
        Assert.NotEmpty(buckets);
        var bounds = buckets.Select(b => b.Label("le") == "+Inf" ? double.PositiveInfinity : double.Parse(b.Label("le"), System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(bounds.Order(), bounds);
        Assert.Equal(double.PositiveInfinity, bounds[^1]);
        for (var i = 1; i < buckets.Count; i++)
        {
            Assert.True(buckets[i].Value >= buckets[i - 1].Value, $"bucket le={buckets[i].Label("le")} is below the one before it");
        }

        var count = metrics.Named("ordergrains_runtime_storage_batch_size_count").Single(s => s.Label("provider") == "sqlite").Value;
        Assert.True(count > 0);
        Assert.Equal(count, buckets[^1].Value);
        Assert.True(metrics.Named("ordergrains_runtime_storage_batch_size_sum").Single(s => s.Label("provider") == "sqlite").Value >= count);
        Assert.Equal(count, metrics.Named("ordergrains_runtime_storage_batch_duration_milliseconds_count").Single(s => s.Label("provider") == "sqlite").Value);
    }

    private static async Task<bool> Delay()
    {
        await Task.Delay(TimeSpan.FromMilliseconds(500));
        return true;
    }

    [Fact]
    public async Task Metrics_are_served_only_on_the_admin_port()
    {
        await using var host = await TestHost.StartAsync();
        using var http = new HttpClient();
        using var onGrpcPort = await http.GetAsync(new Uri($"http://127.0.0.1:{host.GrpcPort}/metrics"));
        Assert.NotEqual(HttpStatusCode.OK, onGrpcPort.StatusCode);
    }

    [Fact]
    public async Task Without_an_otlp_endpoint_no_tracer_provider_exists_and_logs_carry_trace_and_span_ids()
    {
        Assert.True(string.IsNullOrEmpty(Environment.GetEnvironmentVariable(OtlpExport.EndpointVariable)), "the test needs OTEL_EXPORTER_OTLP_ENDPOINT unset");
        await using var host = await TestHost.StartAsync();

        Assert.Null(host.Services.GetService<TracerProvider>());
        Assert.NotNull(host.Services.GetService<MeterProvider>());
        var tracking = host.Services.GetRequiredService<IOptions<LoggerFactoryOptions>>().Value.ActivityTrackingOptions;
        Assert.True(tracking.HasFlag(ActivityTrackingOptions.TraceId) && tracking.HasFlag(ActivityTrackingOptions.SpanId), tracking.ToString());
        Assert.True(host.Services.GetRequiredService<IOptionsMonitor<SimpleConsoleFormatterOptions>>().CurrentValue.IncludeScopes);
        Assert.True(host.Services.GetRequiredService<IOptionsMonitor<JsonConsoleFormatterOptions>>().CurrentValue.IncludeScopes);
    }

    [Fact]
    public async Task With_an_otlp_endpoint_spans_and_metrics_are_exported_over_otlp()
    {
        await using var collector = await OtlpCollector.StartAsync();
        var host = await TestHost.StartAsync(
            null,
            $"--{OtlpExport.EndpointVariable}=http://127.0.0.1:{collector.Port}",
            "--OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf");
        try
        {
            Assert.NotNull(host.Services.GetService<TracerProvider>());
            await SeedAsync(host.Client);
            await host.Client.PlaceOrderAsync(Order("otlp-" + Guid.NewGuid().ToString("N"), quantity: 1));
        }
        finally
        {
            // Stopping the host flushes both providers.
            await host.DisposeAsync();
        }

        Assert.True(collector.Requests("/v1/traces") > 0, "no OTLP trace export arrived");
        Assert.True(collector.Requests("/v1/metrics") > 0, "no OTLP metric export arrived");
    }

    [Theory]
    [InlineData("127.0.0.1", false, true)]
    [InlineData("127.0.0.2", false, true)]
    [InlineData("::1", false, true)]
    [InlineData("::ffff:127.0.0.1", false, true)]
    [InlineData("10.1.2.3", false, false)]
    [InlineData("::ffff:10.1.2.3", false, false)]
    [InlineData("2001:db8::1", false, false)]
    [InlineData("10.1.2.3", true, true)]
    public void Metrics_answer_loopback_callers_and_remote_ones_only_when_allowed(string address, bool allowRemote, bool allowed) =>
        Assert.Equal(allowed, MetricsAccess.IsAllowed(IPAddress.Parse(address), allowRemote));

    [Fact]
    public void Metrics_refuse_a_caller_without_an_address_unless_remote_callers_are_allowed()
    {
        Assert.False(MetricsAccess.IsAllowed(null, allowRemote: false));
        Assert.True(MetricsAccess.IsAllowed(null, allowRemote: true));
    }

    /// <summary>Counts OTLP/HTTP export requests by path; answers 200 with an empty body, which the exporter takes as success.</summary>
    private sealed class OtlpCollector : IAsyncDisposable
    {
        private readonly WebApplication _app;
        private readonly ConcurrentDictionary<string, int> _requests;

        private OtlpCollector(WebApplication app, ConcurrentDictionary<string, int> requests, int port)
        {
            _app = app;
            _requests = requests;
            Port = port;
        }

        public int Port { get; }

        public static async Task<OtlpCollector> StartAsync()
        {
            var port = TestHost.FreePort();
            var requests = new ConcurrentDictionary<string, int>(StringComparer.Ordinal);
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, port));
            builder.Logging.ClearProviders();
            var app = builder.Build();
            app.MapPost("/v1/{signal}", (HttpContext context) =>
            {
                requests.AddOrUpdate(context.Request.Path.Value ?? string.Empty, 1, static (_, n) => n + 1);
                return Results.Ok();
            });
            await app.StartAsync();
            return new OtlpCollector(app, requests, port);
        }

        public int Requests(string path) => _requests.GetValueOrDefault(path);

        public async ValueTask DisposeAsync() => await _app.DisposeAsync();
    }

    private static async Task SeedAsync(OrderGrainsClient client)
    {
        await client.UpsertWarehouseAsync(new Warehouse { WarehouseId = "berlin", Name = "Berlin", Latitude = 52.52, Longitude = 13.40, Active = true });
        await client.SetStockAsync(new SetStockRequest { WarehouseId = "berlin", Sku = "sku-1", OnHand = 1_000, SyncId = "seed" });
        await client.UpsertCustomerAsync(new Customer { CustomerId = "ada", Name = "Ada" });
    }

    private static PlaceOrderRequest Order(string externalId, int quantity) => new()
    {
        Channel = "web",
        ExternalOrderId = externalId,
        CustomerId = "ada",
        Currency = "EUR",
        ShipTo = new Address { Latitude = 52.5, Longitude = 13.4 },
        Lines = { new OrderLine { Sku = "sku-1", Quantity = quantity, UnitPriceMinor = 1_999 } },
    };

    private static async Task CompleteAsync(OrderGrainsClient client, string externalId)
    {
        var call = OrderGrainsClient.Timeout(TimeSpan.FromSeconds(30));
        var placed = (await client.PlaceOrderAsync(Order(externalId, quantity: 2), call)).Order;
        var completed = await OrderLifecycle.CompleteAsync(client, placed, "berlin", "sku-1", 2, externalId);
        Assert.Equal(OrderStatus.Completed, completed.Status);
    }
}
