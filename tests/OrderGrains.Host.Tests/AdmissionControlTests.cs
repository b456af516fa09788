using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using OrderGrains.Client;
using OrderGrains.Contracts.V1;
using Grpc.Core;
using OrderGrains.Host.Admission;
using OrderGrains.Host.Grpc;

namespace OrderGrains.Host.Tests;

/// <summary>Admission control: a bound on calls in flight per node, fair across channels, refusing excess at once with a retry hint.</summary>
public sealed class AdmissionControlTests
{
    [Fact]
    public void A_channel_alone_gets_its_share_of_the_node_and_no_more()
    {
        var admission = Control(maxInFlight: 10, share: 0.5);

        var web = Enumerable.Range(0, 5).Select(_ => admission.TryEnter("web")).ToList();

        Assert.All(web, lease => Assert.NotNull(lease));
        Assert.Null(admission.TryEnter("web"));
        Assert.NotNull(admission.TryEnter("app"));
        Assert.Equal(6, admission.InFlight);
        Assert.Equal(1, admission.Rejected);
    }

    [Fact]
    public void Releasing_a_lease_frees_its_place()
    {
        var admission = Control(maxInFlight: 1, share: 1.0);
        var first = admission.TryEnter("web");
        Assert.Null(admission.TryEnter("web"));

        first!.Value.Dispose();

        Assert.NotNull(admission.TryEnter("web"));
        Assert.Equal(1, admission.InFlight);
    }

    [Fact]
    public void Under_contention_a_flooding_channel_is_held_to_an_equal_share_while_a_quiet_one_still_gets_in()
    {
        var admission = Control(maxInFlight: 10, share: 1.0, contended: 0.5);
        var flood = Enumerable.Range(0, 7).Select(_ => admission.TryEnter("marketplace")).ToList();
        Assert.All(flood, lease => Assert.NotNull(lease));

        // Seven of ten in flight is past the contended mark (five): two active channels get five each.
        Assert.NotNull(admission.TryEnter("pos"));
        Assert.Null(admission.TryEnter("marketplace"));
        Assert.NotNull(admission.TryEnter("pos"));
        Assert.Equal(9, admission.InFlight);
    }

    [Fact]
    public void The_node_limit_holds_across_channels()
    {
        var admission = Control(maxInFlight: 4, share: 1.0, contended: 1.0);
        var leases = new[] { "a", "b", "c", "d" }.Select(admission.TryEnter).ToList();

        Assert.All(leases, lease => Assert.NotNull(lease));
        Assert.Null(admission.TryEnter("e"));
        Assert.Equal(4, admission.InFlight);
    }

    [Fact]
    public void Disabled_admission_admits_everything()
    {
        var admission = new AdmissionControl(AdmissionOptions.Default with { Enabled = false, MaxInFlight = 1 }, NullLogger<AdmissionControl>.Instance);

        Assert.All(Enumerable.Range(0, 100).Select(_ => admission.TryEnter("web")), lease => Assert.NotNull(lease));
    }

    [Fact]
    public void Unknown_channels_beyond_the_cap_share_one_bucket()
    {
        var admission = new AdmissionControl(AdmissionOptions.Default with { MaxInFlight = 100, MaxChannelShare = 0.02, MaxChannels = 2 }, NullLogger<AdmissionControl>.Instance);
        Assert.NotNull(admission.TryEnter("web"));
        Assert.NotNull(admission.TryEnter("app"));

        Assert.NotNull(admission.TryEnter("x1"));
        Assert.NotNull(admission.TryEnter("x2"));
        Assert.Null(admission.TryEnter("x3"));
    }

    [Fact]
    public void Order_ids_name_their_channel()
    {
        Assert.Equal("web", AdmissionControl.ChannelOf("web:1001"));
        Assert.Equal(string.Empty, AdmissionControl.ChannelOf("no-channel"));
    }

    [Fact]
    public async Task Wrong_admission_settings_stop_the_host_naming_each_key()
    {
        var error = await Assert.ThrowsAsync<HostSettingsException>(() => TestHost.StartAsync(
            postgresSchema: null,
            "--OrderGrains:Admission:MaxInFlight=0",
            "--OrderGrains:Admission:MaxChannelShare=2"));

        Assert.Contains("OrderGrains:Admission:MaxInFlight", error.Message, StringComparison.Ordinal);
        Assert.Contains("OrderGrains:Admission:MaxChannelShare", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Excess_orders_get_resource_exhausted_with_a_retry_hint_and_admitted_ones_complete()
    {
        await using var host = await TestHost.StartAsync(
            postgresSchema: null,
            "--OrderGrains:Admission:MaxInFlight=2",
            "--OrderGrains:Admission:MaxChannelShare=1",
            "--OrderGrains:Admission:RetryAfterMilliseconds=250");
        var client = host.Client;
        await client.UpsertWarehouseAsync(new Warehouse { WarehouseId = "w", Name = "W", Latitude = 52, Longitude = 13, Active = true });
        await client.SetStockAsync(new SetStockRequest { WarehouseId = "w", Sku = "tee", OnHand = 1_000, SyncId = "s" });
        await client.UpsertCustomerAsync(new Customer { CustomerId = "ada", Name = "Ada" });

        var calls = Enumerable.Range(0, 300).Select(async i =>
        {
            try
            {
                var reply = await client.PlaceOrderAsync(new PlaceOrderRequest
                {
                    Channel = "web",
                    ExternalOrderId = $"o{i}",
                    CustomerId = "ada",
                    Currency = "EUR",
                    ShipTo = new Address { Latitude = 52, Longitude = 13 },
                    Lines = { new OrderLine { Sku = "tee", Quantity = 1, UnitPriceMinor = 100 } },
                }, OrderGrainsClient.Timeout(TimeSpan.FromSeconds(60)));
                return (Accepted: reply.Order.Status == OrderStatus.PendingPayment, Refused: (RpcException?)null);
            }
            catch (RpcException ex) when (ex.StatusCode == StatusCode.ResourceExhausted)
            {
                return (Accepted: false, Refused: ex);
            }
        }).ToList();
        var results = await Task.WhenAll(calls);

        var refused = results.Where(r => r.Refused is not null).Select(r => r.Refused!).ToList();
        Assert.NotEmpty(refused);
        Assert.All(refused, ex => Assert.Equal("250", ex.Trailers.GetValue(GrpcErrorInterceptor.RetryPushbackTrailer)));
        Assert.Equal(300 - refused.Count, results.Count(r => r.Accepted));
        var availability = await client.GetAvailabilityAsync("tee");
        Assert.Equal(300 - refused.Count, availability.Reserved);
        Assert.Equal(0, host.Services.GetRequiredService<AdmissionControl>().InFlight);
    }

    [Fact]
    public async Task An_overloaded_grain_queue_answers_resource_exhausted_with_a_retry_hint()
    {
        await using var host = await TestHost.StartAsync(
            postgresSchema: null,
            "--OrderGrains:Admission:Enabled=false",
            "--OrderGrains:Silo:Messaging:MaxEnqueuedRequestsHardLimit=1");
        var client = host.Client;
        await client.UpsertWarehouseAsync(new Warehouse { WarehouseId = "w", Name = "W", Latitude = 52, Longitude = 13, Active = true });
        await client.SetStockAsync(new SetStockRequest { WarehouseId = "w", Sku = "hot", OnHand = 1_000, SyncId = "s" });
        await client.UpsertCustomerAsync(new Customer { CustomerId = "ada", Name = "Ada" });

        var calls = Enumerable.Range(0, 200).Select(async i =>
        {
            try
            {
                await client.PlaceOrderAsync(new PlaceOrderRequest
                {
                    Channel = "web",
                    ExternalOrderId = $"o{i}",
                    CustomerId = "ada",
                    Currency = "EUR",
                    ShipTo = new Address { Latitude = 52, Longitude = 13 },
                    Lines = { new OrderLine { Sku = "hot", Quantity = 1, UnitPriceMinor = 100 } },
                }, OrderGrainsClient.Timeout(TimeSpan.FromSeconds(60)));
                return null;
            }
            catch (RpcException ex)
            {
                return ex;
            }
        }).ToList();
        var failures = (await Task.WhenAll(calls)).Where(ex => ex is not null).Select(ex => ex!).ToList();

        Assert.NotEmpty(failures);
        Assert.All(failures, ex => Assert.Equal(StatusCode.ResourceExhausted, ex.StatusCode));
        Assert.All(failures, ex => Assert.Equal("100", ex.Trailers.GetValue(GrpcErrorInterceptor.RetryPushbackTrailer)));
    }

    private static AdmissionControl Control(int maxInFlight, double share, double contended = 0.75) =>
        new(AdmissionOptions.Default with { MaxInFlight = maxInFlight, MaxChannelShare = share, ContendedFraction = contended }, NullLogger<AdmissionControl>.Instance);
}
