using Orleans.Concurrency;

namespace OrderGrains.Abstractions;

/// <summary>The ids of every campaign ever created, so operators can list them; a single grain keyed <see cref="Key"/>.</summary>
public interface ICampaignDirectoryGrain : IGrainWithStringKey
{
    /// <summary>The one key of this grain.</summary>
    public const string Key = "all";

    /// <summary>Adds a campaign id (called by <see cref="ICampaignGrain"/> when a campaign is first created); idempotent.</summary>
    Task RegisterAsync(string campaignId);

    /// <summary>Every registered campaign id, in the order they were created.</summary>
    [ReadOnly]
    Task<IReadOnlyList<string>> ListAsync();
}
