using OrderGrains.Abstractions;

namespace OrderGrains.Grains;

/// <summary>
/// The channel split of a SKU pool as plain rules. A channel's share sets aside units for it (a fixed quantity, or a
/// percent of on hand); every unit its orders hold counts against its share first, so what is still set aside is
/// max(0, share − held). A channel may promise the free units minus what is still set aside for the other channels;
/// never more than the free units, so the split cannot oversell.
/// </summary>
internal static class ChannelSplit
{
    /// <summary>The channel a reservation holder belongs to: the order id's prefix ("" for a holder without one).</summary>
    public static string ChannelOf(string holder)
    {
        var orderId = ReservationHolders.OrderOf(holder);
        var separator = orderId.IndexOf(OrderIds.Separator, StringComparison.Ordinal);
        return separator > 0 ? orderId[..separator] : string.Empty;
    }

    /// <summary>Units the share sets aside with <paramref name="onHand"/> units on hand (a percent rounds down).</summary>
    public static int RingFenced(ChannelShareState share, long onHand) =>
        share.Quantity > 0 ? share.Quantity : (int)Math.Min(int.MaxValue, Math.Max(0, onHand) * share.Percent / 100);

    /// <summary>What <paramref name="channel"/> may promise out of <paramref name="free"/> units.</summary>
    public static long AvailableTo(string channel, long free, IReadOnlyList<ChannelShareState> shares, long onHand, IReadOnlyDictionary<string, int> held)
    {
        long setAsideForOthers = 0;
        foreach (var share in shares)
        {
            if (!string.Equals(share.Channel, channel, StringComparison.Ordinal))
            {
                setAsideForOthers += Math.Max(0, RingFenced(share, onHand) - held.GetValueOrDefault(share.Channel));
            }
        }

        return Math.Max(0, free - setAsideForOthers);
    }

    /// <summary>Each channel's share as the wire shows it.</summary>
    public static List<ChannelStock> Describe(IReadOnlyList<ChannelShareState> shares, long onHand, IReadOnlyDictionary<string, int> held) =>
        [.. shares.Select(share =>
        {
            var fenced = RingFenced(share, onHand);
            var units = held.GetValueOrDefault(share.Channel);
            return new ChannelStock(share.Channel, share.Quantity, share.Percent, fenced, units, Math.Max(0, fenced - units));
        })];
}
