using OrderGrains.LoadTests.Scenarios;

namespace OrderGrains.LoadTests.Targets;

/// <summary>How one call ended, as the load generator counts it.</summary>
public enum OutcomeKind
{
    Accepted = 1,
    Rejected = 2,
    Throttled = 3,
    Error = 4,
}

/// <summary>The outcome of one call; <see cref="Reason"/> names the reject reason or the error.</summary>
public readonly record struct CallOutcome(OutcomeKind Kind, string? Reason = null)
{
    public static CallOutcome Accepted { get; } = new(OutcomeKind.Accepted);
}

/// <summary>One invariant checked after the run.</summary>
public sealed record InvariantCheck(string Name, bool Passed, string Detail);

/// <summary>A system under test: OrderGrains over gRPC, or the plain PostgreSQL baseline.</summary>
public interface IOrderTarget : IAsyncDisposable
{
    /// <summary>Short name used in the report (ordergrains, baseline).</summary>
    string Name { get; }

    /// <summary>One paragraph saying exactly what a PlaceOrder does on this target.</summary>
    string Description { get; }

    /// <summary>Creates warehouses, stock, campaigns and customers of <paramref name="plan"/>.</summary>
    Task SetupAsync(ScenarioPlan plan, CancellationToken cancellationToken);

    Task<CallOutcome> PlaceAsync(PlannedOrder order, CancellationToken cancellationToken);

    Task<CallOutcome> PayAsync(PlannedOrder order, CancellationToken cancellationToken);

    Task<CallOutcome> CancelAsync(PlannedOrder order, CancellationToken cancellationToken);

    /// <summary>Reads the state back and checks the invariants against what was acknowledged.</summary>
    Task<IReadOnlyList<InvariantCheck>> VerifyAsync(ScenarioPlan plan, CancellationToken cancellationToken);
}
