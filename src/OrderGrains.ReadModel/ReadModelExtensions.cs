using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using OrderGrains.Storage;

namespace OrderGrains.ReadModel;

/// <summary>Wires the order read model into a silo: <c>siloBuilder.AddOrderReadModel(sp => store)</c>.</summary>
public static class ReadModelExtensions
{
    /// <summary>
    /// Hosts <see cref="OrderProjectorGrain"/> (one per partition of the order outbox, activated at silo start and kept
    /// alive by a reminder) writing to the <see cref="IOrderReadStore"/> that <paramref name="store"/> creates.
    /// <see cref="ReadModelOptions"/> are bound from <see cref="ReadModelOptions.SectionName"/> and validated when the
    /// host starts. The silo's storage must keep an outbox (<c>IOutboxStore</c>).
    /// </summary>
    public static ISiloBuilder AddOrderReadModel(this ISiloBuilder builder, Func<IServiceProvider, IOrderReadStore> store)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(store);
        builder.Services.TryAddSingleton(store);
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.TryAddSingleton<IForegroundLoad>(IdleForeground.Instance);
        builder.Services.TryAddSingleton<ReadModelFigures>();
        builder.Services.AddOptions<ReadModelOptions>().BindConfiguration(ReadModelOptions.SectionName).ValidateOnStart();
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ReadModelOptions>, ReadModelOptionsValidator>());
        builder.AddStartupTask<ReadModelStartup>();
        return builder;
    }
}
