using OrderGrains.Abstractions;
using Xunit.Abstractions;

namespace OrderGrains.Grains.Tests;

/// <summary>
/// Issue 11: a silo dies in the middle of a flash sale. Three silos share one durable store; the silo hosting the hot SKU
/// pool is killed (no shutdown, no handover) while buyers are still placing. Callers re-send what failed with the same
/// order id, as a channel adapter would, and the result must be exactly the units sold, none twice, every acknowledged
/// order readable on the survivors.
/// </summary>
public sealed class FailoverTests(ITestOutputHelper output)
{
    private const int Units = 300;
    private const int Buyers = 1_200;

    [Fact]
    public async Task Killing_the_silo_of_the_hot_sku_mid_flash_sale_sells_exactly_the_units_and_loses_no_acknowledged_order()
    {
        await using var oms = await Oms.StartAsync(silos: 3);
        await oms.WarehouseAsync("BER", Oms.BerlinWarehouse);
        await oms.WarehouseAsync("MUC", Oms.MunichWarehouse);
        await oms.StockAsync("HOT", "BER", 200);
        await oms.StockAsync("HOT", "MUC", 100);
        for (var c = 0; c < 20; c++)
        {
            await oms.CustomerAsync($"c{c}");
        }

        var victim = await SiloHostingAsync<SkuStockGrain>(oms);
        var answered = 0;
        var retried = 0;
        // Set by the answer that completes the first fifth: polling for it could miss the whole sale on a fast run.
        var fifthAnswered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var sale = Task.WhenAll(Enumerable.Range(0, Buyers).Select(async i =>
        {
            var result = await PlaceUntilAnsweredAsync(oms, $"flash-{i}", $"c{i % 20}", () => Interlocked.Increment(ref retried));
            if (Interlocked.Increment(ref answered) == Buyers / 5)
            {
                fifthAnswered.TrySetResult();
            }

            return result;
        }));

        // Kill once part of the sale is answered, so calls are in flight on the dying silo.
        await Task.WhenAny(fifthAnswered.Task, sale).WaitAsync(TimeSpan.FromSeconds(60));
        var answeredBeforeKill = Volatile.Read(ref answered);
        await oms.Silo.Cluster.KillSiloAsync(oms.Silo.Cluster.Silos.Single(s => s.SiloAddress.Equals(victim)));
        var results = await sale;
        output.WriteLine($"{answeredBeforeKill} of {Buyers} answered when the silo died; {retried} calls failed and were sent again");

        Assert.True(answeredBeforeKill < Buyers, "the silo died after the sale had ended; the test proves nothing");
        var accepted = results.Where(r => r.Order.Status == OrderStatus.PendingPayment).ToList();
        Assert.Equal(Units, accepted.Count);
        Assert.Equal(Buyers - Units, results.Count(r => r.Order is { Status: OrderStatus.Rejected, RejectReason: RejectReason.OutOfStock }));
        Assert.Equal(Units, accepted.Sum(r => r.Order.Allocations.Sum(a => a.Quantity)));

        // The pool, reactivated on a survivor from durable state, agrees unit for unit.
        var stock = await oms.AvailabilityAsync("HOT");
        Assert.Equal((Units, Units, 0), (stock.OnHand, stock.Reserved, stock.Available));

        // Every acknowledged order reads back the same from the survivors, and asking again gives the original outcome.
        foreach (var i in Enumerable.Range(0, Buyers).Where(i => results[i].Order.Status == OrderStatus.PendingPayment))
        {
            var order = results[i].Order;
            var read = await oms.Order($"flash-{i}").GetAsync();
            Assert.Equal((OrderStatus.PendingPayment, order.TotalMinor, order.Version), (read.Status, read.TotalMinor, read.Version));
        }

        var firstAccepted = Array.FindIndex(results, r => r.Order.Status == OrderStatus.PendingPayment);
        var again = await oms.PlaceAsync($"flash-{firstAccepted}", $"c{firstAccepted % 20}", new OrderLine("HOT", 1, 999));
        Assert.True(again.Duplicate);
        Assert.Equal((results[firstAccepted].Order.OrderId, results[firstAccepted].Order.Version), (again.Order.OrderId, again.Order.Version));
    }

    [Fact]
    public async Task Reservation_expiry_reminders_of_a_killed_silo_fire_on_the_survivors()
    {
        await using var oms = await Oms.StartAsync(
            configure: o =>
            {
                o.ReservationTimeout = TimeSpan.FromSeconds(4);
                o.ExpiryRetryPeriod = TimeSpan.FromMilliseconds(200);
            },
            silos: 3);
        await oms.WarehouseAsync("BER", Oms.BerlinWarehouse);
        await oms.StockAsync("EXP", "BER", 100);
        for (var c = 0; c < 5; c++)
        {
            await oms.CustomerAsync($"e{c}");
        }

        const int Orders = 30;
        for (var i = 0; i < Orders; i++)
        {
            var placed = await oms.PlaceAsync($"exp-{i}", $"e{i % 5}", new OrderLine("EXP", 1, 999));
            Assert.Equal(OrderStatus.PendingPayment, placed.Order.Status);
        }

        // Kill a silo that holds some of the unpaid orders (and owns part of the reminder ring), before any expiry is due.
        var victim = oms.Silo.Cluster.Silos[^1];
        var onVictim = (await oms.Grains.GetGrain<IManagementGrain>(0).GetSimpleGrainStatistics([victim.SiloAddress]))
            .Where(s => s.GrainType.Contains(typeof(OrderGrain).FullName!, StringComparison.Ordinal))
            .Sum(s => s.ActivationCount);
        Assert.True(onVictim > 0, "no order lived on the silo to be killed; the test proves nothing");
        await oms.Silo.Cluster.KillSiloAsync(victim);

        // Every reservation expires anyway: the reminders are durable, and the survivors take over the dead silo's share.
        await Oms.WaitUntilAsync(
            async () =>
            {
                foreach (var i in Enumerable.Range(0, Orders))
                {
                    try
                    {
                        if ((await oms.Order($"exp-{i}").GetAsync()).Status != OrderStatus.Cancelled)
                        {
                            return false;
                        }
                    }
                    catch (OrleansException)
                    {
                        // A call routed to the dead silo before it is declared dead: ask again later.
                        return false;
                    }
                }

                return true;
            },
            TimeSpan.FromSeconds(90));
        var stock = await oms.AvailabilityAsync("EXP");
        Assert.Equal((100, 0, 100), (stock.OnHand, stock.Reserved, stock.Available));
        output.WriteLine($"{onVictim} of {Orders} unpaid orders lived on the killed silo; all expired on the survivors");
    }

    // A channel adapter's retry: the same order id again until the cluster answers (idempotent per order id).
    private static async Task<PlaceOrderResult> PlaceUntilAnsweredAsync(Oms oms, string externalId, string customer, Action onRetry)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await oms.PlaceAsync(externalId, customer, new OrderLine("HOT", 1, 999));
            }
            catch (Exception exception) when (attempt < 30 && exception is OrleansException or TimeoutException)
            {
                onRetry();
                await Task.Delay(TimeSpan.FromMilliseconds(200 * Math.Min(attempt, 10)));
            }
        }
    }

    private static async Task<SiloAddress> SiloHostingAsync<TGrain>(Oms oms)
    {
        var statistics = await oms.Grains.GetGrain<IManagementGrain>(0).GetSimpleGrainStatistics();
        return statistics
            .Where(s => s.ActivationCount > 0 && s.GrainType.Contains(typeof(TGrain).FullName!, StringComparison.Ordinal))
            .Select(s => s.SiloAddress)
            .Distinct()
            .Single();
    }
}
