using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using OrderGrains.Client;
using OrderGrains.Contracts.V1;

namespace OrderGrains.Host.Tests.Security;

public sealed class ServerLimitsTests
{
    [Fact]
    public void Defaults_are_set_on_Kestrel_explicitly()
    {
        var kestrel = new KestrelServerOptions();

        ServerLimits.Read(Config()).ApplyTo(kestrel);

        var limits = kestrel.Limits;
        Assert.Equal((240d, TimeSpan.FromSeconds(5)), (limits.MinRequestBodyDataRate!.BytesPerSecond, limits.MinRequestBodyDataRate.GracePeriod));
        Assert.Equal((240d, TimeSpan.FromSeconds(5)), (limits.MinResponseDataRate!.BytesPerSecond, limits.MinResponseDataRate.GracePeriod));
        Assert.Equal(TimeSpan.FromSeconds(130), limits.KeepAliveTimeout);
        Assert.Equal(TimeSpan.FromSeconds(15), limits.RequestHeadersTimeout);
        Assert.Equal(100, limits.Http2.MaxStreamsPerConnection);
        Assert.Equal(16 * 1024, limits.Http2.MaxRequestHeaderFieldSize);
        Assert.Equal(32 * 1024, limits.MaxRequestHeadersTotalSize);
        Assert.Equal(10_000, limits.MaxConcurrentConnections);
        Assert.Equal(1024 * 1024, limits.MaxRequestBodySize);
    }

    [Fact]
    public void Configured_limits_reach_Kestrel()
    {
        var kestrel = new KestrelServerOptions();

        ServerLimits.Read(Config(
            ("OrderGrains:Limits:MinRequestBodyDataRate", "1000"),
            ("OrderGrains:Limits:MinRequestBodyGracePeriod", "00:00:03"),
            ("OrderGrains:Limits:KeepAliveTimeout", "00:00:30"),
            ("OrderGrains:Limits:MaxStreamsPerConnection", "250"),
            ("OrderGrains:Limits:MaxConcurrentConnections", "unlimited"),
            ("OrderGrains:Limits:MaxRequestBodySize", "65536"))).ApplyTo(kestrel);

        Assert.Equal((1000d, TimeSpan.FromSeconds(3)), (kestrel.Limits.MinRequestBodyDataRate!.BytesPerSecond, kestrel.Limits.MinRequestBodyDataRate.GracePeriod));
        Assert.Equal(TimeSpan.FromSeconds(30), kestrel.Limits.KeepAliveTimeout);
        Assert.Equal(250, kestrel.Limits.Http2.MaxStreamsPerConnection);
        Assert.Null(kestrel.Limits.MaxConcurrentConnections);
        Assert.Equal(65_536, kestrel.Limits.MaxRequestBodySize);
    }

    [Fact]
    public void Every_wrong_limit_is_reported_at_once_naming_its_key()
    {
        var error = Assert.Throws<HostSettingsException>(() => ServerLimits.Read(Config(
            ("OrderGrains:Limits:MinRequestBodyDataRate", "fast"),
            ("OrderGrains:Limits:KeepAliveTimeout", "-00:00:01"),
            ("OrderGrains:Limits:MaxStreamsPerConnection", "0"),
            ("OrderGrains:Limits:MaxRequestHeaderFieldSize", "100"),
            ("OrderGrains:Limits:MinResponseGracePeriod", "00:00:01"))));

        Assert.Contains("OrderGrains:Limits:MinRequestBodyDataRate is 'fast'; set a whole number of bytes per second", error.Message, StringComparison.Ordinal);
        Assert.Contains("OrderGrains:Limits:KeepAliveTimeout is '-00:00:01'; set a positive time span", error.Message, StringComparison.Ordinal);
        Assert.Contains("OrderGrains:Limits:MaxStreamsPerConnection is '0'; set a whole number of streams from 1", error.Message, StringComparison.Ordinal);
        Assert.Contains("OrderGrains:Limits:MaxRequestHeaderFieldSize is '100'; set a whole number of bytes from 1024", error.Message, StringComparison.Ordinal);
        Assert.Contains("OrderGrains:Limits:MinResponseGracePeriod must be longer than one second", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Host_with_a_bad_limit_exits_with_code_two()
    {
        var exit = await OrderGrainsHost.RunAsync(["--OrderGrains:Limits:RequestHeadersTimeout=soon"]);

        Assert.Equal(OrderGrainsHost.ExitBadSettings, exit);
    }

    [Fact]
    public async Task An_idle_WatchOrder_stream_outlives_the_rate_grace_periods_and_the_keep_alive_timeout()
    {
        // Short grace periods and keep-alive, so that ten idle seconds are several of each.
        await using var host = await TestHost.StartAsync(
            null,
            "--OrderGrains:Limits:MinRequestBodyGracePeriod=00:00:02",
            "--OrderGrains:Limits:MinResponseGracePeriod=00:00:02",
            "--OrderGrains:Limits:KeepAliveTimeout=00:00:02");
        var shop = await MalformedGrpcTests.Shop.StockAsync(host);
        var order = (await host.Client.PlaceOrderAsync(shop.Request)).Order;
        await using var watch = host.Client.WatchOrderAsync(order.OrderId, OrderGrainsClient.Timeout(TimeSpan.FromSeconds(120))).GetAsyncEnumerator();
        Assert.True(await watch.MoveNextAsync());

        await Task.Delay(TimeSpan.FromSeconds(10));
        await host.Client.ConfirmPaymentAsync(new ConfirmPaymentRequest { OrderId = order.OrderId, PaymentReference = "p1", AmountMinor = order.TotalMinor }, OrderGrainsClient.Timeout(TimeSpan.FromSeconds(40)));

        Assert.True(await watch.MoveNextAsync());
        Assert.Equal(OrderStatus.Paid, watch.Current.Status);
    }

    private static IConfiguration Config(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => KeyValuePair.Create(v.Key, (string?)v.Value))).Build();
}
