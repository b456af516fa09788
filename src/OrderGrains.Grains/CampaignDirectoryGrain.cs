using OrderGrains.Abstractions;
using OrderGrains.Storage;

namespace OrderGrains.Grains;

/// <summary>Remembers every campaign id so the admin API can list campaigns without scanning storage.</summary>
[GrainType("campaign-directory")]
public sealed class CampaignDirectoryGrain(
    [PersistentState("directory", OrderGrainsStorage.Name)] IPersistentState<CampaignDirectoryState> state) : Grain, ICampaignDirectoryGrain
{
    /// <summary>Adds a campaign id; a known id changes nothing.</summary>
    public async Task RegisterAsync(string campaignId)
    {
        ArgumentException.ThrowIfNullOrEmpty(campaignId);
        if (state.State.CampaignIds.Contains(campaignId, StringComparer.Ordinal))
        {
            return;
        }

        state.State.CampaignIds.Add(campaignId);
        await state.WriteOrDeactivateAsync(this);
    }

    /// <summary>Every registered campaign id.</summary>
    public Task<IReadOnlyList<string>> ListAsync() =>
        Task.FromResult<IReadOnlyList<string>>([.. state.State.CampaignIds]);
}
