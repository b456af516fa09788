using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using OrderGrains.Contracts.V1;

namespace OrderGrains.Host.Tests.Admin;

/// <summary>Approval chains through the admin API and the gRPC contract: tokens carry review roles, each step needs its own.</summary>
public sealed class ReviewChainApiTests
{
    private const string Supervisor = "sam-token-0123456789abcdef";
    private const string Finance = "fiona-token-0123456789abcdef";
    private const string Viewer = "victor-token-0123456789abcdef";

    [Fact]
    public async Task A_large_order_needs_a_supervisor_and_then_finance_and_a_viewer_may_not_decide()
    {
        await using var host = await TestHost.StartAsync(
            null,
            "--OrderGrains:Orders:ManualReviewThresholdMinor=1000",
            "--OrderGrains:Review:Chains:0:AboveMinor=5000",
            "--OrderGrains:Review:Chains:0:Steps:0=supervisor",
            "--OrderGrains:Review:Chains:0:Steps:1=finance",
            $"--OrderGrains:Admin:Tokens:0:Token={Supervisor}",
            "--OrderGrains:Admin:Tokens:0:Name=sam",
            "--OrderGrains:Admin:Tokens:0:Role=supervisor",
            $"--OrderGrains:Admin:Tokens:1:Token={Finance}",
            "--OrderGrains:Admin:Tokens:1:Name=fiona",
            "--OrderGrains:Admin:Tokens:1:Role=finance",
            $"--OrderGrains:Admin:Tokens:2:Token={Viewer}",
            "--OrderGrains:Admin:Tokens:2:Name=victor",
            "--OrderGrains:Admin:Tokens:2:Role=viewer");
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{host.AdminPort}/") };
        await host.Client.UpsertWarehouseAsync(new Warehouse { WarehouseId = "berlin", Name = "Berlin", Latitude = 52.52, Longitude = 13.40, Active = true });
        await host.Client.SetStockAsync(new SetStockRequest { WarehouseId = "berlin", Sku = "sku-1", OnHand = 100, SyncId = "seed" });
        await host.Client.UpsertCustomerAsync(new Customer { CustomerId = "ada", Name = "Ada" });
        var held = (await host.Client.PlaceOrderAsync(new PlaceOrderRequest
        {
            Channel = "web",
            ExternalOrderId = "big",
            CustomerId = "ada",
            Currency = "EUR",
            ShipTo = new Address { Latitude = 52.5, Longitude = 13.4 },
            Lines = { new OrderLine { Sku = "sku-1", Quantity = 10, UnitPriceMinor = 1_000 } },
        })).Order;
        var path = $"admin/orders/{Uri.EscapeDataString(held.OrderId)}/approve";

        using var byViewer = await PostAsync(http, path, Viewer);
        using var financeFirst = await PostAsync(http, path, Finance);
        using var bySupervisor = await PostAsync(http, path, Supervisor);
        var afterSupervisor = await host.Client.GetOrderAsync(held.OrderId);
        using var byFinance = await PostAsync(http, path, Finance);

        Assert.Equal((OrderStatus.OnHold, HoldReason.ManualReview), (held.Status, held.HoldReason));
        Assert.Equal(["supervisor", "finance"], held.ApprovalSteps);
        Assert.Equal("total above 1000", held.HoldDetails);
        Assert.Equal(HttpStatusCode.Forbidden, byViewer.StatusCode);
        Assert.Contains("'victor' is a viewer; deciding a hold needs", await byViewer.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Conflict, financeFirst.StatusCode);
        Assert.Contains("approval step 1 of 2 needs the supervisor role; operator:fiona has finance", await financeFirst.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, bySupervisor.StatusCode);
        Assert.Equal((OrderStatus.OnHold, "operator:sam"), (afterSupervisor.Status, afterSupervisor.Approvers.Single()));
        Assert.Equal(HttpStatusCode.OK, byFinance.StatusCode);
        var approved = JsonNode.Parse(await byFinance.Content.ReadAsStringAsync())!;
        Assert.Equal("PendingPayment", (string?)approved["status"]);
        Assert.Equal(OrderStatus.PendingPayment, (await host.Client.GetOrderAsync(held.OrderId)).Status);
    }

    private static async Task<HttpResponseMessage> PostAsync(HttpClient http, string path, string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return await http.SendAsync(request);
    }
}
