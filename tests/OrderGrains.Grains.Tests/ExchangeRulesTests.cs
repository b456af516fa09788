using OrderGrains.Abstractions;

namespace OrderGrains.Grains.Tests;

/// <summary>The exchange rules as a plain object, without a silo.</summary>
public sealed class ExchangeRulesTests
{
    [Theory]
    [InlineData(1_000, 1_500, 500, 0)]
    [InlineData(1_000, 600, 0, 400)]
    [InlineData(1_000, 1_000, 0, 0)]
    public void The_price_difference_is_either_due_or_refunded(long returned, long replacement, long due, long refund)
    {
        var exchange = new ExchangeState { ReturnedValueMinor = returned, ReplacementValueMinor = replacement };

        Assert.Equal((due, refund), (ExchangeRules.AmountDue(exchange), ExchangeRules.RefundDue(exchange)));
    }

    [Fact]
    public void A_replacement_goes_out_after_the_return_or_at_once_in_advance_and_never_before_the_extra_payment()
    {
        var waiting = new ExchangeState { Status = ExchangeStatus.Reserved, ReturnedValueMinor = 1_000, ReplacementValueMinor = 1_000 };
        var returned = new ExchangeState { Status = ExchangeStatus.Reserved, ReturnedValueMinor = 1_000, ReplacementValueMinor = 1_000, ReturnReceivedAt = DateTimeOffset.UnixEpoch };
        var advance = new ExchangeState { Status = ExchangeStatus.Reserved, Advance = true, ReturnedValueMinor = 1_000, ReplacementValueMinor = 1_000 };
        var unpaid = new ExchangeState { Status = ExchangeStatus.Reserved, Advance = true, ReturnedValueMinor = 1_000, ReplacementValueMinor = 1_200 };
        var paid = new ExchangeState { Status = ExchangeStatus.Reserved, Advance = true, ReturnedValueMinor = 1_000, ReplacementValueMinor = 1_200, PaymentReference = "p" };
        var released = new ExchangeState { Status = ExchangeStatus.Released, Advance = true };

        Assert.Equal(
            [false, true, true, false, true, false],
            new[] { waiting, returned, advance, unpaid, paid, released }.Select(ExchangeRules.ReadyToRelease));
    }

    [Fact]
    public void A_shipment_is_split_over_released_exchanges_oldest_first_and_refused_beyond_their_units()
    {
        var first = Released("ex-1", ("BER", 2));
        var second = Released("ex-2", ("BER", 1), ("MUC", 3));
        var reserved = new ExchangeState { ExchangeId = "ex-3", Status = ExchangeStatus.Reserved, Replacement = new OrderLine("L", 5, 100), Open = [new WarehouseQuantity("BER", 5)] };
        ExchangeState[] all = [first, second, reserved];

        var split = ExchangeRules.AllocateShipment(all, "BER", "L", 3);

        Assert.Equal([("ex-1", 2), ("ex-2", 1)], split!.Select(p => (p.Exchange.ExchangeId, p.Quantity)));
        Assert.Null(ExchangeRules.AllocateShipment(all, "BER", "L", 4));
        Assert.Null(ExchangeRules.AllocateShipment(all, "BER", "M", 1));

        ExchangeRules.Ship(first, "BER", 2, "s1");
        ExchangeRules.Ship(second, "BER", 1, "s1");
        Assert.Equal((ExchangeStatus.Shipped, ExchangeStatus.Released), (first.Status, second.Status));
        Assert.Equal([new WarehouseQuantity("MUC", 3)], second.Open);
        Assert.Equal(["s1"], second.ShipmentIds);
    }

    [Fact]
    public void A_replacement_worth_more_than_a_long_is_invalid()
    {
        var error = Assert.Throws<DomainValidationException>(() => ExchangeRules.ReplacementValue(new OrderLine("L", 3, long.MaxValue / 2)));

        Assert.Equal("replacement.unit_price_minor", error.Field);
    }

    private static ExchangeState Released(string id, params (string Warehouse, int Units)[] open) => new()
    {
        ExchangeId = id,
        Status = ExchangeStatus.Released,
        Replacement = new OrderLine("L", open.Sum(o => o.Units), 100),
        Open = [.. open.Select(o => new WarehouseQuantity(o.Warehouse, o.Units))],
    };
}
