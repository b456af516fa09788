using System.Reflection;
using Microsoft.Extensions.Options;
using Orleans.Dashboard;

namespace OrderGrains.Host.Operations;

/// <summary>
/// Orleans' dashboard, with its counter feed sampled every <see cref="DashboardOptions.CounterUpdateIntervalMs"/>
/// (<see cref="DefaultCounterUpdateIntervalMs"/> unless configured) instead of every second.
/// </summary>
/// <remarks>
/// The dashboard (10.4.2) reads every Orleans instrument through its own OpenTelemetry reader at a fixed second,
/// whatever <see cref="DashboardOptions.CounterUpdateIntervalMs"/> says, and two of Orleans' gauges (activations and
/// the directory cache's size) walk every activation and every cached entry when read. In the 100,000-buyer flash sale
/// that reader's thread used 3.4% of the machine (perf, system-wide). The dashboard's host takes its interval from an
/// internal init property and registers itself only when no registration of its type exists, so it is registered here
/// first, built by the container as the dashboard would build it, with the interval set. If a later Orleans renames
/// the type or the property, the dashboard registers itself with its own second; the host tests check the interval.
/// </remarks>
internal static class OrleansDashboardWiring
{
    /// <summary>How often the dashboard samples counters and silo statistics unless configured.</summary>
    public const int DefaultCounterUpdateIntervalMs = 5000;

    private const string HostTypeName = "Orleans.Dashboard.DashboardHost, Orleans.Dashboard";

    private const string IntervalProperty = "ExportIntervalMilliseconds";

    /// <summary>The dashboard's host type and its interval property, or null when this Orleans has neither.</summary>
    internal static (Type Host, PropertyInfo Interval)? DashboardHost()
    {
        var host = Type.GetType(HostTypeName, throwOnError: false);
        var interval = host?.GetProperty(IntervalProperty, BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic);
        return host is not null && interval is { CanWrite: true } && interval.PropertyType == typeof(int)
            && typeof(IHostedService).IsAssignableFrom(host) && typeof(ILifecycleParticipant<ISiloLifecycle>).IsAssignableFrom(host)
            ? (host, interval)
            : null;
    }

    /// <summary>Adds Orleans' dashboard (<c>AddDashboard</c>) with the counter interval of the options.</summary>
    public static ISiloBuilder AddOrleansDashboard(this ISiloBuilder silo)
    {
        if (DashboardHost() is { } found)
        {
            var (host, interval) = found;
            silo.Services.AddSingleton(host, services =>
            {
                var instance = ActivatorUtilities.CreateInstance(services, host);
                interval.SetValue(instance, services.GetRequiredService<IOptions<DashboardOptions>>().Value.CounterUpdateIntervalMs);
                return instance;
            });
            silo.Services.AddSingleton(services => (IHostedService)services.GetRequiredService(host));
            silo.Services.AddSingleton(services => (ILifecycleParticipant<ISiloLifecycle>)services.GetRequiredService(host));
        }

        silo.AddDashboard();
        return silo;
    }
}
