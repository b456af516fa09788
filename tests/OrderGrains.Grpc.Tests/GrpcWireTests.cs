using System.Buffers.Binary;
using System.IO.Compression;
using System.Net;
using Google.Protobuf;
using OrderGrains.Grpc.Client;
using OrderGrains.Grpc.Server;
using OrderGrains.Grpc.Tests.Testing;
using Xunit;

namespace OrderGrains.Grpc.Tests;

[Collection(EchoServerCollection.Name)]
public sealed class GrpcWireTests(EchoServer server)
{
    private static readonly GrpcMethod<EchoRequest, EchoReply> Echo = GrpcMethod.Create<EchoRequest, EchoReply>(EchoServer.EchoService, "Echo");
    private static readonly GrpcMethod<SleepRequest, EchoReply> Sleep = GrpcMethod.Create<SleepRequest, EchoReply>(EchoServer.EchoService, "Sleep");
    private static readonly GrpcMethod<FailRequest, EchoReply> Fail = GrpcMethod.Create<FailRequest, EchoReply>(EchoServer.EchoService, "Fail");
    private static readonly GrpcMethod<StreamRequest, EchoReply> Stream = GrpcMethod.Create<StreamRequest, EchoReply>(EchoServer.EchoService, "Stream");
    private static readonly GrpcMethod<StreamRequest, EchoReply> StreamEnumerable =
        GrpcMethod.Create<StreamRequest, EchoReply>(EchoServer.EchoService, "StreamEnumerable");

    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Unary_call_round_trips_the_message()
    {
        var reply = await server.Client.UnaryAsync(Echo, new EchoRequest { Text = "hello", Payload = ByteString.CopyFromUtf8("bytes") });

        Assert.Equal("hello", reply.Text);
        Assert.Equal("bytes", reply.Payload.ToStringUtf8());
        Assert.Equal(string.Empty, reply.RequestEncoding);
    }

    [Fact]
    public async Task Unary_call_by_path_round_trips_the_message()
    {
        var reply = await server.Client.UnaryAsync<EchoRequest, EchoReply>("/ordergrains.testing.Echo/Echo", new EchoRequest { Text = "by path" });

        Assert.Equal("by path", reply.Text);
    }

    [Fact]
    public async Task Many_concurrent_calls_share_the_client()
    {
        var calls = Enumerable.Range(0, 500).Select(i => server.Client.UnaryAsync(Echo, new EchoRequest { Text = i.ToString(System.Globalization.CultureInfo.InvariantCulture) }));

        var replies = await Task.WhenAll(calls);

        Assert.Equal(Enumerable.Range(0, 500).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)), replies.Select(r => r.Text));
    }

    [Fact]
    public async Task Gzip_compresses_requests_and_responses()
    {
        using var client = new GrpcClient(server.Address, new GrpcClientOptions { CompressRequests = true, AcceptCompressedResponses = true });
        var payload = ByteString.CopyFrom(Enumerable.Repeat((byte)'a', 100_000).ToArray());

        var reply = await client.UnaryAsync(Echo, new EchoRequest { Text = "zipped", Payload = payload });

        Assert.Equal("gzip", reply.RequestEncoding);
        Assert.Equal("zipped", reply.Text);
        Assert.Equal(payload, reply.Payload);
    }

    [Fact]
    public async Task Response_is_gzip_compressed_when_the_client_accepts_gzip()
    {
        var request = new EchoRequest { Text = new string('x', 5000) };

        var response = await RawGrpc.SendAsync(
            server.Address, Echo.Path, RawGrpc.Frame(request), headers: [("grpc-accept-encoding", "identity, gzip")]);

        Assert.Equal("gzip", response.Header("grpc-encoding"));
        Assert.Equal("0", response.Trailer("grpc-status"));
        Assert.Equal(1, response.Body[0]);
        var length = (int)BinaryPrimitives.ReadUInt32BigEndian(response.Body.AsSpan(1));
        Assert.True(length < 1000, "5000 repeated characters should compress well");
        using var gzip = new GZipStream(new MemoryStream(response.Body, 5, length), CompressionMode.Decompress);
        Assert.Equal(request.Text, EchoReply.Parser.ParseFrom(gzip).Text);
    }

    [Fact]
    public async Task Response_is_not_compressed_when_the_client_does_not_accept_gzip()
    {
        var response = await RawGrpc.SendAsync(server.Address, Echo.Path, RawGrpc.Frame(new EchoRequest { Text = "plain" }));

        Assert.Null(response.Header("grpc-encoding"));
        Assert.Equal(0, response.Body[0]);
    }

    [Fact]
    public async Task Unsupported_request_encoding_is_UNIMPLEMENTED_and_lists_accepted_encodings()
    {
        var response = await RawGrpc.SendAsync(
            server.Address, Echo.Path, RawGrpc.Frame([1, 2, 3], compressed: true), headers: [("grpc-encoding", "snappy")]);

        Assert.Equal("12", response.Header("grpc-status"));
        Assert.Contains("gzip", response.Header("grpc-accept-encoding"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Deadline_expiry_is_DEADLINE_EXCEEDED_and_cancels_the_handler()
    {
        var probe = Guid.NewGuid().ToString();

        var error = await Assert.ThrowsAsync<GrpcStatusException>(() =>
            server.Client.UnaryAsync(Sleep, new SleepRequest { Milliseconds = 30_000, ProbeId = probe }, GrpcCallOptions.WithTimeout(TimeSpan.FromMilliseconds(200))));

        Assert.Equal(GrpcStatusCode.DeadlineExceeded, error.StatusCode);
        var reason = await server.Probes.WhenCancelled(probe).WaitAsync(ProbeTimeout);
        Assert.NotEqual(CallCancellationReason.None, reason);
    }

    [Fact]
    public async Task Server_enforces_grpc_timeout_itself()
    {
        var probe = Guid.NewGuid().ToString();

        // No client-side timer here: the status must come from the server's own deadline.
        var response = await RawGrpc.SendAsync(
            server.Address, Sleep.Path, RawGrpc.Frame(new SleepRequest { Milliseconds = 30_000, ProbeId = probe }), headers: [("grpc-timeout", "150m")]);

        Assert.Equal("4", response.Header("grpc-status"));
        Assert.Equal(CallCancellationReason.DeadlineExceeded, await server.Probes.WhenCancelled(probe).WaitAsync(ProbeTimeout));
    }

    [Fact]
    public async Task Deadline_passed_before_the_request_arrived_never_runs_the_handler()
    {
        var probe = Guid.NewGuid().ToString();

        // A handler that answers at once would win the race against a 1 ns timer; the check after reading the
        // request decides instead, so the handler must not even start.
        var response = await RawGrpc.SendAsync(
            server.Address, Sleep.Path, RawGrpc.Frame(new SleepRequest { Milliseconds = 0, ProbeId = probe }), headers: [("grpc-timeout", "1n")]);

        Assert.Equal("4", response.Header("grpc-status"));
        Assert.False(server.Probes.WhenStarted(probe).IsCompleted, "the handler ran for an expired call");
    }

    [Fact]
    public async Task Client_cancellation_cancels_the_server_handler()
    {
        var probe = Guid.NewGuid().ToString();
        using var cancellation = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            server.Client.UnaryAsync(Sleep, new SleepRequest { Milliseconds = 30_000, ProbeId = probe }, new GrpcCallOptions(CancellationToken: cancellation.Token)));

        Assert.Equal(CallCancellationReason.ClientAborted, await server.Probes.WhenCancelled(probe).WaitAsync(ProbeTimeout));
    }

    [Fact]
    public async Task Oversized_request_is_RESOURCE_EXHAUSTED()
    {
        var payload = ByteString.CopyFrom(new byte[EchoServer.MaxReceiveMessageSize + 1]);

        var error = await Assert.ThrowsAsync<GrpcStatusException>(() => server.Client.UnaryAsync(Echo, new EchoRequest { Payload = payload }));

        Assert.Equal(GrpcStatusCode.ResourceExhausted, error.StatusCode);
    }

    [Fact]
    public async Task Oversized_request_is_refused_from_its_length_prefix_alone()
    {
        // Announces 64 MiB but sends only the prefix: the server must answer without waiting for the body.
        var frame = new byte[5];
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1), 64 * 1024 * 1024);

        var response = await RawGrpc.SendAsync(server.Address, Echo.Path, frame);

        Assert.Equal("8", response.Header("grpc-status"));
    }

    [Fact]
    public async Task Request_that_decompresses_beyond_the_limit_is_RESOURCE_EXHAUSTED()
    {
        using var client = new GrpcClient(server.Address, new GrpcClientOptions { CompressRequests = true });
        var zeros = ByteString.CopyFrom(new byte[EchoServer.MaxReceiveMessageSize * 2]);

        var error = await Assert.ThrowsAsync<GrpcStatusException>(() => client.UnaryAsync(Echo, new EchoRequest { Payload = zeros }));

        Assert.Equal(GrpcStatusCode.ResourceExhausted, error.StatusCode);
    }

    [Fact]
    public async Task Oversized_response_is_RESOURCE_EXHAUSTED_on_the_client()
    {
        using var client = new GrpcClient(server.Address, new GrpcClientOptions { MaxReceiveMessageSize = 1000 });

        var error = await Assert.ThrowsAsync<GrpcStatusException>(() =>
            client.UnaryAsync(Echo, new EchoRequest { Payload = ByteString.CopyFrom(new byte[2000]) }));

        Assert.Equal(GrpcStatusCode.ResourceExhausted, error.StatusCode);
    }

    [Theory]
    [InlineData("/ordergrains.testing.Echo/NoSuchMethod")]
    [InlineData("/ordergrains.testing.NoSuchService/Echo")]
    [InlineData("/not-even-a-method")]
    public async Task Unknown_method_is_UNIMPLEMENTED(string path)
    {
        var method = GrpcMethod.FromPath<EchoRequest, EchoReply>(path);

        var error = await Assert.ThrowsAsync<GrpcStatusException>(() => server.Client.UnaryAsync(method, new EchoRequest()));

        Assert.Equal(GrpcStatusCode.Unimplemented, error.StatusCode);
    }

    [Fact]
    public async Task Malformed_request_message_is_INTERNAL()
    {
        // Field 1 as a length-delimited string that claims 100 bytes but has 2.
        var response = await RawGrpc.SendAsync(server.Address, Echo.Path, RawGrpc.Frame([0x0A, 100, 0x41, 0x42], compressed: false));

        Assert.Equal("13", response.Header("grpc-status"));
        Assert.Contains("deserialize", GrpcProtocol.DecodeMessage(response.Header("grpc-message")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Truncated_frame_is_INTERNAL()
    {
        var frame = RawGrpc.Frame(new EchoRequest { Text = "cut short" });

        var response = await RawGrpc.SendAsync(server.Address, Echo.Path, frame[..^3]);

        Assert.Equal("13", response.Header("grpc-status"));
    }

    [Fact]
    public async Task Non_grpc_content_type_is_HTTP_415()
    {
        var response = await RawGrpc.SendAsync(server.Address, Echo.Path, RawGrpc.Frame(new EchoRequest()), contentType: "application/json");

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
    }

    [Fact]
    public async Task Grpc_content_subtype_is_accepted()
    {
        var response = await RawGrpc.SendAsync(server.Address, Echo.Path, RawGrpc.Frame(new EchoRequest { Text = "proto" }), contentType: "application/grpc+proto");

        Assert.Equal("0", response.Trailer("grpc-status"));
    }

    [Fact]
    public async Task Status_exception_sends_its_code_message_and_trailers()
    {
        var error = await Assert.ThrowsAsync<GrpcStatusException>(() =>
            server.Client.UnaryAsync(Fail, new FailRequest { Kind = "status", Code = (int)GrpcStatusCode.FailedPrecondition, Message = "order shipped" }));

        Assert.Equal(GrpcStatusCode.FailedPrecondition, error.StatusCode);
        Assert.Equal("order shipped", error.Detail);
        Assert.Equal("250", error.Trailers.GetValue("retry-after-ms"));
    }

    [Fact]
    public async Task Registered_mapper_translates_domain_exceptions()
    {
        var notFound = await Assert.ThrowsAsync<GrpcStatusException>(() =>
            server.Client.UnaryAsync(Fail, new FailRequest { Kind = "not_found", Message = "order 42" }));
        var invalid = await Assert.ThrowsAsync<GrpcStatusException>(() =>
            server.Client.UnaryAsync(Fail, new FailRequest { Kind = "argument", Message = "must not be empty" }));

        Assert.Equal(GrpcStatusCode.NotFound, notFound.StatusCode);
        Assert.Equal("order 42", notFound.Detail);
        Assert.Equal(GrpcStatusCode.InvalidArgument, invalid.StatusCode);
        Assert.StartsWith("sku:", invalid.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unmapped_exception_is_INTERNAL_without_leaking_its_message()
    {
        var error = await Assert.ThrowsAsync<GrpcStatusException>(() =>
            server.Client.UnaryAsync(Fail, new FailRequest { Kind = "crash", Message = "boom" }));

        Assert.Equal(GrpcStatusCode.Internal, error.StatusCode);
        Assert.DoesNotContain("secret", error.Detail, StringComparison.Ordinal);
        Assert.Contains("trace id", error.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Errors_before_any_message_are_trailers_only()
    {
        var response = await RawGrpc.SendAsync(
            server.Address, Fail.Path, RawGrpc.Frame(new FailRequest { Kind = "status", Code = 5, Message = "gone" }));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/grpc", response.Header("Content-Type"));
        Assert.Equal("5", response.Header("grpc-status"));
        Assert.Equal("gone", response.Header("grpc-message"));
        Assert.Equal("250", response.Header("retry-after-ms"));
        Assert.Empty(response.Body);
        Assert.Empty(response.Trailers);
    }

    [Fact]
    public async Task Successful_unary_call_sends_status_in_trailers()
    {
        var response = await RawGrpc.SendAsync(server.Address, Echo.Path, RawGrpc.Frame(new EchoRequest { Text = "t" }));

        Assert.Null(response.Header("grpc-status"));
        Assert.Equal("0", response.Trailer("grpc-status"));
    }

    [Fact]
    public async Task Status_message_with_non_ASCII_and_percent_round_trips()
    {
        const string Message = "Größe 100% überschritten ✓ 注文\tende";

        var error = await Assert.ThrowsAsync<GrpcStatusException>(() =>
            server.Client.UnaryAsync(Fail, new FailRequest { Kind = "status", Code = (int)GrpcStatusCode.OutOfRange, Message = Message }));
        var raw = await RawGrpc.SendAsync(
            server.Address, Fail.Path, RawGrpc.Frame(new FailRequest { Kind = "status", Code = 11, Message = Message }));

        Assert.Equal(Message, error.Detail);
        var onWire = raw.Header("grpc-message")!;
        Assert.All(onWire, c => Assert.InRange(c, ' ', '~'));
        Assert.Contains("100%25", onWire, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Server_streaming_delivers_every_message_then_the_trailers()
    {
        var replies = new List<EchoReply>();
        await foreach (var reply in server.Client.ServerStreamingAsync(Stream, new StreamRequest { Text = "s", Count = 5 }))
        {
            replies.Add(reply);
        }

        Assert.Equal([0, 1, 2, 3, 4], replies.Select(r => r.Index));
    }

    [Fact]
    public async Task Server_streaming_from_IAsyncEnumerable_handler()
    {
        var replies = new List<EchoReply>();
        await foreach (var reply in server.Client.ServerStreamingAsync(StreamEnumerable, new StreamRequest { Text = "e", Count = 3 }))
        {
            replies.Add(reply);
        }

        Assert.Equal([0, 1, 2], replies.Select(r => r.Index));
    }

    [Fact]
    public async Task Server_streaming_flushes_each_message_as_it_is_written()
    {
        var started = DateTime.UtcNow;
        await foreach (var reply in server.Client.ServerStreamingAsync(Stream, new StreamRequest { Count = 2, DelayMs = 3000 }))
        {
            // The first message must arrive long before the handler finishes its second delay.
            Assert.Equal(0, reply.Index);
            Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(5.5));
            break;
        }
    }

    [Fact]
    public async Task Server_streaming_error_after_messages_arrives_in_trailers()
    {
        var replies = new List<EchoReply>();

        var error = await Assert.ThrowsAsync<GrpcStatusException>(async () =>
        {
            await foreach (var reply in server.Client.ServerStreamingAsync(Stream, new StreamRequest { Count = 5, FailAfter = 2 }))
            {
                replies.Add(reply);
            }
        });

        Assert.Equal(2, replies.Count);
        Assert.Equal(GrpcStatusCode.Aborted, error.StatusCode);
        Assert.Equal("5", error.Trailers.GetValue("stream-count"));
    }

    [Fact]
    public async Task Stopping_a_stream_early_cancels_the_server_handler()
    {
        var probe = Guid.NewGuid().ToString();
        await foreach (var reply in server.Client.ServerStreamingAsync(Stream, new StreamRequest { Count = 1000, DelayMs = 20, ProbeId = probe }))
        {
            if (reply.Index == 2)
            {
                break;
            }
        }

        Assert.Equal(CallCancellationReason.ClientAborted, await server.Probes.WhenCancelled(probe).WaitAsync(ProbeTimeout));
    }

    [Fact]
    public async Task Server_streaming_deadline_ends_the_stream_with_DEADLINE_EXCEEDED()
    {
        var count = 0;
        var error = await Assert.ThrowsAsync<GrpcStatusException>(async () =>
        {
            await foreach (var reply in server.Client.ServerStreamingAsync(
                Stream, new StreamRequest { Count = 1000, DelayMs = 100 }, GrpcCallOptions.WithTimeout(TimeSpan.FromSeconds(3))))
            {
                count++;
            }
        });

        Assert.Equal(GrpcStatusCode.DeadlineExceeded, error.StatusCode);
        Assert.InRange(count, 1, 29);
    }

    [Fact]
    public async Task Large_streamed_messages_are_framed_correctly()
    {
        var total = 0;
        await foreach (var reply in server.Client.ServerStreamingAsync(Stream, new StreamRequest { Count = 4, PayloadSize = 300_000 }))
        {
            total += reply.Payload.Length;
        }

        Assert.Equal(1_200_000, total);
    }
}
