using Microsoft.Extensions.Options;
using OrderGrains.Abstractions;
using OrderGrains.Storage;

namespace OrderGrains.Grains;

/// <summary>
/// One warehouse: master data (every upsert is pushed to the <see cref="IWarehouseDirectoryGrain"/>) and the queue of
/// pick tasks of released orders, split into packages and, when enabled, consolidated per customer and address.
/// </summary>
[GrainType("warehouse")]
public sealed class WarehouseGrain(
    [PersistentState("warehouse", OrderGrainsStorage.Name)] IPersistentState<WarehouseState> state,
    IOptions<OrderOptions> options,
    TimeProvider clock) : Grain, IWarehouseGrain
{
    private const int RememberedSnapshots = 64;

    private readonly OrderOptions _options = options.Value;

    /// <summary>Creates or replaces the warehouse, then publishes it to the directory (idempotent, so a retry repairs a failed publish).</summary>
    public async Task<WarehouseInfo> UpsertAsync(WarehouseInfo warehouse)
    {
        if (warehouse is null)
        {
            throw new DomainValidationException("warehouse", "is required");
        }

        if (!string.Equals(warehouse.WarehouseId, this.GetPrimaryKeyString(), StringComparison.Ordinal))
        {
            throw new DomainValidationException("warehouse_id", $"'{warehouse.WarehouseId}' does not match the addressed warehouse '{this.GetPrimaryKeyString()}'");
        }

        if (string.IsNullOrWhiteSpace(warehouse.WarehouseId))
        {
            throw new DomainValidationException("warehouse_id", "is required");
        }

        if (!double.IsFinite(warehouse.Latitude) || warehouse.Latitude is < -90 or > 90)
        {
            throw new DomainValidationException("latitude", "must be between -90 and 90 degrees");
        }

        if (!double.IsFinite(warehouse.Longitude) || warehouse.Longitude is < -180 or > 180)
        {
            throw new DomainValidationException("longitude", "must be between -180 and 180 degrees");
        }

        if (state.State.Warehouse != warehouse)
        {
            state.State.Warehouse = warehouse;
            await PersistAsync();
        }

        await GrainFactory.GetGrainCached<IWarehouseDirectoryGrain>(IWarehouseDirectoryGrain.Key).UpsertAsync(warehouse);
        return warehouse;
    }

    /// <summary>Returns the warehouse or throws <see cref="NotFoundException"/>.</summary>
    public Task<WarehouseInfo> GetAsync() =>
        state.State.Warehouse is { } warehouse
            ? Task.FromResult(warehouse)
            : throw new NotFoundException("warehouse", this.GetPrimaryKeyString());

    /// <summary>Replaces the order's pick tasks here; a new order joins an open consolidation of its key within the window.</summary>
    public async Task SyncPickTasksAsync(PickTaskSync sync)
    {
        ArgumentNullException.ThrowIfNull(sync);
        ArgumentException.ThrowIfNullOrEmpty(sync.OrderId);
        var orders = state.State.Orders;
        var lines = sync.Lines.Where(l => l.Quantity > 0).OrderBy(l => l.Sku, StringComparer.Ordinal).ToList();
        orders.TryGetValue(sync.OrderId, out var entry);
        if (lines.Count == 0)
        {
            if (entry is null)
            {
                return;
            }

            orders.Remove(sync.OrderId);
        }
        else if (entry is not null)
        {
            if (entry.Lines.SequenceEqual(lines))
            {
                return;
            }

            entry.Lines = lines;
        }
        else
        {
            var now = clock.GetUtcNow();
            orders[sync.OrderId] = new PickEntry
            {
                Released = ++state.State.ReleaseSequence,
                ReleasedAt = now,
                ConsolidationKey = sync.ConsolidationKey,
                ConsolidationId = OpenConsolidation(sync.ConsolidationKey, now) ?? sync.OrderId,
                Lines = lines,
            };
        }

        await PersistAsync();
    }

    /// <summary>Packages of at most MaxUnitsPerPackage units per consolidation, filled in release order.</summary>
    public Task<WarehouseQueue> GetQueueAsync()
    {
        _ = state.State.Warehouse ?? throw new NotFoundException("warehouse", this.GetPrimaryKeyString());
        var packages = new List<PickPackage>();
        var consolidations = state.State.Orders
            .OrderBy(o => o.Value.Released)
            .GroupBy(o => o.Value.ConsolidationId, StringComparer.Ordinal);
        foreach (var consolidation in consolidations)
        {
            var tasks = new List<PickTask>();
            var units = 0;
            var number = 0;
            foreach (var (orderId, entry) in consolidation)
            {
                foreach (var line in entry.Lines)
                {
                    var left = line.Quantity;
                    while (left > 0)
                    {
                        var take = Math.Min(left, _options.MaxUnitsPerPackage - units);
                        tasks.Add(new PickTask(orderId, line.Sku, take));
                        units += take;
                        left -= take;
                        if (units == _options.MaxUnitsPerPackage)
                        {
                            packages.Add(new PickPackage($"{consolidation.Key}/{++number}", consolidation.Key, tasks, units));
                            tasks = [];
                            units = 0;
                        }
                    }
                }
            }

            if (units > 0)
            {
                packages.Add(new PickPackage($"{consolidation.Key}/{++number}", consolidation.Key, tasks, units));
            }
        }

        return Task.FromResult(new WarehouseQueue(this.GetPrimaryKeyString(), packages));
    }

    /// <summary>Sets each listed SKU's count here; the snapshot id is every SKU's sync id, so a replay changes nothing.</summary>
    public async Task<StockSnapshotSummary> ImportSnapshotAsync(StockSnapshotCommand snapshot)
    {
        if (snapshot is null)
        {
            throw new DomainValidationException("request", "is required");
        }

        if (string.IsNullOrWhiteSpace(snapshot.SnapshotId))
        {
            throw new DomainValidationException("snapshot_id", "is required");
        }

        _ = state.State.Warehouse ?? throw new NotFoundException("warehouse", this.GetPrimaryKeyString());
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < snapshot.Items.Count; i++)
        {
            var item = snapshot.Items[i];
            if (string.IsNullOrWhiteSpace(item.Sku))
            {
                throw new DomainValidationException($"items[{i}].sku", "is required");
            }

            if (!seen.Add(item.Sku))
            {
                throw new DomainValidationException($"items[{i}].sku", $"SKU '{item.Sku}' appears twice in the snapshot");
            }

            if (item.OnHand < 0)
            {
                throw new DomainValidationException($"items[{i}].on_hand", "must not be negative");
            }
        }

        // Each SKU remembers the snapshot id as a sync id, so re-running a half-applied import finishes it without repeating.
        var warehouseId = this.GetPrimaryKeyString();
        var results = new List<SkuAvailability>(snapshot.Items.Count);
        foreach (var chunk in snapshot.Items.Chunk(32))
        {
            results.AddRange(await Task.WhenAll(chunk.Select(item =>
                GrainFactory.GetGrainCached<ISkuStockGrain>(item.Sku).SetStockAsync(new SetStockCommand(warehouseId, item.OnHand, snapshot.SnapshotId)))));
        }

        if (!state.State.ImportedSnapshots.Contains(snapshot.SnapshotId, StringComparer.Ordinal))
        {
            state.State.ImportedSnapshots.Add(snapshot.SnapshotId);
            if (state.State.ImportedSnapshots.Count > RememberedSnapshots)
            {
                state.State.ImportedSnapshots.RemoveAt(0);
            }

            await PersistAsync();
        }

        var shortages = results.Count(r => r.Backordered > 0);
        return new StockSnapshotSummary(warehouseId, snapshot.SnapshotId, snapshot.Items.Count, snapshot.Items.Sum(i => (long)i.OnHand), shortages);
    }

    /// <summary>The consolidation a new order of <paramref name="key"/> joins: one opened within the window that still has tasks.</summary>
    private string? OpenConsolidation(string key, DateTimeOffset now)
    {
        if (_options.ConsolidationWindow <= TimeSpan.Zero || string.IsNullOrEmpty(key))
        {
            return null;
        }

        // Only the order that opened a consolidation (its id is the consolidation id) dates the window.
        return state.State.Orders
            .Where(o => string.Equals(o.Key, o.Value.ConsolidationId, StringComparison.Ordinal)
                && string.Equals(o.Value.ConsolidationKey, key, StringComparison.Ordinal)
                && now - o.Value.ReleasedAt <= _options.ConsolidationWindow)
            .OrderBy(o => o.Value.Released)
            .Select(o => o.Key)
            .FirstOrDefault();
    }

    private Task PersistAsync() => state.WriteOrDeactivateAsync(this);
}
