using System.Reflection;
using Orleans.Configuration;
using Orleans.Dashboard;
using OrderGrains.Alerting;
using OrderGrains.ErpForwarding;
using OrderGrains.Grains;
using OrderGrains.Host.Admission;
using OrderGrains.Host.Grpc;
using OrderGrains.Host.Security;
using OrderGrains.ReadModel;

namespace OrderGrains.Host;

/// <summary>
/// Every configuration key under <c>OrderGrains:</c> (and the connection string) the host reads. At start-up a key
/// it does not know is logged as a warning (a typo such as <c>OrderGrains:Storge</c> would otherwise be ignored
/// silently), and the deployment files in <c>deploy/</c> are checked against it by a test so they cannot drift.
/// </summary>
public static class ConfigurationKeys
{
    // Keys read one at a time.
    private static readonly string[] Plain =
    [
        "ConnectionStrings:Postgres",
        "OrderGrains:Storage",
        "OrderGrains:DataDir",
        "OrderGrains:PostgresSchema",
        "OrderGrains:GrpcPort",
        "OrderGrains:AdminPort",
        "OrderGrains:ListenAddress",
        "OrderGrains:Cluster:ClusterId",
        "OrderGrains:Cluster:ServiceId",
        "OrderGrains:Cluster:SiloPort",
        "OrderGrains:Cluster:GatewayPort",
        "OrderGrains:Cluster:AdvertisedAddress",
        "OrderGrains:Cluster:Kubernetes",
        "OrderGrains:Erp:Endpoint",
        "OrderGrains:Erp:ApiKey",
        "OrderGrains:Metrics:AllowRemote",
    ];

    // Sections bound to a type: the segment after the section must name one of its properties (any letter case);
    // what lies below it (list items, per-channel maps, nested options) belongs to that property.
    private static readonly (string Section, Type Type)[] Bound =
    [
        (OrderOptions.SectionName, typeof(OrderOptions)),
        (ReviewOptions.SectionName, typeof(ReviewOptions)),
        (ReturnPolicyOptions.SectionName, typeof(ReturnPolicyOptions)),
        (NewCustomerOptions.SectionName, typeof(NewCustomerOptions)),
        (BackorderOptions.SectionName, typeof(BackorderOptions)),
        (PricingOptions.SectionName, typeof(PricingOptions)),
        (InventoryAlertOptions.SectionName, typeof(InventoryAlertOptions)),
        (AlertingOptions.SectionName, typeof(AlertingOptions)),
        (ReadModelOptions.SectionName, typeof(ReadModelOptions)),
        (ErpForwarderOptions.SectionName, typeof(ErpForwarderOptions)),
        (OptionsBinding.MessagingSection, typeof(SiloMessagingOptions)),
        (OptionsBinding.GrainCollectionSection, typeof(GrainCollectionOptions)),
        (OptionsBinding.RemindersSection, typeof(ReminderOptions)),
        (OptionsBinding.DashboardSection, typeof(DashboardOptions)),
        (OptionsBinding.MembershipSection, typeof(ClusterMembershipOptions)),
        (GrpcSettings.Section, typeof(GrpcSettings)),
        (ServerLimits.Section, typeof(ServerLimits)),
        (AdmissionOptions.Section, typeof(AdmissionOptions)),
    ];

    // Sections read entry by entry with their own names below (numbered lists of callers and tokens, TLS files).
    private static readonly (string Section, string[] Names)[] Listed =
    [
        (CallerTokens.Section, ["*:Name", "*:Token", "*:Roles", "*:Roles:*", "*:Channels", "*:Channels:*"]),
        ("OrderGrains:Admin:Tokens", ["*:Name", "*:Token", "*:Role"]),
        (CallerTokens.LockoutSection, ["MaxFailures", "WindowSeconds"]),
        (TlsSettings.Section, ["CertificatePath", "KeyPath", "Password"]),
        (ClusterTls.Section, ["CertificatePath", "KeyPath", "Password", "CaPath"]),
    ];

    /// <summary>Whether the host reads <paramref name="key"/> (segments separated by ':', any letter case).</summary>
    public static bool IsKnown(string key)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(key);
        if (Plain.Any(k => string.Equals(k, key, StringComparison.OrdinalIgnoreCase)))
        {
            return true;
        }

        foreach (var (section, type) in Bound)
        {
            if (Below(key, section) is [var first, ..] && HasProperty(type, first))
            {
                return true;
            }
        }

        foreach (var (section, names) in Listed)
        {
            if (Below(key, section) is { Length: > 0 } rest && names.Any(n => Matches(n.Split(':'), rest)))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The keys under <c>OrderGrains</c> and <c>ConnectionStrings:Postgres</c> that carry a value and that the host does not read.</summary>
    public static IReadOnlyList<string> Unknown(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return [.. configuration.GetSection("OrderGrains").AsEnumerable()
            .Where(p => p.Value is not null && !IsKnown(p.Key))
            .Select(p => p.Key)
            .Order(StringComparer.OrdinalIgnoreCase)];
    }

    private static string[]? Below(string key, string section) =>
        key.Length > section.Length + 1 && key.StartsWith(section + ":", StringComparison.OrdinalIgnoreCase)
            ? key[(section.Length + 1)..].Split(':')
            : null;

    private static bool Matches(string[] pattern, string[] segments) =>
        pattern.Length == segments.Length
        && pattern.Zip(segments).All(p => p.First == "*" || string.Equals(p.First, p.Second, StringComparison.OrdinalIgnoreCase));

    private static bool HasProperty(Type type, string name) =>
        type.GetProperty(name, BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase) is not null;
}
