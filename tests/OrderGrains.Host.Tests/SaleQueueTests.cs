using OrderGrains.Abstractions;
using OrderGrains.Grains;
using OrderGrains.Host.Admission;

namespace OrderGrains.Host.Tests;

/// <summary>
/// The sale queue: orders of a campaign or SKU take the full path only while fewer than the units left plus the slack
/// are on it; the rest wait in arrival order and are let go as places free up, or all at once when it sells out.
/// </summary>
public sealed class SaleQueueTests
{
    private const string Sku = "hot";

    [Fact]
    public async Task Orders_beyond_the_units_left_plus_the_slack_wait_and_go_in_arrival_order()
    {
        var (hints, queue) = Queue(slack: 2);
        hints.Publish(Sku, 3);

        var first = await EnterAllAtOnceAsync(queue, 0, 5);
        var waiting = Enumerable.Range(5, 3).Select(i => queue.EnterAsync(Order(i), CancellationToken.None).AsTask()).ToList();

        Assert.All(first, turn => Assert.False(turn.Waited));
        Assert.All(waiting, turn => Assert.False(turn.IsCompleted));
        Assert.Equal(3, queue.Waiting);

        first[0].Dispose();
        var next = await waiting[0].WaitAsync(TimeSpan.FromSeconds(5));
        Assert.True(next.Waited);
        Assert.False(waiting[1].IsCompleted);
        Assert.False(waiting[2].IsCompleted);
        Assert.Equal(3, queue.Waited);
    }

    [Fact]
    public async Task Selling_out_lets_every_waiter_go_at_once()
    {
        var (hints, queue) = Queue(slack: 1);
        hints.Publish(Sku, 1);
        var inside = await EnterAllAtOnceAsync(queue, 0, 2);
        var waiting = Enumerable.Range(2, 4).Select(i => queue.EnterAsync(Order(i), CancellationToken.None).AsTask()).ToList();
        Assert.All(waiting, turn => Assert.False(turn.IsCompleted));

        hints.Publish(Sku, 0);
        inside[0].Dispose();

        var released = await Task.WhenAll(waiting).WaitAsync(TimeSpan.FromSeconds(5));
        Assert.All(released, turn => Assert.True(turn.Waited));
        Assert.Equal(0, queue.Waiting);
    }

    [Fact]
    public async Task A_waiter_whose_call_is_cancelled_leaves_and_holds_no_place()
    {
        var (hints, queue) = Queue(slack: 1);
        hints.Publish(Sku, 1);
        var inside = await EnterAllAtOnceAsync(queue, 0, 2);
        using var cancel = new CancellationTokenSource();
        var cancelled = queue.EnterAsync(Order(2), cancel.Token).AsTask();
        var behind = queue.EnterAsync(Order(3), CancellationToken.None).AsTask();

        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled.WaitAsync(TimeSpan.FromSeconds(5)));
        Assert.False(behind.IsCompleted);

        // One place frees up: it goes to the order behind the cancelled one, which took none.
        inside[0].Dispose();
        var turn = await behind.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.True(turn.Waited);
        var after = queue.EnterAsync(Order(4), CancellationToken.None);
        Assert.False(after.IsCompleted);
        turn.Dispose();
        Assert.True((await after.AsTask().WaitAsync(TimeSpan.FromSeconds(5))).Waited);
    }

    [Fact]
    public async Task A_sold_out_figure_holds_no_one_back()
    {
        // The intake refuses sold-out orders before they get here; one that slips past in a race goes on and is refused.
        var (hints, queue) = Queue(slack: 1);
        hints.Publish(Sku, 0);

        var turns = await EnterAllAtOnceAsync(queue, 0, 10);

        Assert.All(turns, turn => Assert.False(turn.Waited));
    }

    [Fact]
    public async Task Orders_without_a_standing_figure_never_wait()
    {
        var (hints, queue) = Queue(slack: 1);
        hints.Publish(Sku, 1);
        _ = await EnterAllAtOnceAsync(queue, 0, 2);

        // An unknown SKU, and an order of two SKUs, have no figure that limits them.
        var unknown = await EnterAllAtOnceAsync(queue, 10, 10, "cold");
        var mixed = await EnterAllAtOnceAsync(queue, 20, 10, Sku, "cold");

        Assert.All(unknown.Concat(mixed), turn => Assert.False(turn.Waited));
        Assert.Equal(0, queue.Waited);
    }

    [Fact]
    public void Campaign_orders_are_counted_against_the_campaign_quota_left()
    {
        var (hints, queue) = Queue(slack: 1);
        var now = DateTimeOffset.UtcNow;
        hints.Publish(Sku, 1_000);
        hints.PublishCampaign("flash", Sku, 1, now.AddMinutes(-1), now.AddHours(1));

        var first = queue.EnterAsync(Order(0) with { CampaignId = "flash" }, CancellationToken.None);
        var second = queue.EnterAsync(Order(1) with { CampaignId = "flash" }, CancellationToken.None);
        var third = queue.EnterAsync(Order(2) with { CampaignId = "flash" }, CancellationToken.None);
        var plain = queue.EnterAsync(Order(3), CancellationToken.None);

        Assert.True(first.IsCompletedSuccessfully && second.IsCompletedSuccessfully);
        Assert.False(third.IsCompleted);
        Assert.True(plain.IsCompletedSuccessfully);
    }

    [Fact]
    public void Too_many_waiters_for_one_figure_are_refused_with_a_retry_hint()
    {
        var (hints, queue) = Queue(slack: 1, maxWaiting: 2);
        hints.Publish(Sku, 1);
        var entered = Enumerable.Range(0, 4).Select(i => queue.EnterAsync(Order(i), CancellationToken.None)).ToList();
        Assert.Equal(2, entered.Count(turn => !turn.IsCompleted));

        var refused = Assert.Throws<CallRejectedException>(() => queue.EnterAsync(Order(4), CancellationToken.None));
        Assert.Equal(AdmissionOptions.Default.RetryAfterMilliseconds, refused.RetryAfterMilliseconds);
        Assert.Contains("2 orders already wait for sku:hot", refused.Message, StringComparison.Ordinal);
    }

    // Enters count orders and checks that none of them had to wait for its turn.
    private static async Task<List<SaleQueue.Turn>> EnterAllAtOnceAsync(SaleQueue queue, int from, int count, params string[] skus)
    {
        var turns = new List<SaleQueue.Turn>();
        foreach (var i in Enumerable.Range(from, count))
        {
            var entering = queue.EnterAsync(Order(i, skus), CancellationToken.None);
            Assert.True(entering.IsCompletedSuccessfully, $"order {i} had to wait");
            turns.Add(await entering);
        }

        return turns;
    }

    private static (StockHints Hints, SaleQueue Queue) Queue(int slack, int maxWaiting = 100)
    {
        var hints = new StockHints(TimeProvider.System);
        var options = AdmissionOptions.Default with { SaleSlack = slack, SaleMaxWaiting = maxWaiting };
        return (hints, new SaleQueue(hints, options, TimeProvider.System));
    }

    private static PlaceOrderCommand Order(int i, params string[] skus) =>
        new("web", "o" + i, "c" + i, [.. (skus.Length == 0 ? [Sku] : skus).Select(sku => new OrderLine(sku, 1, 100))], null, null, "EUR");
}
