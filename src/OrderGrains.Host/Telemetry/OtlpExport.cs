namespace OrderGrains.Host.Telemetry;

/// <summary>
/// When the host exports over OTLP: only when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set (environment, or any other
/// configuration source). The exporter reads that key and the other standard OTEL_* keys from configuration itself.
/// </summary>
public static class OtlpExport
{
    public const string EndpointVariable = "OTEL_EXPORTER_OTLP_ENDPOINT";

    /// <summary>Set, the host builds a tracer provider and adds the OTLP exporter to traces and metrics; unset, neither exists.</summary>
    public static bool IsConfigured(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return !string.IsNullOrWhiteSpace(configuration[EndpointVariable]);
    }
}
