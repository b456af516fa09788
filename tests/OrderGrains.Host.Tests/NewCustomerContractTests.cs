using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Grpc.Core;
using OrderGrains.Contracts.V1;

namespace OrderGrains.Host.Tests;

/// <summary>Unknown customers over the gRPC contract, per channel setting (issue 13 §5).</summary>
public sealed class NewCustomerContractTests
{
    [Fact]
    public async Task A_marketplace_order_opens_an_account_and_a_web_order_from_a_stranger_is_not_found()
    {
        const string token = "viewer-token-0123456789abcdef";
        await using var host = await TestHost.StartAsync(
            null,
            "--OrderGrains:Customers:Channels:marketplace:UnknownCustomers=Create",
            "--OrderGrains:Customers:Channels:marketplace:Tier=mp",
            $"--OrderGrains:Admin:Tokens:0:Token={token}",
            "--OrderGrains:Admin:Tokens:0:Name=victor",
            "--OrderGrains:Admin:Tokens:0:Role=viewer");
        using var admin = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{host.AdminPort}/") };
        admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        await host.Client.UpsertWarehouseAsync(new Warehouse { WarehouseId = "berlin", Name = "Berlin", Latitude = 52.52, Longitude = 13.40, Active = true });
        await host.Client.SetStockAsync(new SetStockRequest { WarehouseId = "berlin", Sku = "sku-1", OnHand = 10, SyncId = "seed" });

        var placed = (await host.Client.PlaceOrderAsync(Order("marketplace", "mp-1", "buyer-1"))).Order;
        var refused = await Assert.ThrowsAsync<RpcException>(() => host.Client.PlaceOrderAsync(Order("web", "w-1", "buyer-2")));

        Assert.Equal(OrderStatus.PendingPayment, placed.Status);
        var customer = JsonNode.Parse(await admin.GetStringAsync(new Uri("admin/customers/buyer-1", UriKind.Relative)))!;
        Assert.Equal(("Grace", "mp", 0L), ((string?)customer["account"]!["profile"]!["name"], (string?)customer["account"]!["profile"]!["tier"], (long)customer["account"]!["profile"]!["creditLimitMinor"]!));
        Assert.Equal(StatusCode.NotFound, refused.StatusCode);
        Assert.Contains("customer 'buyer-2' does not exist", refused.Status.Detail, StringComparison.Ordinal);
        using var unknown = await admin.GetAsync(new Uri("admin/customers/buyer-2", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    private static PlaceOrderRequest Order(string channel, string externalId, string customerId) => new()
    {
        Channel = channel,
        ExternalOrderId = externalId,
        CustomerId = customerId,
        Currency = "EUR",
        ShipTo = new Address { Recipient = "Grace", Latitude = 52.5, Longitude = 13.4 },
        Lines = { new OrderLine { Sku = "sku-1", Quantity = 1, UnitPriceMinor = 1_000 } },
    };
}
