using Microsoft.Extensions.Logging.Console;
using OrderGrains.Host.Telemetry;

namespace OrderGrains.Host;

/// <summary>The host's telemetry wiring (in the host's namespace, so that wiring it in is one line): logs with trace ids, OTLP export when configured, and <c>/metrics</c>.</summary>
internal static class TelemetryExtensions
{
    /// <summary>Log lines carry the current trace and span id; the OTLP providers run when the endpoint variable is set.</summary>
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

        builder.Services.AddSingleton<PrometheusExposition>(_ => new PrometheusExposition());
        // The variable itself, not configuration: the OTLP exporter reads its settings from the environment.
        if (!string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(OtlpExport.EndpointVariable)))
        {
            builder.Services.AddHostedService<OtlpExport>();
        }

        return builder;
    }

    /// <summary>Serves the Prometheus exposition at <c>GET /metrics</c> on the admin port, to loopback callers unless remote scrapes are allowed.</summary>
    public static WebApplication MapOrderGrainsMetrics(this WebApplication app, HostSettings settings)
    {
        // Resolved now, not at the first scrape: counters only reach a listener that exists when they are added.
        var exposition = app.Services.GetRequiredService<PrometheusExposition>();
        var allowRemote = app.Configuration.GetValue<bool>(MetricsAccess.AllowRemoteKey);
        app.MapGet("/metrics", (HttpContext context) => MetricsAccess.IsAllowed(context.Connection.RemoteIpAddress, allowRemote)
                ? Results.Text(exposition.Render(), PrometheusExposition.ContentType)
                : Results.StatusCode(StatusCodes.Status403Forbidden))
            .RequireHost($"*:{settings.AdminPort}");
        return app;
    }
}
