using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace OrderGrains.Grains;

/// <summary>Wires the order domain into a silo: <c>siloBuilder.AddOrderDomain()</c>.</summary>
public static class OrderDomainServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="OrderOptions"/> (bound from <see cref="OrderOptions.SectionName"/>, then
    /// <paramref name="configure"/>, validated when the host starts), the clock the grains use
    /// (<see cref="TimeProvider.System"/> unless one is registered) and the services the grains need. Orleans finds the
    /// grain classes themselves in the referenced assembly.
    /// </summary>
    public static IServiceCollection AddOrderDomain(this IServiceCollection services, Action<OrderOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.AddOptions<OrderOptions>().BindConfiguration(OrderOptions.SectionName);
        if (configure is not null)
        {
            options.Configure(configure);
        }

        options.ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<OrderOptions>, OrderOptionsValidator>());
        services.AddReturnPolicy();
        services.AddNewCustomerRules();
        services.AddBackorderRules();
        services.AddReviewRules();
        services.AddPricing();
        services.AddOptions<InventoryAlertOptions>().BindConfiguration(InventoryAlertOptions.SectionName).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<InventoryAlertOptions>, InventoryAlertOptionsValidator>());
        services.TryAddSingleton<OutOfStockTally>();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<StockHints>();
        if (!services.Any(s => s.ServiceType == typeof(StockHintsBroadcast)))
        {
            // The cluster's sold-out hints: one grain service per silo receives, a client sends to every other silo.
            services.AddGrainService<StockHintsService>();
            services.AddSingleton<StockHintsBroadcast>();
        }

        if (!services.Any(s => s.ServiceType == typeof(SiloShutdown)))
        {
            services.AddSingleton<SiloShutdown>();
            services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => sp.GetRequiredService<SiloShutdown>());
        }

        return services;
    }

    /// <summary>Hosts the order domain in this silo (see <see cref="AddOrderDomain(IServiceCollection, Action{OrderOptions}?)"/>).</summary>
    public static ISiloBuilder AddOrderDomain(this ISiloBuilder builder, Action<OrderOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddOrderDomain(configure);
        return builder;
    }
}
