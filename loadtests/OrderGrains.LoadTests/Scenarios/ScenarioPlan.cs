namespace OrderGrains.LoadTests.Scenarios;

/// <summary>One order line as the load generator sends it.</summary>
public sealed record PlannedLine(string Sku, int Quantity, long UnitPriceMinor);

/// <summary>What a buyer does after an accepted order: nothing, pay, or cancel, after a delay.</summary>
public enum FollowUp
{
    None = 0,
    Pay = 1,
    Cancel = 2,
}

/// <summary>One PlaceOrder of the arrival schedule, due <see cref="DueMicros"/> after the phase starts.</summary>
public sealed record PlannedOrder(
    int Index,
    long DueMicros,
    string Channel,
    string ExternalOrderId,
    string CustomerId,
    IReadOnlyList<PlannedLine> Lines,
    string? CampaignId,
    FollowUp FollowUp,
    TimeSpan FollowUpDelay)
{
    public string OrderId => Channel + ":" + ExternalOrderId;

    public long TotalMinor => Lines.Sum(l => l.Quantity * l.UnitPriceMinor);
}

/// <summary>Stock of one SKU in one warehouse before the run.</summary>
public sealed record PlannedStock(string WarehouseId, string Sku, int OnHand);

/// <summary>A promotional campaign on one SKU.</summary>
public sealed record PlannedCampaign(string CampaignId, string Sku, long PriceMinor, int Quota, int PerCustomerLimit);

/// <summary>A warehouse with its position (sourcing picks the nearest one that can fill a line).</summary>
public sealed record PlannedWarehouse(string WarehouseId, double Latitude, double Longitude);

/// <summary>One stretch of the schedule at one offered rate (steady runs a second phase at 80% of the first).</summary>
public sealed record PlannedPhase(string Name, double OfferedRate, IReadOnlyList<PlannedOrder> Orders)
{
    public double ScheduledSeconds => Orders.Count == 0 ? 0 : Orders[^1].DueMicros / 1_000_000.0;
}

/// <summary>
/// Everything a scenario sends, decided up front from a seed so that OrderGrains and the baseline see exactly the
/// same arrivals, customers, lines and follow-ups.
/// </summary>
public sealed record ScenarioPlan(
    string Scenario,
    string RunId,
    IReadOnlyList<PlannedWarehouse> Warehouses,
    IReadOnlyList<PlannedStock> Stock,
    IReadOnlyList<PlannedCampaign> Campaigns,
    IReadOnlyList<string> Customers,
    IReadOnlyList<PlannedPhase> Phases,
    TimeSpan? SettleBeforeVerify)
{
    /// <summary>Unmeasured orders on their own SKU before the first phase, so the JIT and the pools are warm when measuring starts.</summary>
    public PlannedPhase? Warmup { get; init; }

    /// <summary>SKUs the measured phases order (the warm-up SKU is not among them).</summary>
    public ISet<string> MeasuredSkus => Phases.SelectMany(p => p.Orders).SelectMany(o => o.Lines).Select(l => l.Sku).ToHashSet(StringComparer.Ordinal);

    public IEnumerable<PlannedOrder> AllOrders => (Warmup is null ? [] : Warmup.Orders).Concat(Phases.SelectMany(p => p.Orders));

    public IReadOnlyDictionary<string, int> OnHandBySku => Stock.GroupBy(s => s.Sku).ToDictionary(g => g.Key, g => g.Sum(s => s.OnHand), StringComparer.Ordinal);
}
