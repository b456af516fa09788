using OrderGrains.Abstractions;
using OrderGrains.Testing;
using Orleans.Storage;

namespace OrderGrains.Grains.Tests;

/// <summary>
/// Issue 11, "state never goes back": two activations of one grain may exist for a while when a silo was declared dead
/// but still runs. Here two separate clusters share one PostgreSQL schema and service id (a split brain), so each has
/// its own activation of the same SKU pool. The activation that wrote last wins; the stale one fails its write on the
/// ETag instead of overwriting, and once it is reactivated it works on the newer state.
/// </summary>
public sealed class FencingTests
{
    [Fact]
    public async Task The_stale_of_two_activations_fails_its_write_and_the_newer_state_stays()
    {
        await using var storage = TestStorage.Postgres();
        await using var left = await Oms.StartAsync(storage);
        await using var right = await Oms.StartAsync(storage);
        await left.WarehouseAsync("BER", Oms.BerlinWarehouse);
        await left.StockAsync("SKU-F", "BER", 10);

        // Both clusters now hold an activation of the pool that read the same state (10 on hand).
        var leftPool = left.Grains.GetGrain<ISkuStockGrain>("SKU-F");
        var rightPool = right.Grains.GetGrain<ISkuStockGrain>("SKU-F");
        Assert.Equal(10, (await rightPool.GetAvailabilityAsync()).OnHand);

        // The left one moves on; the right one's copy is now stale.
        Assert.Equal(7, (await leftPool.AdjustStockAsync(new AdjustStockCommand("BER", -3, StockAdjustmentReason.Damaged, "adj-left"))).OnHand);

        // The stale activation's write is refused on the ETag: nothing it computed from 10 on hand is stored.
        var refused = await Assert.ThrowsAnyAsync<Exception>(() => rightPool.AdjustStockAsync(new AdjustStockCommand("BER", -1, StockAdjustmentReason.Damaged, "adj-right")));
        Assert.True(Contains<InconsistentStateException>(refused), $"expected an ETag conflict, got {refused}");
        await using (var reader = await Oms.StartAsync(storage))
        {
            Assert.Equal(7, (await reader.Grains.GetGrain<ISkuStockGrain>("SKU-F").GetAvailabilityAsync()).OnHand);
        }

        // Orleans drops the stale activation; the next call reads the stored state and applies on top of it.
        var retried = await RetryAsync(() => rightPool.AdjustStockAsync(new AdjustStockCommand("BER", -1, StockAdjustmentReason.Damaged, "adj-right")));
        Assert.Equal(6, retried.OnHand);
        var ledger = await rightPool.GetLedgerAsync(50);
        Assert.Equal(1, ledger.Recent.Count(m => m.Reference.StartsWith("adj-left ", StringComparison.Ordinal)));
        Assert.Equal(1, ledger.Recent.Count(m => m.Reference.StartsWith("adj-right ", StringComparison.Ordinal)));
        Assert.Equal(0, ledger.InvariantViolations);
    }

    private static bool Contains<T>(Exception exception) where T : Exception =>
        exception is T || (exception.InnerException is { } inner && Contains<T>(inner)) || (exception is AggregateException aggregate && aggregate.InnerExceptions.Any(Contains<T>));

    // The first call after a refused write may still reach the activation while Orleans deactivates it.
    private static async Task<T> RetryAsync<T>(Func<Task<T>> call)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await call();
            }
            catch (Exception exception) when (Contains<InconsistentStateException>(exception) && attempt < 5)
            {
                await Task.Delay(200);
            }
        }
    }
}
