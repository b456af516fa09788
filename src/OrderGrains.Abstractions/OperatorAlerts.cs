namespace OrderGrains.Abstractions;

/// <summary>Where an operator alert stands. Persisted: numbers are never reused.</summary>
[GenerateSerializer]
[Alias("ordergrains.AlertStatus")]
public enum AlertStatus
{
    Unspecified = 0,
    Open = 1,

    /// <summary>An operator has seen it and is on it.</summary>
    Acknowledged = 2,

    /// <summary>Dealt with; kept for a while, then dropped (oldest first).</summary>
    Resolved = 3,
}

/// <summary>Raises an alert; idempotent per <paramref name="AlertId"/>. <paramref name="Subject"/> is what it is about (an order id).</summary>
[GenerateSerializer]
[Immutable]
[Alias("ordergrains.AlertRaise")]
public sealed record AlertRaise(
    [property: Id(0)] string AlertId,
    [property: Id(1)] string Kind,
    [property: Id(2)] string Subject,
    [property: Id(3)] string Message,
    [property: Id(4)] DateTimeOffset RaisedAt);

/// <summary>An alert as operators see it; <paramref name="DecidedBy"/> acknowledged or resolved it last.</summary>
[GenerateSerializer]
[Immutable]
[Alias("ordergrains.OperatorAlert")]
public sealed record OperatorAlert(
    [property: Id(0)] string AlertId,
    [property: Id(1)] string Kind,
    [property: Id(2)] string Subject,
    [property: Id(3)] string Message,
    [property: Id(4)] DateTimeOffset RaisedAt,
    [property: Id(5)] AlertStatus Status,
    [property: Id(6)] string? DecidedBy,
    [property: Id(7)] DateTimeOffset? DecidedAt);

/// <summary>
/// One list of operator alerts per category (the key, e.g. <see cref="CarrierCategory"/>): raised by grains, listed,
/// acknowledged and resolved through the admin API.
/// </summary>
public interface IOperatorAlertsGrain : IGrainWithStringKey
{
    /// <summary>The category of carrier exceptions and shipments returned to sender.</summary>
    const string CarrierCategory = "carrier";

    /// <summary>The category of inventory alerts: low stock, shortages that backorder units, OUT_OF_STOCK refusals.</summary>
    const string InventoryCategory = "inventory";

    /// <summary>Adds an open alert, or does nothing when its id is known.</summary>
    Task RaiseAsync(AlertRaise alert);

    /// <summary>Every alert kept, newest first.</summary>
    [Orleans.Concurrency.ReadOnly]
    Task<IReadOnlyList<OperatorAlert>> ListAsync();

    /// <summary>Moves an alert to <paramref name="status"/> (Acknowledged or Resolved) as <paramref name="actor"/>; NotFound for an unknown id.</summary>
    Task<OperatorAlert> DecideAsync(string alertId, AlertStatus status, string actor);
}

/// <summary>The categories of <see cref="IOperatorAlertsGrain"/>.</summary>
public static class OperatorAlertCategories
{
    /// <summary>Every category, in the order the admin API lists them.</summary>
    public static IReadOnlyList<string> All { get; } = [IOperatorAlertsGrain.CarrierCategory, IOperatorAlertsGrain.InventoryCategory];
}
