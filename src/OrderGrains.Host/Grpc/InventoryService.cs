using Grpc.Core;
using OrderGrains.Abstractions;
using Wire = OrderGrains.Contracts.V1;

namespace OrderGrains.Host.Grpc;

/// <summary>ordergrains.v1.Inventory: warehouses and SKU stock pools.</summary>
public sealed class InventoryService(IGrainFactory grains) : Wire.Inventory.InventoryBase
{
    public override async Task<Wire.Warehouse> UpsertWarehouse(Wire.Warehouse request, ServerCallContext context)
    {
        var key = WireMapping.RequireKey(request.WarehouseId, "warehouse_id");
        var saved = await grains.GetGrainCached<IWarehouseGrain>(key).UpsertAsync(WireMapping.ToDomain(request)).WaitAsync(context.CancellationToken);
        return WireMapping.ToWire(saved);
    }

    public override async Task<Wire.SkuAvailability> SetStock(Wire.SetStockRequest request, ServerCallContext context)
    {
        var sku = WireMapping.RequireKey(request.Sku, "sku");
        var command = new SetStockCommand(request.WarehouseId, request.OnHand, request.SyncId);
        var availability = await grains.GetGrainCached<ISkuStockGrain>(sku).SetStockAsync(command).WaitAsync(context.CancellationToken);
        return WireMapping.ToWire(availability);
    }

    public override async Task<Wire.SkuAvailability> GetAvailability(Wire.GetAvailabilityRequest request, ServerCallContext context)
    {
        var sku = WireMapping.RequireKey(request.Sku, "sku");
        var pool = grains.GetGrainCached<ISkuStockGrain>(sku);
        var availability = string.IsNullOrEmpty(request.Channel)
            ? await pool.GetAvailabilityAsync().WaitAsync(context.CancellationToken)
            : await pool.GetChannelAvailabilityAsync(WireMapping.RequireKey(request.Channel, "channel")).WaitAsync(context.CancellationToken);
        return WireMapping.ToWire(availability);
    }

    public override async Task<Wire.SkuAvailability> AdjustStock(Wire.AdjustStockRequest request, ServerCallContext context)
    {
        var sku = WireMapping.RequireKey(request.Sku, "sku");
        var command = new AdjustStockCommand(request.WarehouseId, request.Delta, (StockAdjustmentReason)(int)request.Reason, request.AdjustmentId);
        var availability = await grains.GetGrainCached<ISkuStockGrain>(sku).AdjustStockAsync(command).WaitAsync(context.CancellationToken);
        return WireMapping.ToWire(availability);
    }

    public override async Task<Wire.StockSnapshotSummary> ImportStockSnapshot(Wire.StockSnapshot request, ServerCallContext context)
    {
        var warehouseId = WireMapping.RequireKey(request.WarehouseId, "warehouse_id");
        var command = new StockSnapshotCommand(request.SnapshotId, [.. request.Items.Select(i => new SnapshotItem(i.Sku, i.OnHand))]);
        var summary = await grains.GetGrainCached<IWarehouseGrain>(warehouseId).ImportSnapshotAsync(command).WaitAsync(context.CancellationToken);
        return new Wire.StockSnapshotSummary
        {
            WarehouseId = summary.WarehouseId,
            SnapshotId = summary.SnapshotId,
            Skus = summary.Skus,
            Units = summary.Units,
            Shortages = summary.Shortages,
        };
    }

    public override async Task<Wire.StockLedger> GetStockLedger(Wire.GetStockLedgerRequest request, ServerCallContext context)
    {
        var sku = WireMapping.RequireKey(request.Sku, "sku");
        var ledger = await grains.GetGrainCached<ISkuStockGrain>(sku).GetLedgerAsync(request.Limit > 0 ? request.Limit : 100).WaitAsync(context.CancellationToken);
        return WireMapping.ToWire(ledger);
    }

    public override async Task<Wire.LowStockStatus> SetLowStockThreshold(Wire.SetLowStockThresholdRequest request, ServerCallContext context)
    {
        var sku = WireMapping.RequireKey(request.Sku, "sku");
        int? min = request.HasMinAvailable ? request.MinAvailable : null;
        double? days = request.HasDaysOfCover ? request.DaysOfCover : null;
        if (request.Clear && (min is not null || days is not null))
        {
            throw new DomainValidationException("clear", "cannot be set together with min_available or days_of_cover");
        }

        if (!request.Clear)
        {
            LowStockThreshold.Validate(min, days, "min_available", "days_of_cover");
        }

        var threshold = request.Clear ? null : new LowStockThreshold(min, days);
        var status = await grains.GetGrainCached<ISkuStockGrain>(sku).SetLowStockThresholdAsync(threshold).WaitAsync(context.CancellationToken);
        return ToWire(status);
    }

    public override async Task<Wire.SkuAvailability> SetSkuSalePolicy(Wire.SetSkuSalePolicyRequest request, ServerCallContext context)
    {
        var sku = WireMapping.RequireKey(request.Sku, "sku");
        var policy = new SkuSalePolicy(request.BackordersAllowed, request.PresaleLimit);
        SkuSalePolicy.Validate(policy);
        var availability = await grains.GetGrainCached<ISkuStockGrain>(sku).SetSalePolicyAsync(policy).WaitAsync(context.CancellationToken);
        return WireMapping.ToWire(availability);
    }

    public override async Task<Wire.SkuAvailability> SetChannelStock(Wire.SetChannelStockRequest request, ServerCallContext context)
    {
        var sku = WireMapping.RequireKey(request.Sku, "sku");
        var shares = request.Shares.Select(s => new ChannelStockShare(s.Channel, s.Quantity, s.Percent)).ToList();
        ChannelStockShare.Validate(shares);
        var availability = await grains.GetGrainCached<ISkuStockGrain>(sku).SetChannelSharesAsync(shares).WaitAsync(context.CancellationToken);
        return WireMapping.ToWire(availability);
    }

    public override async Task<Wire.LowStockStatus> GetLowStockStatus(Wire.GetLowStockStatusRequest request, ServerCallContext context)
    {
        var sku = WireMapping.RequireKey(request.Sku, "sku");
        return ToWire(await grains.GetGrainCached<ISkuStockGrain>(sku).GetLowStockStatusAsync().WaitAsync(context.CancellationToken));
    }

    private static Wire.LowStockStatus ToWire(LowStockStatus status)
    {
        var wire = new Wire.LowStockStatus
        {
            Sku = status.Sku,
            Available = status.Available,
            UnitsPerDay = status.UnitsPerDay,
            SalesWindowDays = status.SalesWindowDays,
            Low = status.Low,
            OpenAlertId = status.OpenAlertId ?? string.Empty,
        };
        if (status.Threshold?.MinAvailable is { } min)
        {
            wire.MinAvailable = min;
        }

        if (status.Threshold?.DaysOfCover is { } days)
        {
            wire.DaysOfCover = days;
        }

        if (status.DaysOfCover is { } cover)
        {
            wire.CurrentDaysOfCover = cover;
        }

        return wire;
    }
}
