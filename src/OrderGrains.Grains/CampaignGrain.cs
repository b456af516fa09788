using OrderGrains.Abstractions;
using Orleans.Concurrency;
using OrderGrains.Storage;

namespace OrderGrains.Grains;

/// <summary>
/// A flash-sale campaign. Quota and per-customer limit hold under any concurrency because every reservation of the
/// campaign is decided in this one activation, one at a time and in arrival order; reservations are keyed by order id.
/// </summary>
/// <remarks>
/// A flash sale sends every buyer here within seconds, so decisions are group-committed (<see cref="CommitBatcher"/>):
/// while one write is in flight the next buyers are already decided, and each caller hears back only once the write
/// holding its decision is durable.
/// </remarks>
[GrainType("campaign")]
[Reentrant]
public sealed class CampaignGrain(
    [PersistentState("campaign", OrderGrainsStorage.Name)] IPersistentState<CampaignState> state,
    TimeProvider clock,
    StockHints hints) : Grain, ICampaignGrain
{
    private CommitBatcher? _commits;

    private CampaignState Campaign => state.State;

    private CommitBatcher Commits => _commits ??= CommitBatcher.ForState(
        state,
        // Memory may now differ from storage: the next call must start from a fresh load.
        _ => DeactivateOnIdle(),
        $"campaign '{this.GetPrimaryKeyString()}'");

    /// <summary>Creates or replaces the campaign; units already taken still count against the new quota.</summary>
    public async Task<CampaignDefinition> UpsertAsync(CampaignDefinition campaign)
    {
        Validate(campaign);
        Task durable;
        using (await Commits.EnterAsync())
        {
            if (Campaign.ClosedAt is { } closedAt && Campaign.Definition != campaign)
            {
                throw new RuleViolationException($"campaign '{this.GetPrimaryKeyString()}'", $"was closed at {closedAt:O} by {Campaign.ClosedBy}; create a new campaign instead");
            }

            if (Campaign.Definition != campaign)
            {
                Campaign.Definition = campaign;
                durable = Commits.CommitAsync();
            }
            else
            {
                durable = Commits.WhenDurableAsync();
            }

            PublishHint();
        }

        await durable;
        if (!Campaign.Registered)
        {
            // After the campaign's own write: a listed id always has a campaign behind it.
            await GrainFactory.GetGrainCached<ICampaignDirectoryGrain>(ICampaignDirectoryGrain.Key).RegisterAsync(campaign.CampaignId);
            using (await Commits.EnterAsync())
            {
                Campaign.Registered = true;
                durable = Commits.CommitAsync();
            }

            await durable;
        }

        return campaign;
    }

    /// <summary>Returns the campaign with its taken and remaining units, or throws <see cref="NotFoundException"/>.</summary>
    public async Task<CampaignStatus> GetAsync()
    {
        var status = Campaign.Definition is { } definition ? Status(definition) : throw new NotFoundException("campaign", this.GetPrimaryKeyString());
        await Commits.WhenDurableAsync();
        return status;
    }

    /// <summary>Units a customer holds under the campaign.</summary>
    public async Task<int> GetCustomerCountAsync(string customerId)
    {
        var count = Campaign.TakenByCustomer.GetValueOrDefault(customerId);
        await Commits.WhenDurableAsync();
        return count;
    }

    /// <summary>Stops all further reservations now; a closed campaign stays closed.</summary>
    public async Task<CampaignStatus> CloseAsync(string actor)
    {
        if (string.IsNullOrWhiteSpace(actor))
        {
            throw new DomainValidationException("actor", "is required: closing names the operator");
        }

        Task durable;
        CampaignStatus status;
        using (await Commits.EnterAsync())
        {
            var definition = Campaign.Definition ?? throw new NotFoundException("campaign", this.GetPrimaryKeyString());
            if (Campaign.ClosedAt is null)
            {
                Campaign.ClosedAt = clock.GetUtcNow();
                Campaign.ClosedBy = actor;
                durable = Commits.CommitAsync();
            }
            else
            {
                durable = Commits.WhenDurableAsync();
            }

            status = Status(definition);
            PublishHint();
        }

        await durable;
        return status;
    }

    /// <summary>Takes the order's units of the campaign SKU if the campaign is active and both limits allow it.</summary>
    public async Task<CampaignReservationResult> ReserveAsync(CampaignReservationRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentException.ThrowIfNullOrEmpty(request.OrderId);
        Task durable;
        CampaignReservationResult result;
        using (await Commits.EnterAsync())
        {
            result = Decide(request, out var changed);
            durable = changed ? Commits.CommitAsync() : Commits.WhenDurableAsync();
            PublishHint();
        }

        // A refusal is durable at once unless it read state still on its way to storage.
        await durable;
        return result;
    }

    /// <summary>Gives an order's units back to the quota and to its customer's limit; an unknown order changes nothing.</summary>
    public async Task ReleaseAsync(string orderId)
    {
        ArgumentException.ThrowIfNullOrEmpty(orderId);
        Task durable;
        using (await Commits.EnterAsync())
        {
            if (!Campaign.Holds.Remove(orderId, out var hold))
            {
                durable = Commits.WhenDurableAsync();
            }
            else
            {
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

                durable = Commits.CommitAsync();
            }

            PublishHint();
        }

        await durable;
    }

    private CampaignReservationResult Decide(CampaignReservationRequest request, out bool changed)
    {
        changed = false;
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
        changed = true;
        return new CampaignReservationResult(CampaignReservationOutcome.Reserved, definition.Sku, definition.PriceMinor, definition.ReservationTimeout);
    }

    /// <summary>Tells order grains of this silo whether the quota is used up (see <see cref="StockHints"/>).</summary>
    private void PublishHint()
    {
        if (Campaign.Definition is not { } definition || Campaign.ClosedAt is not null)
        {
            hints.ForgetCampaign(this.GetPrimaryKeyString());
            return;
        }

        hints.PublishCampaign(this.GetPrimaryKeyString(), definition.Sku, (long)definition.Quota - Campaign.Taken, definition.StartsAt, definition.EndsAt);
    }

    private CampaignStatus Status(CampaignDefinition definition) =>
        new(definition, Campaign.Taken, Math.Max(0, definition.Quota - Campaign.Taken), Campaign.ClosedAt);

    private void Validate(CampaignDefinition? campaign)
    {
        if (campaign is null)
        {
            throw new DomainValidationException("campaign", "is required");
        }

        if (!string.Equals(campaign.CampaignId, this.GetPrimaryKeyString(), StringComparison.Ordinal) || string.IsNullOrWhiteSpace(campaign.CampaignId))
        {
            throw new DomainValidationException("campaign_id", $"'{campaign.CampaignId}' does not match the addressed campaign '{this.GetPrimaryKeyString()}'");
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
}
