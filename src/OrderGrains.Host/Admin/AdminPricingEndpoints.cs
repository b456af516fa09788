using OrderGrains.Abstractions;

namespace OrderGrains.Host.Admin;

/// <summary>
/// List prices, promotions, stacking rules and coupons for operators: the same grains and checks as the Pricing gRPC
/// service, so a bad value is the same 400 naming the field (in camelCase here).
/// </summary>
internal static class AdminPricingEndpoints
{
    public static RouteGroupBuilder MapPricing(this RouteGroupBuilder admin)
    {
        admin.MapGet("/promotions", async (IGrainFactory grains) => Results.Json(await Catalog(grains).GetAsync(), AdminEndpoints.Json))
            .Produces<PromotionCatalog>().WithSummary("Every promotion and stacking rule, with the version of the set.");
        admin.MapPost("/promotions", UpsertPromotionAsync).WithMetadata(new RequiresOperatorAttribute()).Accepts<PromotionRequest>("application/json")
            .Produces<PromotionDefinition>().ProducesProblem(400).WithSummary("Creates or replaces a promotion (SkuPercent, SkuAmount or OrderThreshold).");
        admin.MapPost("/stacking-rules", UpsertStackingRuleAsync).WithMetadata(new RequiresOperatorAttribute()).Accepts<StackingRuleRequest>("application/json")
            .Produces<StackingRuleDefinition>().ProducesProblem(400).WithSummary("Creates or replaces an exclusive stacking rule; a promotion may be in one rule only.");
        admin.MapGet("/skus/{sku}/prices", async (string sku, IGrainFactory grains) => Results.Json(await grains.GetGrainCached<IPriceListGrain>(sku).GetAsync(), AdminEndpoints.Json))
            .Produces<SkuPriceList>().WithSummary("A SKU's list prices, one per currency (empty when it has none).");
        admin.MapPut("/skus/{sku}/prices", SetPriceAsync).WithMetadata(new RequiresOperatorAttribute()).Accepts<ListPriceRequest>("application/json")
            .Produces<SkuPriceList>().ProducesProblem(400).WithSummary("Sets a SKU's absolute list price in one currency (0 removes it); idempotent per syncId.");
        admin.MapPost("/prices/import", ImportAsync).WithMetadata(new RequiresOperatorAttribute()).Accepts<PriceImportRequest>("application/json")
            .Produces<PriceImportResult>().ProducesProblem(400).WithSummary("Bulk import of list prices in one currency; idempotent per importId.");
        admin.MapGet("/coupons/{code}", async (string code, IGrainFactory grains) => Results.Json(await grains.GetGrainCached<ICouponGrain>(code).GetAsync(), AdminEndpoints.Json))
            .Produces<CouponStatus>().ProducesProblem(404).WithSummary("A coupon with its redemptions.");
        admin.MapPost("/coupons", UpsertCouponAsync).WithMetadata(new RequiresOperatorAttribute()).Accepts<CouponDefinition>("application/json")
            .Produces<CouponStatus>().ProducesProblem(400).WithSummary("Creates or replaces a coupon for a coupon-only promotion.");
        return admin;
    }

    private static IPromotionCatalogGrain Catalog(IGrainFactory grains) => grains.GetGrainCached<IPromotionCatalogGrain>(IPromotionCatalogGrain.Key);

    private static async Task<IResult> UpsertPromotionAsync(HttpContext context, IGrainFactory grains)
    {
        var request = await AdminEndpoints.ReadOptionalAsync<PromotionRequest>(context)
            ?? throw new DomainValidationException("body", "is required: a promotion as JSON");
        var promotion = new PromotionDefinition(
            request.PromotionId ?? string.Empty,
            request.Kind,
            request.Skus ?? [],
            request.PercentBasisPoints,
            request.AmountMinor,
            request.ThresholdMinor,
            request.MaxSteps,
            request.Currency,
            request.Priority,
            request.StartsAt,
            request.EndsAt,
            request.CouponOnly,
            request.Enabled ?? true);
        return Results.Json(await Catalog(grains).UpsertPromotionAsync(promotion), AdminEndpoints.Json);
    }

    private static async Task<IResult> UpsertStackingRuleAsync(HttpContext context, IGrainFactory grains)
    {
        var request = await AdminEndpoints.ReadOptionalAsync<StackingRuleRequest>(context)
            ?? throw new DomainValidationException("body", "is required: a stacking rule as JSON");
        var rule = new StackingRuleDefinition(request.RuleId ?? string.Empty, request.Mode ?? StackingMode.Exclusive, request.PromotionIds ?? []);
        return Results.Json(await Catalog(grains).UpsertStackingRuleAsync(rule), AdminEndpoints.Json);
    }

    private static async Task<IResult> SetPriceAsync(string sku, HttpContext context, IGrainFactory grains)
    {
        var request = await AdminEndpoints.ReadOptionalAsync<ListPriceRequest>(context)
            ?? throw new DomainValidationException("body", "is required: {\"currency\":\"EUR\",\"listPriceMinor\":n,\"syncId\":\"...\"}");
        var command = new SetListPriceCommand(request.Currency ?? string.Empty, request.ListPriceMinor, request.SyncId ?? string.Empty);
        return Results.Json(await grains.GetGrainCached<IPriceListGrain>(sku).SetAsync(command), AdminEndpoints.Json);
    }

    private static async Task<IResult> ImportAsync(HttpContext context, IGrainFactory grains)
    {
        var request = await AdminEndpoints.ReadOptionalAsync<PriceImportRequest>(context)
            ?? throw new DomainValidationException("body", "is required: {\"importId\":...,\"currency\":...,\"items\":[{\"sku\":...,\"listPriceMinor\":n}]}");
        var command = new PriceListImportCommand(request.ImportId ?? string.Empty, request.Currency ?? string.Empty, request.Items ?? []);
        var skus = await grains.GetGrain<IPriceImportGrain>(0).ImportAsync(command);
        return Results.Json(new PriceImportResult(command.ImportId, skus), AdminEndpoints.Json);
    }

    private static async Task<IResult> UpsertCouponAsync(HttpContext context, IGrainFactory grains)
    {
        var request = await AdminEndpoints.ReadOptionalAsync<CouponDefinition>(context)
            ?? throw new DomainValidationException("body", "is required: a coupon as JSON");
        if (string.IsNullOrWhiteSpace(request.Code))
        {
            throw new DomainValidationException("code", "is required");
        }

        return Results.Json(await grains.GetGrainCached<ICouponGrain>(request.Code).UpsertAsync(request), AdminEndpoints.Json);
    }
}

/// <summary>A promotion as operators send it; <c>enabled</c> defaults to true, times in ISO 8601.</summary>
public sealed record PromotionRequest(
    string? PromotionId,
    PromotionKind Kind,
    IReadOnlyList<string>? Skus,
    int PercentBasisPoints,
    long AmountMinor,
    long ThresholdMinor,
    int MaxSteps,
    string? Currency,
    int Priority,
    DateTimeOffset? StartsAt,
    DateTimeOffset? EndsAt,
    bool CouponOnly,
    bool? Enabled);

/// <summary>An exclusive stacking rule as operators send it.</summary>
public sealed record StackingRuleRequest(string? RuleId, StackingMode? Mode, IReadOnlyList<string>? PromotionIds);

/// <summary>One SKU's list price in one currency.</summary>
public sealed record ListPriceRequest(string? Currency, long ListPriceMinor, string? SyncId);

/// <summary>A bulk price import.</summary>
public sealed record PriceImportRequest(string? ImportId, string? Currency, IReadOnlyList<PriceListItem>? Items);

/// <summary>What an import held.</summary>
public sealed record PriceImportResult(string ImportId, int Skus);
