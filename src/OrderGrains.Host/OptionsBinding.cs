using Microsoft.Extensions.Options;
using Orleans.Configuration;
using OrderGrains.Host.Operations;
using Orleans.Dashboard;

namespace OrderGrains.Host;

/// <summary>
/// The Orleans options the host sets, each bound from one configuration section and validated when the host starts
/// (<c>ValidateOnStart</c>), so a bad value stops start-up with exit code 2 naming its key instead of surfacing at the
/// first call that reads it. The domain's options (<c>OrderGrains:Orders</c>, <c>OrderGrains:Erp:Forwarder</c>) are
/// bound and validated the same way by <c>AddOrderDomain</c> and <c>AddErpForwarding</c>.
/// </summary>
internal static class OptionsBinding
{
    public const string MessagingSection = "OrderGrains:Silo:Messaging";
    public const string GrainCollectionSection = "OrderGrains:Silo:GrainCollection";
    public const string RemindersSection = "OrderGrains:Silo:Reminders";
    public const string DashboardSection = "OrderGrains:Dashboard";
    public const string MembershipSection = "OrderGrains:Silo:Membership";

    /// <summary>How long one probe of another silo may take before it counts as missed (Orleans' default: 5 s).</summary>
    public static readonly TimeSpan DefaultProbeTimeout = TimeSpan.FromSeconds(2);

    /// <summary>Requests one activation lets wait before callers get <c>LimitExceededException</c> (Orleans' default is no limit).</summary>
    public const int DefaultMaxEnqueuedRequests = 20_000;

    // Which section each options class is bound from; failures are reported under these keys.
    private static readonly Dictionary<Type, string> Sections = new()
    {
        [typeof(SiloMessagingOptions)] = MessagingSection,
        [typeof(GrainCollectionOptions)] = GrainCollectionSection,
        [typeof(ReminderOptions)] = RemindersSection,
        [typeof(DashboardOptions)] = DashboardSection,
        [typeof(ClusterMembershipOptions)] = MembershipSection,
    };

    /// <summary>Binds and validates the Orleans options we set; Orleans' own validators still run when the silo starts.</summary>
    public static IServiceCollection AddOrderGrainsOptions(this IServiceCollection services)
    {
        // Our defaults first, so that configuration overrides them.
        services.Configure<SiloMessagingOptions>(o => o.MaxEnqueuedRequestsHardLimit = DefaultMaxEnqueuedRequests);

        services.AddOptions<SiloMessagingOptions>().BindConfiguration(MessagingSection)
            .Validate(o => o.ResponseTimeout > TimeSpan.Zero, "SiloMessagingOptions.ResponseTimeout must be positive.")
            .Validate(o => o.MaxEnqueuedRequestsHardLimit >= 0, "SiloMessagingOptions.MaxEnqueuedRequestsHardLimit must not be negative (0 = no limit).")
            .Validate(o => o.MaxEnqueuedRequestsSoftLimit >= 0, "SiloMessagingOptions.MaxEnqueuedRequestsSoftLimit must not be negative (0 = no warning).")
            .ValidateOnStart();
        services.AddOptions<GrainCollectionOptions>().BindConfiguration(GrainCollectionSection)
            .Validate(o => o.CollectionQuantum > TimeSpan.Zero, "GrainCollectionOptions.CollectionQuantum must be positive.")
            .Validate(o => o.CollectionAge > o.CollectionQuantum, "GrainCollectionOptions.CollectionAge must be longer than CollectionQuantum.")
            .Validate(o => o.DeactivationTimeout > TimeSpan.Zero, "GrainCollectionOptions.DeactivationTimeout must be positive.")
            .Validate(o => o.ActivationTimeout > TimeSpan.Zero, "GrainCollectionOptions.ActivationTimeout must be positive.")
            .ValidateOnStart();
        services.AddOptions<ReminderOptions>().BindConfiguration(RemindersSection)
            .Validate(o => o.MinimumReminderPeriod > TimeSpan.Zero, "ReminderOptions.MinimumReminderPeriod must be positive.")
            .ValidateOnStart();
        // Failure detection: a silo missing 3 probes of 2 s each is suspected and, with the votes of its probers, declared
        // dead: about 6-8 s after it stopped answering on this machine kind (Orleans' defaults take about 15 s). The
        // membership table is re-read every 10 s and every silo writes its I-am-alive time every 10 s, so
        // /admin/cluster's lastAliveAt is at most that old.
        services.Configure<ClusterMembershipOptions>(o =>
        {
            o.ProbeTimeout = DefaultProbeTimeout;
            o.NumMissedProbesLimit = 3;
            o.TableRefreshTimeout = TimeSpan.FromSeconds(10);
            o.IAmAliveTablePublishTimeout = TimeSpan.FromSeconds(10);
        });
        services.AddOptions<ClusterMembershipOptions>().BindConfiguration(MembershipSection)
            .Validate(o => o.ProbeTimeout > TimeSpan.Zero, "ClusterMembershipOptions.ProbeTimeout must be positive.")
            .Validate(o => o.NumMissedProbesLimit >= 1, "ClusterMembershipOptions.NumMissedProbesLimit must be at least 1.")
            .Validate(o => o.NumVotesForDeathDeclaration >= 1, "ClusterMembershipOptions.NumVotesForDeathDeclaration must be at least 1.")
            .Validate(o => o.NumProbedSilos >= 1, "ClusterMembershipOptions.NumProbedSilos must be at least 1.")
            .Validate(o => o.TableRefreshTimeout > TimeSpan.Zero, "ClusterMembershipOptions.TableRefreshTimeout must be positive.")
            .Validate(o => o.IAmAliveTablePublishTimeout > TimeSpan.Zero, "ClusterMembershipOptions.IAmAliveTablePublishTimeout must be positive.")
            .ValidateOnStart();
        services.AddOptions<DashboardOptions>().Configure(o => o.CounterUpdateIntervalMs = OrleansDashboardWiring.DefaultCounterUpdateIntervalMs)
            .BindConfiguration(DashboardSection)
            .Validate(o => o.CounterUpdateIntervalMs >= 1000, "DashboardOptions.CounterUpdateIntervalMs must be at least 1000.")
            .Validate(o => o.HistoryLength > 0, "DashboardOptions.HistoryLength must be positive.")
            .ValidateOnStart();
        return services;
    }

    /// <summary>
    /// The settings problem behind a failed start, or null when <paramref name="exception"/> is not one: a validator
    /// refused a value (its message names the property, which becomes the configuration key), a value did not convert
    /// (the binder names the key), or Orleans' own validation refused its options.
    /// </summary>
    public static HostSettingsException? Explain(Exception exception) => exception switch
    {
        OptionsValidationException invalid => new HostSettingsException([.. invalid.Failures.Select(f => NameKey(invalid.OptionsType, f))]),
        InvalidOperationException { InnerException: not null } conversion when conversion.Message.StartsWith("Failed to convert configuration value", StringComparison.Ordinal) =>
            new HostSettingsException([conversion.Message + " " + conversion.InnerException!.Message]),
        Orleans.Runtime.OrleansConfigurationException orleans => new HostSettingsException([orleans.Message]),
        AggregateException { InnerExceptions.Count: 1 } aggregate => Explain(aggregate.InnerExceptions[0]),
        _ => null,
    };

    /// <summary>"OrderOptions.ReservationTimeout must be positive." becomes "OrderGrains:Orders:ReservationTimeout must be positive."</summary>
    private static string NameKey(Type optionsType, string failure) =>
        Sections.TryGetValue(optionsType, out var section)
            ? failure.Replace(optionsType.Name + ".", section + ":", StringComparison.Ordinal)
            : failure;
}
