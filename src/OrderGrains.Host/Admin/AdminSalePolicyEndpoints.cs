using OrderGrains.Abstractions;

namespace OrderGrains.Host.Admin;

/// <summary>A SKU's sale policy (backorders, presale limit): the admin side of Inventory.SetSkuSalePolicy.</summary>
internal static class AdminSalePolicyEndpoints
{
    public static RouteGroupBuilder MapSalePolicy(this RouteGroupBuilder admin)
    {
        admin.MapPut("/skus/{sku}/sale-policy", SetAsync).WithMetadata(new RequiresOperatorAttribute()).Produces<SkuAvailability>().ProducesProblem(400)
            .WithSummary("Sets how a SKU sells beyond its stock: {\"backordersAllowed\":true} or {\"presaleLimit\":n} (0 ends a presale); answers its availability with presold and presale room.");
        return admin;
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

/// <summary>Body of PUT /admin/skus/{sku}/sale-policy; an absent field is off.</summary>
public sealed record SalePolicyRequest(bool? BackordersAllowed, int? PresaleLimit);
