using Microsoft.Extensions.Logging.Console;
using Npgsql;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using OrderGrains.Host.Telemetry;

namespace OrderGrains.Host;

/// <summary>The host's telemetry wiring (in the host's namespace, so that wiring it in is one line): logs with trace ids, OpenTelemetry metrics on <c>/metrics</c>, OTLP export when configured.</summary>
internal static class TelemetryExtensions
{
    /// <summary>Every ActivitySource and Meter of ours: OrderGrains.Grpc, .Silo, .Storage, .Erp, .Orders, .Inventory.</summary>
    private const string OurSources = "OrderGrains.*";

    /// <summary>Orleans' own meter: messaging, activations, directory, membership, storage and reminder figures of the silo.</summary>
    private const string OrleansMeter = "Microsoft.Orleans";

    /// <summary>
    /// Orleans' directory-cache gauge counts the cache by walking every entry, and Orleans' dashboard collects all
    /// gauges every second: with one cached location per order activation that walk cost 13 µs of CPU per order in the
    /// flash-sale profile. Only this gauge is dropped; the activation counts stay.
    /// </summary>
    private const string DroppedDirectoryCacheGauge = "orleans-directory-cache-size";

    private const string MetricsPath = "/metrics";

    /// <summary>
    /// Log lines carry the current trace and span id. Metrics of our meters, ASP.NET Core, the .NET runtime and Npgsql
    /// go to the Prometheus exporter, and to OTLP when <see cref="OtlpExport.EndpointVariable"/> is set; only then are
    /// spans collected at all (ours, ASP.NET Core's and Npgsql's), for OTLP.
    /// </summary>
    public static WebApplicationBuilder AddOrderGrainsTelemetry(this WebApplicationBuilder builder)
    {
        builder.Logging.Configure(options => options.ActivityTrackingOptions = ActivityTrackingOptions.TraceId | ActivityTrackingOptions.SpanId);
        builder.Logging.AddConsole();

        // Scopes are where ActivityTrackingOptions puts the ids; both console formatters print them once scopes are on.
        builder.Services.Configure<SimpleConsoleFormatterOptions>(options =>
        {
            options.IncludeScopes = true;
            options.SingleLine = true;
            options.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
            options.UseUtcTimestamp = true;
        });
        builder.Services.Configure<JsonConsoleFormatterOptions>(options => options.IncludeScopes = true);

        var otlp = OtlpExport.IsConfigured(builder.Configuration);
        var serviceNamed = !string.IsNullOrWhiteSpace(builder.Configuration["OTEL_SERVICE_NAME"]);
        var telemetry = builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource =>
            {
                if (!serviceNamed)
                {
                    resource.AddService("ordergrains");
                }
            })
            .WithMetrics(metrics =>
            {
                metrics.AddMeter(OurSources, OrleansMeter)
                    .AddView(DroppedDirectoryCacheGauge, MetricStreamConfiguration.Drop)
                    .AddAspNetCoreInstrumentation()
                    .AddRuntimeInstrumentation()
                    .AddNpgsqlInstrumentation()
                    // No response cache: every scrape reads the observable instruments (activations, mailbox depth) anew.
                    .AddPrometheusExporter(options => options.ScrapeResponseCacheDurationMilliseconds = 0);
                if (otlp)
                {
                    metrics.AddOtlpExporter();
                }
            });
        if (otlp)
        {
            telemetry.WithTracing(tracing => tracing
                .AddSource(OurSources)
                .AddAspNetCoreInstrumentation()
                .AddNpgsql()
                .AddOtlpExporter());
        }

        return builder;
    }

    /// <summary>Serves the Prometheus exposition at <c>GET /metrics</c> on the admin port, to loopback callers unless remote scrapes are allowed.</summary>
    public static WebApplication MapOrderGrainsMetrics(this WebApplication app, HostSettings settings)
    {
        var allowRemote = app.Configuration.GetValue<bool>(MetricsAccess.AllowRemoteKey);
        app.MapPrometheusScrapingEndpoint(MetricsPath, meterProvider: null, branch => branch.Use(MetricsAccess.Guard(allowRemote)), optionsName: null)
            .RequireHost($"*:{settings.AdminPort}");
        return app;
    }
}
