using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using OrderGrains.Erp;
using OrderGrains.Runtime.Hosting;

namespace OrderGrains.ErpForwarding;

/// <summary>Wires ERP forwarding into a silo.</summary>
public static class ErpForwardingExtensions
{
    /// <summary>
    /// Hosts <see cref="ErpForwarderGrain"/> (one per partition of the order stream) posting through the
    /// <see cref="IErpClient"/> that <paramref name="erpClient"/> creates.
    /// </summary>
    public static SiloBuilder AddErpForwarding(this SiloBuilder builder, Func<IServiceProvider, IErpClient> erpClient, Action<ErpForwarderOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(erpClient);
        builder.AddGrains(typeof(ErpForwarderGrain));
        builder.Services.TryAddSingleton(erpClient);
        builder.Services.TryAddSingleton(TimeProvider.System);
        var options = builder.Services.AddOptions<ErpForwarderOptions>()
            .Validate(o => o.VatRateBasisPoints is >= 0 and <= 10_000, "ErpForwarderOptions.VatRateBasisPoints must be between 0 and 10000.")
            .Validate(o => o.MaxAttempts > 0 && o.AttemptsPerDelivery > 0, "ErpForwarderOptions attempts must be positive.");
        if (configure is not null)
        {
            options.Configure(configure);
        }

        return builder;
    }
}
