using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using OrderGrains.Runtime.Hosting;

namespace OrderGrains.Grains;

/// <summary>Wires the order domain into a silo.</summary>
public static class OrderDomainServiceCollectionExtensions
{
    /// <summary>Registers <see cref="OrderOptions"/> and the clock the grains use (<see cref="TimeProvider.System"/> unless one is registered).</summary>
    public static IServiceCollection AddOrderDomain(this IServiceCollection services, Action<OrderOptions>? configure = null)
    {
        var options = services.AddOptions<OrderOptions>()
            .Validate(o => o.ReservationTimeout > TimeSpan.Zero, "OrderOptions.ReservationTimeout must be positive.")
            .Validate(o => o.ExpiryRetryPeriod > TimeSpan.Zero, "OrderOptions.ExpiryRetryPeriod must be positive.")
            .Validate(o => o.MaxLinesPerOrder > 0, "OrderOptions.MaxLinesPerOrder must be positive.")
            .Validate(o => o.RememberedSyncIdsPerWarehouse > 0, "OrderOptions.RememberedSyncIdsPerWarehouse must be positive.")
            .Validate(o => o.MaxUnitsPerPackage > 0, "OrderOptions.MaxUnitsPerPackage must be positive.")
            .Validate(o => o.ConsolidationWindow >= TimeSpan.Zero, "OrderOptions.ConsolidationWindow must not be negative.")
            .Validate(o => o.HoldTimeout > TimeSpan.Zero, "OrderOptions.HoldTimeout must be positive.")
            .Validate(o => o.ManualReviewThresholdMinor >= 0, "OrderOptions.ManualReviewThresholdMinor must not be negative (0 = off).")
            .Validate(o => o.ManualReviewDiscountPercent is >= 0 and <= 100, "OrderOptions.ManualReviewDiscountPercent must be between 0 (off) and 100.")
            .Validate(o => o.DualApprovalThresholdMinor >= 0, "OrderOptions.DualApprovalThresholdMinor must not be negative (0 = off).")
            .Validate(o => o.LedgerEntriesKept > 0, "OrderOptions.LedgerEntriesKept must be positive.")
            .Validate(o => o.StockNoticeRetryPeriod > TimeSpan.Zero, "OrderOptions.StockNoticeRetryPeriod must be positive.")
            .Validate(o => o.MaxWaitingPerHotGrain > 0, "OrderOptions.MaxWaitingPerHotGrain must be positive.");
        if (configure is not null)
        {
            options.Configure(configure);
        }

        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<StockHints>();
        return services;
    }

    /// <summary>Hosts every grain of the order domain and registers its services: <c>silo.AddOrderDomain(o => ...)</c>.</summary>
    public static SiloBuilder AddOrderDomain(this SiloBuilder builder, Action<OrderOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.AddGrains(typeof(OrderGrain).Assembly);
        builder.Services.AddOrderDomain(configure);
        return builder;
    }
}
