using Microsoft.Extensions.Logging;
using Orleans.Concurrency;
using Orleans.Runtime.Services;
using OrderGrains.Abstractions;

namespace OrderGrains.Grains;

/// <summary>This silo's end of the cluster's sold-out hints: applies what other silos broadcast to the local <see cref="StockHints"/>.</summary>
[Reentrant]
public sealed class StockHintsService(GrainId id, Silo silo, ILoggerFactory loggerFactory, StockHints hints)
    : GrainService(id, silo, loggerFactory), IStockHintsService
{
    public Task ApplyAsync(StockHintUpdate update)
    {
        hints.Apply(update);
        return Task.CompletedTask;
    }
}

/// <summary>
/// Sends a hint to the <see cref="IStockHintsService"/> of every other active silo, fire and forget: a silo that
/// misses one takes the full path for its orders until the next hint, which is slower but never wrong.
/// </summary>
public sealed class StockHintsBroadcast(IServiceProvider services, ISiloStatusOracle membership, ILocalSiloDetails self, ILogger<StockHintsBroadcast> logger)
    : GrainServiceClient<IStockHintsService>(services)
{
    /// <summary>Tells the other silos; never throws.</summary>
    public void Send(StockHintUpdate update)
    {
        foreach (var (silo, _) in membership.GetApproximateSiloStatuses(onlyActive: true))
        {
            if (silo.Equals(self.SiloAddress))
            {
                continue;
            }

            try
            {
                _ = GetGrainService(silo).ApplyAsync(update);
            }
            catch (Exception exception) when (exception is not OutOfMemoryException)
            {
                Log.HintNotSent(logger, exception, silo.ToString());
            }
        }
    }
}
