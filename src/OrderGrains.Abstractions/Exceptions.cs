namespace OrderGrains.Abstractions;

/// <summary>Malformed input: the host maps it to INVALID_ARGUMENT. <see cref="Field"/> uses the wire's names, e.g. "lines[2].quantity".</summary>
[GenerateSerializer]
[Alias("ordergrains.DomainValidationException")]
public sealed class DomainValidationException : Exception
{
    public DomainValidationException(string field, string reason, Exception? innerException = null)
        : base($"{field}: {reason}", innerException)
    {
        Field = field;
        Reason = reason;
    }

    public DomainValidationException()
    {
        Field = string.Empty;
        Reason = string.Empty;
    }

    public DomainValidationException(string message)
        : base(message)
    {
        Field = string.Empty;
        Reason = message;
    }

    public DomainValidationException(string message, Exception innerException)
        : base(message, innerException)
    {
        Field = string.Empty;
        Reason = message;
    }

    /// <summary>The offending field, in wire (snake_case) notation.</summary>
    [Id(0)]
    public string Field { get; }

    /// <summary>What is wrong with it.</summary>
    [Id(1)]
    public string Reason { get; }
}

/// <summary>An entity that was never created: the host maps it to NOT_FOUND.</summary>
[GenerateSerializer]
[Alias("ordergrains.NotFoundException")]
public sealed class NotFoundException : Exception
{
    public NotFoundException(string entity, string id)
        : base($"{entity} '{id}' does not exist.")
    {
        Entity = entity;
        Id = id;
    }

    public NotFoundException()
    {
        Entity = string.Empty;
        Id = string.Empty;
    }

    public NotFoundException(string message)
        : base(message)
    {
        Entity = string.Empty;
        Id = string.Empty;
    }

    public NotFoundException(string message, Exception innerException)
        : base(message, innerException)
    {
        Entity = string.Empty;
        Id = string.Empty;
    }

    /// <summary>"order", "customer", "warehouse", "sku", "campaign".</summary>
    [Id(0)]
    public string Entity { get; }

    [Id(1)]
    public string Id { get; }
}

/// <summary>An idempotency key was reused with a different payload: the host maps it to ALREADY_EXISTS.</summary>
[GenerateSerializer]
[Alias("ordergrains.IdempotencyConflictException")]
public sealed class IdempotencyConflictException : Exception
{
    public IdempotencyConflictException(string idempotencyKey, string detail, Exception? innerException = null)
        : base($"Idempotency key '{idempotencyKey}' was already used with a different request: {detail}", innerException)
    {
        IdempotencyKey = idempotencyKey;
    }

    public IdempotencyConflictException()
    {
        IdempotencyKey = string.Empty;
    }

    public IdempotencyConflictException(string message)
        : base(message)
    {
        IdempotencyKey = string.Empty;
    }

    public IdempotencyConflictException(string message, Exception innerException)
        : base(message, innerException)
    {
        IdempotencyKey = string.Empty;
    }

    [Id(0)]
    public string IdempotencyKey { get; }
}

/// <summary>
/// A well-formed request that the current state does not allow (over-shipment, returning more than was delivered):
/// the host maps it to FAILED_PRECONDITION.
/// </summary>
[GenerateSerializer]
[Alias("ordergrains.RuleViolationException")]
public sealed class RuleViolationException : Exception
{
    public RuleViolationException(string subject, string reason, Exception? innerException = null)
        : base($"{subject}: {reason}", innerException)
    {
        Subject = subject;
        Reason = reason;
    }

    public RuleViolationException()
    {
        Subject = string.Empty;
        Reason = string.Empty;
    }

    public RuleViolationException(string message)
        : base(message)
    {
        Subject = string.Empty;
        Reason = message;
    }

    public RuleViolationException(string message, Exception innerException)
        : base(message, innerException)
    {
        Subject = string.Empty;
        Reason = message;
    }

    /// <summary>What the rule protects, e.g. "order 'web:1' line SKU-1".</summary>
    [Id(0)]
    public string Subject { get; }

    [Id(1)]
    public string Reason { get; }
}

/// <summary>
/// An approval step of a hold needs a role the approver lacks (the order stays as it was): the host maps it to
/// PERMISSION_DENIED on the wire and, as before, 409 on the admin API. The message names the step, its role and the
/// approver's roles, e.g. "order 'web:1': approval step 1 of 2 needs the supervisor role; operator:fiona has finance".
/// </summary>
[GenerateSerializer]
[Alias("ordergrains.ApprovalRoleException")]
public sealed class ApprovalRoleException : Exception
{
    public ApprovalRoleException(string orderId, int step, int steps, string role, string approver, IReadOnlyCollection<string> roles)
        : base($"order '{orderId}': approval step {step} of {steps} needs the {role} role; {approver} has {(roles.Count > 0 ? string.Join(", ", roles) : "no role")}")
    {
        OrderId = orderId;
        Role = role;
    }

    public ApprovalRoleException()
    {
        OrderId = string.Empty;
        Role = string.Empty;
    }

    public ApprovalRoleException(string message)
        : base(message)
    {
        OrderId = string.Empty;
        Role = string.Empty;
    }

    public ApprovalRoleException(string message, Exception innerException)
        : base(message, innerException)
    {
        OrderId = string.Empty;
        Role = string.Empty;
    }

    [Id(0)]
    public string OrderId { get; }

    /// <summary>The role the step needs ("supervisor").</summary>
    [Id(1)]
    public string Role { get; }
}

/// <summary>
/// An order cannot take a trigger in its current status: the host maps it to FAILED_PRECONDITION.
/// The message names both states, e.g. "Order 'web:1' cannot go from CANCELLED to PAID (ConfirmPayment)."
/// </summary>
[GenerateSerializer]
[Alias("ordergrains.IllegalTransitionException")]
public sealed class IllegalTransitionException : Exception
{
    public IllegalTransitionException(string orderId, OrderStatus from, OrderStatus to, OrderTrigger trigger)
        : base($"Order '{orderId}' cannot go from {WireName(from)} to {WireName(to)} ({trigger}).")
    {
        OrderId = orderId;
        From = from;
        To = to;
        Trigger = trigger;
    }

    public IllegalTransitionException()
    {
        OrderId = string.Empty;
    }

    public IllegalTransitionException(string message)
        : base(message)
    {
        OrderId = string.Empty;
    }

    public IllegalTransitionException(string message, Exception innerException)
        : base(message, innerException)
    {
        OrderId = string.Empty;
    }

    [Id(0)]
    public string OrderId { get; }

    /// <summary>The order's status when the trigger arrived.</summary>
    [Id(1)]
    public OrderStatus From { get; }

    /// <summary>The status the trigger leads to where it is allowed.</summary>
    [Id(2)]
    public OrderStatus To { get; }

    [Id(3)]
    public OrderTrigger Trigger { get; }

    /// <summary>The proto enum name ("PENDING_PAYMENT"), which is what operators see on the wire.</summary>
    public static string WireName(OrderStatus status) => status switch
    {
        OrderStatus.Unspecified => "ORDER_STATUS_UNSPECIFIED",
        OrderStatus.PendingPayment => "PENDING_PAYMENT",
        OrderStatus.OnHold => "ON_HOLD",
        OrderStatus.Paid => "PAID",
        OrderStatus.Released => "RELEASED",
        OrderStatus.PartiallyShipped => "PARTIALLY_SHIPPED",
        OrderStatus.Shipped => "SHIPPED",
        OrderStatus.Delivered => "DELIVERED",
        OrderStatus.Completed => "COMPLETED",
        OrderStatus.Cancelled => "CANCELLED",
        OrderStatus.Rejected => "REJECTED",
        OrderStatus.ReturnRequested => "RETURN_REQUESTED",
        OrderStatus.PartiallyReturned => "PARTIALLY_RETURNED",
        OrderStatus.Returned => "RETURNED",
        _ => status.ToString(),
    };
}
