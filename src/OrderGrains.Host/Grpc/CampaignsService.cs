using Grpc.Core;
using OrderGrains.Abstractions;
using Wire = OrderGrains.Contracts.V1;

namespace OrderGrains.Host.Grpc;

/// <summary>ordergrains.v1.Campaigns: flash-sale campaigns.</summary>
public sealed class CampaignsService(IGrainFactory grains) : Wire.Campaigns.CampaignsBase
{
    public override async Task<Wire.Campaign> UpsertCampaign(Wire.Campaign request, ServerCallContext context)
    {
        var key = WireMapping.RequireKey(request.CampaignId, "campaign_id");
        var saved = await grains.GetGrainCached<ICampaignGrain>(key).UpsertAsync(WireMapping.ToDomain(request)).WaitAsync(context.CancellationToken);
        return WireMapping.ToWire(saved);
    }
}
