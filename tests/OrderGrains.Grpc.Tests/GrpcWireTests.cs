using System.Buffers.Binary;
using System.IO.Compression;
using System.Net;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Core.Interceptors;
using OrderGrains.Grpc.Tests.Testing;
using OrderGrains.Host.Grpc;
using Xunit;

namespace OrderGrains.Grpc.Tests;

/// <summary>The wire as the host serves it: Grpc.AspNetCore with the host's settings and error interceptor, on Kestrel.</summary>
[Collection(EchoServerCollection.Name)]
public sealed class GrpcWireTests(EchoServer server)
{
    private const string EchoPath = "/ordergrains.testing.Echo/Echo";
    private const string SleepPath = "/ordergrains.testing.Echo/Sleep";
    private const string FailPath = "/ordergrains.testing.Echo/Fail";

    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Unary_call_round_trips_the_message()
    {
        var reply = await server.Client.EchoAsync(new EchoRequest { Text = "hello", Payload = ByteString.CopyFromUtf8("bytes") });

        Assert.Equal("hello", reply.Text);
        Assert.Equal("bytes", reply.Payload.ToStringUtf8());
        Assert.Equal(string.Empty, reply.RequestEncoding);
    }

    [Fact]
    public async Task Many_concurrent_calls_share_the_client()
    {
        var calls = Enumerable.Range(0, 500).Select(i => server.Client.EchoAsync(new EchoRequest { Text = i.ToString(System.Globalization.CultureInfo.InvariantCulture) }).ResponseAsync);

        var replies = await Task.WhenAll(calls);

        Assert.Equal(Enumerable.Range(0, 500).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)), replies.Select(r => r.Text));
    }

    [Fact]
    public async Task Gzip_compresses_requests_and_responses()
    {
        var payload = ByteString.CopyFrom(Enumerable.Repeat((byte)'a', 100_000).ToArray());

        var reply = await GzipClient().EchoAsync(new EchoRequest { Text = "zipped", Payload = payload });

        Assert.Equal("gzip", reply.RequestEncoding);
        Assert.Equal("zipped", reply.Text);
        Assert.Equal(payload, reply.Payload);
    }

    [Fact]
    public async Task Response_is_gzip_compressed_when_the_client_accepts_gzip()
    {
        var request = new EchoRequest { Text = new string('x', 5000) };

        var response = await RawGrpc.SendAsync(server.Address, EchoPath, RawGrpc.Frame(request), headers: [("grpc-accept-encoding", "identity, gzip")]);

        Assert.Equal("gzip", response.Header("grpc-encoding"));
        Assert.Equal("0", response.Trailer("grpc-status"));
        Assert.Equal(1, response.Body[0]);
        var length = (int)BinaryPrimitives.ReadUInt32BigEndian(response.Body.AsSpan(1));
        Assert.True(length < 1000, "5000 repeated characters should compress well");
        using var gzip = new GZipStream(new MemoryStream(response.Body, 5, length), CompressionMode.Decompress);
        Assert.Equal(request.Text, EchoReply.Parser.ParseFrom(gzip).Text);
    }

    [Fact]
    public async Task Small_response_is_sent_uncompressed_even_when_the_client_accepts_gzip()
    {
        var request = new EchoRequest { Text = new string('x', 100) };

        var response = await RawGrpc.SendAsync(server.Address, EchoPath, RawGrpc.Frame(request), headers: [("grpc-accept-encoding", "identity, gzip")]);

        Assert.Equal("0", response.Trailer("grpc-status"));
        Assert.Equal(0, response.Body[0]);
        var length = (int)BinaryPrimitives.ReadUInt32BigEndian(response.Body.AsSpan(1));
        Assert.True(length < SmallReplyCompression.MinimumBytes);
        Assert.Equal(request.Text, EchoReply.Parser.ParseFrom(response.Body, 5, length).Text);
    }

    [Fact]
    public async Task Response_is_not_compressed_when_the_client_does_not_accept_gzip()
    {
        var response = await RawGrpc.SendAsync(server.Address, EchoPath, RawGrpc.Frame(new EchoRequest { Text = "plain" }));

        Assert.Null(response.Header("grpc-encoding"));
        Assert.Equal(0, response.Body[0]);
    }

    [Fact]
    public async Task Unsupported_request_encoding_is_UNIMPLEMENTED_and_lists_accepted_encodings()
    {
        var response = await RawGrpc.SendAsync(server.Address, EchoPath, RawGrpc.Frame([1, 2, 3], compressed: true), headers: [("grpc-encoding", "snappy")]);

        Assert.Equal("12", response.Header("grpc-status"));
        Assert.Contains("gzip", response.Header("grpc-accept-encoding"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Deadline_expiry_is_DEADLINE_EXCEEDED_and_cancels_the_handler()
    {
        var probe = Guid.NewGuid().ToString();

        var error = await Assert.ThrowsAsync<RpcException>(() =>
            server.Client.SleepAsync(new SleepRequest { Milliseconds = 30_000, ProbeId = probe }, deadline: DateTime.UtcNow.AddMilliseconds(200)).ResponseAsync);

        Assert.Equal(StatusCode.DeadlineExceeded, error.StatusCode);
        await server.Probes.WhenCancelled(probe).WaitAsync(ProbeTimeout);
    }

    [Fact]
    public async Task Server_enforces_grpc_timeout_itself()
    {
        var probe = Guid.NewGuid().ToString();

        // No client-side timer here: the status must come from the server's own deadline.
        var response = await RawGrpc.SendAsync(
            server.Address, SleepPath, RawGrpc.Frame(new SleepRequest { Milliseconds = 30_000, ProbeId = probe }), headers: [("grpc-timeout", "150m")]);

        Assert.Equal("4", response.Header("grpc-status") ?? response.Trailer("grpc-status"));
        Assert.Equal(CancellationReason.DeadlineExceeded, await server.Probes.WhenCancelled(probe).WaitAsync(ProbeTimeout));
    }

    [Fact]
    public async Task Deadline_passed_before_the_request_arrived_never_runs_the_handler()
    {
        var probe = Guid.NewGuid().ToString();

        // A handler that answers at once would win the race against a 1 ns timer; the interceptor's check before the
        // handler decides instead, so the handler must not even start.
        var response = await RawGrpc.SendAsync(
            server.Address, SleepPath, RawGrpc.Frame(new SleepRequest { Milliseconds = 0, ProbeId = probe }), headers: [("grpc-timeout", "1n")]);

        Assert.Equal("4", response.Header("grpc-status") ?? response.Trailer("grpc-status"));
        Assert.False(server.Probes.WhenStarted(probe).IsCompleted, "the handler ran for an expired call");
    }

    [Fact]
    public async Task Client_cancellation_cancels_the_server_handler()
    {
        var probe = Guid.NewGuid().ToString();
        using var cancellation = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));

        var error = await Assert.ThrowsAsync<RpcException>(() =>
            server.Client.SleepAsync(new SleepRequest { Milliseconds = 30_000, ProbeId = probe }, cancellationToken: cancellation.Token).ResponseAsync);

        Assert.Equal(StatusCode.Cancelled, error.StatusCode);
        Assert.Equal(CancellationReason.ClientAborted, await server.Probes.WhenCancelled(probe).WaitAsync(ProbeTimeout));
    }

    [Fact]
    public async Task Oversized_request_is_RESOURCE_EXHAUSTED()
    {
        var payload = ByteString.CopyFrom(new byte[EchoServer.MaxReceiveMessageSize + 1]);

        var error = await Assert.ThrowsAsync<RpcException>(() => server.Client.EchoAsync(new EchoRequest { Payload = payload }).ResponseAsync);

        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
    }

    [Fact]
    public async Task Oversized_request_is_refused_from_its_length_prefix_alone()
    {
        // Announces 64 MiB but sends only the prefix: the server must answer without waiting for the body.
        var frame = new byte[5];
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1), 64 * 1024 * 1024);

        var response = await RawGrpc.SendAsync(server.Address, EchoPath, frame);

        Assert.Equal("8", response.Header("grpc-status"));
    }

    [Fact]
    public async Task Request_that_decompresses_beyond_the_limit_is_RESOURCE_EXHAUSTED()
    {
        var zeros = ByteString.CopyFrom(new byte[EchoServer.MaxReceiveMessageSize * 2]);

        var error = await Assert.ThrowsAsync<RpcException>(() => GzipClient().EchoAsync(new EchoRequest { Payload = zeros }).ResponseAsync);

        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
    }

    [Theory]
    [InlineData("ordergrains.testing.Echo", "NoSuchMethod")]
    [InlineData("ordergrains.testing.NoSuchService", "Echo")]
    public async Task Unknown_method_is_UNIMPLEMENTED(string service, string method)
    {
        var unknown = new Method<EchoRequest, EchoReply>(MethodType.Unary, service, method, Marshaller(EchoRequest.Parser), Marshaller(EchoReply.Parser));

        var error = await Assert.ThrowsAsync<RpcException>(() =>
            server.Channel.CreateCallInvoker().AsyncUnaryCall(unknown, null, new CallOptions(deadline: DateTime.UtcNow.AddSeconds(10)), new EchoRequest()).ResponseAsync);

        Assert.Equal(StatusCode.Unimplemented, error.StatusCode);
    }

    [Fact]
    public async Task Malformed_request_message_is_INTERNAL()
    {
        // Field 1 as a length-delimited string that claims 100 bytes but has 2.
        var response = await RawGrpc.SendAsync(server.Address, EchoPath, RawGrpc.Frame([0x0A, 100, 0x41, 0x42], compressed: false));

        Assert.Equal("13", response.Header("grpc-status"));
        Assert.Contains("deserialize", Uri.UnescapeDataString(response.Header("grpc-message") ?? string.Empty), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Truncated_frame_is_INTERNAL()
    {
        var frame = RawGrpc.Frame(new EchoRequest { Text = "cut short" });

        var response = await RawGrpc.SendAsync(server.Address, EchoPath, frame[..^3]);

        Assert.Equal("13", response.Header("grpc-status"));
    }

    [Fact]
    public async Task Non_grpc_content_type_is_HTTP_415()
    {
        var response = await RawGrpc.SendAsync(server.Address, EchoPath, RawGrpc.Frame(new EchoRequest()), contentType: "application/json");

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
    }

    [Fact]
    public async Task Grpc_content_subtype_is_accepted()
    {
        var response = await RawGrpc.SendAsync(server.Address, EchoPath, RawGrpc.Frame(new EchoRequest { Text = "proto" }), contentType: "application/grpc+proto");

        Assert.Equal("0", response.Trailer("grpc-status"));
    }

    [Fact]
    public async Task Status_exception_sends_its_code_message_and_trailers()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() =>
            server.Client.FailAsync(new FailRequest { Kind = "status", Code = (int)StatusCode.FailedPrecondition, Message = "order shipped" }).ResponseAsync);

        Assert.Equal(StatusCode.FailedPrecondition, error.StatusCode);
        Assert.Equal("order shipped", error.Status.Detail);
        Assert.Equal("250", error.Trailers.GetValue("retry-after-ms"));
    }

    [Fact]
    public async Task The_error_classifier_translates_domain_exceptions()
    {
        var notFound = await Assert.ThrowsAsync<RpcException>(() =>
            server.Client.FailAsync(new FailRequest { Kind = "not_found", Message = "order 42" }).ResponseAsync);
        var invalid = await Assert.ThrowsAsync<RpcException>(() =>
            server.Client.FailAsync(new FailRequest { Kind = "argument", Message = "must not be empty" }).ResponseAsync);

        Assert.Equal(StatusCode.NotFound, notFound.StatusCode);
        Assert.Equal("order 42", notFound.Status.Detail);
        Assert.Equal(StatusCode.InvalidArgument, invalid.StatusCode);
        Assert.Equal("sku: must not be empty", invalid.Status.Detail);
    }

    [Fact]
    public async Task Overload_is_RESOURCE_EXHAUSTED_with_the_retry_pushback_in_a_trailers_only_response()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() =>
            server.Client.FailAsync(new FailRequest { Kind = "rejected", Message = "at the limit" }).ResponseAsync);
        var raw = await RawGrpc.SendAsync(server.Address, FailPath, RawGrpc.Frame(new FailRequest { Kind = "rejected", Message = "at the limit" }));

        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
        Assert.Equal("250", error.Trailers.GetValue(GrpcErrorInterceptor.RetryPushbackTrailer));
        Assert.Equal("8", raw.Header("grpc-status"));
        Assert.Equal("250", raw.Header(GrpcErrorInterceptor.RetryPushbackTrailer));
    }

    [Fact]
    public async Task Unmapped_exception_is_INTERNAL_without_leaking_its_message()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() =>
            server.Client.FailAsync(new FailRequest { Kind = "crash", Message = "boom" }).ResponseAsync);

        Assert.Equal(StatusCode.Internal, error.StatusCode);
        Assert.DoesNotContain("secret", error.Status.Detail, StringComparison.Ordinal);
        Assert.Contains("trace id", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Errors_before_any_message_are_trailers_only()
    {
        var response = await RawGrpc.SendAsync(server.Address, FailPath, RawGrpc.Frame(new FailRequest { Kind = "status", Code = 5, Message = "gone" }));

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
        var response = await RawGrpc.SendAsync(server.Address, EchoPath, RawGrpc.Frame(new EchoRequest { Text = "t" }));

        Assert.Null(response.Header("grpc-status"));
        Assert.Equal("0", response.Trailer("grpc-status"));
    }

    [Fact]
    public async Task Status_message_with_non_ASCII_and_percent_round_trips()
    {
        const string Message = "Größe 100% überschritten ✓ 注文\tende";

        var error = await Assert.ThrowsAsync<RpcException>(() =>
            server.Client.FailAsync(new FailRequest { Kind = "status", Code = (int)StatusCode.OutOfRange, Message = Message }).ResponseAsync);
        var raw = await RawGrpc.SendAsync(server.Address, FailPath, RawGrpc.Frame(new FailRequest { Kind = "status", Code = 11, Message = Message }));

        Assert.Equal(Message, error.Status.Detail);
        var onWire = raw.Header("grpc-message")!;
        Assert.All(onWire, c => Assert.InRange(c, ' ', '~'));
        Assert.Contains("100%25", onWire, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Server_streaming_delivers_every_message_then_the_trailers()
    {
        using var call = server.Client.Stream(new StreamRequest { Text = "s", Count = 5 });

        var replies = await ReadAllAsync(call);

        Assert.Equal([0, 1, 2, 3, 4], replies.Select(r => r.Index));
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
        Assert.Equal("5", call.GetTrailers().GetValue("stream-count"));
    }

    [Fact]
    public async Task Server_streaming_flushes_each_message_as_it_is_written()
    {
        var started = DateTime.UtcNow;
        using var call = server.Client.Stream(new StreamRequest { Count = 2, DelayMs = 3000 });

        // The first message must arrive long before the handler finishes its second delay.
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
        Assert.Equal(0, call.ResponseStream.Current.Index);
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(5.5));
    }

    [Fact]
    public async Task Server_streaming_error_after_messages_arrives_in_trailers()
    {
        var replies = new List<EchoReply>();
        using var call = server.Client.Stream(new StreamRequest { Count = 5, FailAfter = 2 });

        var error = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            await foreach (var reply in call.ResponseStream.ReadAllAsync())
            {
                replies.Add(reply);
            }
        });

        Assert.Equal(2, replies.Count);
        Assert.Equal(StatusCode.Aborted, error.StatusCode);
        Assert.Equal("5", error.Trailers.GetValue("stream-count"));
    }

    [Fact]
    public async Task Stopping_a_stream_early_cancels_the_server_handler()
    {
        var probe = Guid.NewGuid().ToString();
        using (var call = server.Client.Stream(new StreamRequest { Count = 1000, DelayMs = 20, ProbeId = probe }))
        {
            while (await call.ResponseStream.MoveNext(CancellationToken.None) && call.ResponseStream.Current.Index < 2)
            {
            }
        }

        Assert.Equal(CancellationReason.ClientAborted, await server.Probes.WhenCancelled(probe).WaitAsync(ProbeTimeout));
    }

    [Fact]
    public async Task Server_streaming_deadline_ends_the_stream_with_DEADLINE_EXCEEDED()
    {
        var count = 0;
        using var call = server.Client.Stream(new StreamRequest { Count = 1000, DelayMs = 100 }, deadline: DateTime.UtcNow.AddSeconds(3));

        var error = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            await foreach (var reply in call.ResponseStream.ReadAllAsync())
            {
                count++;
            }
        });

        Assert.Equal(StatusCode.DeadlineExceeded, error.StatusCode);

        // 3 s at one message per 100 ms is about 30 messages; the client's and the server's deadline timers
        // race the 30th, so allow a little either side. The stream of 1,000 must have been cut by the deadline.
        Assert.InRange(count, 1, 40);
    }

    [Fact]
    public async Task Large_streamed_messages_are_framed_correctly()
    {
        using var call = server.Client.Stream(new StreamRequest { Count = 4, PayloadSize = 300_000 });

        var replies = await ReadAllAsync(call);

        Assert.Equal(1_200_000, replies.Sum(r => r.Payload.Length));
    }

    private static Marshaller<T> Marshaller<T>(MessageParser<T> parser)
        where T : IMessage<T> => Marshallers.Create(m => m.ToByteArray(), parser.ParseFrom);

    private static async Task<List<EchoReply>> ReadAllAsync(AsyncServerStreamingCall<EchoReply> call)
    {
        var replies = new List<EchoReply>();
        await foreach (var reply in call.ResponseStream.ReadAllAsync())
        {
            replies.Add(reply);
        }

        return replies;
    }

    // Grpc.Net.Client compresses a call's request when it carries this header naming the algorithm.
    private Echo.EchoClient GzipClient() => new(server.Channel.Intercept(metadata =>
    {
        metadata.Add("grpc-internal-encoding-request", "gzip");
        return metadata;
    }));
}
