using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using OrderGrains.Abstractions;

namespace OrderGrains.Grains;

/// <summary>
/// What the hot grains of the cluster last said about selling out: free units per SKU and remaining units per
/// campaign. Order grains and the intake read it to reject a sold-out order without queueing at the hot grain that
/// would refuse it.
/// </summary>
/// <remarks>
/// A hint is written by the one activation that owns the figure, right after each of its decisions, so it lags the
/// truth by at most the decision being made. It only ever short-cuts a refusal: "sold out" means no warehouse had a
/// free unit (a stale hint says so only while a release is landing, which is the same as the order arriving a moment
/// earlier); anything else sends the order down the full path.
/// <para>
/// A cluster shares the hints: when a figure turns sold out or available again (and when a SKU or campaign is first
/// seen), this silo tells every other active silo's <see cref="IStockHintsService"/> (see
/// <see cref="StockHintsBroadcast"/>). Hints learnt that way expire after <see cref="RemoteHintLifetime"/>: a lost
/// "available again" must not refuse orders for long, and once a hint expires the next order takes the full path,
/// whose decision publishes (and re-broadcasts) the figure again.
/// </para>
/// </remarks>
public sealed class StockHints(TimeProvider clock, IServiceProvider? services = null)
{
    /// <summary>How long a hint from another silo stands without being repeated.</summary>
    public static readonly TimeSpan RemoteHintLifetime = TimeSpan.FromSeconds(3);

    private readonly ConcurrentDictionary<string, Figure> _freeUnits = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, CampaignHint> _campaigns = new(StringComparer.Ordinal);

    // What this silo last told the others, per SKU and per campaign: only a change of these is broadcast.
    private readonly ConcurrentDictionary<string, bool> _toldSoldOut = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, (bool SoldOut, DateTimeOffset StartsAt, DateTimeOffset EndsAt)> _toldCampaigns = new(StringComparer.Ordinal);
    private StockHintsBroadcast? _broadcast;
    private BackorderOptions? _backorders;

    /// <summary>Called by the SKU pool after a decision.</summary>
    public void Publish(string sku, long freeUnits)
    {
        _freeUnits[sku] = new Figure(freeUnits, DateTimeOffset.MaxValue);
        var soldOut = freeUnits <= 0;
        if (!_toldSoldOut.TryGetValue(sku, out var told) || told != soldOut)
        {
            _toldSoldOut[sku] = soldOut;
            Broadcast()?.Send(new StockHintUpdate(sku, freeUnits));
        }
    }

    /// <summary>Called by an open campaign after a decision; <paramref name="remaining"/> counts units left of its quota.</summary>
    public void PublishCampaign(string campaignId, string sku, long remaining, DateTimeOffset startsAt, DateTimeOffset endsAt)
    {
        _campaigns[campaignId] = new CampaignHint(sku, remaining, startsAt, endsAt, DateTimeOffset.MaxValue);
        var state = (remaining <= 0, startsAt, endsAt);
        if (!_toldCampaigns.TryGetValue(campaignId, out var told) || told != state)
        {
            _toldCampaigns[campaignId] = state;
            Broadcast()?.Send(new StockHintUpdate(sku, remaining, campaignId, startsAt, endsAt));
        }
    }

    /// <summary>Called by a campaign that closed: its refusals name the closing, so they take the full path.</summary>
    public void ForgetCampaign(string campaignId)
    {
        _campaigns.TryRemove(campaignId, out _);
        if (_toldCampaigns.TryRemove(campaignId, out _))
        {
            Broadcast()?.Send(new StockHintUpdate(string.Empty, 0, campaignId, Forget: true));
        }
    }

    /// <summary>A hint another silo broadcast: it stands for <see cref="RemoteHintLifetime"/> unless this silo's own grains say otherwise sooner.</summary>
    public void Apply(StockHintUpdate update)
    {
        ArgumentNullException.ThrowIfNull(update);
        var expiresAt = clock.GetUtcNow() + RemoteHintLifetime;
        if (update.Campaign is null)
        {
            _freeUnits[update.Sku] = new Figure(update.Figure, expiresAt);
        }
        else if (update.Forget)
        {
            _campaigns.TryRemove(update.Campaign, out _);
        }
        else
        {
            _campaigns[update.Campaign] = new CampaignHint(update.Sku, update.Figure, update.StartsAt, update.EndsAt, expiresAt);
        }
    }

    /// <summary>True only when the SKU's pool last reported no free unit at all.</summary>
    public bool IsSoldOut(string sku) => _freeUnits.TryGetValue(sku, out var free) && free.Units <= 0 && free.ExpiresAt > clock.GetUtcNow();

    /// <summary>True only when the campaign, inside its window, last reported its quota used up, and the order buys its SKU.</summary>
    public bool IsCampaignExhausted(string campaignId, IReadOnlyList<OrderLine> lines, DateTimeOffset now) =>
        _campaigns.TryGetValue(campaignId, out var hint) && hint.Remaining <= 0 && now >= hint.StartsAt && now < hint.EndsAt && hint.ExpiresAt > now
        && lines.Any(l => string.Equals(l.Sku, hint.Sku, StringComparison.Ordinal));

    /// <summary>
    /// The refusal the placement saga would end in, when this silo's hot grains already announced it: the campaign's
    /// quota used up, or a line's SKU with no free unit while every line's SKU is known and <paramref name="channel"/>
    /// does not backorder. Null sends the order down the full saga.
    /// </summary>
    /// <remarks>
    /// A SKU that backorders or is on presale publishes its remaining room with its free units, so it reads sold out only
    /// when that is gone too. The channel's setting is looked up only once a line reads sold out, so ordinary orders pay
    /// nothing for it.
    /// </remarks>
    public RejectReason? SoldOutReason(string? campaignId, IReadOnlyList<OrderLine> lines, DateTimeOffset now, string? channel = null)
    {
        if (campaignId is not null)
        {
            return IsCampaignExhausted(campaignId, lines, now) ? RejectReason.CampaignLimitExceeded : null;
        }

        return lines.All(l => IsKnown(l.Sku)) && lines.Any(l => IsSoldOut(l.Sku)) && !ChannelBackorders(channel) ? RejectReason.OutOfStock : null;
    }

    /// <summary>
    /// Whether <see cref="SoldOutReason"/> would refuse this request as it stands: the intake asks the sold-out gate
    /// only then. A malformed request is never refused here; the order grain's validation answers it.
    /// </summary>
    public bool MayRefuse(PlaceOrderCommand command, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(command);
        if (command.Lines is not { Count: > 0 } lines || lines.Any(l => l?.Sku is null))
        {
            return false;
        }

        return SoldOutReason(string.IsNullOrEmpty(command.CampaignId) ? null : command.CampaignId, lines, now, command.Channel) is not null;
    }

    /// <summary>
    /// What still limits this order's chance, as the hot grains last said: the campaign's remaining quota (inside its
    /// window) for a campaign order, else the free units of its one SKU. Null when no figure stands (unknown, expired,
    /// several SKUs, or a malformed request): then nothing is known to limit it.
    /// </summary>
    public (SaleFigure Figure, long Room)? Room(PlaceOrderCommand command, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(command);
        if (command.Lines is not { Count: > 0 } lines || lines.Any(l => l?.Sku is null))
        {
            return null;
        }

        if (!string.IsNullOrEmpty(command.CampaignId))
        {
            var campaign = new SaleFigure(command.CampaignId, IsCampaign: true);
            return _campaigns.TryGetValue(command.CampaignId, out var hint) && lines.Any(l => string.Equals(l.Sku, hint.Sku, StringComparison.Ordinal))
                && RoomOf(campaign, now) is { } remaining
                ? (campaign, remaining)
                : null;
        }

        var pool = new SaleFigure(lines[0].Sku, IsCampaign: false);
        return lines.All(l => string.Equals(l.Sku, pool.Id, StringComparison.Ordinal)) && RoomOf(pool, now) is { } free ? (pool, free) : null;
    }

    /// <summary>The figure as it stands now; null once it no longer stands.</summary>
    public long? RoomOf(SaleFigure figure, DateTimeOffset now)
    {
        if (figure.IsCampaign)
        {
            return _campaigns.TryGetValue(figure.Id, out var hint) && now >= hint.StartsAt && now < hint.EndsAt && hint.ExpiresAt > now
                ? hint.Remaining
                : null;
        }

        return _freeUnits.TryGetValue(figure.Id, out var free) && free.ExpiresAt > now ? free.Units : null;
    }

    /// <summary>True when the SKU's pool has published a figure (it has warehouses).</summary>
    public bool IsKnown(string sku) => _freeUnits.ContainsKey(sku);

    private bool ChannelBackorders(string? channel)
    {
        _backorders ??= services?.GetService(typeof(IOptions<BackorderOptions>)) is IOptions<BackorderOptions> options ? options.Value : new BackorderOptions();
        return channel is not null && _backorders.AllowsBackorders(channel);
    }

    // Resolved on first use: the broadcaster is a grain-service client, which exists only inside a silo.
    private StockHintsBroadcast? Broadcast() => _broadcast ??= services?.GetService(typeof(StockHintsBroadcast)) as StockHintsBroadcast;

    private readonly record struct Figure(long Units, DateTimeOffset ExpiresAt);

    private sealed record CampaignHint(string Sku, long Remaining, DateTimeOffset StartsAt, DateTimeOffset EndsAt, DateTimeOffset ExpiresAt);
}

/// <summary>A figure that limits a sale: a campaign's remaining quota or a SKU's free units.</summary>
public readonly record struct SaleFigure(string Id, bool IsCampaign)
{
    public override string ToString() => (IsCampaign ? "campaign:" : "sku:") + Id;
}
