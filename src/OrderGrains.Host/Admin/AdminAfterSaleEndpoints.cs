using OrderGrains.Abstractions;

namespace OrderGrains.Host.Admin;

/// <summary>
/// After-sale operations on the admin API: operators' decisions on RMAs and the carrier alert list. Actions name the
/// operator ("operator:&lt;token name&gt;") in the order history or on the alert, as the other admin actions do.
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
        admin.MapGet("/alerts", AlertsAsync).Produces<AlertsView>().ProducesProblem(400)
            .WithSummary("Operator alerts (carrier exceptions, shipments returned to sender), newest first; ?status=Open|Acknowledged|Resolved filters.");
        admin.MapPost("/alerts/{id}/acknowledge", (string id, HttpContext context, IGrainFactory grains) => DecideAlertAsync(id, AlertStatus.Acknowledged, context, grains))
            .WithMetadata(new RequiresOperatorAttribute()).Produces<OperatorAlert>().ProducesProblem(404)
            .WithSummary("Marks an alert as seen by the calling operator.");
        admin.MapPost("/alerts/{id}/resolve", (string id, HttpContext context, IGrainFactory grains) => DecideAlertAsync(id, AlertStatus.Resolved, context, grains))
            .WithMetadata(new RequiresOperatorAttribute()).Produces<OperatorAlert>().ProducesProblem(404)
            .WithSummary("Closes an alert as the calling operator.");
        return admin;
    }

    private static async Task<IResult> DecideAsync(string id, string rmaId, RmaDecision decision, HttpContext context, IGrainFactory grains)
    {
        var request = await AdminEndpoints.ReadOptionalAsync<ActionRequest>(context);
        var order = await grains.GetGrainCached<IOrderReturnsGrain>(id).DecideReturnAsync(new RmaDecisionCommand(rmaId, decision, AdminEndpoints.ActorOf(context), request?.Reason));
        return Results.Json(order, AdminEndpoints.Json);
    }

    private static async Task<IResult> AlertsAsync(IGrainFactory grains, string? status)
    {
        AlertStatus? wanted = null;
        if (!string.IsNullOrEmpty(status))
        {
            wanted = Enum.TryParse<AlertStatus>(status, ignoreCase: true, out var parsed) && parsed != AlertStatus.Unspecified
                ? parsed
                : throw new DomainValidationException("status", $"'{status}' is not Open, Acknowledged or Resolved");
        }

        var alerts = await grains.GetGrainCached<IOperatorAlertsGrain>(IOperatorAlertsGrain.CarrierCategory).ListAsync();
        var shown = alerts.Where(a => wanted is null || a.Status == wanted).ToList();
        return Results.Json(new AlertsView(alerts.Count(a => a.Status == AlertStatus.Open), shown), AdminEndpoints.Json);
    }

    private static async Task<IResult> DecideAlertAsync(string id, AlertStatus status, HttpContext context, IGrainFactory grains) =>
        Results.Json(await grains.GetGrainCached<IOperatorAlertsGrain>(IOperatorAlertsGrain.CarrierCategory).DecideAsync(id, status, AdminEndpoints.ActorOf(context)), AdminEndpoints.Json);
}

/// <summary>Operator alerts: how many are open, and the ones asked for (newest first).</summary>
public sealed record AlertsView(int Open, IReadOnlyList<OperatorAlert> Alerts);
