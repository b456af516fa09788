using Google.Protobuf.WellKnownTypes;
using OrderGrains.Abstractions;
using OrderGrains.Grains;
using Wire = OrderGrains.Contracts.V1;

namespace OrderGrains.Host.Grpc;

/// <summary>Carrier tracking and the returns policy on the wire.</summary>
internal static partial class WireMapping
{
    public static ReportTrackingEventCommand ToCommand(Wire.TrackingEventReport request) => new(
        request.ShipmentId,
        request.EventId,
        request.Carrier,
        request.TrackingNumber,
        (TrackingEventCode)(int)request.Code,
        request.EventTime?.ToDateTimeOffset(),
        NullIfEmpty(request.Details));

    private static void AddTracking(Wire.Shipment wire, ShipmentRecord shipment)
    {
        wire.TrackingStatus = (Wire.TrackingEventCode)(int)shipment.TrackingStatus;
        wire.TrackingEvents.AddRange((shipment.TrackingEvents ?? []).Select(e => new Wire.TrackingEvent
        {
            EventId = e.EventId,
            Code = (Wire.TrackingEventCode)(int)e.Code,
            EventTime = Timestamp.FromDateTimeOffset(e.EventTime),
            ReceivedAt = Timestamp.FromDateTimeOffset(e.ReceivedAt),
            Carrier = e.Carrier,
            Details = e.Details,
        }));
    }

    private static void AddPolicy(Wire.ReturnAuthorization wire, ReturnRecord rma)
    {
        wire.ReasonCode = (Wire.ReturnReason)(int)rma.ReasonCode;
        wire.Status = (Wire.ReturnAuthorizationStatus)(int)RmaRules.StatusOf(rma);
        wire.DecidedBy = rma.DecidedBy ?? string.Empty;
        wire.DecisionNote = rma.DecisionNote ?? string.Empty;
        if (rma.DecidedAt is { } decided)
        {
            wire.DecidedAt = Timestamp.FromDateTimeOffset(decided);
        }
    }
}
