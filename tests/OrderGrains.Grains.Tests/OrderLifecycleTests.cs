using OrderGrains.Abstractions;
using OrderGrains.Testing;

namespace OrderGrains.Grains.Tests;

public sealed class OrderLifecycleTests
{
    [Fact]
    public async Task Confirm_payment_marks_the_order_paid_and_keeps_the_stock_and_exposure()
    {
        await using var oms = await Oms.StartAsync();
        await oms.SeedSimpleAsync(units: 10);
        var placed = (await oms.PlaceAsync("1", "c1", new OrderLine("SKU-1", 2, 500))).Order;

        var paid = await oms.Order("1").ConfirmPaymentAsync(new ConfirmPaymentCommand("pay-1", 1_000));

        Assert.Equal(OrderStatus.Paid, paid.Status);
        Assert.Null(paid.ReservationExpiresAt);
        Assert.Equal(placed.Version + 1, paid.Version);
        Assert.Equal(placed.Allocations, paid.Allocations);
        Assert.Equal(2, (await oms.AvailabilityAsync("SKU-1")).Reserved);
        Assert.Equal(1_000, (await oms.AccountAsync("c1")).OpenExposureMinor);
    }

    [Fact]
    public async Task Confirm_payment_is_idempotent_per_payment_reference()
    {
        await using var oms = await Oms.StartAsync();
        await oms.SeedSimpleAsync(units: 10);
        await oms.PlaceAsync("1", "c1", new OrderLine("SKU-1", 2, 500));
        var paid = await oms.Order("1").ConfirmPaymentAsync(new ConfirmPaymentCommand("pay-1", 1_000));

        var again = await oms.Order("1").ConfirmPaymentAsync(new ConfirmPaymentCommand("pay-1", 1_000));

        Oms.AssertSameOrder(paid, again);
        await Assert.ThrowsAsync<IdempotencyConflictException>(() => oms.Order("1").ConfirmPaymentAsync(new ConfirmPaymentCommand("pay-1", 999)));
        var second = await Assert.ThrowsAsync<IllegalTransitionException>(() => oms.Order("1").ConfirmPaymentAsync(new ConfirmPaymentCommand("pay-2", 1_000)));
        Assert.Equal((OrderStatus.Paid, OrderStatus.Paid), (second.From, second.To));
    }

    [Fact]
    public async Task Payment_amount_that_differs_from_the_total_is_rejected()
    {
        await using var oms = await Oms.StartAsync();
        await oms.SeedSimpleAsync(units: 10);
        await oms.PlaceAsync("1", "c1", new OrderLine("SKU-1", 2, 500));

        var error = await Assert.ThrowsAsync<DomainValidationException>(() => oms.Order("1").ConfirmPaymentAsync(new ConfirmPaymentCommand("pay-1", 999)));

        Assert.Equal("amount_minor", error.Field);
        Assert.Equal(OrderStatus.PendingPayment, (await oms.Order("1").GetAsync()).Status);
        Assert.Equal("payment_reference", (await Assert.ThrowsAsync<DomainValidationException>(() =>
            oms.Order("1").ConfirmPaymentAsync(new ConfirmPaymentCommand("", 1_000)))).Field);
    }

    [Fact]
    public async Task Cancel_releases_stock_campaign_units_and_credit_exposure()
    {
        await using var oms = await Oms.StartAsync();
        await oms.SeedSimpleAsync(units: 10);
        var now = DateTimeOffset.UtcNow;
        await oms.Grains.GetGrain<ICampaignGrain>("flash").UpsertAsync(RejectionTests.Campaign("SKU-1", now.AddHours(-1), now.AddHours(1)));
        await oms.PlaceAsync(Oms.Command("1", "c1", new OrderLine("SKU-1", 4, 1_000)) with { CampaignId = "flash" });

        var cancelled = await oms.Order("1").CancelAsync("customer changed their mind");

        Assert.Equal(OrderStatus.Cancelled, cancelled.Status);
        Assert.Empty(cancelled.Allocations);
        Assert.Null(cancelled.ReservationExpiresAt);
        Assert.Equal(2, cancelled.Version);
        Assert.Equal(0, (await oms.AvailabilityAsync("SKU-1")).Reserved);
        Assert.Equal(0, (await oms.AccountAsync("c1")).OpenExposureMinor);
        Assert.Equal(0, (await oms.Grains.GetGrain<ICampaignGrain>("flash").GetAsync()).Taken);
        Assert.Equal(0, await oms.Grains.GetGrain<ICampaignGrain>("flash").GetCustomerCountAsync("c1"));
    }

    [Fact]
    public async Task Cancelling_a_cancelled_order_returns_it_unchanged()
    {
        await using var oms = await Oms.StartAsync();
        await oms.SeedSimpleAsync(units: 10);
        await oms.PlaceAsync("1", "c1", new OrderLine("SKU-1", 1, 1));
        var cancelled = await oms.Order("1").CancelAsync("first");

        Oms.AssertSameOrder(cancelled, await oms.Order("1").CancelAsync("second"));
    }

    [Fact]
    public async Task Paid_order_can_still_be_cancelled_before_release_and_releases_everything()
    {
        await using var oms = await Oms.StartAsync();
        await oms.SeedSimpleAsync(units: 10);
        await oms.PlaceAsync("1", "c1", new OrderLine("SKU-1", 3, 100));
        await oms.Order("1").ConfirmPaymentAsync(new ConfirmPaymentCommand("p", 300));

        var cancelled = await oms.Order("1").CancelAsync("refunded");

        Assert.Equal(OrderStatus.Cancelled, cancelled.Status);
        Assert.Equal(0, (await oms.AvailabilityAsync("SKU-1")).Reserved);
        Assert.Equal(0, (await oms.AccountAsync("c1")).OpenExposureMinor);
    }

    [Fact]
    public async Task Illegal_transitions_throw_naming_both_states()
    {
        await using var oms = await Oms.StartAsync();
        await oms.SeedSimpleAsync(units: 1);
        await oms.PlaceAsync("rejected", "c1", new OrderLine("SKU-1", 5, 100));
        await oms.PlaceAsync("cancelled", "c1", new OrderLine("SKU-1", 1, 100));
        await oms.Order("cancelled").CancelAsync("x");

        var payRejected = await Assert.ThrowsAsync<IllegalTransitionException>(() => oms.Order("rejected").ConfirmPaymentAsync(new ConfirmPaymentCommand("p", 500)));
        var cancelRejected = await Assert.ThrowsAsync<IllegalTransitionException>(() => oms.Order("rejected").CancelAsync("x"));
        var payCancelled = await Assert.ThrowsAsync<IllegalTransitionException>(() => oms.Order("cancelled").ConfirmPaymentAsync(new ConfirmPaymentCommand("p", 100)));
        var approveRejected = await Assert.ThrowsAsync<IllegalTransitionException>(() => oms.Order("rejected").ApproveHoldAsync(Oms.Reviewer("ops-1")));

        Assert.Equal("Order 'web:rejected' cannot go from REJECTED to PAID (ConfirmPayment).", payRejected.Message);
        Assert.Equal((OrderStatus.Rejected, OrderStatus.Cancelled), (cancelRejected.From, cancelRejected.To));
        Assert.Equal((OrderStatus.Cancelled, OrderStatus.Paid), (payCancelled.From, payCancelled.To));
        Assert.Equal((OrderStatus.Rejected, OrderStatus.PendingPayment), (approveRejected.From, approveRejected.To));
    }

    [Fact]
    public async Task Held_order_approved_becomes_pending_payment_with_a_fresh_expiry_and_can_be_paid()
    {
        await using var oms = await Oms.StartAsync();
        await oms.SeedSimpleAsync(units: 10);
        await oms.CustomerAsync("c1", creditLimitMinor: 100);
        await oms.PlaceAsync("1", "c1", new OrderLine("SKU-1", 2, 100));
        await Assert.ThrowsAsync<IllegalTransitionException>(() => oms.Order("1").ConfirmPaymentAsync(new ConfirmPaymentCommand("p", 200)));

        var approved = await oms.Order("1").ApproveHoldAsync(Oms.Reviewer("ops-1"));
        var paid = await oms.Order("1").ConfirmPaymentAsync(new ConfirmPaymentCommand("p", 200));

        Assert.Equal((OrderStatus.PendingPayment, HoldReason.Unspecified), (approved.Status, approved.HoldReason));
        Assert.NotNull(approved.ReservationExpiresAt);
        Assert.Equal(OrderStatus.Paid, paid.Status);
        Assert.Equal(3, paid.Version);
    }

    [Fact]
    public async Task Held_order_cancelled_releases_its_stock()
    {
        await using var oms = await Oms.StartAsync();
        await oms.SeedSimpleAsync(units: 10);
        await oms.CustomerAsync("c1", creditLimitMinor: 100);
        await oms.PlaceAsync("1", "c1", new OrderLine("SKU-1", 2, 100));

        var cancelled = await oms.Order("1").CancelAsync("credit refused");

        Assert.Equal((OrderStatus.Cancelled, HoldReason.Unspecified), (cancelled.Status, cancelled.HoldReason));
        Assert.Equal(0, (await oms.AvailabilityAsync("SKU-1")).Reserved);
        Assert.Equal(0, (await oms.AccountAsync("c1")).OpenExposureMinor);
    }

    [Fact]
    public async Task Unpaid_order_expires_by_reminder_and_releases_its_stock()
    {
        await using var oms = await Oms.StartAsync(configure: FastExpiry);
        await oms.SeedSimpleAsync(units: 10);
        await oms.PlaceAsync("1", "c1", new OrderLine("SKU-1", 4, 100));
        Assert.Equal(4, (await oms.AvailabilityAsync("SKU-1")).Reserved);

        await Oms.WaitUntilAsync(async () => (await oms.Order("1").GetAsync()).Status == OrderStatus.Cancelled, TimeSpan.FromSeconds(10));

        Assert.Equal(0, (await oms.AvailabilityAsync("SKU-1")).Reserved);
        Assert.Equal(0, (await oms.AccountAsync("c1")).OpenExposureMinor);
        await Assert.ThrowsAsync<IllegalTransitionException>(() => oms.Order("1").ConfirmPaymentAsync(new ConfirmPaymentCommand("late", 400)));
    }

    [Fact]
    public async Task Paid_order_does_not_expire()
    {
        await using var oms = await Oms.StartAsync(configure: FastExpiry);
        await oms.SeedSimpleAsync(units: 10);
        await oms.PlaceAsync("1", "c1", new OrderLine("SKU-1", 4, 100));
        await oms.Order("1").ConfirmPaymentAsync(new ConfirmPaymentCommand("p", 400));

        await Task.Delay(1_800);

        Assert.Equal(OrderStatus.Paid, (await oms.Order("1").GetAsync()).Status);
        Assert.Equal(4, (await oms.AvailabilityAsync("SKU-1")).Reserved);
    }

    [Fact]
    public async Task Campaign_hold_time_replaces_the_default_reservation_timeout()
    {
        await using var oms = await Oms.StartAsync(configure: o =>
        {
            o.ReservationTimeout = TimeSpan.FromMinutes(30);
            o.ExpiryRetryPeriod = TimeSpan.FromMilliseconds(200);
        });
        await oms.SeedSimpleAsync(units: 10);
        var now = DateTimeOffset.UtcNow;
        await oms.Grains.GetGrain<ICampaignGrain>("flash").UpsertAsync(RejectionTests.Campaign("SKU-1", now.AddHours(-1), now.AddHours(1), holdTime: TimeSpan.FromSeconds(1)));

        var placed = await oms.PlaceAsync(Oms.Command("1", "c1", new OrderLine("SKU-1", 1, 100)) with { CampaignId = "flash" });

        Assert.True(placed.Order.ReservationExpiresAt < DateTimeOffset.UtcNow.AddSeconds(2));
        await Oms.WaitUntilAsync(async () => (await oms.Order("1").GetAsync()).Status == OrderStatus.Cancelled, TimeSpan.FromSeconds(10));
        Assert.Equal(0, (await oms.Grains.GetGrain<ICampaignGrain>("flash").GetAsync()).Taken);
    }

    [Theory]
    [InlineData("memory")]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task Reservation_expiry_is_honoured_after_a_silo_restart(string storageKind)
    {
        await using var storage = TestStorage.Create(storageKind);
        await using (var first = await Oms.StartAsync(storage, FastExpiry))
        {
            await first.SeedSimpleAsync(units: 10);
            var placed = await first.PlaceAsync("1", "c1", new OrderLine("SKU-1", 4, 100));
            Assert.Equal(OrderStatus.PendingPayment, placed.Order.Status);
        }

        await using var second = await Oms.StartAsync(storage, FastExpiry);

        await Oms.WaitUntilAsync(async () => (await second.AvailabilityAsync("SKU-1")).Reserved == 0, TimeSpan.FromSeconds(10));
        Assert.Equal(OrderStatus.Cancelled, (await second.Order("1").GetAsync()).Status);
        Assert.Equal(0, (await second.AccountAsync("c1")).OpenExposureMinor);
    }

    [Fact]
    public async Task Watch_completes_when_the_version_moves_past_the_one_seen()
    {
        await using var oms = await Oms.StartAsync();
        await oms.SeedSimpleAsync(units: 10);
        var placed = (await oms.PlaceAsync("1", "c1", new OrderLine("SKU-1", 1, 100))).Order;
        Oms.AssertSameOrder(placed, await oms.Order("1").WaitForChangeAsync(0, TimeSpan.FromSeconds(5)));

        var watch = oms.Order("1").WaitForChangeAsync(placed.Version, TimeSpan.FromSeconds(10));
        await Task.Delay(100);
        Assert.False(watch.IsCompleted);
        await oms.Order("1").CancelAsync("x");
        var changed = await watch.WaitAsync(TimeSpan.FromSeconds(5));

        Assert.Equal((OrderStatus.Cancelled, placed.Version + 1), (changed.Status, changed.Version));
    }

    [Fact]
    public async Task Watch_returns_the_current_order_when_nothing_changes_before_the_timeout()
    {
        await using var oms = await Oms.StartAsync();
        await oms.SeedSimpleAsync(units: 10);
        var placed = (await oms.PlaceAsync("1", "c1", new OrderLine("SKU-1", 1, 100))).Order;

        var same = await oms.Order("1").WaitForChangeAsync(placed.Version, TimeSpan.FromMilliseconds(200));

        Oms.AssertSameOrder(placed, same);
        await Assert.ThrowsAsync<NotFoundException>(() => oms.Order("ghost").WaitForChangeAsync(0, TimeSpan.FromMilliseconds(10)));
    }

    [Fact]
    public async Task Watch_ends_with_the_current_order_when_its_silo_stops_instead_of_holding_the_stop_up()
    {
        await using var oms = await Oms.StartAsync(configure: o => o.MaxWatchWait = TimeSpan.FromMinutes(10));
        await oms.SeedSimpleAsync(units: 10);
        var placed = (await oms.PlaceAsync("1", "c1", new OrderLine("SKU-1", 1, 100))).Order;
        var watch = oms.Order("1").WaitForChangeAsync(placed.Version, TimeSpan.FromMinutes(10));
        await Task.Delay(200);
        Assert.False(watch.IsCompleted);

        var stop = oms.Silo.Cluster.StopSiloAsync(oms.Silo.Cluster.Silos[0]);

        Oms.AssertSameOrder(placed, await watch.WaitAsync(TimeSpan.FromSeconds(30)));
        await stop.WaitAsync(TimeSpan.FromSeconds(60));
    }

    private static void FastExpiry(OrderOptions options)
    {
        options.ReservationTimeout = TimeSpan.FromSeconds(1);
        options.ExpiryRetryPeriod = TimeSpan.FromMilliseconds(200);
    }
}
