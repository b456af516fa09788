using System.Globalization;
using Microsoft.Extensions.Options;
using OrderGrains.Abstractions;
using OrderGrains.Alerting;
using OrderGrains.Storage;

namespace OrderGrains.Host.Admin;

/// <summary>
/// Operator alerts of every category (carrier, inventory) with acknowledge and resolve, low-stock thresholds per SKU,
/// and the alert webhook's deliveries. Decisions name the operator ("operator:&lt;token name&gt;") on the alert.
/// </summary>
internal static class AdminAlertEndpoints
{
    public static RouteGroupBuilder MapAlerts(this RouteGroupBuilder admin)
    {
        admin.MapGet("/alerts", AlertsAsync).Produces<AlertsView>().ProducesProblem(400)
            .WithSummary("Operator alerts of every category (carrier: exceptions, returned to sender; inventory: low stock, backorders, OUT_OF_STOCK refusals), newest first; ?status=Open|Acknowledged|Resolved and ?category=carrier|inventory filter.");
        admin.MapPost("/alerts/{id}/acknowledge", (string id, string? category, HttpContext context, IGrainFactory grains) => DecideAlertAsync(id, category, AlertStatus.Acknowledged, context, grains))
            .WithMetadata(new RequiresOperatorAttribute()).Produces<AlertItem>().ProducesProblem(404)
            .WithSummary("Marks an alert as seen by the calling operator.");
        admin.MapPost("/alerts/{id}/resolve", (string id, string? category, HttpContext context, IGrainFactory grains) => DecideAlertAsync(id, category, AlertStatus.Resolved, context, grains))
            .WithMetadata(new RequiresOperatorAttribute()).Produces<AlertItem>().ProducesProblem(404)
            .WithSummary("Closes an alert as the calling operator.");
        admin.MapGet("/alerts/webhook", WebhookAsync).Produces<WebhookView>()
            .WithSummary("The alert webhook: whether it is on, deliveries, the retry in progress per partition and the alerts it gave up on.");
        admin.MapPost("/alerts/webhook/given-up/{id}/retry", RetryGivenUpAsync).WithMetadata(new RequiresOperatorAttribute()).Produces<WebhookRetryResult>().ProducesProblem(404)
            .WithSummary("Posts an alert the webhook gave up on once more (same Idempotency-Key and body), e.g. after the receiver was fixed.");
        admin.MapGet("/thresholds", ThresholdsAsync).Produces<IReadOnlyList<LowStockStatus>>()
            .WithSummary("Every SKU with a low-stock threshold, with its available units, sales rate, days of cover and whether it is low.");
        admin.MapGet("/skus/{sku}/threshold", (string sku, IGrainFactory grains) => StatusAsync(sku, grains)).Produces<LowStockStatus>()
            .WithSummary("A SKU's low-stock threshold and where it stands.");
        admin.MapPut("/skus/{sku}/threshold", SetThresholdAsync).WithMetadata(new RequiresOperatorAttribute()).Produces<LowStockStatus>().ProducesProblem(400)
            .WithSummary("Sets a SKU's low-stock threshold: {\"minAvailable\":n} or {\"daysOfCover\":d}, exactly one.");
        admin.MapDelete("/skus/{sku}/threshold", (string sku, IGrainFactory grains) => ClearThresholdAsync(sku, grains)).WithMetadata(new RequiresOperatorAttribute()).Produces<LowStockStatus>()
            .WithSummary("Removes a SKU's low-stock threshold; an open low-stock alert of it resolves.");
        return admin;
    }

    private static async Task<IResult> AlertsAsync(IGrainFactory grains, string? status, string? category)
    {
        AlertStatus? wanted = null;
        if (!string.IsNullOrEmpty(status))
        {
            wanted = Enum.TryParse<AlertStatus>(status, ignoreCase: true, out var parsed) && parsed != AlertStatus.Unspecified
                ? parsed
                : throw new DomainValidationException("status", $"'{status}' is not Open, Acknowledged or Resolved");
        }

        var categories = Categories(category);
        var lists = await Task.WhenAll(categories.Select(async c => (Category: c, Alerts: await grains.GetGrainCached<IOperatorAlertsGrain>(c).ListAsync())));
        var all = lists.SelectMany(l => l.Alerts.Select(a => AlertItem.Of(l.Category, a)))
            .OrderByDescending(a => a.RaisedAt)
            .ThenByDescending(a => a.AlertId, StringComparer.Ordinal)
            .ToList();
        var shown = all.Where(a => wanted is null || a.Status == wanted).ToList();
        return Results.Json(new AlertsView(all.Count(a => a.Status == AlertStatus.Open), shown), AdminEndpoints.Json);
    }

    // Without ?category, the alert is looked up in each category in turn (ids do not collide: carrier ids are
    // "order|shipment|event", inventory ids "sku#...").
    private static async Task<IResult> DecideAlertAsync(string id, string? category, AlertStatus status, HttpContext context, IGrainFactory grains)
    {
        foreach (var c in Categories(category))
        {
            try
            {
                var alert = await grains.GetGrainCached<IOperatorAlertsGrain>(c).DecideAsync(id, status, AdminEndpoints.ActorOf(context));
                return Results.Json(AlertItem.Of(c, alert), AdminEndpoints.Json);
            }
            catch (NotFoundException)
            {
                // Try the next category.
            }
        }

        throw new NotFoundException("alert", id);
    }

    private static async Task<IResult> WebhookAsync(IGrainFactory grains, IOutboxStore streams, IOptions<AlertingOptions> options)
    {
        var partitions = await Task.WhenAll(Enumerable.Range(0, streams.PartitionCount)
            .Select(p => grains.GetGrainCached<IAlertWebhookGrain>(p.ToString(CultureInfo.InvariantCulture)).GetStatusAsync()));
        var endpoint = options.Value.Webhook.Endpoint;
        return Results.Json(new WebhookView(
            endpoint is not null,
            endpoint?.GetLeftPart(UriPartial.Path),
            partitions.Sum(p => p.Delivered),
            partitions.Sum(p => p.FailedAttempts),
            partitions.Count(p => p.State == AlertWebhookState.Retrying),
            [.. partitions.SelectMany(p => p.GivenUp).OrderByDescending(g => g.At)],
            partitions), AdminEndpoints.Json);
    }

    // The alert's partition is that of its SKU; rather than parse the id, ask the partitions that list it.
    private static async Task<IResult> RetryGivenUpAsync(string id, IGrainFactory grains, IOutboxStore streams)
    {
        for (var partition = 0; partition < streams.PartitionCount; partition++)
        {
            var sender = grains.GetGrainCached<IAlertWebhookGrain>(partition.ToString(CultureInfo.InvariantCulture));
            var status = await sender.GetStatusAsync();
            if (status.GivenUp.Any(g => string.Equals(g.AlertId, id, StringComparison.Ordinal)))
            {
                var delivered = await sender.RetryGivenUpAsync(id);
                var reason = delivered ? null : (await sender.GetStatusAsync()).GivenUp.FirstOrDefault(g => g.AlertId == id)?.Reason;
                return Results.Json(new WebhookRetryResult(id, delivered, reason), AdminEndpoints.Json);
            }
        }

        throw new NotFoundException("given-up alert", id);
    }

    private static async Task<IResult> ThresholdsAsync(IGrainFactory grains)
    {
        var listed = await grains.GetGrainCached<ILowStockThresholdDirectoryGrain>(ILowStockThresholdDirectoryGrain.Key).ListAsync();
        var statuses = await Task.WhenAll(listed.Select(t => grains.GetGrainCached<ISkuStockGrain>(t.Sku).GetLowStockStatusAsync()));
        return Results.Json(statuses, AdminEndpoints.Json);
    }

    private static async Task<IResult> StatusAsync(string sku, IGrainFactory grains) =>
        Results.Json(await grains.GetGrainCached<ISkuStockGrain>(sku).GetLowStockStatusAsync(), AdminEndpoints.Json);

    private static async Task<IResult> SetThresholdAsync(string sku, HttpContext context, IGrainFactory grains)
    {
        var request = await AdminEndpoints.ReadOptionalAsync<ThresholdRequest>(context)
            ?? throw new DomainValidationException("body", "is required: {\"minAvailable\":n} or {\"daysOfCover\":d}");
        LowStockThreshold.Validate(request.MinAvailable, request.DaysOfCover, "minAvailable", "daysOfCover");
        var status = await grains.GetGrainCached<ISkuStockGrain>(sku).SetLowStockThresholdAsync(new LowStockThreshold(request.MinAvailable, request.DaysOfCover));
        return Results.Json(status, AdminEndpoints.Json);
    }

    private static async Task<IResult> ClearThresholdAsync(string sku, IGrainFactory grains) =>
        Results.Json(await grains.GetGrainCached<ISkuStockGrain>(sku).SetLowStockThresholdAsync(null), AdminEndpoints.Json);

    private static IReadOnlyList<string> Categories(string? category)
    {
        if (string.IsNullOrEmpty(category))
        {
            return OperatorAlertCategories.All;
        }

        return OperatorAlertCategories.All.FirstOrDefault(c => string.Equals(c, category, StringComparison.OrdinalIgnoreCase)) is { } known
            ? [known]
            : throw new DomainValidationException("category", $"'{category}' is not {string.Join(" or ", OperatorAlertCategories.All)}");
    }
}

/// <summary><paramref name="Reason"/> says why the receiver did not take it (null when it did).</summary>
public sealed record WebhookRetryResult(string AlertId, bool Delivered, string? Reason);

/// <summary>A low-stock threshold as operators send it: exactly one of the two.</summary>
public sealed record ThresholdRequest(int? MinAvailable, double? DaysOfCover);

/// <summary>An operator alert with its category.</summary>
public sealed record AlertItem(
    string Category,
    string AlertId,
    string Kind,
    string Subject,
    string Message,
    DateTimeOffset RaisedAt,
    AlertStatus Status,
    string? DecidedBy,
    DateTimeOffset? DecidedAt)
{
    public static AlertItem Of(string category, OperatorAlert alert)
    {
        ArgumentNullException.ThrowIfNull(alert);
        return new(category, alert.AlertId, alert.Kind, alert.Subject, alert.Message, alert.RaisedAt, alert.Status, alert.DecidedBy, alert.DecidedAt);
    }
}

/// <summary>Operator alerts: how many are open (every category asked for), and the ones asked for (newest first).</summary>
public sealed record AlertsView(int Open, IReadOnlyList<AlertItem> Alerts);

/// <summary>
/// The alert webhook: <paramref name="Url"/> without its query (which may hold a secret); <paramref name="Retrying"/>
/// counts partitions whose head alert waits for its next attempt; <paramref name="GivenUp"/> newest first.
/// </summary>
public sealed record WebhookView(
    bool Enabled,
    string? Url,
    long Delivered,
    long FailedAttempts,
    int Retrying,
    IReadOnlyList<AlertWebhookGivenUp> GivenUp,
    IReadOnlyList<AlertWebhookStatus> Partitions);
