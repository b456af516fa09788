namespace OrderGrains.Abstractions;

/// <summary>Where an order stands. Numbers are the wire's (orders.proto) and are never reused.</summary>
public enum OrderStatus
{
    Unspecified = 0,
    PendingPayment = 1,
    OnHold = 2,
    Paid = 3,
    Released = 4,
    PartiallyShipped = 5,
    Shipped = 6,
    Delivered = 7,
    Completed = 8,
    Cancelled = 9,
    Rejected = 10,
    ReturnRequested = 11,
    PartiallyReturned = 12,
    Returned = 13,
}

/// <summary>Why an order was refused at intake; set only when the status is <see cref="OrderStatus.Rejected"/>.</summary>
public enum RejectReason
{
    Unspecified = 0,
    OutOfStock = 1,
    CampaignLimitExceeded = 2,
    CampaignNotActive = 3,
    UnknownSku = 4,
    CustomerBlocked = 5,
}

/// <summary>Why an order waits for a person; set only when the status is <see cref="OrderStatus.OnHold"/>.</summary>
public enum HoldReason
{
    Unspecified = 0,
    CreditLimit = 1,
    ManualReview = 2,
}

/// <summary>What asks an order to change status; the transition table maps (status, trigger) to the next status.</summary>
public enum OrderTrigger
{
    Unspecified = 0,
    Accept = 1,
    HoldForCredit = 2,
    Reject = 3,
    ApproveHold = 4,
    ConfirmPayment = 5,
    Cancel = 6,
    ExpireReservation = 7,
}
