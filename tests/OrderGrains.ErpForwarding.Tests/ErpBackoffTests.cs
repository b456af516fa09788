using OrderGrains.Abstractions;
using OrderGrains.Erp;

namespace OrderGrains.ErpForwarding.Tests;

/// <summary>The pure parts of forwarding: the backoff schedule, what a failure means, the held documents, the alerts.</summary>
public sealed class ErpBackoffTests
{
    private static readonly TimeSpan Initial = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan Cap = TimeSpan.FromSeconds(30);

    [Fact]
    public void Backoff_doubles_from_the_first_delay_up_to_the_cap_and_stays_there()
    {
        var schedule = Enumerable.Range(1, 12).Select(n => Delay(n, jitter: 1).TotalMilliseconds).ToList();

        Assert.Equal([100, 200, 400, 800, 1_600, 3_200, 6_400, 12_800, 25_600, 30_000, 30_000, 30_000], schedule);
        Assert.Equal(Cap, Delay(10_000, jitter: 1));
        Assert.Equal(Cap, Delay(int.MaxValue, jitter: 1));
    }

    [Fact]
    public void Jitter_spreads_each_step_over_its_upper_half_and_never_past_the_cap()
    {
        for (var n = 1; n <= 200; n++)
        {
            var full = Delay(n, jitter: 1);
            Assert.Equal(full / 2, Delay(n, jitter: 0));
            foreach (var jitter in new[] { 0.1, 0.5, 0.9 })
            {
                var delay = Delay(n, jitter);
                Assert.InRange(delay, full / 2, full);
                Assert.True(delay <= Cap);
            }
        }
    }

    [Fact]
    public void A_retry_after_is_waited_out_in_full_but_only_up_to_the_cap()
    {
        Assert.Equal(TimeSpan.FromSeconds(5), ErpBackoff.Delay(1, Initial, Cap, TimeSpan.FromSeconds(5), jitter: 1));
        Assert.Equal(Cap, ErpBackoff.Delay(1, Initial, Cap, TimeSpan.FromHours(1), jitter: 1));

        // A shorter Retry-After than the schedule's step does not shorten the step.
        Assert.Equal(TimeSpan.FromMilliseconds(6_400), ErpBackoff.Delay(7, Initial, Cap, TimeSpan.FromSeconds(1), jitter: 1));
    }

    [Fact]
    public void Backoff_refuses_arguments_outside_its_contract()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => ErpBackoff.Delay(0, Initial, Cap, null, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => ErpBackoff.Delay(1, Cap, Initial, null, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => ErpBackoff.Delay(1, Initial, Cap, null, 1.5));
    }

    [Theory]
    [InlineData(null, ErpFailureKind.Unavailable)]
    [InlineData(500, ErpFailureKind.Unavailable)]
    [InlineData(503, ErpFailureKind.Unavailable)]
    [InlineData(408, ErpFailureKind.Unavailable)]
    [InlineData(429, ErpFailureKind.Unavailable)]
    public void Unavailable_answers_are_waited_out(int? status, ErpFailureKind kind) =>
        Assert.Equal(kind, ErpFailure.Classify(new ErpUnavailableException("down", status)));

    [Theory]
    [InlineData(400, ErpFailureKind.Rejected)]
    [InlineData(409, ErpFailureKind.Rejected)]
    [InlineData(422, ErpFailureKind.Rejected)]
    [InlineData(401, ErpFailureKind.CallerRefused)]
    [InlineData(403, ErpFailureKind.CallerRefused)]
    [InlineData(429, ErpFailureKind.Unavailable)]
    [InlineData(408, ErpFailureKind.Unavailable)]
    [InlineData(502, ErpFailureKind.Unavailable)]
    public void Only_a_refusal_of_the_document_dead_letters(int status, ErpFailureKind kind) =>
        Assert.Equal(kind, ErpFailure.Classify(new ErpRejectedException(status, "no")));

    [Fact]
    public void Held_documents_keep_every_dead_letter_beyond_the_old_cap_and_page_them_in_stable_order()
    {
        var held = new ErpHeldDocuments(new ErpHeldState());
        var sequences = Enumerable.Range(1, 12_000).Select(i => (long)((i * 7_919) % 12_000) + 1).ToList();
        foreach (var sequence in sequences)
        {
            held.AddDeadLetter(Letter($"o{sequence}", sequence));
        }

        Assert.Equal(12_000, held.DeadLetterCount);
        var paged = new List<ErpDeadLetter>();
        for (var offset = 0; ; offset += 500)
        {
            var page = held.Page(offset, 500);
            Assert.Equal(12_000, page.Total);
            if (page.Items.Count == 0)
            {
                break;
            }

            paged.AddRange(page.Items);
        }

        Assert.Equal(Enumerable.Range(1, 12_000).Select(i => (long)i), paged.Select(l => l.Sequence));
    }

    [Fact]
    public void An_orders_documents_park_behind_its_dead_letter_and_are_released_in_order_once_it_posts()
    {
        var held = new ErpHeldDocuments(new ErpHeldState());
        var letter = Letter("web:a", 3);
        held.AddDeadLetter(letter);
        held.Park(Parked("web:a", 9));
        held.Park(Parked("web:a", 5));
        Assert.True(held.IsHeld("web:a"));
        Assert.False(held.IsHeld("web:b"));
        Assert.Empty(held.Releasable());

        held.RemoveDeadLetter(letter);

        Assert.True(held.IsHeld("web:a"), "parked documents still hold the order until they post");
        Assert.Equal([5L, 9L], held.Releasable().Select(p => p.Sequence));
        foreach (var parked in held.Releasable())
        {
            held.Unpark(parked);
        }

        Assert.False(held.IsHeld("web:a"));
        Assert.Throws<InvalidOperationException>(() =>
        {
            held.AddDeadLetter(Letter("web:c", 11));
            held.Park(Parked("web:c", 11));
        });
    }

    [Fact]
    public void Alerts_name_lag_past_the_threshold_a_blocked_partition_and_waiting_dead_letters()
    {
        var calm = Stats(0, lag: TimeSpan.FromSeconds(10), ErpForwarderStatus.Posting, deadLetters: 0);
        Assert.Empty(ErpAlerts.Evaluate([calm], TimeSpan.FromSeconds(60)));

        var alerts = ErpAlerts.Evaluate(
            [
                Stats(1, lag: TimeSpan.FromSeconds(61), ErpForwarderStatus.WaitingForErp, deadLetters: 0),
                Stats(2, lag: TimeSpan.Zero, ErpForwarderStatus.Blocked, deadLetters: 0),
                Stats(3, lag: TimeSpan.Zero, ErpForwarderStatus.Posting, deadLetters: 2),
            ],
            TimeSpan.FromSeconds(60));

        Assert.Equal([(ErpAlerts.Lag, (int?)1), (ErpAlerts.Blocked, 2), (ErpAlerts.DeadLetters, null)], alerts.Select(a => (a.Kind, a.Partition)));
        Assert.Contains("2 document(s)", alerts.Single(a => a.Kind == ErpAlerts.DeadLetters).Message, StringComparison.Ordinal);
    }

    private static TimeSpan Delay(int failures, double jitter) => ErpBackoff.Delay(failures, Initial, Cap, retryAfter: null, jitter);

    private static OrderEvent Event(string orderId, long version) =>
        new(orderId, version, OrderEventKind.Paid, "web", "ada", "EUR", 100, 100, true, [], DateTimeOffset.UnixEpoch, "pay");

    private static ErpDeadLetter Letter(string orderId, long sequence) =>
        new($"{orderId}#{sequence}", orderId, DocumentTypes.CustomerPayment, "rejected (422): no", 1, DateTimeOffset.UnixEpoch, Event(orderId, sequence), sequence);

    private static ErpParkedEvent Parked(string orderId, long sequence) =>
        new($"{orderId}#{sequence}", orderId, DocumentTypes.SalesInvoice, sequence, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch, Event(orderId, sequence), null);

    private static ErpForwarderStats Stats(int partition, TimeSpan lag, ErpForwarderStatus status, int deadLetters) =>
        new(partition, 10, lag > TimeSpan.Zero ? 5 : 0, lag, 0, 0, 0, deadLetters, null, null, status, status == ErpForwarderStatus.Posting ? 0 : 4, 0, null, null, status == ErpForwarderStatus.Posting ? null : "down");
}
