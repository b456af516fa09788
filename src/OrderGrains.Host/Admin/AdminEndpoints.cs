using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Options;
using OrderGrains.Abstractions;
using OrderGrains.ErpForwarding;
using OrderGrains.Host.Admission;
using OrderGrains.Host.Operations;
using OrderGrains.Storage;

namespace OrderGrains.Host.Admin;

/// <summary>
/// The operators' REST API under <c>/admin</c> on the admin port. Reads go to read-only (interleaving) grain methods,
/// so looking at a grain never queues behind, or changes, its work; actions name the operator in the order history.
/// </summary>
internal static class AdminEndpoints
{
    private const int LedgerTail = 50;

    // Dead letters shown in /admin/erp itself; the rest are paged through /admin/erp/dead-letters.
    private const int DeadLettersInView = 100;

    private const int MaxDeadLetterPage = 1_000;

    /// <summary>camelCase with enum names, for people and the dashboard.</summary>
    public static JsonSerializerOptions Json { get; } = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter() },
    };

    public static void MapAdminApi(this WebApplication app, HostSettings settings)
    {
        var admin = app.MapGroup("/admin")
            .RequireHost($"*:{settings.AdminPort}")
            .AddEndpointFilter<AdminProblems>()
            .WithTags("admin");

        admin.MapGet("/overview", OverviewAsync).Produces<Overview>().WithSummary("Live figures for the dashboard: orders/s, latency, hot SKUs, ERP, activations.");
        admin.MapGet("/orders/{id}", OrderAsync).Produces<OrderView>().ProducesProblem(404).WithSummary("An order with its full history.");
        admin.MapPost("/orders/{id}/approve", ApproveAsync).WithMetadata(new RequiresDeciderAttribute()).Produces<OrderSnapshot>().ProducesProblem(409).WithSummary("Approves the next step of an ON_HOLD order's approval chain as the caller, who must hold that step's role (operator tokens count as reviewers); after the last step the order goes to PENDING_PAYMENT.");
        // Reject and cancel take an optional {"reason": ...} body, so they declare no Accepts: routing would
        // otherwise refuse a body-less POST as if the endpoint did not exist.
        admin.MapPost("/orders/{id}/reject", RejectAsync).WithMetadata(new RequiresDeciderAttribute()).Produces<OrderSnapshot>().ProducesProblem(409).WithSummary("Rejects an ON_HOLD order: it is cancelled and releases its stock.");
        admin.MapPost("/orders/{id}/cancel", CancelAsync).WithMetadata(new RequiresOperatorAttribute()).Produces<OrderSnapshot>().ProducesProblem(409).WithSummary("Cancels an order that has not been released.");
        admin.MapGet("/skus/{sku}", SkuAsync).Produces<SkuView>().ProducesProblem(404).WithSummary("A SKU pool: per-warehouse stock, reservations, the ledger tail and invariant status.");
        admin.MapGet("/warehouses/{id}", WarehouseAsync).Produces<WarehouseView>().ProducesProblem(404).WithSummary("A warehouse and its queue of pick packages.");
        admin.MapGet("/customers/{id}", CustomerAsync).Produces<CustomerView>().ProducesProblem(404).WithSummary("A customer: exposure, limit, units per campaign.");
        admin.MapGet("/customers/{id}/receivables", ReceivablesAsync).Produces<ReceivablesReport>().ProducesProblem(404).WithSummary("A customer's open invoices on payment terms with days overdue, and their ageing per currency: current, 1-30, 31-60, over 60 days overdue.");
        admin.MapGet("/campaigns", CampaignsAsync).Produces<IReadOnlyList<CampaignStatus>>().WithSummary("Every campaign with taken and remaining units.");
        admin.MapPost("/campaigns", UpsertCampaignAsync).WithMetadata(new RequiresOperatorAttribute()).Accepts<CampaignRequest>("application/json").Produces<CampaignStatus>().ProducesProblem(400).WithSummary("Creates or updates a campaign (flash sale).");
        admin.MapPost("/campaigns/{id}/close", CloseCampaignAsync).WithMetadata(new RequiresOperatorAttribute()).Produces<CampaignStatus>().ProducesProblem(404).WithSummary("Ends a flash sale now; closing is final.");
        admin.MapGet("/cluster", async (ClusterMembers members) => Results.Json(await members.ReadAsync(), Json)).Produces<ClusterView>().WithSummary("Every silo of the cluster: address, name, status (active, joining, shutting_down, dead), started and last-alive times, activations, PlaceOrder calls answered per second, gRPC and admin endpoints.");
        admin.MapGet("/runtime", RuntimeAsync).Produces<RuntimeView>().WithSummary("Uptime, activations, call rates, waiting requests, hottest grains, storage batches, the cluster's silos.");
        admin.MapGet("/erp", ErpAsync).Produces<ErpView>().WithSummary("ERP forwarding: per-partition state, backlog, lag, failures, dead letters, parked documents and alerts.");
        admin.MapGet("/erp/dead-letters", DeadLettersAsync).Produces<DeadLetterPageView>().ProducesProblem(400).WithSummary("Dead letters, every one kept, paged with offset and limit in a stable order (partition, sequence, event id).");
        admin.MapPost("/erp/dead-letters/{id}/retry", RetryDeadLetterAsync).WithMetadata(new RequiresOperatorAttribute()).Produces<RetryResult>().ProducesProblem(404).WithSummary("Posts a dead-lettered event again.");
        admin.MapAfterSale();
        admin.MapReadModel();
        admin.MapReviewQueue();
        admin.MapAlerts();
        admin.MapSalePolicy();
        admin.MapPricing();
        admin.MapPost("/dashboard-session", AdminAuthentication.StartDashboardSession).Produces(StatusCodes.Status204NoContent).WithSummary("Sets the cookie that lets this browser open Orleans' dashboard at " + AdminAuthentication.OrleansDashboardPath + "/.");
        admin.MapDelete("/dashboard-session", AdminAuthentication.EndDashboardSession).Produces(StatusCodes.Status204NoContent).WithSummary("Forgets that cookie (sign-out).");
    }

    private static async Task<IResult> OverviewAsync(IGrainFactory grains, PlacementStatistics placements, IOutboxStore streams, SiloFigures figures, IOptions<ErpForwarderOptions> erpOptions)
    {
        var snapshot = placements.GetSnapshot();
        var skuTasks = snapshot.HotSkus.Select(async hot =>
        {
            try
            {
                var availability = await grains.GetGrainCached<ISkuStockGrain>(hot.Sku).GetAvailabilityAsync();
                return new HotSku(hot.Sku, availability.OnHand, availability.Reserved, availability.Available, hot.OrdersPerSecond);
            }
            catch (NotFoundException)
            {
                // Ordered but never stocked: the SKU is hot with nothing to sell.
                return new HotSku(hot.Sku, 0, 0, 0, hot.OrdersPerSecond);
            }
        });
        var hotSkus = await Task.WhenAll(skuTasks);
        var erp = await ErpTotalsAsync(grains, streams, erpOptions.Value, withDeadLetters: false);
        var runtime = await figures.GetSnapshotAsync(0);
        var activations = runtime.GrainTypes.Where(t => t.Activations > 0).Select(t => new ActivationCount(t.GrainType, t.Activations)).ToList();
        var overview = new Overview(
            DateTimeOffset.UtcNow,
            Math.Round(snapshot.Uptime.TotalSeconds, 1),
            new OrderRates(PlacementStatistics.WindowSeconds, snapshot.TotalPlaced, [.. snapshot.Rates.Select(r => new OrderRate(r.Channel, PlacementStatistics.OutcomeName(r.Outcome), Math.Round(r.PerSecond, 2), r.Count))]),
            new LatencyView(snapshot.Latency.P50, snapshot.Latency.P99, snapshot.Latency.Count),
            hotSkus,
            new ErpSummary(
                erp.LagSeconds,
                erp.Backlog,
                erp.Posted,
                erp.Failed,
                erp.DeadLetters,
                erp.Parked,
                [.. erp.Partitions.Select(p => new ErpPartitionSummary(p.Partition, p.Status, p.Backlog, Math.Round(p.Lag.TotalSeconds, 3), p.ConsecutiveFailures, p.DeadLettered, p.Parked))],
                erp.Alerts),
            activations);
        return Results.Json(overview, Json);
    }

    private static async Task<IResult> OrderAsync(string id, IGrainFactory grains)
    {
        var grain = grains.GetGrainCached<IOrderGrain>(id);
        var order = await grain.GetAsync();
        var history = await grain.GetHistoryAsync();
        return Results.Json(new OrderView(order, history.Entries), Json);
    }

    private static async Task<IResult> ApproveAsync(string id, HttpContext context, IGrainFactory grains)
    {
        var order = await grains.GetGrainCached<IOrderGrain>(id).ApproveHoldAsync(new HoldApproval(ActorOf(context), context.Operator().RoleNames));
        return Results.Json(order, Json);
    }

    private static async Task<IResult> RejectAsync(string id, HttpContext context, IGrainFactory grains)
    {
        var request = await ReadOptionalAsync<ActionRequest>(context);
        var order = await grains.GetGrainCached<IOrderGrain>(id).RejectHoldAsync(ActorOf(context), request?.Reason ?? string.Empty);
        return Results.Json(order, Json);
    }

    private static async Task<IResult> CancelAsync(string id, HttpContext context, IGrainFactory grains)
    {
        var request = await ReadOptionalAsync<ActionRequest>(context);
        var order = await grains.GetGrainCached<IOrderGrain>(id).CancelByOperatorAsync(ActorOf(context), request?.Reason ?? "cancelled by operator");
        return Results.Json(order, Json);
    }

    private static async Task<IResult> SkuAsync(string sku, IGrainFactory grains)
    {
        var grain = grains.GetGrainCached<ISkuStockGrain>(sku);
        var availability = await grain.GetAvailabilityAsync();
        var ledger = await grain.GetLedgerAsync(LedgerTail);
        var broken = availability.Warehouses
            .Where(w => w.Reserved < 0 || w.Reserved > w.OnHand)
            .Select(w => $"warehouse {w.WarehouseId}: reserved {w.Reserved.ToString(CultureInfo.InvariantCulture)} outside 0..on-hand {w.OnHand.ToString(CultureInfo.InvariantCulture)}")
            .ToList();
        if (ledger.InvariantViolations > 0)
        {
            broken.Add($"{ledger.InvariantViolations.ToString(CultureInfo.InvariantCulture)} ledger movement(s) found reserved != sum of live reservations");
        }

        return Results.Json(new SkuView(availability, ledger, new InvariantStatus(broken.Count == 0, broken)), Json);
    }

    private static async Task<IResult> WarehouseAsync(string id, IGrainFactory grains)
    {
        var grain = grains.GetGrainCached<IWarehouseGrain>(id);
        var warehouse = await grain.GetAsync();
        var queue = await grain.GetQueueAsync();
        return Results.Json(new WarehouseView(warehouse, queue.Packages, queue.Packages.Sum(p => p.Units)), Json);
    }

    private static async Task<IResult> CustomerAsync(string id, IGrainFactory grains)
    {
        var account = await grains.GetGrainCached<ICustomerAccountGrain>(id).GetAsync();
        var campaignIds = await grains.GetGrainCached<ICampaignDirectoryGrain>(ICampaignDirectoryGrain.Key).ListAsync();
        var counts = await Task.WhenAll(campaignIds.Select(async c => new CampaignCount(c, await grains.GetGrainCached<ICampaignGrain>(c).GetCustomerCountAsync(id))));
        var limit = account.Profile.CreditLimitMinor;
        return Results.Json(new CustomerView(account, limit == 0 ? null : limit - account.OpenExposureMinor - account.OpenReceivablesMinor, [.. counts.Where(c => c.Units > 0)]), Json);
    }

    private static async Task<IResult> ReceivablesAsync(string id, IGrainFactory grains) =>
        Results.Json(await grains.GetGrainCached<ICustomerAccountGrain>(id).GetReceivablesAsync(), Json);

    private static async Task<IResult> CampaignsAsync(IGrainFactory grains)
    {
        var ids = await grains.GetGrainCached<ICampaignDirectoryGrain>(ICampaignDirectoryGrain.Key).ListAsync();
        var campaigns = await Task.WhenAll(ids.Select(id => grains.GetGrainCached<ICampaignGrain>(id).GetAsync()));
        return Results.Json(campaigns, Json);
    }

    private static async Task<IResult> UpsertCampaignAsync(HttpContext context, IGrainFactory grains)
    {
        var request = await ReadOptionalAsync<CampaignRequest>(context)
            ?? throw new DomainValidationException("body", "is required: a campaign as JSON");
        if (string.IsNullOrWhiteSpace(request.CampaignId))
        {
            throw new DomainValidationException("campaignId", "is required");
        }

        if (request.ReservationTimeoutSeconds is <= 0)
        {
            throw new DomainValidationException("reservationTimeoutSeconds", "must be positive when set");
        }

        var definition = new CampaignDefinition(
            request.CampaignId,
            request.Sku ?? string.Empty,
            request.PriceMinor,
            request.Quota,
            request.PerCustomerLimit,
            request.StartsAt ?? throw new DomainValidationException("startsAt", "is required"),
            request.EndsAt ?? throw new DomainValidationException("endsAt", "is required"),
            request.ReservationTimeoutSeconds is { } seconds ? TimeSpan.FromSeconds(seconds) : null);
        var grain = grains.GetGrainCached<ICampaignGrain>(request.CampaignId);
        await grain.UpsertAsync(definition);
        return Results.Json(await grain.GetAsync(), Json);
    }

    private static async Task<IResult> CloseCampaignAsync(string id, HttpContext context, IGrainFactory grains) =>
        Results.Json(await grains.GetGrainCached<ICampaignGrain>(id).CloseAsync(ActorOf(context)), Json);

    private static async Task<IResult> RuntimeAsync(SiloFigures figures, PlacementStatistics placements, AdmissionControl admission)
    {
        var runtime = await figures.GetSnapshotAsync();
        var view = new RuntimeView(
            Math.Round(placements.Uptime.TotalSeconds, 1),
            runtime,
            new AdmissionView(admission.Options.Enabled, admission.InFlight, admission.Admitted, admission.Rejected));
        return Results.Json(view, Json);
    }

    private static async Task<IResult> ErpAsync(IGrainFactory grains, IOutboxStore streams, IOptions<ErpForwarderOptions> erpOptions) =>
        Results.Json(await ErpTotalsAsync(grains, streams, erpOptions.Value), Json);

    private static async Task<IResult> DeadLettersAsync(IGrainFactory grains, IOutboxStore streams, int? offset, int? limit)
    {
        var from = offset ?? 0;
        var take = limit ?? 100;
        if (from < 0)
        {
            throw new DomainValidationException("offset", "must not be negative");
        }

        if (take is < 1 or > MaxDeadLetterPage)
        {
            throw new DomainValidationException("limit", $"must be between 1 and {MaxDeadLetterPage.ToString(CultureInfo.InvariantCulture)}");
        }

        var forwarders = Forwarders(grains, streams).ToList();
        var stats = await Task.WhenAll(forwarders.Select(f => f.GetStatsAsync()));
        return Results.Json(await DeadLetterPageAsync(forwarders, stats, from, take), Json);
    }

    // Walks the partitions in order, asking only those that hold part of the page for their slice.
    private static async Task<DeadLetterPageView> DeadLetterPageAsync(IReadOnlyList<IErpForwarderGrain> forwarders, IReadOnlyList<ErpForwarderStats> stats, int offset, int limit)
    {
        var items = new List<DeadLetterItem>();
        var skip = offset;
        for (var partition = 0; partition < forwarders.Count && items.Count < limit; partition++)
        {
            var count = stats[partition].DeadLettered;
            if (skip >= count)
            {
                skip -= count;
                continue;
            }

            var page = await forwarders[partition].GetDeadLetterPageAsync(skip, limit - items.Count);
            items.AddRange(page.Items.Select((l, i) => new DeadLetterItem(
                partition, l.Sequence, l.EventId, l.OrderId, l.DocumentType, l.Reason, l.Attempts, l.At, l.AppendedAt, page.ParkedBehind[i], l.Event)));
            skip = 0;
        }

        var total = stats.Sum(s => s.DeadLettered);
        var next = offset + items.Count;
        return new DeadLetterPageView(offset, limit, total, items, next < total ? next : null);
    }

    private static async Task<IResult> RetryDeadLetterAsync(string id, IGrainFactory grains, IOutboxStore streams)
    {
        // An event id is "{order id}#{version}[suffix]"; the order id picks the partition, as it did when it was appended.
        var hash = id.LastIndexOf('#');
        if (hash <= 0)
        {
            throw new NotFoundException("dead letter", id);
        }

        var partition = StreamPartitioner.PartitionOf(id[..hash], streams.PartitionCount);
        var forwarder = grains.GetGrainCached<IErpForwarderGrain>(partition.ToString(CultureInfo.InvariantCulture));
        var posted = await forwarder.RetryDeadLetterAsync(id);
        var reason = posted ? null : (await forwarder.GetDeadLettersAsync()).FirstOrDefault(l => l.EventId == id)?.Reason;
        return Results.Json(new RetryResult(id, posted, reason), Json);
    }

    private static async Task<ErpView> ErpTotalsAsync(IGrainFactory grains, IOutboxStore streams, ErpForwarderOptions options, bool withDeadLetters = true)
    {
        var forwarders = Forwarders(grains, streams).ToList();
        var stats = await Task.WhenAll(forwarders.Select(f => f.GetStatsAsync()));
        var firstLetters = withDeadLetters ? (await DeadLetterPageAsync(forwarders, stats, 0, DeadLettersInView)).Items : [];
        return new ErpView(
            Math.Round(stats.Select(s => s.Lag.TotalSeconds).DefaultIfEmpty(0).Max(), 3),
            stats.Sum(s => s.Backlog),
            stats.Sum(s => s.Posted),
            stats.Sum(s => s.Failed),
            stats.Sum(s => s.DeadLettered),
            stats,
            firstLetters,
            stats.Sum(s => s.Parked),
            options.LagAlertThreshold.TotalSeconds,
            ErpAlerts.Evaluate(stats, options.LagAlertThreshold));
    }

    private static IEnumerable<IErpForwarderGrain> Forwarders(IGrainFactory grains, IOutboxStore streams) =>
        Enumerable.Range(0, streams.PartitionCount).Select(p => grains.GetGrainCached<IErpForwarderGrain>(p.ToString(CultureInfo.InvariantCulture)));

    internal static string ActorOf(HttpContext context) => "operator:" + context.Operator().Name;

    internal static async Task<T?> ReadOptionalAsync<T>(HttpContext context)
        where T : class
    {
        if (context.Request.ContentLength is 0 || (context.Request.ContentLength is null && !context.Request.Headers.TransferEncoding.Any()))
        {
            return null;
        }

        return await JsonSerializer.DeserializeAsync<T>(context.Request.Body, Json, context.RequestAborted);
    }
}

/// <summary>Optional body of reject and cancel.</summary>
public sealed record ActionRequest(string? Reason);

/// <summary>A campaign as operators send it; times in ISO 8601.</summary>
public sealed record CampaignRequest(string CampaignId, string? Sku, long PriceMinor, int Quota, int PerCustomerLimit, DateTimeOffset? StartsAt, DateTimeOffset? EndsAt, double? ReservationTimeoutSeconds);

public sealed record OrderView(OrderSnapshot Order, IReadOnlyList<OrderHistoryEntry> History);

public sealed record InvariantStatus(bool Holds, IReadOnlyList<string> Violations);

public sealed record SkuView(SkuAvailability Availability, StockLedger Ledger, InvariantStatus Invariants);

public sealed record WarehouseView(WarehouseInfo Warehouse, IReadOnlyList<PickPackage> Queue, int QueuedUnits);

public sealed record CampaignCount(string CampaignId, int Units);

/// <summary><paramref name="CreditRemainingMinor"/> is null when the customer has no limit.</summary>
public sealed record CustomerView(CustomerAccount Account, long? CreditRemainingMinor, IReadOnlyList<CampaignCount> Campaigns);

public sealed record AdmissionView(bool Enabled, int InFlight, long Admitted, long Rejected);

public sealed record RuntimeView(double UptimeSeconds, RuntimeSnapshot Silo, AdmissionView Admission);

/// <summary>
/// ERP forwarding as operators see it. <paramref name="DeadLetterList"/> holds the first 100 dead letters in stable
/// order; <c>GET /admin/erp/dead-letters</c> pages through all of them. <paramref name="Alerts"/> is empty when all is well.
/// </summary>
public sealed record ErpView(
    double LagSeconds,
    long Backlog,
    long Posted,
    long Failed,
    long DeadLetters,
    IReadOnlyList<ErpForwarderStats> Partitions,
    IReadOnlyList<DeadLetterItem> DeadLetterList,
    long Parked,
    double LagAlertThresholdSeconds,
    IReadOnlyList<ErpAlert> Alerts);

/// <summary>A dead letter with its place (partition, sequence) and how many later documents of its order wait behind it.</summary>
public sealed record DeadLetterItem(
    int Partition,
    long Sequence,
    string EventId,
    string OrderId,
    string DocumentType,
    string Reason,
    int Attempts,
    DateTimeOffset At,
    DateTimeOffset? AppendedAt,
    int ParkedBehind,
    OrderEvent Event);

/// <summary>One page of dead letters; <paramref name="NextOffset"/> is null on the last page.</summary>
public sealed record DeadLetterPageView(int Offset, int Limit, int Total, IReadOnlyList<DeadLetterItem> Items, int? NextOffset);

/// <summary><paramref name="Reason"/> says why the retry did not post (null when it posted).</summary>
public sealed record RetryResult(string EventId, bool Posted, string? Reason);

public sealed record OrderRate(string Channel, string Outcome, double Rate, long Total);

public sealed record OrderRates(int WindowSeconds, long TotalPlaced, IReadOnlyList<OrderRate> PerSecond);

public sealed record LatencyView(double P50, double P99, long Count);

public sealed record HotSku(string Sku, int OnHand, int Reserved, int Available, double OrdersPerSecond);

public sealed record ErpSummary(double Lag, long Backlog, long Posted, long Failed, long DeadLetters, long Parked, IReadOnlyList<ErpPartitionSummary> Partitions, IReadOnlyList<ErpAlert> Alerts);

public sealed record ErpPartitionSummary(int Partition, ErpForwarderStatus Status, long Backlog, double LagSeconds, int ConsecutiveFailures, int DeadLetters, int Parked);

public sealed record ActivationCount(string GrainType, int Count);

/// <summary>What the dashboard polls.</summary>
public sealed record Overview(DateTimeOffset At, double UptimeSeconds, OrderRates Orders, LatencyView PlacementLatencyMs, IReadOnlyList<HotSku> HotSkus, ErpSummary Erp, IReadOnlyList<ActivationCount> Activations);
