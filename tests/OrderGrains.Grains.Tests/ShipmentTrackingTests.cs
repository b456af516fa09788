using OrderGrains.Abstractions;

namespace OrderGrains.Grains.Tests;

/// <summary>The tracking rules without a silo: every arrival order of the same scans ends in the same list and status.</summary>
public sealed class ShipmentTrackingTests
{
    private static readonly DateTimeOffset T = new(2026, 12, 1, 8, 0, 0, TimeSpan.Zero);

    private static TrackingEventRecord Scan(string id, TrackingEventCode code, int hour) => new(id, code, T.AddHours(hour), T, "DHL", "T1", "");

    public static TheoryData<string, TrackingEventCode> Journeys => new()
    {
        { "picked_up@1 in_transit@2 out_for_delivery@3", TrackingEventCode.OutForDelivery },
        { "picked_up@1 exception@2", TrackingEventCode.Exception },
        { "picked_up@1 exception@2 in_transit@3", TrackingEventCode.InTransit },
        { "in_transit@2 delivered@4 in_transit@5", TrackingEventCode.Delivered },
        { "in_transit@2 returned_to_sender@4 delivered@5", TrackingEventCode.ReturnedToSender },
        { "delivered@4 returned_to_sender@5 exception@6", TrackingEventCode.Delivered },
    };

    [Theory]
    [MemberData(nameof(Journeys))]
    public void Every_arrival_order_gives_the_same_event_time_list_and_status(string journey, TrackingEventCode expected)
    {
        var scans = journey.Split(' ').Select((s, i) =>
        {
            var parts = s.Split('@');
            var code = Enum.Parse<TrackingEventCode>(parts[0].Replace("_", string.Empty, StringComparison.Ordinal), ignoreCase: true);
            return Scan("e" + i, code, int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture));
        }).ToList();

        foreach (var arrival in Permutations(scans))
        {
            IReadOnlyList<TrackingEventRecord> list = [];
            foreach (var scan in arrival)
            {
                list = ShipmentTracking.Insert(list, scan);
            }

            Assert.Equal(scans.Select(s => s.EventId), list.Select(s => s.EventId));
            Assert.Equal(expected, ShipmentTracking.StatusOf(list));
        }
    }

    [Fact]
    public void Scans_with_the_same_event_time_keep_their_arrival_order()
    {
        var list = ShipmentTracking.Insert(ShipmentTracking.Insert([], Scan("a", TrackingEventCode.InTransit, 1)), Scan("b", TrackingEventCode.Exception, 1));
        Assert.Equal(["a", "b"], list.Select(s => s.EventId));
        Assert.Equal(TrackingEventCode.Exception, ShipmentTracking.StatusOf(list));
    }

    private static IEnumerable<List<T>> Permutations<T>(List<T> items) =>
        items.Count <= 1
            ? [items]
            : items.SelectMany((item, i) => Permutations([.. items.Where((_, j) => j != i)]).Select(rest => (List<T>)[item, .. rest]));
}
