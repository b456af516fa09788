namespace OrderGrains.Abstractions;

/// <summary>A warehouse: location in WGS84 degrees; inactive warehouses keep their stock but get no new allocations.</summary>
[GenerateSerializer]
[Immutable]
[Alias("ordergrains.WarehouseInfo")]
public sealed record WarehouseInfo([property: Id(0)] string WarehouseId, [property: Id(1)] string Name, [property: Id(2)] double Latitude, [property: Id(3)] double Longitude, [property: Id(4)] bool Active);

/// <summary>Every warehouse, with a version that grows with every change (SKU pools cache it by version).</summary>
[GenerateSerializer]
[Immutable]
[Alias("ordergrains.WarehouseDirectorySnapshot")]
public sealed record WarehouseDirectorySnapshot([property: Id(0)] long Version, [property: Id(1)] IReadOnlyList<WarehouseInfo> Warehouses);

/// <summary>SetStock: absolute units on hand of one SKU in one warehouse; idempotent per <paramref name="SyncId"/>.</summary>
[GenerateSerializer]
[Immutable]
[Alias("ordergrains.SetStockCommand")]
public sealed record SetStockCommand([property: Id(0)] string WarehouseId, [property: Id(1)] int OnHand, [property: Id(2)] string SyncId);

/// <summary>Stock of one SKU in one warehouse; <paramref name="Available"/> = on hand − reserved.</summary>
[GenerateSerializer]
[Immutable]
[Alias("ordergrains.WarehouseStock")]
public sealed record WarehouseStock([property: Id(0)] string WarehouseId, [property: Id(1)] int OnHand, [property: Id(2)] int Reserved, [property: Id(3)] int Available);

/// <summary>
/// Stock of one SKU summed over all warehouses, active or not, with the per-warehouse split. <paramref name="Backordered"/>
/// counts units orders wait for that no warehouse has (not included in <paramref name="Reserved"/>).
/// <paramref name="BackordersAllowed"/>, <paramref name="PresaleLimit"/> and <paramref name="Presold"/> are the SKU's
/// sale policy (<see cref="SkuSalePolicy"/>); <paramref name="PresaleRemaining"/> = max(0, limit − presold) while on presale.
/// <paramref name="Channels"/> is the channel split (empty when none); asked for one <paramref name="Channel"/>,
/// <paramref name="ChannelAvailable"/> is that channel's available-to-promise: its own remaining units plus the shared ones.
/// </summary>
[GenerateSerializer]
[Immutable]
[Alias("ordergrains.SkuAvailability")]
public sealed record SkuAvailability(
    [property: Id(0)] string Sku,
    [property: Id(1)] int OnHand,
    [property: Id(2)] int Reserved,
    [property: Id(3)] int Available,
    [property: Id(4)] IReadOnlyList<WarehouseStock> Warehouses,
    [property: Id(5)] int Backordered = 0,
    [property: Id(60)] bool BackordersAllowed = false,
    [property: Id(61)] int PresaleLimit = 0,
    [property: Id(62)] int Presold = 0,
    [property: Id(63)] int PresaleRemaining = 0,
    [property: Id(64)] IReadOnlyList<ChannelStock>? Channels = null,
    [property: Id(65)] string? Channel = null,
    [property: Id(66)] int ChannelAvailable = 0);

/// <summary>
/// Units of a SKU set aside for one sales channel: a fixed <paramref name="Quantity"/> or a <paramref name="Percent"/> of
/// the units on hand (exactly one of them). The rest of the stock is shared by every channel.
/// </summary>
[GenerateSerializer]
[Immutable]
[Alias("ordergrains.ChannelStockShare")]
public sealed record ChannelStockShare([property: Id(0)] string Channel, [property: Id(1)] int Quantity, [property: Id(2)] int Percent)
{
    /// <summary>Throws <see cref="DomainValidationException"/> naming the field (<c>shares[i].percent</c>) for a split that cannot be set.</summary>
    public static void Validate(IReadOnlyList<ChannelStockShare?>? shares, string listField = "shares")
    {
        if (shares is null)
        {
            throw new DomainValidationException(listField, "is required (empty removes the split)");
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        long percents = 0;
        for (var i = 0; i < shares.Count; i++)
        {
            var field = $"{listField}[{i}]";
            var share = shares[i] ?? throw new DomainValidationException(field, "is required");
            if (string.IsNullOrWhiteSpace(share.Channel))
            {
                throw new DomainValidationException(field + ".channel", "is required");
            }

            if (share.Channel.Contains(OrderIds.Separator, StringComparison.Ordinal))
            {
                throw new DomainValidationException(field + ".channel", $"must not contain '{OrderIds.Separator}'");
            }

            if (!seen.Add(share.Channel))
            {
                throw new DomainValidationException(field + ".channel", $"'{share.Channel}' is listed twice");
            }

            if (share.Quantity < 0)
            {
                throw new DomainValidationException(field + ".quantity", $"must not be negative, got {share.Quantity}");
            }

            if (share.Percent is < 0 or > 100)
            {
                throw new DomainValidationException(field + ".percent", $"must be between 0 and 100, got {share.Percent}");
            }

            if ((share.Quantity > 0) == (share.Percent > 0))
            {
                throw new DomainValidationException(field + ".quantity", "exactly one of quantity and percent must be set (more than 0)");
            }

            percents += share.Percent;
        }

        if (percents > 100)
        {
            throw new DomainValidationException(listField, $"the percents add up to {percents}, more than 100");
        }
    }
}

/// <summary>
/// One channel's part of a SKU split: the setting, the units it sets aside now (<paramref name="RingFenced"/>: the
/// quantity, or the percent of on hand), the units the channel's orders hold, and what is still set aside for it
/// (<paramref name="Remaining"/> = max(0, ring-fenced − held)).
/// </summary>
[GenerateSerializer]
[Immutable]
[Alias("ordergrains.ChannelStock")]
public sealed record ChannelStock(
    [property: Id(0)] string Channel,
    [property: Id(1)] int Quantity,
    [property: Id(2)] int Percent,
    [property: Id(3)] int RingFenced,
    [property: Id(4)] int Held,
    [property: Id(5)] int Remaining);

/// <summary>
/// How a SKU sells beyond its stock. <paramref name="BackordersAllowed"/>: an order short of stock is accepted, the missing
/// units backordered (no limit). <paramref name="PresaleLimit"/> &gt; 0: the SKU is on presale: missing units are
/// backordered as presold units while at most that many are presold (a hard cap, also when the order's channel allows
/// backorders). The two exclude each other; both off is an ordinary SKU.
/// </summary>
[GenerateSerializer]
[Immutable]
[Alias("ordergrains.SkuSalePolicy")]
public sealed record SkuSalePolicy([property: Id(0)] bool BackordersAllowed, [property: Id(1)] int PresaleLimit)
{
    /// <summary>Throws <see cref="DomainValidationException"/> naming the field (as the caller's wire spells it) for a policy that cannot be set.</summary>
    public static void Validate(SkuSalePolicy? policy, string backordersField = "backorders_allowed", string presaleField = "presale_limit")
    {
        if (policy is null)
        {
            throw new DomainValidationException("request", "is required");
        }

        if (policy.PresaleLimit < 0)
        {
            throw new DomainValidationException(presaleField, $"must not be negative (0 ends the presale), got {policy.PresaleLimit}");
        }

        if (policy.BackordersAllowed && policy.PresaleLimit > 0)
        {
            throw new DomainValidationException(backordersField, $"cannot be combined with {presaleField}: a presale SKU backorders up to its limit only");
        }
    }
}

/// <summary>
/// Asks a SKU pool to reserve one order line, sourced nearest to the ship-to coordinates. <paramref name="AllowBackorder"/>:
/// the order's channel accepts backorders, so a shortfall is backordered instead of refused.
/// </summary>
[GenerateSerializer]
[Immutable]
[Alias("ordergrains.StockReservationRequest")]
public sealed record StockReservationRequest([property: Id(0)] string OrderId, [property: Id(1)] int Quantity, [property: Id(2)] double Latitude, [property: Id(3)] double Longitude, [property: Id(60)] bool AllowBackorder = false);

/// <summary>How a stock reservation ended. Numbers are persisted by the order saga.</summary>
[GenerateSerializer]
[Alias("ordergrains.StockReservationOutcome")]
public enum StockReservationOutcome
{
    Unspecified = 0,
    Reserved = 1,
    OutOfStock = 2,
    UnknownSku = 3,
}

/// <summary>Units taken from one warehouse.</summary>
[GenerateSerializer]
[Immutable]
[Alias("ordergrains.WarehouseQuantity")]
public sealed record WarehouseQuantity([property: Id(0)] string WarehouseId, [property: Id(1)] int Quantity);

/// <summary>
/// The outcome of a reservation and, when reserved, where the units come from and the reservation's version;
/// <paramref name="Backordered"/> units had no stock and wait for a restock, <paramref name="Presold"/> of them on presale.
/// </summary>
[GenerateSerializer]
[Immutable]
[Alias("ordergrains.StockReservationResult")]
public sealed record StockReservationResult(
    [property: Id(0)] StockReservationOutcome Outcome,
    [property: Id(1)] IReadOnlyList<WarehouseQuantity> Allocations,
    [property: Id(2)] long Version = 0,
    [property: Id(60)] int Backordered = 0,
    [property: Id(61)] int Presold = 0);

/// <summary>Why stock changed by a delta. Numbers are the wire's and persisted.</summary>
[GenerateSerializer]
[Alias("ordergrains.StockAdjustmentReason")]
public enum StockAdjustmentReason
{
    Unspecified = 0,
    Received = 1,
    Damaged = 2,
    CountCorrection = 3,

    /// <summary>A picker found fewer units than the system expected.</summary>
    ShortPick = 4,
}

/// <summary>AdjustStock: adds <paramref name="Delta"/> (may be negative) to one warehouse's on-hand; idempotent per <paramref name="AdjustmentId"/>.</summary>
[GenerateSerializer]
[Immutable]
[Alias("ordergrains.AdjustStockCommand")]
public sealed record AdjustStockCommand([property: Id(0)] string WarehouseId, [property: Id(1)] int Delta, [property: Id(2)] StockAdjustmentReason Reason, [property: Id(3)] string AdjustmentId);

/// <summary>
/// What one order holds of one SKU: units still to ship per warehouse and units backordered. <paramref name="Version"/>
/// grows with every change, so an order can ignore an older report that arrives late.
/// </summary>
[GenerateSerializer]
[Immutable]
[Alias("ordergrains.StockReservation")]
public sealed record StockReservation([property: Id(0)] string OrderId, [property: Id(1)] long Version, [property: Id(2)] IReadOnlyList<WarehouseQuantity> Allocations, [property: Id(3)] int Backordered);

/// <summary>Tells an order that a SKU pool moved its reservation (re-sourced, backordered or filled from a restock).</summary>
[GenerateSerializer]
[Immutable]
[Alias("ordergrains.StockReservationChange")]
public sealed record StockReservationChange([property: Id(0)] string Sku, [property: Id(1)] StockReservation Reservation, [property: Id(2)] string Cause);

/// <summary>Takes shipped units out of a warehouse and out of the order's reservation; idempotent per shipment id.</summary>
[GenerateSerializer]
[Immutable]
[Alias("ordergrains.StockDeduction")]
public sealed record StockDeduction([property: Id(0)] string OrderId, [property: Id(1)] string ShipmentId, [property: Id(2)] string WarehouseId, [property: Id(3)] int Quantity);

/// <summary>Puts returned resalable units back on hand; idempotent per (order, RMA).</summary>
[GenerateSerializer]
[Immutable]
[Alias("ordergrains.ReturnRestock")]
public sealed record ReturnRestock([property: Id(0)] string OrderId, [property: Id(1)] string RmaId, [property: Id(2)] string WarehouseId, [property: Id(3)] int Quantity);

/// <summary>Kinds of SKU ledger movements. Persisted: numbers are never reused.</summary>
[GenerateSerializer]
[Alias("ordergrains.StockMovementKind")]
public enum StockMovementKind
{
    Unspecified = 0,
    Reserve = 1,
    Release = 2,
    Deduct = 3,
    Adjust = 4,
    Restock = 5,
    SetStock = 6,

    /// <summary>Reserved units moved to another warehouse after a shortage.</summary>
    Resource = 7,

    /// <summary>Reserved units lost to a shortage that no warehouse could cover.</summary>
    Backorder = 8,

    /// <summary>Backordered units reserved again from new stock.</summary>
    FillBackorder = 9,

    /// <summary>Backordered units the customer cancelled.</summary>
    CancelBackorder = 10,
}

/// <summary>One movement of a SKU pool: <paramref name="Reference"/> is the causing order, sync, adjustment, shipment or RMA id.</summary>
[GenerateSerializer]
[Immutable]
[Alias("ordergrains.StockMovement")]
public sealed record StockMovement(
    [property: Id(0)] long Sequence,
    [property: Id(1)] DateTimeOffset At,
    [property: Id(2)] StockMovementKind Kind,
    [property: Id(3)] string WarehouseId,
    [property: Id(4)] int Quantity,
    [property: Id(5)] string? OrderId,
    [property: Id(6)] string Reference);

/// <summary>
/// A SKU pool's recent movements (newest last, bounded), the count of every movement ever, and how many invariant
/// checks failed (each also logged as an error; nothing is repaired silently).
/// </summary>
[GenerateSerializer]
[Immutable]
[Alias("ordergrains.StockLedger")]
public sealed record StockLedger([property: Id(0)] string Sku, [property: Id(1)] IReadOnlyList<StockMovement> Recent, [property: Id(2)] long TotalMovements, [property: Id(3)] long InvariantViolations);
