using Grpc.Core;
using OrderGrains.Abstractions;
using OrderGrains.Host.Security;
using OrderGrains.ReadModel;
using Wire = OrderGrains.Contracts.V1;

namespace OrderGrains.Host.Grpc;

/// <summary>
/// ordergrains.v1.Review: the review queue from the read model (the query the admin API runs, through
/// <see cref="ReviewQueueReader"/>) and hold decisions on the order grain in the caller's name, with its review roles,
/// so the chain's rules (each step its role, one step per person) are the grain's, as on the admin API.
/// </summary>
public sealed partial class ReviewService(IGrainFactory grains, IOrderReadStore store, TimeProvider clock, ILogger<ReviewService> logger) : Wire.Review.ReviewBase
{
    public override async Task<Wire.ReviewQueue> ListReviewQueue(Wire.ListReviewQueueRequest request, ServerCallContext context)
    {
        var after = ReviewQueueReader.ParseCursor(request.PageToken, "page_token", "next_page_token");
        var now = clock.GetUtcNow();
        var caller = CallerAuthorizationInterceptor.CallerOf(context);
        var query = ReviewQueueReader.Query(
            now,
            WireMapping.ToDomain(request.HoldReason, "hold_reason"),
            WireMapping.MinAge(request.MinAge),
            WireMapping.HeldBefore(request.HeldBefore),
            ReviewQueueReader.ParseStepRole(request.NextRole, "next_role"),
            WireMapping.NullIfEmpty(request.Channel),
            request.Mine ? new HoldApproval(caller.Actor, caller.ReviewRoleNames) : null,
            WireMapping.PageSize(request.PageSize),
            after);
        var result = await ReviewQueueReader.ReadAsync(store, query, now, context.CancellationToken);
        return WireMapping.ToWire(result);
    }

    public override async Task<Wire.Order> ApproveHold(Wire.ApproveHoldRequest request, ServerCallContext context)
    {
        var orderId = WireMapping.RequireKey(request.OrderId, "order_id");
        var caller = CallerAuthorizationInterceptor.CallerOf(context);
        var order = await grains.GetGrainCached<IOrderGrain>(orderId)
            .ApproveHoldAsync(new HoldApproval(caller.Actor, caller.ReviewRoleNames)).WaitAsync(context.CancellationToken);
        LogApproved(logger, orderId, caller.Name, order.Approvers.Count, order.Status);
        return WireMapping.ToWire(order);
    }

    public override async Task<Wire.Order> RejectHold(Wire.RejectHoldRequest request, ServerCallContext context)
    {
        var orderId = WireMapping.RequireKey(request.OrderId, "order_id");
        var caller = CallerAuthorizationInterceptor.CallerOf(context);
        var order = await grains.GetGrainCached<IOrderGrain>(orderId)
            .RejectHoldAsync(caller.Actor, request.Reason).WaitAsync(context.CancellationToken);
        LogRejected(logger, orderId, caller.Name);
        return WireMapping.ToWire(order);
    }

    [LoggerMessage(EventId = 1801, Level = LogLevel.Information, Message = "Hold of order {OrderId} approved over gRPC by caller {Caller}: {Approvals} approval(s), status {Status}.")]
    private static partial void LogApproved(ILogger logger, string orderId, string caller, int approvals, OrderStatus status);

    [LoggerMessage(EventId = 1802, Level = LogLevel.Information, Message = "Hold of order {OrderId} rejected over gRPC by caller {Caller}.")]
    private static partial void LogRejected(ILogger logger, string orderId, string caller);
}
