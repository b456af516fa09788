using Orleans.Concurrency;

namespace OrderGrains.Abstractions;

/// <summary>A flash-sale campaign and its quotas (key = campaign id).</summary>
public interface ICampaignGrain : IGrainWithStringKey
{
    /// <summary>Creates or replaces the campaign; units already taken still count against the new quota.</summary>
    Task<CampaignDefinition> UpsertAsync(CampaignDefinition campaign);

    /// <summary>Returns the campaign; throws <see cref="NotFoundException"/> when it was never created.</summary>
    [ReadOnly]
    Task<CampaignStatus> GetAsync();

    /// <summary>Units a customer currently holds under the campaign.</summary>
    [ReadOnly]
    Task<int> GetCustomerCountAsync(string customerId);

    /// <summary>Takes the order's units of the campaign SKU against quota and per-customer limit (idempotent per order id).</summary>
    Task<CampaignReservationResult> ReserveAsync(CampaignReservationRequest request);

    /// <summary>Gives an order's units back; a no-op for an unknown order.</summary>
    Task ReleaseAsync(string orderId);

    /// <summary>
    /// Ends the sale now: no further reservations, whatever its window says. Orders already holding units keep them.
    /// Closing is final (an upsert of a closed campaign is refused); closing again changes nothing.
    /// </summary>
    Task<CampaignStatus> CloseAsync(string actor);
}
