using OrderGrains.Abstractions;
using OrderGrains.Runtime;

namespace OrderGrains.Grains;

/// <summary>
/// A flash-sale campaign. Quota and per-customer limit hold under any concurrency because every reservation of the
/// campaign runs in this one activation, one at a time; reservations are keyed by order id.
/// </summary>
[GrainType("campaign")]
public sealed class CampaignGrain(
    [PersistentState("campaign")] IPersistentState<CampaignState> state,
    TimeProvider clock) : Grain, ICampaignGrain
{
    private CampaignState Campaign => state.State;

    /// <summary>Creates or replaces the campaign; units already taken still count against the new quota.</summary>
    public async Task<CampaignDefinition> UpsertAsync(CampaignDefinition campaign)
    {
        Validate(campaign);
        if (Campaign.ClosedAt is { } closedAt && Campaign.Definition != campaign)
        {
            throw new RuleViolationException($"campaign '{GetPrimaryKeyString()}'", $"was closed at {closedAt:O} by {Campaign.ClosedBy}; create a new campaign instead");
        }

        if (Campaign.Definition != campaign)
        {
            Campaign.Definition = campaign;
            await PersistAsync();
        }

        if (!Campaign.Registered)
        {
            // After the campaign's own write: a listed id always has a campaign behind it.
            await GrainFactory.GetGrain<ICampaignDirectoryGrain>(ICampaignDirectoryGrain.Key).RegisterAsync(campaign.CampaignId);
            Campaign.Registered = true;
            await PersistAsync();
        }

        return campaign;
    }

    /// <summary>Returns the campaign with its taken and remaining units, or throws <see cref="NotFoundException"/>.</summary>
    public Task<CampaignStatus> GetAsync() =>
        Campaign.Definition is { } definition
            ? Task.FromResult(Status(definition))
            : throw new NotFoundException("campaign", GetPrimaryKeyString());

    /// <summary>Stops all further reservations now; a closed campaign stays closed.</summary>
    public async Task<CampaignStatus> CloseAsync(string actor)
    {
        if (string.IsNullOrWhiteSpace(actor))
        {
            throw new DomainValidationException("actor", "is required: closing names the operator");
        }

        var definition = Campaign.Definition ?? throw new NotFoundException("campaign", GetPrimaryKeyString());
        if (Campaign.ClosedAt is null)
        {
            Campaign.ClosedAt = clock.GetUtcNow();
            Campaign.ClosedBy = actor;
            await PersistAsync();
        }

        return Status(definition);
    }

    /// <summary>Units a customer holds under the campaign.</summary>
    public Task<int> GetCustomerCountAsync(string customerId) =>
        Task.FromResult(Campaign.TakenByCustomer.GetValueOrDefault(customerId));

    /// <summary>Takes the order's units of the campaign SKU if the campaign is active and both limits allow it.</summary>
    public async Task<CampaignReservationResult> ReserveAsync(CampaignReservationRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentException.ThrowIfNullOrEmpty(request.OrderId);
        if (Campaign.Holds.TryGetValue(request.OrderId, out var hold))
        {
            return new CampaignReservationResult(CampaignReservationOutcome.Reserved, Campaign.Definition?.Sku, hold.PriceMinor, hold.ReservationTimeout);
        }

        var definition = Campaign.Definition;
        var now = clock.GetUtcNow();
        var line = definition is null ? null : request.Lines.FirstOrDefault(l => string.Equals(l.Sku, definition.Sku, StringComparison.Ordinal));
        if (definition is null || Campaign.ClosedAt is not null || now < definition.StartsAt || now >= definition.EndsAt || line is null)
        {
            return new CampaignReservationResult(CampaignReservationOutcome.NotActive, definition?.Sku, 0, null);
        }

        var customerTaken = Campaign.TakenByCustomer.GetValueOrDefault(request.CustomerId);
        if ((long)Campaign.Taken + line.Quantity > definition.Quota
            || (definition.PerCustomerLimit > 0 && (long)customerTaken + line.Quantity > definition.PerCustomerLimit))
        {
            return new CampaignReservationResult(CampaignReservationOutcome.LimitExceeded, definition.Sku, 0, null);
        }

        Campaign.Taken += line.Quantity;
        Campaign.TakenByCustomer[request.CustomerId] = customerTaken + line.Quantity;
        Campaign.Holds[request.OrderId] = new CampaignHold
        {
            CustomerId = request.CustomerId,
            Quantity = line.Quantity,
            PriceMinor = definition.PriceMinor,
            ReservationTimeout = definition.ReservationTimeout,
        };
        await PersistAsync();
        return new CampaignReservationResult(CampaignReservationOutcome.Reserved, definition.Sku, definition.PriceMinor, definition.ReservationTimeout);
    }

    /// <summary>Gives an order's units back to the quota and to its customer's limit; an unknown order changes nothing.</summary>
    public async Task ReleaseAsync(string orderId)
    {
        ArgumentException.ThrowIfNullOrEmpty(orderId);
        if (!Campaign.Holds.Remove(orderId, out var hold))
        {
            return;
        }

        Campaign.Taken -= hold.Quantity;
        var remaining = Campaign.TakenByCustomer.GetValueOrDefault(hold.CustomerId) - hold.Quantity;
        if (remaining > 0)
        {
            Campaign.TakenByCustomer[hold.CustomerId] = remaining;
        }
        else
        {
            Campaign.TakenByCustomer.Remove(hold.CustomerId);
        }

        await PersistAsync();
    }

    private CampaignStatus Status(CampaignDefinition definition) =>
        new(definition, Campaign.Taken, Math.Max(0, definition.Quota - Campaign.Taken), Campaign.ClosedAt);

    private void Validate(CampaignDefinition? campaign)
    {
        if (campaign is null)
        {
            throw new DomainValidationException("campaign", "is required");
        }

        if (!string.Equals(campaign.CampaignId, GetPrimaryKeyString(), StringComparison.Ordinal) || string.IsNullOrWhiteSpace(campaign.CampaignId))
        {
            throw new DomainValidationException("campaign_id", $"'{campaign.CampaignId}' does not match the addressed campaign '{GetPrimaryKeyString()}'");
        }

        if (string.IsNullOrWhiteSpace(campaign.Sku))
        {
            throw new DomainValidationException("sku", "is required");
        }

        if (campaign.PriceMinor < 0)
        {
            throw new DomainValidationException("price_minor", "must not be negative");
        }

        if (campaign.Quota < 0)
        {
            throw new DomainValidationException("quota", "must not be negative");
        }

        if (campaign.PerCustomerLimit < 0)
        {
            throw new DomainValidationException("per_customer_limit", "must not be negative (0 means no limit)");
        }

        if (campaign.EndsAt <= campaign.StartsAt)
        {
            throw new DomainValidationException("ends_at", "must be after starts_at");
        }

        if (campaign.ReservationTimeout is { } timeout && timeout <= TimeSpan.Zero)
        {
            throw new DomainValidationException("reservation_timeout", "must be positive when set");
        }
    }

    private async Task PersistAsync()
    {
        try
        {
            await state.WriteStateAsync();
        }
        catch (Exception)
        {
            // Memory may now differ from storage: the next call must start from a fresh load.
            DeactivateOnIdle();
            throw;
        }
    }
}
