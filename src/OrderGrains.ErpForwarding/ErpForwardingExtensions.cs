using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using OrderGrains.Erp;
using OrderGrains.Storage;

namespace OrderGrains.ErpForwarding;

/// <summary>Wires ERP forwarding into a silo: <c>siloBuilder.AddErpForwarding(sp => client)</c>.</summary>
public static class ErpForwardingExtensions
{
    /// <summary>
    /// Hosts <see cref="ErpForwarderGrain"/> (one per partition of the order outbox, activated at silo start and kept
    /// alive by a reminder) posting through the <see cref="IErpClient"/> that <paramref name="erpClient"/> creates.
    /// <see cref="ErpForwarderOptions"/> are bound from <see cref="ErpForwarderOptions.SectionName"/>, then
    /// <paramref name="configure"/>, and validated when the host starts. The silo's storage must keep an outbox
    /// (<c>IOutboxStore</c>).
    /// </summary>
    public static ISiloBuilder AddErpForwarding(this ISiloBuilder builder, Func<IServiceProvider, IErpClient> erpClient, Action<ErpForwarderOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(erpClient);
        builder.Services.TryAddSingleton(erpClient);
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.TryAddSingleton<IForegroundLoad>(IdleForeground.Instance);
        builder.Services.TryAddSingleton<ErpForwardingFigures>();
        var options = builder.Services.AddOptions<ErpForwarderOptions>().BindConfiguration(ErpForwarderOptions.SectionName);
        if (configure is not null)
        {
            options.Configure(configure);
        }

        options.ValidateOnStart();
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ErpForwarderOptions>, ErpForwarderOptionsValidator>());
        builder.AddStartupTask<ErpForwarderStartup>();
        return builder;
    }
}
