using System.Diagnostics;
using System.Net.Http.Headers;
using Grpc.Core;
using OrderGrains.Contracts.V1;
using Xunit.Abstractions;

namespace OrderGrains.Host.Tests;

/// <summary>
/// Two whole hosts on one PostgreSQL schema form one Orleans cluster (issue 11): both list each other at
/// /admin/cluster with their endpoints; after SIGKILL of one, the survivor declares it dead and serves every order
/// the dead one acknowledged, from durable state.
/// </summary>
public sealed class ClusterTests(ITestOutputHelper output)
{
    private const string AdminToken = "cluster-test-admin-token-0123";

    [Fact]
    public async Task Two_hosts_form_one_cluster_and_the_survivor_of_a_sigkill_serves_the_dead_ones_orders()
    {
        var schema = "t_" + Guid.NewGuid().ToString("N");
        var (grpcA, adminA, grpcB, adminB) = (TestHost.FreePort(), TestHost.FreePort(), TestHost.FreePort(), TestHost.FreePort());
        string[] admin = [$"--OrderGrains:Admin:Tokens:0:Token={AdminToken}", "--OrderGrains:Admin:Tokens:0:Name=ops", "--OrderGrains:Admin:Tokens:0:Role=operator"];
        using var a = HostProcess.Start(HostProcess.PostgresSettings(schema, grpcA, adminA, [.. admin, "--OrderGrains:DataDir=" + DataDir("a")]));
        await a.WaitHealthyAsync(adminA, TimeSpan.FromSeconds(60));
        using var b = HostProcess.Start(HostProcess.PostgresSettings(schema, grpcB, adminB, [.. admin, "--OrderGrains:DataDir=" + DataDir("b")]));
        await b.WaitHealthyAsync(adminB, TimeSpan.FromSeconds(60));
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{adminA}/") };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AdminToken);

        var both = await HostProcess.WaitForMembersAsync(http, m => m.Count(x => (string?)x["status"] == "active") == 2, TimeSpan.FromSeconds(60));
        Assert.Equal(
            new[] { $"http://127.0.0.1:{grpcA}", $"http://127.0.0.1:{grpcB}" }.Order(),
            both.Select(m => (string?)m["grpcEndpoint"]).Order());
        Assert.All(both, m => Assert.True((int)m["activations"]! >= 0));

        using var clientA = HostProcess.Client(grpcA);
        using var clientB = HostProcess.Client(grpcB);
        await clientA.UpsertWarehouseAsync(new Warehouse { WarehouseId = "berlin", Name = "Berlin", Latitude = 52.52, Longitude = 13.40, Active = true });
        await clientA.SetStockAsync(new SetStockRequest { WarehouseId = "berlin", Sku = "sku-1", OnHand = 1_000, SyncId = "seed" });
        await clientB.UpsertCustomerAsync(new Customer { CustomerId = "ada", Name = "Ada" });

        // Orders placed through both hosts: their grains land on either silo, so some live on the one that dies.
        var placed = new List<Order>();
        for (var i = 0; i < 40; i++)
        {
            var client = i % 2 == 0 ? clientA : clientB;
            placed.Add((await client.PlaceOrderAsync(Order($"o-{i}"), Deadline())).Order);
        }

        // Each silo reports the PlaceOrder calls it answered (its last 10 s): both served some.
        var busy = await HostProcess.WaitForMembersAsync(http, m => m.Count(x => (double?)x["ordersPerSecond"] > 0) == 2, TimeSpan.FromSeconds(30));
        output.WriteLine("orders/s per silo: " + string.Join(", ", busy.Select(m => $"{(string?)m["name"]} {(double?)m["ordersPerSecond"]}")));

        var stopwatch = Stopwatch.StartNew();
        b.Kill();
        var afterKill = await HostProcess.WaitForMembersAsync(http, m => m.Any(x => (string?)x["status"] == "dead"), TimeSpan.FromSeconds(90));
        output.WriteLine($"the killed silo was declared dead after {stopwatch.Elapsed.TotalSeconds:F1} s");
        var dead = Assert.Single(afterKill, m => (string?)m["status"] == "dead");
        Assert.Null((string?)dead["grpcEndpoint"]);
        Assert.Null((double?)dead["ordersPerSecond"]);
        Assert.Equal($"http://127.0.0.1:{grpcA}", (string?)Assert.Single(afterKill, m => (string?)m["status"] == "active")["grpcEndpoint"]);

        // Every acknowledged order is there on the survivor, as acknowledged, and the stock still adds up.
        using var survivor = HostProcess.Client(grpcA);
        foreach (var order in placed)
        {
            var read = await HostProcess.RetryUnavailableAsync(() => survivor.GetOrderAsync(order.OrderId, Deadline()));
            Assert.Equal((OrderStatus.PendingPayment, order.TotalMinor, order.Version), (read.Status, read.TotalMinor, read.Version));
        }

        var more = (await HostProcess.RetryUnavailableAsync(() => survivor.PlaceOrderAsync(Order("after-kill"), Deadline()))).Order;
        Assert.Equal(OrderStatus.PendingPayment, more.Status);
        var availability = await survivor.GetAvailabilityAsync("sku-1", Deadline());
        Assert.Equal((placed.Count + 1) * 2, availability.Reserved);
        Assert.Equal(1_000, availability.OnHand);
        a.Kill();
    }

    private static PlaceOrderRequest Order(string externalId) => new()
    {
        Channel = "web",
        ExternalOrderId = externalId,
        CustomerId = "ada",
        Currency = "EUR",
        ShipTo = new Address { Latitude = 52.5, Longitude = 13.4 },
        Lines = { new OrderLine { Sku = "sku-1", Quantity = 2, UnitPriceMinor = 1_500 } },
    };

    private static CallOptions Deadline() => new(deadline: DateTime.UtcNow.AddSeconds(30));

    private static string DataDir(string name) => Path.Combine(Path.GetTempPath(), "ordergrains-cluster-tests", Guid.NewGuid().ToString("N"), name);
}
