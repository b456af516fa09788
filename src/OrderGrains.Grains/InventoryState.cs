using System.Text.Json.Serialization;
using OrderGrains.Abstractions;
using OrderGrains.Storage;

namespace OrderGrains.Grains;

/// <summary>
/// Persisted state of <see cref="SkuStockGrain"/>. Invariants, checked before each batch is written (at most once a
/// second while more than 512 reservations are open): per warehouse 0 ≤ Reserved ≤ OnHand and Reserved = the sum of
/// the reservations' units there; TotalBackordered = their backorders.
/// </summary>
public sealed class SkuStockState : IHasEntrySets
{
    public Dictionary<string, WarehouseStockEntry> Warehouses { get; set; } = new(StringComparer.Ordinal);

    /// <summary>
    /// What each order holds, by order id: makes reserve and release idempotent. Stored as one row per order beside the
    /// state (an entry set), so a batch writes the reservations it changed, not every open one; a reservation changed in
    /// place must be marked (<see cref="EntrySet{TValue}.MarkChanged"/>).
    /// </summary>
    [JsonIgnore]
    public EntrySet<ReservationEntry> Reservations { get; } = new("reservations");

    /// <inheritdoc />
    [JsonIgnore]
    public IReadOnlyList<IEntrySet> EntrySets => [Reservations, Ledger];

    /// <summary>Reservations as states stored before entry sets held them, inline; read once and stored as rows by the next write.</summary>
    [JsonInclude]
    [JsonPropertyName("Reservations")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    private Dictionary<string, ReservationEntry>? InlineReservations
    {
        get => null;
        set => Reservations.LoadInline(value);
    }

    /// <summary>Source of reservation arrival numbers and versions; only grows.</summary>
    public long Sequence { get; set; }

    /// <summary>Sum of the reservations' backordered units; lets the common case (none) skip the backorder scan.</summary>
    public int TotalBackordered { get; set; }

    /// <summary>
    /// The latest movements by sequence number, bounded by <see cref="OrderOptions.LedgerEntriesKept"/>. An entry set:
    /// inline, the kept movements (about 40 KB of JSON) were written again with every batch, most of a quiet pool's
    /// write; as rows a batch stores the movements it made.
    /// </summary>
    [JsonIgnore]
    public EntrySet<StockMovement> Ledger { get; } = new("ledger");

    /// <summary>The ledger as states stored before it was an entry set held it, inline; read once and stored as rows by the next write.</summary>
    [JsonInclude]
    [JsonPropertyName("Ledger")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    private List<StockMovement>? InlineLedger
    {
        get => null;
        set => Ledger.LoadInline(value?.ToDictionary(m => LedgerKey(m.Sequence)));
    }

    /// <summary>The ledger's entry key of a movement.</summary>
    public static string LedgerKey(long sequence) => sequence.ToString(System.Globalization.CultureInfo.InvariantCulture);

    public long TotalMovements { get; set; }

    public long InvariantViolations { get; set; }

    /// <summary>Orders to tell that their reservation moved, with the cause; an entry stays until the order acknowledged it.</summary>
    public Dictionary<string, string> Outbox { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Low-stock threshold, sales per day and alert bookkeeping (see <see cref="StockAlerting"/>); bounded, whatever the orders.</summary>
    public SkuAlertState Alerting { get; set; } = new();

    /// <summary>Backorders and presale (see <see cref="SalePolicyRules"/>); null for an ordinary SKU, as stored before there were policies.</summary>
    public SkuSaleState? Sale { get; set; }

    /// <summary>Units set aside per channel (see <see cref="ChannelSplit"/>); empty = all stock shared.</summary>
    public List<ChannelShareState> ChannelShares { get; set; } = [];
}

/// <summary>One channel's share of a SKU: a fixed quantity or a percent of on hand (the other is 0).</summary>
public sealed class ChannelShareState
{
    public string Channel { get; set; } = string.Empty;

    public int Quantity { get; set; }

    public int Percent { get; set; }
}

/// <summary>A SKU's sale policy and its presale count.</summary>
public sealed class SkuSaleState
{
    public bool BackordersAllowed { get; set; }

    /// <summary>0 = not on presale.</summary>
    public int PresaleLimit { get; set; }

    /// <summary>
    /// Units presold and not given back: taken at placement as presale backorders, lowered only when an order cancels or
    /// releases them (filled or not). Shipped presale units stay counted, so the limit caps the presale's total.
    /// </summary>
    public int Presold { get; set; }
}

/// <summary>A SKU pool's alert state: a few fields and one counter per day of the sales window.</summary>
public sealed class SkuAlertState
{
    public LowStockThreshold? Threshold { get; set; }

    /// <summary>The low-stock alert of the current crossing; null while stock is above the threshold (armed).</summary>
    public string? OpenLowStockAlertId { get; set; }

    /// <summary>Numbers the pool's alert ids; only grows.</summary>
    public long AlertSequence { get; set; }

    /// <summary>Units reserved per UTC day, oldest first, at most the window's days.</summary>
    public List<DailyUnits> Sales { get; set; } = [];

    public DateTimeOffset? LastOutOfStockAlertAt { get; set; }
}

/// <summary>Units reserved on one UTC day (days since the Unix epoch).</summary>
public sealed class DailyUnits
{
    public int Day { get; set; }

    public int Units { get; set; }
}

/// <summary>One order's hold on a SKU.</summary>
public sealed class ReservationEntry
{
    /// <summary>Arrival order: on a shortage the newest reservations give up stock first; restocks fill the oldest first.</summary>
    public long Arrival { get; set; }

    public long Version { get; set; }

    /// <summary>Units still to ship per warehouse; no zero entries.</summary>
    public List<HeldUnits> Held { get; set; } = [];

    public int Backordered { get; set; }

    /// <summary>Units of this reservation counted in <see cref="SkuSaleState.Presold"/>; given back when the order cancels them.</summary>
    public int Presold { get; set; }

    /// <summary>Ship-to coordinates: re-sourcing and backorder fills pick the nearest warehouse.</summary>
    public double Latitude { get; set; }

    public double Longitude { get; set; }

    /// <summary>Shipment and cancellation ids already applied to this reservation.</summary>
    public List<string> AppliedKeys { get; set; } = [];
}

/// <summary>Units of a reservation in one warehouse.</summary>
public sealed class HeldUnits
{
    public string WarehouseId { get; set; } = string.Empty;

    public int Quantity { get; set; }
}

/// <summary>One SKU's stock in one warehouse.</summary>
public sealed class WarehouseStockEntry
{
    public int OnHand { get; set; }

    public int Reserved { get; set; }

    /// <summary>The latest SetStock sync ids, oldest first (bounded by <see cref="OrderOptions.RememberedSyncIdsPerWarehouse"/>).</summary>
    public List<string> RecentSyncIds { get; set; } = [];

    /// <summary>The latest adjustments and return restocks by id with their delta, oldest first (same bound as sync ids).</summary>
    public List<RecentAdjustment> RecentAdjustments { get; set; } = [];
}

/// <summary>An applied adjustment: a replay must carry the same delta.</summary>
public sealed class RecentAdjustment
{
    public string Id { get; set; } = string.Empty;

    public int Delta { get; set; }
}

/// <summary>Persisted state of <see cref="WarehouseGrain"/>.</summary>
public sealed class WarehouseState
{
    public WarehouseInfo? Warehouse { get; set; }

    /// <summary>Orders with units to pick here, by order id.</summary>
    public Dictionary<string, PickEntry> Orders { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Snapshot ids already imported here, oldest first (bounded).</summary>
    public List<string> ImportedSnapshots { get; set; } = [];

    /// <summary>Orders the queue holds, in release order.</summary>
    public long ReleaseSequence { get; set; }
}

/// <summary>One order's pick tasks in a warehouse.</summary>
public sealed class PickEntry
{
    public long Released { get; set; }

    public DateTimeOffset ReleasedAt { get; set; }

    /// <summary>Orders with the same id here ship together; the id of the first order in the consolidation.</summary>
    public string ConsolidationId { get; set; } = string.Empty;

    public string ConsolidationKey { get; set; } = string.Empty;

    public List<LineQuantity> Lines { get; set; } = [];
}

/// <summary>Persisted state of <see cref="WarehouseDirectoryGrain"/>.</summary>
public sealed class WarehouseDirectoryState
{
    public Dictionary<string, WarehouseInfo> Warehouses { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Grows with every change, so caches can tell whether they are current.</summary>
    public long Version { get; set; }
}
