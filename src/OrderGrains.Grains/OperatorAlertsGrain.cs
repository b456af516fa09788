using OrderGrains.Abstractions;
using OrderGrains.Storage;

namespace OrderGrains.Grains;

/// <summary>
/// One category's operator alerts (the key, e.g. "carrier"): raised idempotently by grains, acknowledged and resolved by
/// operators through the admin API. Open and acknowledged alerts are all kept; of the resolved, the newest
/// <see cref="ResolvedKept"/>.
/// </summary>
[GrainType("operator-alerts")]
public sealed class OperatorAlertsGrain(
    [PersistentState("alerts", OrderGrainsStorage.Name)] IPersistentState<OperatorAlertsState> state,
    TimeProvider clock) : Grain, IOperatorAlertsGrain
{
    /// <summary>Resolved alerts kept for the record before the oldest are dropped.</summary>
    public const int ResolvedKept = 500;

    /// <summary>Adds an open alert; a known id changes nothing (the raiser retries until this answered).</summary>
    public async Task RaiseAsync(AlertRaise alert)
    {
        ArgumentNullException.ThrowIfNull(alert);
        ArgumentException.ThrowIfNullOrEmpty(alert.AlertId);
        if (state.State.Alerts.Exists(a => string.Equals(a.AlertId, alert.AlertId, StringComparison.Ordinal)))
        {
            return;
        }

        state.State.Alerts.Add(new OperatorAlert(alert.AlertId, alert.Kind, alert.Subject, alert.Message, alert.RaisedAt, AlertStatus.Open, null, null));
        await PersistAsync();
    }

    /// <summary>Every alert kept, newest first.</summary>
    public Task<IReadOnlyList<OperatorAlert>> ListAsync() =>
        Task.FromResult<IReadOnlyList<OperatorAlert>>([.. state.State.Alerts.OrderByDescending(a => a.RaisedAt).ThenByDescending(a => a.AlertId, StringComparer.Ordinal)]);

    /// <summary>Acknowledges or resolves an alert as <paramref name="actor"/>; a resolved alert stays resolved.</summary>
    public async Task<OperatorAlert> DecideAsync(string alertId, AlertStatus status, string actor)
    {
        if (status is not (AlertStatus.Acknowledged or AlertStatus.Resolved))
        {
            throw new DomainValidationException("status", "must be Acknowledged or Resolved");
        }

        var index = state.State.Alerts.FindIndex(a => string.Equals(a.AlertId, alertId, StringComparison.Ordinal));
        if (index < 0)
        {
            throw new NotFoundException("alert", alertId);
        }

        var alert = state.State.Alerts[index];
        if (alert.Status == status || alert.Status == AlertStatus.Resolved)
        {
            return alert;
        }

        alert = alert with { Status = status, DecidedBy = actor, DecidedAt = clock.GetUtcNow() };
        state.State.Alerts[index] = alert;
        var resolved = state.State.Alerts.Where(a => a.Status == AlertStatus.Resolved).OrderBy(a => a.RaisedAt).ToList();
        foreach (var old in resolved.Take(Math.Max(0, resolved.Count - ResolvedKept)))
        {
            state.State.Alerts.Remove(old);
        }

        await PersistAsync();
        return alert;
    }

    private Task PersistAsync() => state.WriteOrDeactivateAsync(this);
}

/// <summary>Persisted state of <see cref="OperatorAlertsGrain"/>.</summary>
public sealed class OperatorAlertsState
{
    public List<OperatorAlert> Alerts { get; set; } = [];
}
