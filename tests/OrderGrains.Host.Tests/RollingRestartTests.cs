using System.Collections.Concurrent;
using System.Net.Http.Headers;
using Grpc.Core;
using OrderGrains.Contracts.V1;
using Xunit.Abstractions;

namespace OrderGrains.Host.Tests;

/// <summary>
/// Issue 11, graceful stop: two host processes on one PostgreSQL schema form a cluster; while orders keep arriving
/// through both, each host in turn gets SIGTERM (it finishes its calls, hands its grains over, leaves the membership,
/// exits 0) and is started again. Callers see only retryable statuses, re-send what failed with the same external id
/// to the other host, and every acknowledged order is there afterwards, on both hosts, with the stock adding up.
/// </summary>
public sealed class RollingRestartTests(ITestOutputHelper output)
{
    private const string AdminToken = "rolling-restart-admin-token-0123";
    private const int Workers = 4;

    // What a caller may retry: the host is going away or shedding load. Anything else during a restart is a defect.
    private static readonly StatusCode[] Retryable = [StatusCode.Unavailable, StatusCode.ResourceExhausted];

    [Fact]
    public async Task Restarting_every_host_in_turn_under_load_loses_nothing_and_callers_see_only_retryable_statuses()
    {
        var schema = "t_" + Guid.NewGuid().ToString("N");
        var grpc = new[] { TestHost.FreePort(), TestHost.FreePort() };
        var admin = new[] { TestHost.FreePort(), TestHost.FreePort() };
        string[] tokens = [$"--OrderGrains:Admin:Tokens:0:Token={AdminToken}", "--OrderGrains:Admin:Tokens:0:Name=ops", "--OrderGrains:Admin:Tokens:0:Role=operator"];
        var settings = Enumerable.Range(0, 2)
            .Select(i => HostProcess.PostgresSettings(schema, grpc[i], admin[i], [.. tokens, "--OrderGrains:DataDir=" + Path.Combine(Path.GetTempPath(), "ordergrains-rolling", Guid.NewGuid().ToString("N"))]))
            .ToArray();
        var hosts = new HostProcess[2];
        try
        {
            for (var i = 0; i < 2; i++)
            {
                hosts[i] = HostProcess.Start(settings[i]);
                await hosts[i].WaitHealthyAsync(admin[i], TimeSpan.FromSeconds(90));
            }

            await WaitForActiveAsync(admin[0], 2);
            using var seed = HostProcess.Client(grpc[0]);
            await seed.UpsertWarehouseAsync(new Warehouse { WarehouseId = "berlin", Name = "Berlin", Latitude = 52.52, Longitude = 13.40, Active = true });
            await seed.SetStockAsync(new SetStockRequest { WarehouseId = "berlin", Sku = "sku-r", OnHand = 100_000, SyncId = "seed" });
            await seed.UpsertCustomerAsync(new Customer { CustomerId = "ada", Name = "Ada" });

            var clients = grpc.Select(HostProcess.Client).ToArray();
            var outcomes = new ConcurrentDictionary<string, Order>(StringComparer.Ordinal);
            var statuses = new ConcurrentDictionary<StatusCode, int>();
            using var stop = new CancellationTokenSource();
            var load = Task.WhenAll(Enumerable.Range(0, Workers).Select(w => Task.Run(async () =>
            {
                for (var n = 0; !stop.IsCancellationRequested; n++)
                {
                    var externalId = $"w{w}-{n}";
                    outcomes[externalId] = await PlaceUntilAnsweredAsync(clients, w + n, externalId, statuses);
                }
            })));

            var phases = new List<string>();
            for (var i = 0; i < 2; i++)
            {
                await Task.Delay(TimeSpan.FromSeconds(2));
                var before = outcomes.Count;
                var exitCode = await hosts[i].StopAsync(TimeSpan.FromSeconds(90));
                Assert.True(exitCode == 0, $"host {i} exited with {exitCode} after SIGTERM:\n{hosts[i].Output}");
                hosts[i].Dispose();
                hosts[i] = HostProcess.Start(settings[i]);
                await hosts[i].WaitHealthyAsync(admin[i], TimeSpan.FromSeconds(90));
                await WaitForActiveAsync(admin[1 - i], 2);
                phases.Add($"host {i}: {outcomes.Count - before} orders answered while it stopped and restarted");
            }

            await Task.Delay(TimeSpan.FromSeconds(1));
            await stop.CancelAsync();
            await load;
            output.WriteLine(string.Join("; ", phases) + $"; {outcomes.Count} orders in all; statuses seen: " +
                string.Join(", ", statuses.Select(s => $"{s.Key} {s.Value}")));

            Assert.All(statuses.Keys, code => Assert.Contains(code, Retryable));
            Assert.All(outcomes.Values, order => Assert.Equal(OrderStatus.PendingPayment, order.Status));
            Assert.True(outcomes.Count >= Workers * 2, $"only {outcomes.Count} orders were placed: the load did not run through the restarts");

            // Every acknowledged order reads back the same from both hosts, and the pool holds exactly their units.
            foreach (var order in outcomes.Values)
            {
                foreach (var client in clients)
                {
                    var read = await HostProcess.RetryUnavailableAsync(() => client.GetOrderAsync(order.OrderId, Deadline()));
                    Assert.Equal((order.OrderId, order.Status, order.TotalMinor), (read.OrderId, read.Status, read.TotalMinor));
                }
            }

            var stock = await HostProcess.RetryUnavailableAsync(() => clients[1].GetAvailabilityAsync("sku-r", Deadline()));
            Assert.Equal((100_000, outcomes.Count), (stock.OnHand, stock.Reserved));
            foreach (var client in clients)
            {
                client.Dispose();
            }
        }
        finally
        {
            foreach (var host in hosts)
            {
                host?.Dispose();
            }
        }
    }

    // A channel adapter with two endpoints: on a retryable status it sends the same order to the other one.
    private static async Task<Order> PlaceUntilAnsweredAsync(OrderGrains.Client.OrderGrainsClient[] clients, int first, string externalId, ConcurrentDictionary<StatusCode, int> statuses)
    {
        var deadline = DateTime.UtcNow.AddSeconds(120);
        for (var attempt = first; ; attempt++)
        {
            try
            {
                return (await clients[attempt % clients.Length].PlaceOrderAsync(Request(externalId), Deadline())).Order;
            }
            catch (RpcException exception)
            {
                statuses.AddOrUpdate(exception.StatusCode, 1, (_, count) => count + 1);
                if (!Retryable.Contains(exception.StatusCode) || DateTime.UtcNow > deadline)
                {
                    throw;
                }

                await Task.Delay(100);
            }
        }
    }

    private static PlaceOrderRequest Request(string externalId) => new()
    {
        Channel = "web",
        ExternalOrderId = externalId,
        CustomerId = "ada",
        Currency = "EUR",
        ShipTo = new Address { Latitude = 52.5, Longitude = 13.4 },
        Lines = { new OrderLine { Sku = "sku-r", Quantity = 1, UnitPriceMinor = 1_500 } },
    };

    private static CallOptions Deadline() => new(deadline: DateTime.UtcNow.AddSeconds(30));

    private static async Task WaitForActiveAsync(int adminPort, int count)
    {
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{adminPort}/") };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AdminToken);
        await HostProcess.WaitForMembersAsync(http, m => m.Count(x => (string?)x["status"] == "active") == count, TimeSpan.FromSeconds(90));
    }
}
