using OrderGrains.Abstractions;
using OrderGrains.Grpc.Server;
using OrderGrains.Runtime;
using Wire = OrderGrains.Contracts.V1;

namespace OrderGrains.Host.Grpc;

/// <summary>ordergrains.v1.Inventory: warehouses and SKU stock pools.</summary>
public sealed class InventoryService(IGrainFactory grains)
{
    public async Task<Wire.Warehouse> UpsertWarehouseAsync(Wire.Warehouse request, ServerCallContext context)
    {
        var key = WireMapping.RequireKey(request.WarehouseId, "warehouse_id");
        var saved = await grains.GetGrain<IWarehouseGrain>(key).UpsertAsync(WireMapping.ToDomain(request)).WaitAsync(context.CancellationToken);
        return WireMapping.ToWire(saved);
    }

    public async Task<Wire.SkuAvailability> SetStockAsync(Wire.SetStockRequest request, ServerCallContext context)
    {
        var sku = WireMapping.RequireKey(request.Sku, "sku");
        var command = new SetStockCommand(request.WarehouseId, request.OnHand, request.SyncId);
        var availability = await grains.GetGrain<ISkuStockGrain>(sku).SetStockAsync(command).WaitAsync(context.CancellationToken);
        return WireMapping.ToWire(availability);
    }

    public async Task<Wire.SkuAvailability> GetAvailabilityAsync(Wire.GetAvailabilityRequest request, ServerCallContext context)
    {
        var sku = WireMapping.RequireKey(request.Sku, "sku");
        var availability = await grains.GetGrain<ISkuStockGrain>(sku).GetAvailabilityAsync().WaitAsync(context.CancellationToken);
        return WireMapping.ToWire(availability);
    }
}
