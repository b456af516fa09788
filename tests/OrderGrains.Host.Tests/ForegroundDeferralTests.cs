using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using OrderGrains.Host.Admission;
using OrderGrains.Storage;

namespace OrderGrains.Host.Tests;

/// <summary>Stream consumers put their pulls off while the intake is busy, for a bounded time.</summary>
public sealed class ForegroundDeferralTests
{
    [Fact]
    public void A_busy_foreground_defers_pulls_until_the_bound_then_lets_one_through_and_starts_counting_again()
    {
        var clock = new FakeTimeProvider();
        var load = new SwitchableLoad { IsBusy = true };
        var deferral = new PullDeferral(load, TimeSpan.FromSeconds(10), clock);

        Assert.True(deferral.ShouldDefer());
        clock.Advance(TimeSpan.FromSeconds(9.9));
        Assert.True(deferral.ShouldDefer());
        clock.Advance(TimeSpan.FromSeconds(0.1));
        Assert.False(deferral.ShouldDefer());
        Assert.True(deferral.ShouldDefer());
        Assert.Equal(3, deferral.Deferred);

        load.IsBusy = false;
        Assert.False(deferral.ShouldDefer());
        load.IsBusy = true;
        Assert.True(deferral.ShouldDefer());
    }

    [Fact]
    public void A_bound_of_zero_never_defers()
    {
        var deferral = new PullDeferral(new SwitchableLoad { IsBusy = true }, TimeSpan.Zero, new FakeTimeProvider());

        Assert.False(deferral.ShouldDefer());
        Assert.Equal(0, deferral.Deferred);
    }

    [Fact]
    public async Task The_intake_is_busy_from_the_threshold_of_calls_in_flight_and_a_moment_after()
    {
        var admission = new AdmissionControl(AdmissionOptions.Default with { BusyInFlight = 3 }, NullLogger<AdmissionControl>.Instance);
        var load = new IntakeLoad(admission);
        var leases = new List<AdmissionControl.Lease> { admission.Enter("web"), admission.Enter("web") };
        Assert.False(load.IsBusy);

        leases.Add(admission.Enter("app"));
        Assert.True(load.IsBusy);
        leases.ForEach(lease => lease.Dispose());

        // Still busy just after the rush (a consumer polling in a lull of a sale should not take it for the end) ...
        Assert.True(load.IsBusy);
        Assert.Equal(0, admission.InFlight);

        // ... and idle again once a second has passed without one.
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (load.IsBusy && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }

        Assert.False(load.IsBusy);
    }

    private sealed class SwitchableLoad : IForegroundLoad
    {
        public bool IsBusy { get; set; }
    }
}
