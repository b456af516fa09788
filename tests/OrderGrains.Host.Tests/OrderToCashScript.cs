using System.Globalization;
using FsCheck;
using FsCheck.Fluent;

namespace OrderGrains.Host.Tests;

/// <summary>What a generated step asks for; the driver maps it to a legal call for the order's current state or skips it.</summary>
public enum StepKind
{
    Pay,
    Release,
    Shortage,
    Restock,
    CancelBackorder,
    Cancel,
    Ship,
    Deliver,
    RequestReturn,
    ReceiveReturn,
    Replay,

    /// <summary>RequestExchange of delivered units for one of the order's SKUs (same price, dearer or cheaper).</summary>
    Exchange,

    /// <summary>A payment of part of the open invoice of an order on payment terms (sometimes first one cent over it, which must be refused).</summary>
    PayPart,
}

/// <summary>One step; <see cref="A"/> and <see cref="B"/> pick the line, warehouse, shipment and quantity among what is legal then.</summary>
public sealed record Step(StepKind Kind, int A, int B)
{
    public override string ToString() => $"new(StepKind.{Kind}, {A}, {B})";
}

/// <summary>One order line of a fresh SKU, and that SKU's initial stock in each of the three warehouses.</summary>
public sealed record LineSpec(int Quantity, long UnitPriceMinor, int North, int East, int South)
{
    public override string ToString() => $"new({Quantity}, {UnitPriceMinor}, {North}, {East}, {South})";
}

/// <summary>
/// One order: a cash sale (paid up front), or with <see cref="OnTerms"/> a credit sale of a customer on NET_30 (released
/// before payment, invoiced to 1200 Accounts receivable at completion, paid in parts; a Pay step while it still waits
/// for release pays it in full up front instead, which makes it a cash sale).
/// </summary>
/// <remarks>
/// <see cref="FinalReturn"/>: after the order settled, 0 returns nothing; n returns some delivered units (n picks how
/// many and how many are damaged). <see cref="FinalExchange"/>: before that, 0 exchanges nothing; n exchanges some
/// delivered units (n picks the units, the replacement SKU and whether it costs the same, more or less) and settles it.
/// </remarks>
public sealed record OrderScript(IReadOnlyList<LineSpec> Lines, IReadOnlyList<Step> Steps, int FinalReturn = 0, int FinalExchange = 0, bool OnTerms = false)
{
    public override string ToString() =>
        $"new([{string.Join(", ", Lines)}], [{string.Join(", ", Steps)}], FinalReturn: {FinalReturn.ToString(CultureInfo.InvariantCulture)}, FinalExchange: {FinalExchange.ToString(CultureInfo.InvariantCulture)}, OnTerms: {(OnTerms ? "true" : "false")})";
}

/// <summary>Several orders driven in lock step (step i of every order concurrently), with a host restart after round <see cref="RestartAfterRound"/> (−1: none).</summary>
public sealed record Lifecycle(IReadOnlyList<OrderScript> Orders, int RestartAfterRound)
{
    public override string ToString() =>
        $"new([{string.Join(", ", Orders)}], RestartAfterRound: {RestartAfterRound.ToString(CultureInfo.InvariantCulture)})";
}

/// <summary>FsCheck generator and shrinker of <see cref="Lifecycle"/>s.</summary>
public static class LifecycleGen
{
    public const int MaxSteps = 10;

    // Weights: money-moving and stock-moving steps often, replays now and then.
    private static readonly StepKind[] _kinds =
    [
        StepKind.Pay, StepKind.Pay, StepKind.Release, StepKind.Release,
        StepKind.Shortage, StepKind.Shortage, StepKind.Restock,
        StepKind.CancelBackorder, StepKind.CancelBackorder, StepKind.Cancel,
        StepKind.Ship, StepKind.Ship, StepKind.Ship, StepKind.Deliver, StepKind.Deliver, StepKind.Deliver,
        StepKind.RequestReturn, StepKind.RequestReturn, StepKind.ReceiveReturn, StepKind.ReceiveReturn,
        StepKind.Exchange, StepKind.Exchange,
        StepKind.PayPart, StepKind.PayPart,
        StepKind.Replay, StepKind.Replay,
    ];

    private static readonly long[] _prices = [1, 999, 11_300, 12_345, 49_999];

    public static Gen<Step> Step =>
        from kind in Gen.Elements(_kinds)
        from a in Gen.Choose(0, 7)
        from b in Gen.Choose(0, 7)
        select new Step(kind, a, b);

    public static Gen<LineSpec> Line =>
        from quantity in Gen.Choose(1, 6)
        from price in Gen.Elements(_prices)
        from north in Gen.Choose(0, 6)
        from east in Gen.Choose(0, 6)
        from south in Gen.Choose(0, 3)
        select new LineSpec(quantity, price, north, east, south);

    // About one order in three is a credit sale.
    public static Gen<OrderScript> Order =>
        from lineCount in Gen.Choose(1, 3)
        from lines in Line.ArrayOf(lineCount)
        from stepCount in Gen.Choose(0, MaxSteps)
        from steps in Step.ArrayOf(stepCount)
        from finalReturn in Gen.Choose(-7, 7)
        from finalExchange in Gen.Choose(-5, 7)
        from terms in Gen.Choose(0, 2)
        select new OrderScript(lines, steps, Math.Max(0, finalReturn), Math.Max(0, finalExchange), OnTerms: terms == 0);

    // A restart costs seconds: about one lifecycle in eight has one.
    public static Gen<Lifecycle> Lifecycle =>
        from orderCount in Gen.Choose(1, 3)
        from orders in Order.ArrayOf(orderCount)
        from restart in Gen.Choose(0, 7)
        from round in Gen.Choose(0, MaxSteps)
        select new Lifecycle(orders, restart == 0 ? round : -1);

    public static Arbitrary<Lifecycle> Arbitrary => Arb.From(Lifecycle, Shrink);

    /// <summary>Smaller lifecycles first: no restart, fewer orders, cash instead of terms, fewer steps, fewer lines, smaller quantities and prices.</summary>
    public static IEnumerable<Lifecycle> Shrink(Lifecycle lifecycle)
    {
        ArgumentNullException.ThrowIfNull(lifecycle);
        if (lifecycle.RestartAfterRound >= 0)
        {
            yield return lifecycle with { RestartAfterRound = -1 };
        }

        var orders = lifecycle.Orders;
        if (orders.Count > 1)
        {
            for (var i = 0; i < orders.Count; i++)
            {
                yield return lifecycle with { Orders = [.. orders.Where((_, j) => j != i)] };
            }
        }

        for (var i = 0; i < orders.Count; i++)
        {
            foreach (var smaller in ShrinkOrder(orders[i]))
            {
                var copy = orders.ToArray();
                copy[i] = smaller;
                yield return lifecycle with { Orders = copy };
            }
        }
    }

    private static IEnumerable<OrderScript> ShrinkOrder(OrderScript order)
    {
        if (order.OnTerms)
        {
            yield return order with { OnTerms = false };
        }

        if (order.FinalReturn > 0)
        {
            yield return order with { FinalReturn = 0 };
        }

        if (order.FinalExchange > 0)
        {
            yield return order with { FinalExchange = 0 };
        }

        for (var i = 0; i < order.Steps.Count; i++)
        {
            yield return order with { Steps = [.. order.Steps.Where((_, j) => j != i)] };
        }

        if (order.Lines.Count > 1)
        {
            for (var i = 0; i < order.Lines.Count; i++)
            {
                yield return order with { Lines = [.. order.Lines.Where((_, j) => j != i)] };
            }
        }

        for (var i = 0; i < order.Lines.Count; i++)
        {
            var line = order.Lines[i];
            foreach (var smaller in ShrinkLine(line))
            {
                var copy = order.Lines.ToArray();
                copy[i] = smaller;
                yield return order with { Lines = copy };
            }
        }

        for (var i = 0; i < order.Steps.Count; i++)
        {
            var step = order.Steps[i];
            foreach (var smaller in new[] { step with { A = 0 }, step with { B = 0 } }.Where(s => s != step))
            {
                var copy = order.Steps.ToArray();
                copy[i] = smaller;
                yield return order with { Steps = copy };
            }
        }
    }

    private static IEnumerable<LineSpec> ShrinkLine(LineSpec line)
    {
        if (line.Quantity > 1)
        {
            yield return line with { Quantity = line.Quantity - 1 };
        }

        if (line.UnitPriceMinor != 11_300)
        {
            yield return line with { UnitPriceMinor = 11_300 };
        }

        if (line.South > 0)
        {
            yield return line with { South = 0 };
        }

        if (line.North > 0)
        {
            yield return line with { North = line.North - 1 };
        }

        if (line.East > 0)
        {
            yield return line with { East = line.East - 1 };
        }
    }
}
