using Microsoft.Extensions.DependencyInjection;
using Orleans.Runtime.Hosting;

namespace OrderGrains.Storage;

/// <summary>Registers OrderGrains' grain storage in an Orleans silo.</summary>
public static class OrderGrainsStorageSiloBuilderExtensions
{
    /// <summary>
    /// Registers <see cref="GroupCommitGrainStorage"/> over <paramref name="store"/> as the grain storage named
    /// <see cref="OrderGrainsStorage.Name"/>, and the store itself as <see cref="IStateStore"/>, as
    /// <see cref="IOutboxStore"/> when it keeps an outbox and as <see cref="IStorageStatistics"/> when it counts batches.
    /// The caller owns the store: dispose it after the silo has stopped, so the last deactivations' writes commit.
    /// </summary>
    public static ISiloBuilder UseOrderGrainsStorage(this ISiloBuilder builder, IStateStore store)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(store);
        var services = builder.Services;
        services.AddSingleton(store);
        if (store is IOutboxStore outbox)
        {
            services.AddSingleton(outbox);
        }

        if (store is IStorageStatistics statistics)
        {
            services.AddSingleton(statistics);
        }

        services.AddGrainStorage(OrderGrainsStorage.Name, static (sp, _) => ActivatorUtilities.CreateInstance<GroupCommitGrainStorage>(sp));
        return builder;
    }

    /// <summary>
    /// Tests: OrderGrains' grain storage over <paramref name="store"/> (keep one instance across silo restarts to play a
    /// database) and Orleans' in-memory reminders.
    /// </summary>
    public static ISiloBuilder UseOrderGrainsMemoryStorage(this ISiloBuilder builder, MemoryStateStore store)
    {
        ArgumentNullException.ThrowIfNull(store);
        return builder.UseOrderGrainsStorage(store).UseInMemoryReminderService();
    }
}
