using System.Net;
using System.Text.Json.Nodes;
using Grpc.Core;
using OrderGrains.Client;
using OrderGrains.Contracts.V1;
using static OrderGrains.Host.Tests.ContractCalls;

namespace OrderGrains.Host.Tests;

/// <summary>
/// Stock per channel (issue 13 §4) on the real host: the split over gRPC and the admin API, each channel's
/// available-to-promise, and orders through the intake taking their channel's share first.
/// </summary>
public sealed class ChannelStockContractTests(PresaleHost fixture) : IClassFixture<PresaleHost>, IDisposable
{
    private readonly string _run = Guid.NewGuid().ToString("N")[..8];
    private readonly HttpClient _http = new() { BaseAddress = new Uri($"http://127.0.0.1:{fixture.Host.AdminPort}/"), Timeout = TimeSpan.FromSeconds(30) };

    private OrderGrainsClient Client => fixture.Host.Client;

    private string Sku => "split-" + _run;

    [Fact]
    public async Task A_marketplace_share_is_kept_for_the_marketplace_and_each_channel_sees_its_own_available_to_promise()
    {
        await SeedStockAsync(10);
        var split = await Client.SetChannelStockAsync(new SetChannelStockRequest
        {
            Sku = Sku,
            Shares = { new ChannelStockShare { Channel = "marketplace", Percent = 30 } },
        });

        var web = await Client.GetAvailabilityAsync(new GetAvailabilityRequest { Sku = Sku, Channel = "web" });
        var placed = (await Client.PlaceOrderAsync(Place("web", "w1", 7))).Order;
        var refused = (await Client.PlaceOrderAsync(Place("web", "w2", 1))).Order;
        var marketplace = (await Client.PlaceOrderAsync(Place("marketplace", "m1", 3))).Order;
        var after = await Client.GetAvailabilityAsync(new GetAvailabilityRequest { Sku = Sku, Channel = "marketplace" });

        var share = Assert.Single(split.Channels);
        Assert.Equal(("marketplace", 30, 3, 0, 3), (share.Channel, share.Percent, share.RingFenced, share.Held, share.Remaining));
        Assert.Equal(("web", 7, 10), (web.Channel, web.ChannelAvailable, web.Available));
        Assert.Equal(OrderStatus.PendingPayment, placed.Status);
        Assert.Equal((OrderStatus.Rejected, RejectReason.OutOfStock), (refused.Status, refused.RejectReason));
        Assert.Equal(OrderStatus.PendingPayment, marketplace.Status);
        Assert.Equal((0, 3, 0), (after.ChannelAvailable, after.Channels.Single().Held, after.Channels.Single().Remaining));
    }

    [Fact]
    public async Task Bad_splits_are_refused_naming_the_field_on_grpc_and_on_the_admin_api()
    {
        await SeedStockAsync(10);

        var both = await StatusAsync(StatusCode.InvalidArgument, () => Client.SetChannelStockAsync(new SetChannelStockRequest
        {
            Sku = Sku,
            Shares = { new ChannelStockShare { Channel = "marketplace", Percent = 30, Quantity = 4 } },
        }));
        var over = await StatusAsync(StatusCode.InvalidArgument, () => Client.SetChannelStockAsync(new SetChannelStockRequest
        {
            Sku = Sku,
            Shares = { new ChannelStockShare { Channel = "a", Percent = 60 }, new ChannelStockShare { Channel = "b", Percent = 41 } },
        }));
        using var adminPercent = await SendAsync("PUT", $"admin/skus/{Sku}/channel-stock", PresaleHost.OperatorToken, """{"shares":[{"channel":"marketplace","percent":120}]}""");
        using var adminNoChannel = await SendAsync("PUT", $"admin/skus/{Sku}/channel-stock", PresaleHost.OperatorToken, """{"shares":[{"quantity":3}]}""");
        using var viewer = await SendAsync("PUT", $"admin/skus/{Sku}/channel-stock", PresaleHost.ViewerToken, """{"shares":[]}""");

        Assert.StartsWith("shares[0].quantity: exactly one of quantity and percent", both, StringComparison.Ordinal);
        Assert.StartsWith("shares: the percents add up to 101", over, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, adminPercent.StatusCode);
        Assert.Contains("shares[0].percent: must be between 0 and 100", await adminPercent.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Contains("shares[0].channel: is required", await adminNoChannel.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, viewer.StatusCode);
        Assert.Empty((await Client.GetAvailabilityAsync(Sku)).Channels);
    }

    [Fact]
    public async Task An_operator_splits_a_sku_on_the_admin_api_and_reads_a_channels_availability()
    {
        await SeedStockAsync(10);

        using var set = await SendAsync("PUT", $"admin/skus/{Sku}/channel-stock", PresaleHost.OperatorToken,
            """{"shares":[{"channel":"marketplace","percent":30},{"channel":"pos","quantity":2}]}""");
        using var read = await SendAsync("GET", $"admin/skus/{Sku}/availability?channel=web", PresaleHost.ViewerToken);
        var body = JsonNode.Parse(await read.Content.ReadAsStringAsync())!;

        Assert.Equal(HttpStatusCode.OK, set.StatusCode);
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        Assert.Equal(5, body["channelAvailable"]!.GetValue<int>());
        Assert.Equal(["marketplace", "pos"], body["channels"]!.AsArray().Select(c => c!["channel"]!.GetValue<string>()));
        Assert.Equal(8, (await Client.GetAvailabilityAsync(new GetAvailabilityRequest { Sku = Sku, Channel = "marketplace" })).ChannelAvailable);
    }

    public void Dispose() => _http.Dispose();

    private PlaceOrderRequest Place(string channel, string externalId, int quantity) => new()
    {
        Channel = channel,
        ExternalOrderId = $"{externalId}-{_run}",
        CustomerId = "ada",
        Currency = "EUR",
        ShipTo = new Address { Recipient = "Ada", Line1 = "Unter den Linden 1", City = "Berlin", Country = "DE", Latitude = 52.5, Longitude = 13.4 },
        Lines = { new OrderLine { Sku = Sku, Quantity = quantity, UnitPriceMinor = 1_000 } },
    };

    private async Task SeedStockAsync(int units)
    {
        await Client.UpsertCustomerAsync(new Customer { CustomerId = "ada", Name = "Ada" });
        await Client.UpsertWarehouseAsync(new Warehouse { WarehouseId = "berlin", Name = "berlin", Latitude = 52.52, Longitude = 13.40, Active = true });
        await Client.SetStockAsync(new SetStockRequest { WarehouseId = "berlin", Sku = Sku, OnHand = units, SyncId = "seed-" + Sku });
    }

    private Task<HttpResponseMessage> SendAsync(string method, string path, string? token, string? body = null) =>
        _http.SendAdminAsync(method, path, token, body);
}
