using OrderGrains.Abstractions;

namespace OrderGrains.Host.Admin;

/// <summary>A SKU's sale policy (backorders, presale limit) and channel split: the admin side of Inventory.SetSkuSalePolicy and SetChannelStock.</summary>
internal static class AdminSalePolicyEndpoints
{
    public static RouteGroupBuilder MapSalePolicy(this RouteGroupBuilder admin)
    {
        admin.MapPut("/skus/{sku}/sale-policy", SetAsync).WithMetadata(new RequiresOperatorAttribute()).Produces<SkuAvailability>().ProducesProblem(400)
            .WithSummary("Sets how a SKU sells beyond its stock: {\"backordersAllowed\":true} or {\"presaleLimit\":n} (0 ends a presale); answers its availability with presold and presale room.");
        admin.MapPut("/skus/{sku}/channel-stock", SetSharesAsync).WithMetadata(new RequiresOperatorAttribute()).Produces<SkuAvailability>().ProducesProblem(400)
            .WithSummary("Replaces a SKU's channel split: {\"shares\":[{\"channel\":\"marketplace\",\"percent\":30},{\"channel\":\"pos\",\"quantity\":5}]}; [] removes it.");
        admin.MapGet("/skus/{sku}/availability", GetAsync).Produces<SkuAvailability>().ProducesProblem(404)
            .WithSummary("A SKU's availability with its channel split; ?channel= adds that channel's available-to-promise.");
        return admin;
    }

    private static async Task<IResult> SetSharesAsync(string sku, HttpContext context, IGrainFactory grains)
    {
        var request = await AdminEndpoints.ReadOptionalAsync<ChannelStockRequest>(context)
            ?? throw new DomainValidationException("body", "is required: {\"shares\":[{\"channel\":...,\"quantity\":n | \"percent\":p}]}");
        var shares = (request.Shares ?? throw new DomainValidationException("shares", "is required (empty removes the split)"))
            .Select(s => s is null ? null! : new ChannelStockShare(s.Channel ?? string.Empty, s.Quantity ?? 0, s.Percent ?? 0))
            .ToList();
        ChannelStockShare.Validate(shares);
        return Results.Json(await grains.GetGrainCached<ISkuStockGrain>(sku).SetChannelSharesAsync(shares), AdminEndpoints.Json);
    }

    private static async Task<IResult> GetAsync(string sku, string? channel, IGrainFactory grains)
    {
        var pool = grains.GetGrainCached<ISkuStockGrain>(sku);
        var availability = string.IsNullOrEmpty(channel) ? await pool.GetAvailabilityAsync() : await pool.GetChannelAvailabilityAsync(channel);
        return Results.Json(availability, AdminEndpoints.Json);
    }

    private static async Task<IResult> SetAsync(string sku, HttpContext context, IGrainFactory grains)
    {
        var request = await AdminEndpoints.ReadOptionalAsync<SalePolicyRequest>(context)
            ?? throw new DomainValidationException("body", "is required: {\"backordersAllowed\":bool, \"presaleLimit\":n}");
        var policy = new SkuSalePolicy(request.BackordersAllowed ?? false, request.PresaleLimit ?? 0);
        SkuSalePolicy.Validate(policy, "backordersAllowed", "presaleLimit");
        var availability = await grains.GetGrainCached<ISkuStockGrain>(sku).SetSalePolicyAsync(policy);
        return Results.Json(availability, AdminEndpoints.Json);
    }
}

/// <summary>Body of PUT /admin/skus/{sku}/channel-stock.</summary>
public sealed record ChannelStockRequest(IReadOnlyList<ChannelShareRequest?>? Shares);

/// <summary>One share: a channel and exactly one of quantity and percent.</summary>
public sealed record ChannelShareRequest(string? Channel, int? Quantity, int? Percent);

/// <summary>Body of PUT /admin/skus/{sku}/sale-policy; an absent field is off.</summary>
public sealed record SalePolicyRequest(bool? BackordersAllowed, int? PresaleLimit);
