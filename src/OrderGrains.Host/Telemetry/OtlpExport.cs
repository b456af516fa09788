using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace OrderGrains.Host.Telemetry;

/// <summary>
/// Exports every OrderGrains span and metric over OTLP while the host runs. The OpenTelemetry SDK providers exist only
/// when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set; the exporter reads that variable (and the other standard OTEL_*
/// variables) itself. Stopping the host flushes and disposes them.
/// </summary>
internal sealed class OtlpExport : IHostedService, IDisposable
{
    public const string EndpointVariable = "OTEL_EXPORTER_OTLP_ENDPOINT";

    private const string Sources = "OrderGrains.*";

    private TracerProvider? _tracing;
    private MeterProvider? _metrics;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var resource = ResourceBuilder.CreateDefault();
        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable("OTEL_SERVICE_NAME")))
        {
            resource.AddService("ordergrains");
        }

        _tracing = Sdk.CreateTracerProviderBuilder()
            .SetResourceBuilder(resource)
            .AddSource(Sources)
            .AddOtlpExporter()
            .Build();
        _metrics = Sdk.CreateMeterProviderBuilder()
            .SetResourceBuilder(resource)
            .AddMeter(Sources)
            .AddOtlpExporter()
            .Build();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        Dispose();
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        // Dispose flushes what is buffered; the host's last spans (shutdown) go out too.
        Interlocked.Exchange(ref _tracing, null)?.Dispose();
        Interlocked.Exchange(ref _metrics, null)?.Dispose();
    }
}
