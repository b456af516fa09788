using OrderGrains.Abstractions;

namespace OrderGrains.Grains;

/// <summary>
/// The rules of carrier scans on one shipment, without a silo: checking a report, keeping the scans in event-time
/// order, and folding them into the shipment's tracking status.
/// </summary>
/// <remarks>
/// Carriers and aggregators deliver scans late and out of order, so the status is recomputed from the sorted list on
/// every scan rather than moved by the newest arrival. DELIVERED and RETURNED_TO_SENDER are final for a shipment: a
/// later "in transit" (a stray scan, a re-sort at a depot) is recorded but does not move the status back.
/// </remarks>
public static class ShipmentTracking
{
    /// <summary>How far in the future a scan's event time may lie (carriers' clocks drift); later is a malformed report.</summary>
    public static readonly TimeSpan MaxClockSkew = TimeSpan.FromMinutes(15);

    /// <summary>Whether <paramref name="code"/> ends the shipment's journey.</summary>
    public static bool IsFinal(TrackingEventCode code) => code is TrackingEventCode.Delivered or TrackingEventCode.ReturnedToSender;

    /// <summary>Whether a scan with <paramref name="code"/> raises an operator alert.</summary>
    public static bool RaisesAlert(TrackingEventCode code) => code is TrackingEventCode.Exception or TrackingEventCode.ReturnedToSender;

    /// <summary>Checks the fields of a report; <see cref="DomainValidationException"/> names the first bad one.</summary>
    public static void Validate(ReportTrackingEventCommand command, DateTimeOffset now)
    {
        if (command is null)
        {
            throw new DomainValidationException("request", "is required");
        }

        Require(command.ShipmentId, "shipment_id");
        Require(command.EventId, "event_id");
        Require(command.Carrier, "carrier");
        Require(command.TrackingNumber, "tracking_number");
        if (command.Code == TrackingEventCode.Unspecified || !Enum.IsDefined(command.Code))
        {
            throw new DomainValidationException("code", $"'{(int)command.Code}' is not a tracking event code (PICKED_UP, IN_TRANSIT, OUT_FOR_DELIVERY, DELIVERED, EXCEPTION, RETURNED_TO_SENDER)");
        }

        if (command.EventTime is not { } at)
        {
            throw new DomainValidationException("event_time", "is required");
        }

        if (at > now + MaxClockSkew)
        {
            throw new DomainValidationException("event_time", $"{at:O} lies more than {MaxClockSkew.TotalMinutes} minutes in the future");
        }
    }

    /// <summary>Whether a replayed report carries what <paramref name="recorded"/> holds (then it is the same scan).</summary>
    public static bool SameScan(TrackingEventRecord recorded, ReportTrackingEventCommand command) =>
        recorded.Code == command.Code
        && recorded.EventTime == command.EventTime
        && string.Equals(recorded.Carrier, command.Carrier, StringComparison.Ordinal)
        && string.Equals(recorded.TrackingNumber, command.TrackingNumber, StringComparison.Ordinal)
        && string.Equals(recorded.Details, command.Details ?? string.Empty, StringComparison.Ordinal);

    /// <summary>The scans with <paramref name="scan"/> added in event-time order; scans with equal times stay in arrival order.</summary>
    public static IReadOnlyList<TrackingEventRecord> Insert(IReadOnlyList<TrackingEventRecord>? scans, TrackingEventRecord scan)
    {
        var list = new List<TrackingEventRecord>(scans ?? []);
        var at = list.FindLastIndex(s => s.EventTime <= scan.EventTime) + 1;
        list.Insert(at, scan);
        return list;
    }

    /// <summary>Where the scans, in event-time order, put the shipment: the latest scan's code, unless an earlier one was final.</summary>
    public static TrackingEventCode StatusOf(IEnumerable<TrackingEventRecord> scans)
    {
        var status = TrackingEventCode.Unspecified;
        foreach (var scan in scans)
        {
            if (IsFinal(status))
            {
                break;
            }

            status = scan.Code;
        }

        return status;
    }

    /// <summary>The wire's name of a code in lower case, for history events ("tracking_in_transit").</summary>
    public static string EventName(TrackingEventCode code) => code switch
    {
        TrackingEventCode.PickedUp => "tracking_picked_up",
        TrackingEventCode.InTransit => "tracking_in_transit",
        TrackingEventCode.OutForDelivery => "tracking_out_for_delivery",
        TrackingEventCode.Delivered => "tracking_delivered",
        TrackingEventCode.Exception => "tracking_exception",
        TrackingEventCode.ReturnedToSender => "tracking_returned_to_sender",
        _ => "tracking",
    };

    private static void Require(string? value, string field)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            throw new DomainValidationException(field, "is required");
        }
    }
}
