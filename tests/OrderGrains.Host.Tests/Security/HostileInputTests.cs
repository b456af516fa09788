using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net;
using Google.Protobuf;
using Grpc.Core;
using OrderGrains.Client;
using OrderGrains.Contracts.V1;
using OrderGrains.Grpc.Tests;

namespace OrderGrains.Host.Tests.Security;

/// <summary>Malformed and mutated calls against a live host: each ends with a precise status and changes nothing it should not.</summary>
public sealed class HostileInputTests
{
    private const int Calls = 10_000;

    // What a mangled PlaceOrder may legitimately be answered with: never UNKNOWN, never a dropped stream.
    private static readonly HashSet<string> Expected =
    [
        ((int)StatusCode.OK).ToString(System.Globalization.CultureInfo.InvariantCulture),
        ((int)StatusCode.InvalidArgument).ToString(System.Globalization.CultureInfo.InvariantCulture),
        ((int)StatusCode.NotFound).ToString(System.Globalization.CultureInfo.InvariantCulture),
        ((int)StatusCode.AlreadyExists).ToString(System.Globalization.CultureInfo.InvariantCulture),
        ((int)StatusCode.FailedPrecondition).ToString(System.Globalization.CultureInfo.InvariantCulture),
        ((int)StatusCode.ResourceExhausted).ToString(System.Globalization.CultureInfo.InvariantCulture),
        ((int)StatusCode.Internal).ToString(System.Globalization.CultureInfo.InvariantCulture),
    ];

    [Fact]
    public async Task Ten_thousand_mutated_place_orders_end_with_precise_statuses_and_reserve_only_what_was_acknowledged()
    {
        await using var host = await TestHost.StartAsync();
        var id = Guid.NewGuid().ToString("N")[..8];
        var sku = "fz-" + id;
        await host.Client.UpsertWarehouseAsync(new Warehouse { WarehouseId = "w" + id, Name = "W", Latitude = 52.5, Longitude = 13.4, Active = true });
        await host.Client.SetStockAsync(new SetStockRequest { WarehouseId = "w" + id, Sku = sku, OnHand = 1_000_000, SyncId = "s" });
        await host.Client.UpsertCustomerAsync(new Customer { CustomerId = "c" + id, Name = "Ada" });
        var seed = new PlaceOrderRequest
        {
            Channel = "fz",
            ExternalOrderId = "e" + id,
            CustomerId = "c" + id,
            Currency = "EUR",
            ShipTo = new Address { Recipient = "Ada", Latitude = 52.5, Longitude = 13.4 },
            Lines = { new OrderLine { Sku = sku, Quantity = 2, UnitPriceMinor = 100 } },
        }.ToByteArray();
        var address = new Uri($"http://127.0.0.1:{host.GrpcPort}");
        var authorization = ("authorization", "Bearer " + host.Token);
        var statuses = new ConcurrentDictionary<string, int>();
        var acknowledged = new ConcurrentDictionary<string, int>(StringComparer.Ordinal);
        var unexpected = new ConcurrentQueue<string>();

        await Parallel.ForAsync(0, Calls, new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (i, _) =>
        {
            var random = new Random(i);
            var body = Mutate(seed, random, out var kind);
            var response = await RawGrpc.SendAsync(address, "/ordergrains.v1.OrderIntake/PlaceOrder", body, headers: authorization);
            var status = response.Trailer("grpc-status") ?? response.Header("grpc-status");
            statuses.AddOrUpdate(status ?? "none", 1, (_, n) => n + 1);
            if (response.StatusCode != HttpStatusCode.OK || status is null || !Expected.Contains(status))
            {
                unexpected.Enqueue($"call {i} ({kind}): HTTP {(int)response.StatusCode}, grpc-status {status ?? "none"} {response.Trailer("grpc-message")}");
                return;
            }

            if (status == "0")
            {
                var reply = PlaceOrderReply.Parser.ParseFrom(response.Body.AsSpan(5).ToArray());
                acknowledged[reply.Order.OrderId] = reply.Order.Allocations.Where(a => a.Sku == sku).Sum(a => a.Quantity);
            }
        });

        Assert.True(unexpected.IsEmpty, $"{unexpected.Count} calls ended without a precise status, e.g.:\n{string.Join('\n', unexpected.Take(10))}");
        Assert.True(statuses.GetValueOrDefault("0") > 0 && statuses.Count > 2, "the mutations reach both accepting and refusing paths: " + string.Join(", ", statuses));

        // Whatever was not acknowledged reserved nothing: the pool holds exactly the acknowledged orders' allocations
        // (those still holding stock; a mutated order may have been put on hold or rejected, holding none).
        var held = 0;
        foreach (var orderId in acknowledged.Keys)
        {
            var order = await host.Client.GetOrderAsync(orderId, OrderGrainsClient.Timeout(TimeSpan.FromSeconds(30)));
            held += order.Allocations.Where(a => a.Sku == sku).Sum(a => a.Quantity);
        }

        var availability = await host.Client.GetAvailabilityAsync(sku);
        Assert.Equal(1_000_000, availability.OnHand);
        Assert.Equal(held, availability.Reserved);
        var health = new global::Grpc.Health.V1.Health.HealthClient(host.Client.Channel);
        Assert.Equal(global::Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus.Serving, (await health.CheckAsync(new global::Grpc.Health.V1.HealthCheckRequest())).Status);
    }

    /// <summary>One of: flipped bytes, a truncated or extended payload, inserted noise, a lying length prefix, or the compressed flag without an encoding.</summary>
    private static byte[] Mutate(byte[] seed, Random random, out string kind)
    {
        var payload = seed.ToArray();
        switch (random.Next(6))
        {
            case 0:
                kind = "flipped bytes";
                for (var n = random.Next(1, 4); n > 0; n--)
                {
                    payload[random.Next(payload.Length)] ^= (byte)random.Next(1, 256);
                }

                return RawGrpc.Frame(payload, compressed: false);
            case 1:
                kind = "truncated";
                return RawGrpc.Frame(payload[..random.Next(payload.Length)], compressed: false);
            case 2:
                kind = "inserted noise";
                var at = random.Next(payload.Length);
                var noise = new byte[random.Next(1, 16)];
                random.NextBytes(noise);
                return RawGrpc.Frame([.. payload[..at], .. noise, .. payload[at..]], compressed: false);
            case 3:
                kind = "length prefix too long";
                var longer = RawGrpc.Frame(payload, compressed: false);
                BinaryPrimitives.WriteUInt32BigEndian(longer.AsSpan(1), (uint)(payload.Length + random.Next(1, 1000)));
                return longer;
            case 4:
                kind = "length prefix too short";
                var shorter = RawGrpc.Frame(payload, compressed: false);
                BinaryPrimitives.WriteUInt32BigEndian(shorter.AsSpan(1), (uint)random.Next(payload.Length));
                return shorter;
            default:
                kind = "compressed flag without grpc-encoding";
                return RawGrpc.Frame(payload, compressed: true);
        }
    }
}
