using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using Google.Protobuf;
using Grpc.Core;
using OrderGrains.Contracts.V1;
using OrderGrains.Grpc.Tests;
using OrderGrains.Host.Operations;

namespace OrderGrains.Host.Tests.Security;

/// <summary>
/// Malformed gRPC calls, made by hand over HTTP/2 against a live host: each ends with one exact status, none places an
/// order or moves stock, the host keeps serving and its memory stays bounded. Alone in its collection, run after the
/// parallel ones: the heap measured is the whole test process's, so no other test may allocate meanwhile.
/// </summary>
[Collection(MeasuresProcessMemory.Name)]
public sealed class MalformedGrpcTests
{
    private const string PlaceOrder = "/ordergrains.v1.OrderIntake/PlaceOrder";

    [Fact]
    public async Task Malformed_calls_end_with_exact_statuses_change_nothing_and_leave_memory_bounded()
    {
        // A field limit of 8 KiB (from configuration, so the setting is proven to reach Kestrel) lets an oversized
        // field fit in one HEADERS frame: the server refuses it before the client has anything more to write.
        await using var host = await TestHost.StartAsync(null, $"--{ServerLimits.Section}:MaxRequestHeaderFieldSize=8192");
        var shop = await Shop.StockAsync(host);
        using var http = NewClient();
        var address = new Uri($"http://127.0.0.1:{host.GrpcPort}");
        var payload = shop.Request.ToByteArray();
        var valid = RawGrpc.Frame(payload, compressed: false);
        var failures = new List<string>();

        async Task Expect(string name, Outcome expected, Func<Task<Outcome>> call)
        {
            var actual = await call();
            if (actual != expected)
            {
                failures.Add($"{name}: expected {expected}, got {actual}");
            }
        }

        Task<Outcome> Send(byte[] body, string? contentType = "application/grpc", params (string Name, string Value)[] headers) =>
            SendAsync(http, address, body, contentType, [("authorization", "Bearer " + host.Token), .. headers]);

        byte[] WithLength(uint length)
        {
            var frame = valid.ToArray();
            BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1), length);
            return frame;
        }

        var hostile = new (string Name, Outcome Expected, Func<Task<Outcome>> Call)[]
        {
            ("length prefix longer than the body", Outcome.Grpc(StatusCode.Internal, "Incomplete message."),
                () => Send(WithLength((uint)payload.Length + 100))),
            ("length prefix shorter than the body", Outcome.Grpc(StatusCode.Internal, "Failed to deserialize the request message."),
                () => Send(WithLength((uint)payload.Length - 3))),
            ("body shorter than the 5-byte prefix", Outcome.Grpc(StatusCode.Internal, "Incomplete message."),
                () => Send(valid[..3])),
            ("content-type text/plain", Outcome.Http(HttpStatusCode.UnsupportedMediaType, StatusCode.Internal, "Content-Type 'text/plain' is not supported."),
                () => Send(valid, "text/plain")),
            ("content-type application/json", Outcome.Http(HttpStatusCode.UnsupportedMediaType, StatusCode.Internal, "Content-Type 'application/json' is not supported."),
                () => Send(valid, "application/json")),
            ("no content-type", Outcome.Http(HttpStatusCode.UnsupportedMediaType, StatusCode.Internal, "Content-Type is missing from the request."),
                () => Send(valid, contentType: null)),
            ("compressed flag without grpc-encoding", Outcome.Grpc(StatusCode.Internal, "Request did not include grpc-encoding value with compressed message."),
                () => Send(RawGrpc.Frame(payload, compressed: true))),
            ("unknown grpc-encoding", Outcome.Grpc(StatusCode.Unimplemented, "Unsupported grpc-encoding value 'snappy'. Supported encodings: identity, gzip, deflate"),
                () => Send(RawGrpc.Frame(payload, compressed: true), headers: ("grpc-encoding", "snappy"))),
            ("gzip flag on bytes that are not gzip", Outcome.Grpc(StatusCode.Internal, "Failed to decompress the request message."),
                () => Send(RawGrpc.Frame(payload, compressed: true), headers: ("grpc-encoding", "gzip"))),
            ("message over 4 MiB", Outcome.Grpc(StatusCode.ResourceExhausted, "Received message exceeds the maximum configured message size."),
                () => Send(RawGrpc.Frame(new byte[(4 * 1024 * 1024) + 1], compressed: false))),
            ("length prefix claiming 2 GiB", Outcome.Grpc(StatusCode.ResourceExhausted, "Received message exceeds the maximum configured message size."),
                () => Send(WithLength(int.MaxValue))),
            // Grpc.AspNetCore would throw IOException("Message too large") for prefixes past int.MaxValue and answer
            // UNKNOWN; GrpcLengthPrefixGuard ends them as Grpc.AspNetCore ends every other oversized message.
            ("length prefix past 2 GiB", Outcome.Grpc(StatusCode.ResourceExhausted, "Received message exceeds the maximum configured message size."),
                () => Send(WithLength(uint.MaxValue))),
            // A field over Http2.MaxRequestHeaderFieldSize is an HPACK decoding failure: the connection ends, COMPRESSION_ERROR.
            ("one header field over 8 KiB", Outcome.Ended(new Http2End("GOAWAY", 0x9)),
                () => RawAsync(host, [("x-junk", new string('a', 10 * 1024))])),
            // Over MaxRequestHeadersTotalSize the stream gets HTTP 431 and gRPC never starts.
            ("headers over 32 KiB in total", Outcome.Ended(new Http2End("HEADERS", 431)),
                () => RawAsync(host, [.. Enumerable.Range(0, 6).Select(i => ($"x-junk-{i}", new string('b', 6 * 1024)))])),
            // The client gave up: it sees its own cancellation; the server's side must simply change nothing (checked below).
            ("stream reset mid-message", Outcome.Failed("TaskCanceledException"),
                () => ResetMidMessageAsync(http, address, valid, host.Token!)),
        };

        // Warm up, then take the baseline after a full collection, so the bound measures what the hostile phase kept.
        await Expect("a valid call before", Outcome.Grpc(StatusCode.InvalidArgument, null), () => Send(RawGrpc.Frame(new PlaceOrderRequest().ToByteArray(), compressed: false)));
        var before = ManagedHeap();
        var placedBefore = ((PlacementStatistics)host.Services.GetService(typeof(PlacementStatistics))!).TotalPlaced;
        for (var round = 0; round < 10; round++)
        {
            foreach (var (name, expected, call) in hostile)
            {
                await Expect(name, expected, call);
            }
        }

        Assert.True(failures.Count == 0, string.Join('\n', failures.Distinct()));

        // Nothing placed, nothing reserved, nothing counted as an order.
        var availability = await host.Client.GetAvailabilityAsync(shop.Sku);
        Assert.Equal(Shop.OnHand, availability.OnHand);
        Assert.Equal(0, availability.Reserved);
        var missing = await Assert.ThrowsAsync<RpcException>(() => host.Client.GetOrderAsync(OrderGrains.Abstractions.OrderIds.For(shop.Request.Channel, shop.Request.ExternalOrderId)));
        Assert.Equal(StatusCode.NotFound, missing.StatusCode);
        Assert.Equal(placedBefore, ((PlacementStatistics)host.Services.GetService(typeof(PlacementStatistics))!).TotalPlaced);

        // Ten rounds pushed over 40 MiB of bodies through the host (a run here kept about 1 MiB); what stays must be far below.
        var after = ManagedHeap();
        Assert.True(after - before < 16 * 1024 * 1024, $"managed heap grew from {before:N0} to {after:N0} bytes over the hostile phase");

        // Still serving: the same order, sent properly, is placed.
        var placed = await host.Client.PlaceOrderAsync(shop.Request);
        Assert.Equal(2, placed.Order.Allocations.Sum(a => a.Quantity));
    }

    [Fact]
    public async Task A_client_sending_one_byte_a_second_is_cut_off_and_places_nothing()
    {
        await using var host = await TestHost.StartAsync();
        var shop = await Shop.StockAsync(host);
        var frame = RawGrpc.Frame(shop.Request);
        await using var connection = await RawHttp2Connection.OpenAsync(host.GrpcPort);
        await connection.SendHeadersAsync(1, RequestHeaders(host), endStream: false);
        var stopwatch = Stopwatch.StartNew();
        using var stop = new CancellationTokenSource();
        var trickle = Task.Run(async () =>
        {
            for (var i = 0; i < frame.Length && !stop.IsCancellationRequested; i++)
            {
                await connection.SendDataAsync(1, frame.AsMemory(i, 1), endStream: i == frame.Length - 1);
                await Task.Delay(TimeSpan.FromSeconds(1), stop.Token);
            }
        });

        var outcome = Outcome.Ended(await connection.ReadEndAsync(1, TimeSpan.FromSeconds(frame.Length + 30)));
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<Exception>(() => trickle);

        // The body takes over 100 s at this pace; Kestrel's minimum rate (240 bytes/s after a 5 s grace) ends it first.
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(frame.Length - 10), $"the trickle ran {stopwatch.Elapsed} of {frame.Length} s: not cut off");
        // Kestrel ends the connection with GOAWAY INTERNAL_ERROR; when the trickle writes into the closing socket, the
        // kernel's reset can reach our read before the GOAWAY does, so a closed connection is the same ending.
        Assert.Contains(outcome, new[] { Outcome.Ended(new Http2End("GOAWAY", 0x2)), Outcome.Ended(new Http2End("connection closed", null)) });
        var availability = await host.Client.GetAvailabilityAsync(shop.Sku);
        Assert.Equal(0, availability.Reserved);
        var missing = await Assert.ThrowsAsync<RpcException>(() => host.Client.GetOrderAsync(OrderGrains.Abstractions.OrderIds.For(shop.Request.Channel, shop.Request.ExternalOrderId)));
        Assert.Equal(StatusCode.NotFound, missing.StatusCode);
    }

    /// <summary>A PlaceOrder whose headers HttpClient would refuse to send, over a connection of its own.</summary>
    private static async Task<Outcome> RawAsync(TestHost host, (string Name, string Value)[] extraHeaders)
    {
        await using var connection = await RawHttp2Connection.OpenAsync(host.GrpcPort);
        // Headers only (END_STREAM on them): the server judges them before any body, and writing into a connection it
        // already closed would have the kernel reset it, possibly before its GOAWAY is read.
        await connection.SendHeadersAsync(1, [.. RequestHeaders(host), .. extraHeaders], endStream: true);
        return Outcome.Ended(await connection.ReadEndAsync(1, TimeSpan.FromMinutes(1)));
    }

    private static (string Name, string Value)[] RequestHeaders(TestHost host) =>
    [
        (":method", "POST"),
        (":scheme", "http"),
        (":path", PlaceOrder),
        (":authority", $"127.0.0.1:{host.GrpcPort}"),
        ("content-type", "application/grpc"),
        ("te", "trailers"),
        ("authorization", "Bearer " + host.Token),
    ];

    private static HttpClient NewClient() =>
        new(new SocketsHttpHandler { UseProxy = false, EnableMultipleHttp2Connections = true }) { Timeout = TimeSpan.FromMinutes(3) };

    private static long ManagedHeap()
    {
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        return GC.GetTotalMemory(forceFullCollection: true);
    }

    private static Task<Outcome> SendAsync(HttpClient http, Uri address, byte[] body, string? contentType, (string Name, string Value)[] headers)
    {
        var content = new ByteArrayContent(body);
        if (contentType is not null)
        {
            content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        }

        return SendContentAsync(http, address, content, token: null, CancellationToken.None, headers);
    }

    private static async Task<Outcome> ResetMidMessageAsync(HttpClient http, Uri address, byte[] frame, string token)
    {
        using var cancel = new CancellationTokenSource();
        var content = new HalfThenWaitContent(frame, cancel);
        content.Headers.TryAddWithoutValidation("Content-Type", "application/grpc");
        return await SendContentAsync(http, address, content, token, cancel.Token);
    }

    private static async Task<Outcome> SendContentAsync(
        HttpClient http, Uri address, HttpContent content, string? token, CancellationToken cancellation, params (string Name, string Value)[] headers)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(address, PlaceOrder))
        {
            Content = content,
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        request.Headers.TryAddWithoutValidation("TE", "trailers");
        if (token is not null)
        {
            request.Headers.TryAddWithoutValidation("authorization", "Bearer " + token);
        }

        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        try
        {
            using var response = await http.SendAsync(request, cancellation);
            await response.Content.ReadAsByteArrayAsync(cancellation);
            var status = response.TrailingHeaders.TryGetValues("grpc-status", out var trailer) ? trailer.Single()
                : response.Headers.TryGetValues("grpc-status", out var header) ? header.Single() : null;
            var message = response.TrailingHeaders.TryGetValues("grpc-message", out var trailerMessage) ? trailerMessage.Single()
                : response.Headers.TryGetValues("grpc-message", out var headerMessage) ? headerMessage.Single() : null;
            var code = status is null ? (StatusCode?)null : (StatusCode)int.Parse(status, System.Globalization.CultureInfo.InvariantCulture);
            return new Outcome(response.StatusCode, code, message is null ? null : Uri.UnescapeDataString(message), null);
        }
        catch (Exception exception) when (exception is HttpRequestException or OperationCanceledException)
        {
            return Outcome.Failed(exception.GetType().Name);
        }
    }

    /// <summary>How a call ended: an HTTP status with the gRPC status and message, or the client-side failure.</summary>
    private sealed record Outcome(HttpStatusCode? HttpStatus, StatusCode? Status, string? Message, string? ClientFailure)
    {
        public static Outcome Grpc(StatusCode status, string? message) => new(HttpStatusCode.OK, status, message, null);

        public static Outcome Http(HttpStatusCode http, StatusCode status, string message) => new(http, status, message, null);

        public static Outcome Failed(string exception) => new(null, null, null, exception);

        public static Outcome Ended(Http2End end) => new(null, null, null, $"{end.How} {end.Code}");

        // A status whose message the test does not pin compares by code only.
        public bool Equals(Outcome? other) =>
            other is not null && HttpStatus == other.HttpStatus && Status == other.Status && ClientFailure == other.ClientFailure
            && (Message is null || other.Message is null || Message == other.Message);

        public override int GetHashCode() => HashCode.Combine(HttpStatus, Status, ClientFailure);
    }

    /// <summary>Writes half the frame, then cancels the request, so the client resets the stream mid-message.</summary>
    private sealed class HalfThenWaitContent(byte[] frame, CancellationTokenSource cancel) : HttpContent
    {
        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            await stream.WriteAsync(frame.AsMemory(0, frame.Length / 2));
            await stream.FlushAsync();
            await Task.Delay(TimeSpan.FromMilliseconds(200));
            await cancel.CancelAsync();
            await Task.Delay(Timeout.InfiniteTimeSpan, cancel.Token);
        }

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }

    /// <summary>A warehouse with stock, a customer and a valid order for them.</summary>
    internal sealed record Shop(string Sku, PlaceOrderRequest Request)
    {
        public const int OnHand = 1_000;

        public static async Task<Shop> StockAsync(TestHost host)
        {
            var id = Guid.NewGuid().ToString("N")[..8];
            var sku = "mg-" + id;
            await host.Client.UpsertWarehouseAsync(new Warehouse { WarehouseId = "w" + id, Name = "W", Latitude = 52.5, Longitude = 13.4, Active = true });
            await host.Client.SetStockAsync(new SetStockRequest { WarehouseId = "w" + id, Sku = sku, OnHand = OnHand, SyncId = "s" });
            await host.Client.UpsertCustomerAsync(new Customer { CustomerId = "c" + id, Name = "Ada" });
            return new Shop(sku, new PlaceOrderRequest
            {
                Channel = "mg",
                ExternalOrderId = "e" + id,
                CustomerId = "c" + id,
                Currency = "EUR",
                // The street makes the trickled body long enough that finishing it would take minutes.
                ShipTo = new Address { Recipient = "Ada", Line1 = "Unter den Linden " + new string('1', 100), Latitude = 52.5, Longitude = 13.4 },
                Lines = { new OrderLine { Sku = sku, Quantity = 2, UnitPriceMinor = 100 } },
            });
        }
    }
}

/// <summary>Tests that measure the test process's memory, so nothing else may run beside them.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MeasuresProcessMemory
{
    public const string Name = "measures process memory";
}
