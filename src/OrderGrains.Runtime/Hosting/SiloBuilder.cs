using System.Reflection;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using OrderGrains.Runtime.Core;
using OrderGrains.Runtime.Serialization;
using OrderGrains.Runtime.Storage;

namespace OrderGrains.Runtime.Hosting;

/// <summary>Configures a silo: which grains it hosts, its options, storage, and call filters.</summary>
public sealed class SiloBuilder
{
    private readonly List<Type> _grainClasses = [];

    internal SiloBuilder(IServiceCollection services)
    {
        Services = services;
    }

    /// <summary>The service collection grains are resolved from.</summary>
    public IServiceCollection Services { get; }

    internal IReadOnlyList<Type> GrainClasses => _grainClasses;

    internal List<Action<SiloOptions>> OptionActions { get; } = [];

    /// <summary>Hosts every grain class of <paramref name="assembly"/>.</summary>
    public SiloBuilder AddGrains(Assembly assembly)
    {
        _grainClasses.AddRange(assembly.GetTypes().Where(GrainTypeRegistry.IsGrainClass));
        return this;
    }

    /// <summary>Hosts the given grain classes.</summary>
    public SiloBuilder AddGrains(params Type[] grainClasses)
    {
        foreach (var grainClass in grainClasses)
        {
            if (!GrainTypeRegistry.IsGrainClass(grainClass))
            {
                throw new GrainDefinitionException($"{grainClass.FullName} is not a grain class: it must be a concrete class deriving from Grain and implementing a grain interface.");
            }

            _grainClasses.Add(grainClass);
        }

        return this;
    }

    /// <summary>Changes silo options.</summary>
    public SiloBuilder Configure(Action<SiloOptions> configure)
    {
        OptionActions.Add(configure);
        return this;
    }

    /// <summary>Uses <paramref name="storage"/> as the default grain storage and <paramref name="reminders"/> as the reminder table.</summary>
    public SiloBuilder UseStorage(IGrainStorage storage, IReminderTable? reminders = null)
    {
        Services.Replace(ServiceDescriptor.Singleton(storage));
        if (reminders is not null)
        {
            Services.Replace(ServiceDescriptor.Singleton(reminders));
        }

        return this;
    }

    /// <summary>Uses providers created from the service provider (for providers that need configuration or logging).</summary>
    public SiloBuilder UseStorage(Func<IServiceProvider, IGrainStorage> storage, Func<IServiceProvider, IReminderTable>? reminders = null)
    {
        Services.Replace(ServiceDescriptor.Singleton(storage));
        if (reminders is not null)
        {
            Services.Replace(ServiceDescriptor.Singleton(reminders));
        }

        return this;
    }

    /// <summary>Adds an incoming grain call filter; filters run in the order added.</summary>
    public SiloBuilder AddIncomingGrainCallFilter(IIncomingGrainCallFilter filter)
    {
        Services.AddSingleton(filter);
        return this;
    }
}

/// <summary>Registers a silo in a service collection; the generic host starts and stops it.</summary>
public static class SiloServiceCollectionExtensions
{
    /// <summary>Adds the silo, <see cref="IGrainFactory"/>, and a hosted service running the silo.</summary>
    public static IServiceCollection AddOrderGrainsSilo(this IServiceCollection services, Action<SiloBuilder> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        var builder = new SiloBuilder(services);
        configure(builder);
        var grainClasses = builder.GrainClasses.ToArray();
        var optionActions = builder.OptionActions.ToArray();
        services.TryAddSingleton<GrainSerializer>();
        services.TryAddSingleton<Streams.IStreamInfo, Streams.StreamInfo>();
        services.AddSingleton(sp =>
        {
            var options = new SiloOptions();
            foreach (var action in optionActions)
            {
                action(options);
            }

            var serializer = sp.GetRequiredService<GrainSerializer>();
            var registry = new GrainTypeRegistry(grainClasses, serializer);
            var runtime = new GrainRuntime(options, registry, serializer, sp, sp.GetServices<IIncomingGrainCallFilter>(),
                sp.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance);
            return new Silo(runtime);
        });
        services.AddSingleton(sp => sp.GetRequiredService<Silo>().GrainFactory);
        services.AddSingleton<Diagnostics.IRuntimeStatistics>(sp => sp.GetRequiredService<Silo>().RuntimeStatistics);
        services.AddSingleton<IHostedService>(sp => sp.GetRequiredService<Silo>());
        return services;
    }
}
