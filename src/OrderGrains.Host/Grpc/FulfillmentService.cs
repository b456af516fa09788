using Grpc.Core;
using OrderGrains.Abstractions;
using Wire = OrderGrains.Contracts.V1;

namespace OrderGrains.Host.Grpc;

/// <summary>ordergrains.v1.Fulfillment: warehouse and carrier reports, each one order or warehouse grain call.</summary>
public sealed class FulfillmentService(IGrainFactory grains) : Wire.Fulfillment.FulfillmentBase
{
    public override async Task<Wire.Order> ReleaseOrder(Wire.ReleaseOrderRequest request, ServerCallContext context)
    {
        var order = await Order(request.OrderId).ReleaseAsync(request.Actor).WaitAsync(context.CancellationToken);
        return WireMapping.ToWire(order);
    }

    public override async Task<Wire.Order> ReportShipment(Wire.ShipmentReport request, ServerCallContext context)
    {
        var command = new ReportShipmentCommand(request.WarehouseId, request.ShipmentId, WireMapping.ToDomain(request.Lines), request.Carrier, request.TrackingNumber);
        var order = await Order(request.OrderId).ReportShipmentAsync(command).WaitAsync(context.CancellationToken);
        return WireMapping.ToWire(order);
    }

    public override async Task<Wire.Order> ConfirmDelivery(Wire.DeliveryConfirmation request, ServerCallContext context)
    {
        var order = await Order(request.OrderId).ConfirmDeliveryAsync(request.ShipmentId).WaitAsync(context.CancellationToken);
        return WireMapping.ToWire(order);
    }

    public override async Task<Wire.Order> ReceiveReturn(Wire.ReturnReceipt request, ServerCallContext context)
    {
        var command = new ReceiveReturnCommand(request.RmaId, request.WarehouseId, WireMapping.ToDomain(request.Lines));
        var order = await Order(request.OrderId).ReceiveReturnAsync(command).WaitAsync(context.CancellationToken);
        return WireMapping.ToWire(order);
    }

    public override async Task<Wire.WarehouseQueue> GetWarehouseQueue(Wire.GetWarehouseQueueRequest request, ServerCallContext context)
    {
        var warehouseId = WireMapping.RequireKey(request.WarehouseId, "warehouse_id");
        var queue = await grains.GetGrainCached<IWarehouseGrain>(warehouseId).GetQueueAsync().WaitAsync(context.CancellationToken);
        return WireMapping.ToWire(queue);
    }

    public override async Task<Wire.Order> ReportTrackingEvent(Wire.TrackingEventReport request, ServerCallContext context)
    {
        var command = WireMapping.ToCommand(request);
        var grain = grains.GetGrainCached<IOrderTrackingGrain>(WireMapping.RequireKey(request.OrderId, "order_id"));
        var order = await grain.ReportTrackingEventAsync(command).WaitAsync(context.CancellationToken);
        return WireMapping.ToWire(order);
    }

    private IOrderGrain Order(string orderId) =>
        grains.GetGrainCached<IOrderGrain>(WireMapping.RequireKey(orderId, "order_id"));
}
