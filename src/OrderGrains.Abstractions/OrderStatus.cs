namespace OrderGrains.Abstractions;

/// <summary>Where an order stands. Numbers are the wire's (orders.proto) and are never reused.</summary>
[GenerateSerializer]
[Alias("ordergrains.OrderStatus")]
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
[GenerateSerializer]
[Alias("ordergrains.RejectReason")]
public enum RejectReason
{
    Unspecified = 0,
    OutOfStock = 1,
    CampaignLimitExceeded = 2,
    CampaignNotActive = 3,
    UnknownSku = 4,
    CustomerBlocked = 5,

    /// <summary>An order on payment terms while an invoice of the customer is past due (OrderOptions.OverdueCustomerOrders = Reject).</summary>
    PaymentOverdue = 6,

    /// <summary>A line's price is below its list price less the promotions that apply (pricing setting PriceMismatch = Reject).</summary>
    PriceMismatch = 70,

    /// <summary>The coupon's quota or the customer's limit for it is used up.</summary>
    CouponLimitExceeded = 71,

    /// <summary>The coupon is outside its window, or its promotion is off or does not apply to the order.</summary>
    CouponNotActive = 72,
}

/// <summary>Why an order waits for a person; set only when the status is <see cref="OrderStatus.OnHold"/>.</summary>
[GenerateSerializer]
[Alias("ordergrains.HoldReason")]
public enum HoldReason
{
    Unspecified = 0,
    CreditLimit = 1,
    ManualReview = 2,

    /// <summary>An order on payment terms while an invoice of the customer is past due (OrderOptions.OverdueCustomerOrders = Hold).</summary>
    OverdueReceivable = 3,

    /// <summary>A line's price is below its list price less the promotions that apply (pricing setting PriceMismatch = Hold).</summary>
    PriceReview = 70,
}

/// <summary>What asks an order to change status; the transition table maps (status, trigger) to the next status.</summary>
[GenerateSerializer]
[Alias("ordergrains.OrderTrigger")]
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

    /// <summary>A paid order is handed to the warehouses of its allocations.</summary>
    Release = 8,

    /// <summary>A shipment that leaves units (or backorders) still to ship.</summary>
    ShipPartially = 9,

    /// <summary>A shipment after which nothing is left to ship.</summary>
    ShipCompletely = 10,

    /// <summary>A shipment was delivered while others are still on their way (or units still to ship).</summary>
    DeliverPartially = 11,

    /// <summary>The last shipment of a fully shipped order was delivered.</summary>
    DeliverCompletely = 12,

    /// <summary>A delivered order is closed (the event the ERP forwards).</summary>
    Complete = 13,

    RequestReturn = 14,

    /// <summary>Returned goods arrived and units that were shipped remain with the customer.</summary>
    ReceiveReturnPartially = 15,

    /// <summary>Returned goods arrived and every shipped unit is back.</summary>
    ReceiveReturnCompletely = 16,

    /// <summary>Placement found the order needs a person to look at it (amount or discount).</summary>
    HoldForReview = 17,

    /// <summary>One of two required approvals of a held order.</summary>
    RecordApproval = 18,

    /// <summary>An operator refused a held order.</summary>
    RejectHold = 19,

    /// <summary>A held order was not decided within the hold timeout.</summary>
    ExpireHold = 20,

    /// <summary>A SKU pool re-sourced, backordered or filled part of the order.</summary>
    Reallocate = 21,

    /// <summary>The customer gave up backordered units; something is still left to ship or was shipped.</summary>
    CancelBackorder = 22,

    /// <summary>The customer gave up the last backordered units of a partially shipped order: nothing is left to ship.</summary>
    CancelBackorderCompletingShipment = 23,

    /// <summary>The customer gave up the last backordered units of a released order that shipped nothing: it is cancelled.</summary>
    CancelLastBackorder = 24,

    /// <summary>An order on payment terms is handed to the warehouses before payment.</summary>
    ReleaseOnTerms = 25,

    /// <summary>A (partial) payment against the invoice of an order on payment terms.</summary>
    ReceivePayment = 26,

    /// <summary>Placement found an overdue invoice of a customer on payment terms and the setting holds such orders.</summary>
    HoldForOverdue = 27,

    /// <summary>A carrier scan of a shipment was recorded; the status stays.</summary>
    RecordTracking = 28,

    /// <summary>An operator approved an RMA, or rejected or cancelled one while another stays open; the status stays.</summary>
    DecideReturn = 29,

    /// <summary>The last open RMA of an order nothing was returned from was rejected or cancelled: back to COMPLETED.</summary>
    WithdrawReturn = 30,

    /// <summary>The last open RMA of an order with goods already returned was rejected or cancelled: back to PARTIALLY_RETURNED.</summary>
    WithdrawReturnAfterReceipt = 31,

    /// <summary>An exchange moved on (paid, released, shipped, delivered, re-sourced) without changing the order's status.</summary>
    ExchangeProgress = 32,

    /// <summary>Placement found a line priced below its list price less promotions and the channel holds such orders.</summary>
    HoldForPriceReview = 37,
}
