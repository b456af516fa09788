using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace OrderGrains.Alerting;

/// <summary>Wires inventory alerting into a silo: <c>siloBuilder.AddInventoryAlerting()</c>.</summary>
public static class AlertingExtensions
{
    /// <summary>
    /// Hosts the <c>inventory-alerts</c> lister (one per outbox partition, into the operator alerts of category
    /// "inventory") and, when <c>OrderGrains:Alerts:Webhook:Url</c> is set, the webhook sender. <see cref="AlertingOptions"/>
    /// are bound from <see cref="AlertingOptions.SectionName"/>, then <paramref name="configure"/>, and validated when
    /// the host starts. The silo's storage must keep an outbox (<c>IOutboxStore</c>).
    /// </summary>
    public static ISiloBuilder AddInventoryAlerting(this ISiloBuilder builder, Action<AlertingOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        services.TryAddSingleton(TimeProvider.System);
        var options = services.AddOptions<AlertingOptions>().BindConfiguration(AlertingOptions.SectionName);
        if (configure is not null)
        {
            options.Configure(configure);
        }

        options.ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<AlertingOptions>, AlertingOptionsValidator>());

        services.TryAddSingleton<AlertWebhook>();
        builder.AddStartupTask<AlertingStartup>();
        return builder;
    }
}
