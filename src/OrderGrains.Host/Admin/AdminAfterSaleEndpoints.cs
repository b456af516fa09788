using OrderGrains.Abstractions;

namespace OrderGrains.Host.Admin;

/// <summary>
/// After-sale operations on the admin API: operators' decisions on RMAs. Actions name the operator
/// ("operator:&lt;token name&gt;") in the order history, as the other admin actions do. The alert list (carrier and
/// inventory) is <see cref="AdminAlertEndpoints"/>.
/// </summary>
internal static class AdminAfterSaleEndpoints
{
    public static RouteGroupBuilder MapAfterSale(this RouteGroupBuilder admin)
    {
        // Each takes an optional {"reason": ...} body, so none declares Accepts (see MapAdminApi).
        admin.MapPost("/orders/{id}/returns/{rmaId}/approve", (string id, string rmaId, HttpContext context, IGrainFactory grains) => DecideAsync(id, rmaId, RmaDecision.Approve, context, grains))
            .WithMetadata(new RequiresOperatorAttribute()).Produces<OrderSnapshot>().ProducesProblem(404).ProducesProblem(409)
            .WithSummary("Approves an RMA awaiting approval: its goods can then be received.");
        admin.MapPost("/orders/{id}/returns/{rmaId}/reject", (string id, string rmaId, HttpContext context, IGrainFactory grains) => DecideAsync(id, rmaId, RmaDecision.Reject, context, grains))
            .WithMetadata(new RequiresOperatorAttribute()).Produces<OrderSnapshot>().ProducesProblem(404).ProducesProblem(409)
            .WithSummary("Refuses an RMA awaiting approval; its units may be requested again.");
        admin.MapPost("/orders/{id}/returns/{rmaId}/cancel", (string id, string rmaId, HttpContext context, IGrainFactory grains) => DecideAsync(id, rmaId, RmaDecision.Cancel, context, grains))
            .WithMetadata(new RequiresOperatorAttribute()).Produces<OrderSnapshot>().ProducesProblem(404).ProducesProblem(409)
            .WithSummary("Withdraws an RMA whose goods have not arrived.");
        return admin;
    }

    private static async Task<IResult> DecideAsync(string id, string rmaId, RmaDecision decision, HttpContext context, IGrainFactory grains)
    {
        var request = await AdminEndpoints.ReadOptionalAsync<ActionRequest>(context);
        var order = await grains.GetGrainCached<IOrderReturnsGrain>(id).DecideReturnAsync(new RmaDecisionCommand(rmaId, decision, AdminEndpoints.ActorOf(context), request?.Reason));
        return Results.Json(order, AdminEndpoints.Json);
    }
}
