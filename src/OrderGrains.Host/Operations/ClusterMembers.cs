using OrderGrains.Abstractions;
using OrderGrains.Grains;
using Orleans.Runtime.MembershipService.SiloMetadata;

namespace OrderGrains.Host.Operations;

/// <summary>
/// The cluster's silos as operators see them (<c>GET /admin/cluster</c>): Orleans' membership table through the
/// management grain, each silo's activations from its runtime statistics, and the endpoints each silo published in its
/// silo metadata when it started (<see cref="GrpcEndpointKey"/>, <see cref="AdminEndpointKey"/>), so any silo can tell
/// where every other one serves.
/// </summary>
internal sealed class ClusterMembers(IGrainFactory grains, ISiloMetadataCache metadata, SiloReports reports)
{
    private static readonly TimeSpan StatisticsTimeout = TimeSpan.FromSeconds(2);

    /// <summary>The silo-metadata key of a silo's gRPC endpoint, e.g. "http://10.0.0.5:7070".</summary>
    public const string GrpcEndpointKey = "ordergrains.grpc";

    /// <summary>The silo-metadata key of a silo's admin endpoint.</summary>
    public const string AdminEndpointKey = "ordergrains.admin";

    /// <summary>What a silo publishes about itself.</summary>
    public static Dictionary<string, string> Metadata(HostSettings settings, bool tls)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var scheme = tls ? "https" : "http";
        var address = HostStorage.Advertised(settings, settings.Cluster);
        var host = address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{address}]" : address.ToString();
        return new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [GrpcEndpointKey] = $"{scheme}://{host}:{settings.GrpcPort}",
            [AdminEndpointKey] = $"{scheme}://{host}:{settings.AdminPort}",
        };
    }

    /// <summary>Every silo the membership table knows, dead ones included until Orleans cleans them up, newest first.</summary>
    public async Task<ClusterView> ReadAsync()
    {
        var management = grains.GetGrain<IManagementGrain>(0);
        var hosts = await management.GetDetailedHosts(onlyActive: false);
        var active = hosts.Where(h => h.Status == SiloStatus.Active).Select(h => h.SiloAddress).ToArray();
        var counts = Task.WhenAll(active.Select(silo => ActivationsAsync(management, silo)));
        var rates = Task.WhenAll(active.Select(ReportAsync));
        var activations = active.Zip(await counts).ToDictionary(x => x.First, x => x.Second);
        var reported = active.Zip(await rates).ToDictionary(x => x.First, x => x.Second);
        var members = hosts
            .OrderByDescending(h => h.StartTime)
            .Select(h =>
            {
                var published = h.Status == SiloStatus.Dead ? null : metadata.GetSiloMetadata(h.SiloAddress)?.Metadata;
                return new ClusterMember(
                    h.SiloAddress.ToParsableString(),
                    h.SiloName,
                    StatusName(h.Status),
                    new DateTimeOffset(DateTime.SpecifyKind(h.StartTime, DateTimeKind.Utc)),
                    new DateTimeOffset(DateTime.SpecifyKind(h.IAmAliveTime, DateTimeKind.Utc)),
                    activations.GetValueOrDefault(h.SiloAddress),
                    reported.GetValueOrDefault(h.SiloAddress)?.OrdersPerSecond,
                    published?.GetValueOrDefault(GrpcEndpointKey),
                    published?.GetValueOrDefault(AdminEndpointKey));
            })
            .ToList();
        return new ClusterView(members);
    }

    /// <summary>
    /// A silo's live activations, or null when it does not answer within <see cref="StatisticsTimeout"/>: a silo that
    /// died but is not declared dead yet is still "active" in the table, and the page must not wait for it.
    /// </summary>
    private static async Task<int?> ActivationsAsync(IManagementGrain management, SiloAddress silo)
    {
        var read = management.GetRuntimeStatistics([silo]);
        try
        {
            var statistics = await read.WaitAsync(StatisticsTimeout);
            return statistics.Length == 1 ? statistics[0].ActivationCount : null;
        }
        catch (Exception exception) when (exception is TimeoutException or SiloUnavailableException or OrleansMessageRejectionException)
        {
            _ = read.ContinueWith(static t => t.Exception, TaskScheduler.Default);
            return null;
        }
    }

    /// <summary>A silo's own figures (<see cref="ISiloReportService"/>), or null when it does not answer within <see cref="StatisticsTimeout"/>.</summary>
    private async Task<SiloReport?> ReportAsync(SiloAddress silo)
    {
        var read = reports.GetAsync(silo);
        try
        {
            return await read.WaitAsync(StatisticsTimeout);
        }
        catch (Exception exception) when (exception is TimeoutException or SiloUnavailableException or OrleansMessageRejectionException)
        {
            _ = read.ContinueWith(static t => t.Exception, TaskScheduler.Default);
            return null;
        }
    }

    /// <summary>Orleans' silo status in the four words operators use.</summary>
    public static string StatusName(SiloStatus status) => status switch
    {
        SiloStatus.Active => "active",
        SiloStatus.Created or SiloStatus.Joining => "joining",
        SiloStatus.ShuttingDown or SiloStatus.Stopping => "shutting_down",
        _ => "dead",
    };
}

/// <summary><c>GET /admin/cluster</c>: every silo of the cluster.</summary>
public sealed record ClusterView(IReadOnlyList<ClusterMember> Members);

/// <summary>
/// One silo: its Orleans address and name, status (active, joining, shutting_down, dead), when it started and last wrote
/// its I-am-alive time, its live activations and the PlaceOrder calls it answered per second over its last 10 s (both
/// null unless it is active and answered within 2 s) and where it serves gRPC and the admin API (null for a dead silo,
/// whose metadata is gone with it).
/// </summary>
public sealed record ClusterMember(string Address, string Name, string Status, DateTimeOffset StartedAt, DateTimeOffset LastAliveAt, int? Activations, double? OrdersPerSecond, string? GrpcEndpoint, string? AdminEndpoint);
