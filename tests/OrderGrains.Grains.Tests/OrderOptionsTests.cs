using Microsoft.Extensions.Options;
using OrderGrains.Abstractions;
using OrderGrains.Testing;

namespace OrderGrains.Grains.Tests;

/// <summary>OrderOptions come from configuration (OrderGrains:Orders) and a bad value stops the silo's start naming its key.</summary>
public sealed class OrderOptionsTests
{
    [Fact]
    public async Task A_negative_reservation_timeout_in_configuration_stops_start_up_naming_the_key()
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(() => TestSilo.StartAsync(
            TestStorage.Memory(),
            b => b.AddOrderDomain(),
            settings: new Dictionary<string, string?> { ["OrderGrains:Orders:ReservationTimeout"] = "-00:00:05" }));

        var validation = Find<OptionsValidationException>(error);
        Assert.Contains("OrderGrains:Orders:ReservationTimeout", validation.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_expiry_retry_period_below_orleans_minimum_reminder_period_stops_start_up_naming_the_key()
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(() => TestSilo.StartAsync(
            TestStorage.Memory(),
            b => b.AddOrderDomain(o => o.ExpiryRetryPeriod = TimeSpan.FromMilliseconds(10))));

        var validation = Find<OptionsValidationException>(error);
        Assert.Contains("OrderGrains:Orders:ExpiryRetryPeriod", validation.Message, StringComparison.Ordinal);
        Assert.Contains("minimum reminder period", validation.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Settings_under_OrderGrains_Orders_reach_the_grains()
    {
        await using var silo = await TestSilo.StartAsync(
            TestStorage.Memory(),
            b => b.AddOrderDomain(),
            settings: new Dictionary<string, string?> { ["OrderGrains:Orders:MaxLinesPerOrder"] = "1" });
        var grains = silo.GrainFactory;
        await grains.GetGrain<IWarehouseGrain>("BER").UpsertAsync(new WarehouseInfo("BER", "Berlin", 52.4, 13.3, true));
        await grains.GetGrain<ICustomerAccountGrain>("c1").UpsertAsync(new CustomerProfile("c1", "C1", "gold", 0, false));

        var command = Oms.Command("two-lines", "c1", new OrderLine("SKU-1", 1, 100), new OrderLine("SKU-2", 1, 100));
        var error = await Assert.ThrowsAsync<DomainValidationException>(() => grains.GetGrain<IOrderGrain>(OrderIds.For("web", "two-lines")).PlaceAsync(command));
        Assert.Equal("lines", error.Field);
        Assert.Contains("at most 1 lines", error.Reason, StringComparison.Ordinal);
    }

    private static T Find<T>(Exception error)
        where T : Exception =>
        TryFind<T>(error) ?? throw new Xunit.Sdk.XunitException($"No {typeof(T).Name} in {error}");

    private static T? TryFind<T>(Exception? error)
        where T : Exception => error switch
        {
            null => null,
            T found => found,
            AggregateException aggregate => aggregate.InnerExceptions.Select(TryFind<T>).FirstOrDefault(e => e is not null),
            _ => TryFind<T>(error.InnerException),
        };
}
