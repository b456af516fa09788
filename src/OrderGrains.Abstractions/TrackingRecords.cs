namespace OrderGrains.Abstractions;

/// <summary>What a carrier reported about a shipment. Numbers are the wire's (orders.proto) and persisted; never reused.</summary>
[GenerateSerializer]
[Alias("ordergrains.TrackingEventCode")]
public enum TrackingEventCode
{
    Unspecified = 0,
    PickedUp = 1,
    InTransit = 2,
    OutForDelivery = 3,

    /// <summary>Final for the shipment: confirms its delivery.</summary>
    Delivered = 4,

    /// <summary>Something went wrong; an operator alert is raised. Later scans move on from it.</summary>
    Exception = 5,

    /// <summary>Final for the shipment: the carrier takes it back to the warehouse; an operator alert is raised.</summary>
    ReturnedToSender = 6,
}

/// <summary>
/// ReportTrackingEvent: one carrier scan of shipment <paramref name="ShipmentId"/>; idempotent per
/// <paramref name="EventId"/> within the order. <paramref name="EventTime"/> is when the carrier scanned it.
/// </summary>
[GenerateSerializer]
[Immutable]
[Alias("ordergrains.ReportTrackingEventCommand")]
public sealed record ReportTrackingEventCommand(
    [property: Id(0)] string ShipmentId,
    [property: Id(1)] string EventId,
    [property: Id(2)] string Carrier,
    [property: Id(3)] string TrackingNumber,
    [property: Id(4)] TrackingEventCode Code,
    [property: Id(5)] DateTimeOffset? EventTime,
    [property: Id(6)] string? Details);

/// <summary>One recorded carrier scan; <paramref name="ReceivedAt"/> is when it reached the order.</summary>
[GenerateSerializer]
[Immutable]
[Alias("ordergrains.TrackingEventRecord")]
public sealed record TrackingEventRecord(
    [property: Id(0)] string EventId,
    [property: Id(1)] TrackingEventCode Code,
    [property: Id(2)] DateTimeOffset EventTime,
    [property: Id(3)] DateTimeOffset ReceivedAt,
    [property: Id(4)] string Carrier,
    [property: Id(5)] string TrackingNumber,
    [property: Id(6)] string Details);

/// <summary>Carrier scans of one shipment (keyed by order id, like <see cref="IOrderGrain"/>: the same activation).</summary>
public interface IOrderTrackingGrain : IGrainWithStringKey
{
    /// <summary>Records a carrier scan of a shipment; DELIVERED confirms its delivery, EXCEPTION and RETURNED_TO_SENDER raise an alert.</summary>
    Task<OrderSnapshot> ReportTrackingEventAsync(ReportTrackingEventCommand command);
}
