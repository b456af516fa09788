using Orleans.Concurrency;
using OrderGrains.Storage;

namespace OrderGrains.Benchmarks.Grains;

/// <summary>A hot stock pool reduced to its commit pattern: take a unit, durably, and say whether it was taken.</summary>
[Alias("OrderGrains.Benchmarks.Grains.IHotStockGrain")]
public interface IHotStockGrain : IGrainWithStringKey
{
    Task<bool> TakeAsync(string buyer);
}

/// <summary>The same pool, one request and one durable write at a time (what the SKU pool did before group commit).</summary>
[Alias("OrderGrains.Benchmarks.Grains.ISerialStockGrain")]
public interface ISerialStockGrain : IGrainWithStringKey
{
    Task<bool> TakeAsync(string buyer);
}

/// <summary>Units left and the last buyers (bounded, so the state's size stays constant over the run).</summary>
public sealed class HotStockState
{
    public long Remaining { get; set; } = long.MaxValue;

    public List<string> LastBuyers { get; set; } = [];

    public void Take(string buyer)
    {
        Remaining--;
        LastBuyers.Add(buyer);
        if (LastBuyers.Count > 100)
        {
            LastBuyers.RemoveAt(0);
        }
    }
}

/// <summary>Decides in arrival order, persists a batch of decisions per write (<see cref="CommitBatcher"/>), each the state at batch close.</summary>
[Reentrant]
[GrainType("bench-hot-stock")]
public sealed class HotStockGrain([PersistentState("stock", OrderGrainsStorage.Name)] IPersistentState<HotStockState> state) : Grain, IHotStockGrain
{
    private CommitBatcher? _commits;

    private CommitBatcher Commits => _commits ??= CommitBatcher.ForState(state, _ => DeactivateOnIdle(), "hot stock", maxWaiting: 100_000);

    public async Task<bool> TakeAsync(string buyer)
    {
        Task durable;
        using (await Commits.EnterAsync())
        {
            state.State.Take(buyer);
            durable = Commits.CommitAsync();
        }

        await durable;
        return true;
    }
}

/// <summary>One write per request, awaited inside the turn.</summary>
[GrainType("bench-serial-stock")]
public sealed class SerialStockGrain([PersistentState("stock", OrderGrainsStorage.Name)] IPersistentState<HotStockState> state) : Grain, ISerialStockGrain
{
    public async Task<bool> TakeAsync(string buyer)
    {
        state.State.Take(buyer);
        await state.WriteStateAsync();
        return true;
    }
}
