namespace OrderGrains.Abstractions;

/// <summary>Why a customer returns goods, as a code for reports. Numbers are the wire's (orders.proto) and persisted.</summary>
[GenerateSerializer]
[Alias("ordergrains.ReturnReason")]
public enum ReturnReason
{
    Unspecified = 0,
    NoLongerNeeded = 1,
    Defective = 2,
    DamagedInTransit = 3,
    WrongItem = 4,
    NotAsDescribed = 5,
    SizeOrFit = 6,
    Other = 7,
}

/// <summary>Where an RMA stands. Numbers are the wire's (orders.proto) and persisted; never reused.</summary>
[GenerateSerializer]
[Alias("ordergrains.RmaStatus")]
public enum RmaStatus
{
    /// <summary>Only in state written before RMAs had a status: read as <see cref="Approved"/> (or <see cref="Received"/>).</summary>
    Unspecified = 0,

    /// <summary>The channel requires approval and no operator decided yet; goods cannot be received.</summary>
    AwaitingApproval = 1,

    Approved = 2,

    /// <summary>Final: refused by an operator; the units can be requested again.</summary>
    Rejected = 3,

    /// <summary>Final: withdrawn before the goods arrived; the units can be requested again.</summary>
    Cancelled = 4,

    /// <summary>Final: the goods arrived and were refunded.</summary>
    Received = 5,
}

/// <summary>What an operator decides about an RMA.</summary>
[GenerateSerializer]
[Alias("ordergrains.RmaDecision")]
public enum RmaDecision
{
    Unspecified = 0,
    Approve = 1,
    Reject = 2,
    Cancel = 3,
}

/// <summary>An operator's decision about RMA <paramref name="RmaId"/>; <paramref name="Actor"/> is named in the history.</summary>
[GenerateSerializer]
[Immutable]
[Alias("ordergrains.RmaDecisionCommand")]
public sealed record RmaDecisionCommand(
    [property: Id(0)] string RmaId,
    [property: Id(1)] RmaDecision Decision,
    [property: Id(2)] string Actor,
    [property: Id(3)] string? Note);

/// <summary>Operators' decisions on the RMAs of one order (keyed by order id, like <see cref="IOrderGrain"/>: the same activation).</summary>
public interface IOrderReturnsGrain : IGrainWithStringKey
{
    /// <summary>Approves, rejects or cancels an RMA that has not been received; the same decision again changes nothing.</summary>
    Task<OrderSnapshot> DecideReturnAsync(RmaDecisionCommand command);
}
