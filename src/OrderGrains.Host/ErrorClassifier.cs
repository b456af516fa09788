using System.Text.Json;
using OrderGrains.Abstractions;
using OrderGrains.Host.Admission;
using OrderGrains.Storage;
using Orleans.Storage;

namespace OrderGrains.Host;

/// <summary>What went wrong, in the terms both front ends answer in: gRPC statuses and the admin API's problem details.</summary>
public enum ErrorKind
{
    /// <summary>The request itself is wrong (a field, or an unreadable body); sending it again fails again.</summary>
    InvalidArgument = 1,
    NotFound = 2,

    /// <summary>The state machine does not allow the step from the record's current state.</summary>
    IllegalTransition = 3,

    /// <summary>A business rule refuses the step now (over-shipping, a limit, a closed campaign).</summary>
    RuleViolation = 4,

    /// <summary>An idempotency key came back with a different command.</summary>
    IdempotencyConflict = 5,

    /// <summary>One record has more calls queued than it takes; retry after the hint.</summary>
    Overloaded = 6,

    /// <summary>The record changed under a concurrent writer; the call may be retried as it is.</summary>
    ConcurrentChange = 7,
    TimedOut = 8,

    /// <summary>Storage did not confirm the write; the outcome is unknown until the record is read again.</summary>
    WriteLost = 9,
    ShuttingDown = 10,

    /// <summary>The request is larger than the server takes (a body over its size limit).</summary>
    TooLarge = 11,

    /// <summary>The step needs a role the caller lacks (an approval step of a hold); nothing changed.</summary>
    RoleMissing = 12,

    /// <summary>
    /// Another node the call needed did not answer (it died and is not yet declared dead): the outcome is unknown, and
    /// the same request sent again (to any node, after the hint) gets the original outcome or is decided afresh.
    /// </summary>
    NodeLost = 13,
}

/// <summary>
/// A known failure: its kind, the message the caller gets (field names, both states of a transition), and for
/// overload how long a client should wait before retrying.
/// </summary>
public readonly record struct ClassifiedError(ErrorKind Kind, string Detail, int? RetryAfterMilliseconds = null);

/// <summary>
/// The one place that knows which exceptions are answers rather than bugs. The gRPC interceptor and the admin API's
/// problem details both map from <see cref="ErrorKind"/>; an exception this does not know is a bug (INTERNAL / 500).
/// </summary>
public static class ErrorClassifier
{
    /// <summary>The back-off suggested when one grain's queue is full: its backlog drains within a few turns.</summary>
    public const int OverloadedGrainRetryAfterMilliseconds = 100;

    /// <summary>The back-off suggested when a node did not answer: its grains move once it is declared dead (seconds).</summary>
    public const int NodeLostRetryAfterMilliseconds = 1_000;

    public static ClassifiedError? Classify(Exception exception) => exception switch
    {
        DomainValidationException invalid => new(ErrorKind.InvalidArgument, $"{invalid.Field}: {invalid.Reason}"),
        JsonException json => new(ErrorKind.InvalidArgument, "Malformed JSON: " + json.Message),
        BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge } tooLarge => new(ErrorKind.TooLarge, tooLarge.Message),
        BadHttpRequestException badRequest => new(ErrorKind.InvalidArgument, badRequest.Message),
        NotFoundException notFound => new(ErrorKind.NotFound, notFound.Message),
        IllegalTransitionException illegal => new(ErrorKind.IllegalTransition, illegal.Message),
        RuleViolationException violation => new(ErrorKind.RuleViolation, violation.Message),
        ApprovalRoleException roleMissing => new(ErrorKind.RoleMissing, roleMissing.Message),
        IdempotencyConflictException conflict => new(ErrorKind.IdempotencyConflict, conflict.Message),
        CallRejectedException rejected => new(ErrorKind.Overloaded, rejected.Message, rejected.RetryAfterMilliseconds),
        LimitExceededException overloaded => new(ErrorKind.Overloaded, overloaded.Message, OverloadedGrainRetryAfterMilliseconds),
        InconsistentStateException => new(ErrorKind.ConcurrentChange, "The record changed concurrently; retry the call."),
        TimeoutException timeout => new(ErrorKind.TimedOut, timeout.Message),
        StateWriteFailedException lost => new(ErrorKind.WriteLost, lost.Message),
        SiloUnavailableException => new(ErrorKind.ShuttingDown, "The server is shutting down; retry on another node or later."),
        // After SiloUnavailableException, which derives from it: a message to a silo that cannot be reached.
        OrleansMessageRejectionException => new(ErrorKind.NodeLost, "A node holding part of this call did not answer (it may have died); send the same request again: an order re-sent with its id gets its original outcome.", NodeLostRetryAfterMilliseconds),
        _ => null,
    };
}
