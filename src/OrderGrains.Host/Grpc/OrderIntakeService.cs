using Grpc.Core;
using OrderGrains.Abstractions;
using OrderGrains.Grains;
using OrderGrains.Host.Admission;
using OrderGrains.Host.Operations;
using Wire = OrderGrains.Contracts.V1;

namespace OrderGrains.Host.Grpc;

/// <summary>
/// ordergrains.v1.OrderIntake: translates each RPC into one order grain call. PlaceOrder goes to the sold-out gate
/// first when this silo's stock hints say the request is sold out, so a refused buyer activates no order grain; other
/// orders of a sale take their turn through the <see cref="SaleQueue"/> and are looked at again if they had to wait.
/// </summary>
public sealed class OrderIntakeService(IGrainFactory grains, StockHints hints, AdmissionControl admission, SaleQueue sale, PlacementStatistics placements, TimeProvider clock) : Wire.OrderIntake.OrderIntakeBase
{
    private static readonly TimeSpan WatchPoll = TimeSpan.FromSeconds(15);

    // A stateless worker's reference is the same for every call; Orleans resolves GetGrain's types by reflection.
    private ISoldOutGateGrain? _gate;

    private ISoldOutGateGrain Gate => _gate ??= grains.GetGrain<ISoldOutGateGrain>(0);

    public override async Task<Wire.PlaceOrderReply> PlaceOrder(Wire.PlaceOrderRequest request, ServerCallContext context)
    {
        var started = clock.GetTimestamp();
        PlaceOrderResult result;
        PlaceOrderCommand command;
        try
        {
            using var admitted = admission.Enter(request.Channel);
            command = WireMapping.ToCommand(request);
            var orderId = OrderIds.For(command.Channel, command.ExternalOrderId);
            var refused = await RefuseIfSoldOutAsync(command, context.CancellationToken);
            if (refused is null)
            {
                using var turn = await sale.EnterAsync(command, context.CancellationToken);
                refused = turn.Waited ? await RefuseIfSoldOutAsync(command, context.CancellationToken) : null;
                result = refused ?? await grains.GetGrainCached<IOrderGrain>(orderId).PlaceAsync(command).WaitAsync(context.CancellationToken);
            }
            else
            {
                result = refused;
            }
        }
        catch (Exception exception)
        {
            // Counted, then handed on unchanged to the one place that maps exceptions to statuses.
            placements.RecordFailure(request.Channel, exception.GetType().Name, started);
            throw;
        }

        placements.Record(command.Channel, result, command.Lines, started);
        return new Wire.PlaceOrderReply { Order = WireMapping.ToWire(result.Order), Duplicate = result.Duplicate };
    }

    public override async Task<Wire.Order> GetOrder(Wire.GetOrderRequest request, ServerCallContext context)
    {
        var order = await Order(request.OrderId).GetAsync().WaitAsync(context.CancellationToken);
        return WireMapping.ToWire(order);
    }

    public override async Task<Wire.Order> ConfirmPayment(Wire.ConfirmPaymentRequest request, ServerCallContext context)
    {
        using var admitted = admission.Enter(AdmissionControl.ChannelOf(request.OrderId));
        var command = new ConfirmPaymentCommand(request.PaymentReference, request.AmountMinor, WireMapping.NullIfEmpty(request.ExchangeId));
        var order = await Order(request.OrderId).ConfirmPaymentAsync(command).WaitAsync(context.CancellationToken);
        return WireMapping.ToWire(order);
    }

    public override async Task<Wire.Order> CancelOrder(Wire.CancelOrderRequest request, ServerCallContext context)
    {
        using var admitted = admission.Enter(AdmissionControl.ChannelOf(request.OrderId));
        var grain = Order(request.OrderId);
        var order = request.Lines.Count == 0
            ? await grain.CancelAsync(request.Reason).WaitAsync(context.CancellationToken)
            : await grain.CancelBackorderAsync(new CancelBackorderCommand(request.CancellationId, WireMapping.ToDomain(request.Lines), request.Reason, "customer")).WaitAsync(context.CancellationToken);
        return WireMapping.ToWire(order);
    }

    public override async Task<Wire.Order> RequestReturn(Wire.ReturnRequest request, ServerCallContext context)
    {
        var command = new RequestReturnCommand(request.ReturnRequestId, WireMapping.ToDomain(request.Lines), request.Reason, (ReturnReason)(int)request.ReasonCode);
        var order = await Order(request.OrderId).RequestReturnAsync(command).WaitAsync(context.CancellationToken);
        return WireMapping.ToWire(order);
    }

    public override async Task<Wire.Order> RequestExchange(Wire.ExchangeRequest request, ServerCallContext context)
    {
        var order = await Order(request.OrderId).RequestExchangeAsync(WireMapping.ToCommand(request)).WaitAsync(context.CancellationToken);
        return WireMapping.ToWire(order);
    }

    public override async Task<Wire.OrderHistory> GetOrderHistory(Wire.GetOrderRequest request, ServerCallContext context)
    {
        var history = await Order(request.OrderId).GetHistoryAsync().WaitAsync(context.CancellationToken);
        return WireMapping.ToWire(history);
    }

    /// <summary>Sends the current order, then every new version, until the order can no longer change or the call ends.</summary>
    public override async Task WatchOrder(Wire.GetOrderRequest request, IServerStreamWriter<Wire.Order> responses, ServerCallContext context)
    {
        var grain = Order(request.OrderId);
        var order = await grain.GetAsync().WaitAsync(context.CancellationToken);
        await responses.WriteAsync(WireMapping.ToWire(order));
        while (!IsFinal(order.Status))
        {
            var next = await grain.WaitForChangeAsync(order.Version, WatchPoll).WaitAsync(context.CancellationToken);
            if (next.Version > order.Version)
            {
                await responses.WriteAsync(WireMapping.ToWire(next));
            }

            order = next;
        }
    }

    // The gate answers only when the hot grains already announced the refusal; null sends the order on.
    private async Task<PlaceOrderResult?> RefuseIfSoldOutAsync(PlaceOrderCommand command, CancellationToken cancellationToken) =>
        hints.MayRefuse(command, clock.GetUtcNow()) ? await Gate.TryRefuseAsync(command).WaitAsync(cancellationToken) : null;

    private static bool IsFinal(OrderStatus status) =>
        status is OrderStatus.Cancelled or OrderStatus.Rejected or OrderStatus.Returned;

    private IOrderGrain Order(string orderId) =>
        grains.GetGrainCached<IOrderGrain>(WireMapping.RequireKey(orderId, "order_id"));
}
