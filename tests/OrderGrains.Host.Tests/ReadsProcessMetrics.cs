namespace OrderGrains.Host.Tests;

/// <summary>
/// Tests that read <c>/metrics</c> with the strict parser. Orleans creates its instruments per silo (under the one meter
/// name <c>Microsoft.Orleans</c>), and a host's OpenTelemetry provider listens to every meter of that name in the
/// process: a second host running beside the scrape adds a second copy of series like
/// <c>orleans_app_requests_latency_milliseconds_bucket</c> (CI saw "appears twice" once). So no other test runs beside
/// these. A production host is alone in its process.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ReadsProcessMetrics
{
    public const string Name = "reads the process's metrics";
}
