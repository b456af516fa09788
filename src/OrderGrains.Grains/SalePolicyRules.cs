namespace OrderGrains.Grains;

/// <summary>How an order line short of stock is treated: the units it backorders and how many of them are presold.</summary>
internal readonly record struct ShortfallDecision(int Backordered, int Presold);

/// <summary>
/// The rules of selling beyond stock, apart from the SKU pool that applies them. A presale SKU (limit &gt; 0) backorders
/// a shortfall only while the presale has room for all of it: the limit is a hard cap, whatever the channel says. Other
/// SKUs backorder without limit when the SKU or the order's channel allows backorders, and refuse otherwise.
/// </summary>
internal static class SalePolicyRules
{
    /// <summary>What to do with <paramref name="missing"/> units no warehouse has, or null to refuse the line OUT_OF_STOCK.</summary>
    public static ShortfallDecision? Decide(SkuSaleState? sale, int missing, bool channelAllowsBackorders)
    {
        if (missing <= 0)
        {
            return new ShortfallDecision(0, 0);
        }

        if (sale is { PresaleLimit: > 0 } presale)
        {
            return (long)presale.Presold + missing <= presale.PresaleLimit ? new ShortfallDecision(missing, missing) : null;
        }

        return sale?.BackordersAllowed == true || channelAllowsBackorders ? new ShortfallDecision(missing, 0) : null;
    }

    /// <summary>
    /// Units the pool can still promise beyond free stock, for the sold-out hints: presale room, "unlimited" for a SKU
    /// that backorders, 0 for an ordinary SKU (whose hint therefore stays exactly its free units).
    /// </summary>
    public static long ExtraCapacity(SkuSaleState? sale) => sale switch
    {
        { PresaleLimit: > 0 } presale => Math.Max(0, presale.PresaleLimit - presale.Presold),
        { BackordersAllowed: true } => int.MaxValue,
        _ => 0,
    };

    /// <summary>True when the SKU sells without stock in some way, so it is known (not UNKNOWN_SKU) even with no warehouse.</summary>
    public static bool SellsWithoutStock(SkuSaleState? sale) => sale is { PresaleLimit: > 0 } or { BackordersAllowed: true };
}
