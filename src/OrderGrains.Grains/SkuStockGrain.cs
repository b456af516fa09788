using Microsoft.Extensions.Options;
using OrderGrains.Abstractions;
using OrderGrains.Runtime;

namespace OrderGrains.Grains;

/// <summary>
/// The stock pool of one SKU over all warehouses. Every reservation of the SKU passes through this one activation,
/// which is what keeps 0 ≤ reserved ≤ on hand true under any concurrency: requests run one at a time.
/// </summary>
[GrainType("sku-stock")]
public sealed class SkuStockGrain(
    [PersistentState("stock")] IPersistentState<SkuStockState> state,
    IOptions<OrderOptions> options,
    TimeProvider clock) : Grain, ISkuStockGrain
{
    private readonly OrderOptions _options = options.Value;

    // Cached copy of the warehouse directory; -1 until first fetched. Refreshed by version, at most once per cache duration.
    private Dictionary<string, WarehouseInfo> _warehouses = new(StringComparer.Ordinal);
    private long _directoryVersion = -1;
    private long _directoryCheckedAt;

    private SkuStockState Stock => state.State;

    /// <summary>Sets the absolute on-hand count of one warehouse; a replayed sync id changes nothing.</summary>
    public async Task<SkuAvailability> SetStockAsync(SetStockCommand command)
    {
        if (command is null)
        {
            throw new DomainValidationException("request", "is required");
        }

        if (string.IsNullOrWhiteSpace(command.WarehouseId))
        {
            throw new DomainValidationException("warehouse_id", "is required");
        }

        if (string.IsNullOrWhiteSpace(command.SyncId))
        {
            throw new DomainValidationException("sync_id", "is required");
        }

        if (command.OnHand < 0)
        {
            throw new DomainValidationException("on_hand", "must not be negative");
        }

        Stock.Warehouses.TryGetValue(command.WarehouseId, out var entry);
        if (entry is not null && entry.RecentSyncIds.Contains(command.SyncId, StringComparer.Ordinal))
        {
            return Availability();
        }

        var warehouses = await WarehousesAsync(mustRefresh: entry is null && !_warehouses.ContainsKey(command.WarehouseId));
        if (!warehouses.ContainsKey(command.WarehouseId))
        {
            throw new NotFoundException("warehouse", command.WarehouseId);
        }

        // Until fulfilment can re-source or backorder, stock may not drop below what orders already hold.
        var reserved = entry?.Reserved ?? 0;
        if (command.OnHand < reserved)
        {
            throw new DomainValidationException(
                "on_hand",
                $"on_hand below reserved: {command.OnHand} is less than the {reserved} units reserved for orders in warehouse '{command.WarehouseId}'");
        }

        if (entry is null)
        {
            entry = new WarehouseStockEntry();
            Stock.Warehouses[command.WarehouseId] = entry;
        }

        entry.OnHand = command.OnHand;
        entry.RecentSyncIds.Add(command.SyncId);
        if (entry.RecentSyncIds.Count > _options.RememberedSyncIdsPerWarehouse)
        {
            entry.RecentSyncIds.RemoveRange(0, entry.RecentSyncIds.Count - _options.RememberedSyncIdsPerWarehouse);
        }

        await PersistAsync();
        return Availability();
    }

    /// <summary>Returns the availability; a SKU never given stock is not found.</summary>
    public Task<SkuAvailability> GetAvailabilityAsync() =>
        Stock.Warehouses.Count == 0
            ? throw new NotFoundException("sku", GetPrimaryKeyString())
            : Task.FromResult(Availability());

    /// <summary>Reserves one line from the nearest active warehouse that can fill it, else the fewest warehouses; all or nothing.</summary>
    public async Task<StockReservationResult> ReserveAsync(StockReservationRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentException.ThrowIfNullOrEmpty(request.OrderId);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(request.Quantity);
        if (Stock.Reservations.TryGetValue(request.OrderId, out var held))
        {
            return new StockReservationResult(StockReservationOutcome.Reserved, [.. held]);
        }

        if (Stock.Warehouses.Count == 0)
        {
            return new StockReservationResult(StockReservationOutcome.UnknownSku, []);
        }

        var warehouses = await WarehousesAsync(mustRefresh: Stock.Warehouses.Keys.Any(id => !_warehouses.ContainsKey(id)));
        var candidates = new List<SourcingCandidate>(Stock.Warehouses.Count);
        foreach (var (warehouseId, entry) in Stock.Warehouses)
        {
            if (warehouses.TryGetValue(warehouseId, out var warehouse) && warehouse.Active && entry.OnHand > entry.Reserved)
            {
                var distance = StockSourcing.DistanceKm(request.Latitude, request.Longitude, warehouse.Latitude, warehouse.Longitude);
                candidates.Add(new SourcingCandidate(warehouseId, entry.OnHand - entry.Reserved, distance));
            }
        }

        var allocations = StockSourcing.Choose(candidates, request.Quantity);
        if (allocations is null)
        {
            return new StockReservationResult(StockReservationOutcome.OutOfStock, []);
        }

        foreach (var allocation in allocations)
        {
            Stock.Warehouses[allocation.WarehouseId].Reserved += allocation.Quantity;
        }

        Stock.Reservations[request.OrderId] = [.. allocations];
        await PersistAsync();
        return new StockReservationResult(StockReservationOutcome.Reserved, allocations);
    }

    /// <summary>Gives back what an order holds; nothing happens (and nothing is written) for an order holding nothing.</summary>
    public async Task ReleaseAsync(string orderId)
    {
        ArgumentException.ThrowIfNullOrEmpty(orderId);
        if (!Stock.Reservations.Remove(orderId, out var held))
        {
            return;
        }

        foreach (var allocation in held)
        {
            Stock.Warehouses[allocation.WarehouseId].Reserved -= allocation.Quantity;
        }

        await PersistAsync();
    }

    private SkuAvailability Availability()
    {
        var warehouses = Stock.Warehouses
            .OrderBy(w => w.Key, StringComparer.Ordinal)
            .Select(w => new WarehouseStock(w.Key, w.Value.OnHand, w.Value.Reserved, w.Value.OnHand - w.Value.Reserved))
            .ToList();
        var onHand = checked(warehouses.Sum(w => w.OnHand));
        var reserved = checked(warehouses.Sum(w => w.Reserved));
        return new SkuAvailability(GetPrimaryKeyString(), onHand, reserved, onHand - reserved, warehouses);
    }

    private async ValueTask<Dictionary<string, WarehouseInfo>> WarehousesAsync(bool mustRefresh)
    {
        var now = clock.GetTimestamp();
        if (!mustRefresh && _directoryVersion >= 0 && clock.GetElapsedTime(_directoryCheckedAt, now) < _options.WarehouseDirectoryCacheDuration)
        {
            return _warehouses;
        }

        var directory = GrainFactory.GetGrain<IWarehouseDirectoryGrain>(IWarehouseDirectoryGrain.Key);
        var changed = await directory.GetIfChangedAsync(_directoryVersion);
        if (changed is not null)
        {
            _warehouses = changed.Warehouses.ToDictionary(w => w.WarehouseId, StringComparer.Ordinal);
            _directoryVersion = changed.Version;
        }

        _directoryCheckedAt = now;
        return _warehouses;
    }

    private async Task PersistAsync()
    {
        try
        {
            await state.WriteStateAsync();
        }
        catch (Exception)
        {
            // Memory may now differ from storage: the next call must start from a fresh load.
            DeactivateOnIdle();
            throw;
        }
    }
}
