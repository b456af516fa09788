using Orleans.Concurrency;

namespace OrderGrains.Abstractions;

/// <summary>One warehouse (key = warehouse id).</summary>
public interface IWarehouseGrain : IGrainWithStringKey
{
    /// <summary>Creates or replaces the warehouse and publishes it to the warehouse directory.</summary>
    Task<WarehouseInfo> UpsertAsync(WarehouseInfo warehouse);

    /// <summary>Returns the warehouse; throws <see cref="NotFoundException"/> when it was never created.</summary>
    [ReadOnly]
    Task<WarehouseInfo> GetAsync();

    /// <summary>Replaces what an order needs picked here (absolute, so replays are harmless); consolidates per the options.</summary>
    Task SyncPickTasksAsync(PickTaskSync sync);

    /// <summary>The pick tasks waiting to ship, split into packages.</summary>
    [ReadOnly]
    Task<WarehouseQueue> GetQueueAsync();

    /// <summary>Sets every listed SKU's on-hand here to the snapshot's count (sync id = snapshot id, so a replay changes nothing).</summary>
    Task<StockSnapshotSummary> ImportSnapshotAsync(StockSnapshotCommand snapshot);
}
