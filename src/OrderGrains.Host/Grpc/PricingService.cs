using Grpc.Core;
using OrderGrains.Abstractions;
using Wire = OrderGrains.Contracts.V1;

namespace OrderGrains.Host.Grpc;

/// <summary>ordergrains.v1.Pricing: list prices, promotions, stacking rules and coupons.</summary>
public sealed class PricingService(IGrainFactory grains) : Wire.Pricing.PricingBase
{
    public override async Task<Wire.SkuPrices> SetListPrice(Wire.SetListPriceRequest request, ServerCallContext context)
    {
        var sku = WireMapping.RequireKey(request.Sku, "sku");
        var prices = await grains.GetGrainCached<IPriceListGrain>(sku)
            .SetAsync(new SetListPriceCommand(request.Currency, request.ListPriceMinor, request.SyncId)).WaitAsync(context.CancellationToken);
        return WireMapping.ToWire(prices);
    }

    public override async Task<Wire.SkuPrices> GetListPrices(Wire.GetListPricesRequest request, ServerCallContext context)
    {
        var sku = WireMapping.RequireKey(request.Sku, "sku");
        return WireMapping.ToWire(await grains.GetGrainCached<IPriceListGrain>(sku).GetAsync().WaitAsync(context.CancellationToken));
    }

    public override async Task<Wire.PriceListImportSummary> ImportPriceList(Wire.PriceListImport request, ServerCallContext context)
    {
        var command = new PriceListImportCommand(request.ImportId, request.Currency, [.. request.Items.Select(i => new PriceListItem(i.Sku, i.ListPriceMinor))]);
        var skus = await grains.GetGrain<IPriceImportGrain>(0).ImportAsync(command).WaitAsync(context.CancellationToken);
        return new Wire.PriceListImportSummary { ImportId = request.ImportId, Skus = skus };
    }

    public override async Task<Wire.Promotion> UpsertPromotion(Wire.Promotion request, ServerCallContext context)
    {
        var saved = await Catalog.UpsertPromotionAsync(WireMapping.ToDomain(request)).WaitAsync(context.CancellationToken);
        return WireMapping.ToWire(saved);
    }

    public override async Task<Wire.PromotionSet> ListPromotions(Wire.ListPromotionsRequest request, ServerCallContext context) =>
        WireMapping.ToWire(await Catalog.GetAsync().WaitAsync(context.CancellationToken));

    public override async Task<Wire.StackingRule> UpsertStackingRule(Wire.StackingRule request, ServerCallContext context)
    {
        var saved = await Catalog.UpsertStackingRuleAsync(WireMapping.ToDomain(request)).WaitAsync(context.CancellationToken);
        return WireMapping.ToWire(saved);
    }

    public override async Task<Wire.CouponStatus> UpsertCoupon(Wire.Coupon request, ServerCallContext context)
    {
        var code = WireMapping.RequireKey(request.Code, "code");
        return WireMapping.ToWire(await grains.GetGrainCached<ICouponGrain>(code).UpsertAsync(WireMapping.ToDomain(request)).WaitAsync(context.CancellationToken));
    }

    public override async Task<Wire.CouponStatus> GetCoupon(Wire.GetCouponRequest request, ServerCallContext context)
    {
        var code = WireMapping.RequireKey(request.Code, "code");
        return WireMapping.ToWire(await grains.GetGrainCached<ICouponGrain>(code).GetAsync().WaitAsync(context.CancellationToken));
    }

    private IPromotionCatalogGrain Catalog => grains.GetGrainCached<IPromotionCatalogGrain>(IPromotionCatalogGrain.Key);
}
