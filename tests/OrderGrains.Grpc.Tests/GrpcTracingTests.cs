using System.Collections.Concurrent;
using System.Diagnostics;
using Grpc.Core;
using OrderGrains.Grpc.Tests.Testing;
using Xunit;

namespace OrderGrains.Grpc.Tests;

/// <summary>The server span of each call: the caller's W3C context as parent, rpc.* tags, and the final status.</summary>
[Collection(EchoServerCollection.Name)]
public sealed class GrpcTracingTests(EchoServer server) : IDisposable
{
    private static readonly ActivitySource TestSource = new("OrderGrains.Tests.Grpc");
    private readonly ConcurrentQueue<Activity> _spans = new();
    private readonly ActivityListener _listener = new()
    {
        ShouldListenTo = source => source.Name.StartsWith("OrderGrains", StringComparison.Ordinal),
        Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
    };

    [Fact]
    public async Task A_call_is_a_server_span_continuing_the_trace_of_its_traceparent_header()
    {
        Listen();
        var traceId = ActivityTraceId.CreateRandom();
        var callerSpan = ActivitySpanId.CreateRandom();

        var response = await RawGrpc.SendAsync(server.Address, "/ordergrains.testing.Echo/Echo", RawGrpc.Frame(new EchoRequest { Text = "traced" }),
            headers: [("traceparent", $"00-{traceId}-{callerSpan}-01"), ("tracestate", "vendor=value")]);

        Assert.Equal("0", response.Trailer("grpc-status") ?? response.Header("grpc-status"));
        var span = await SpanAsync(traceId, "ordergrains.testing.Echo/Echo");
        Assert.Equal(ActivityKind.Server, span.Kind);
        Assert.True(span.ParentSpanId == callerSpan || span.Parent?.ParentSpanId == callerSpan, $"parent {span.ParentSpanId}, caller {callerSpan}");
        Assert.Equal("grpc", span.GetTagItem("rpc.system"));
        Assert.Equal("ordergrains.testing.Echo", span.GetTagItem("rpc.service"));
        Assert.Equal("Echo", span.GetTagItem("rpc.method"));
        Assert.Equal(0, span.GetTagItem("rpc.grpc.status_code"));
        Assert.Equal(ActivityStatusCode.Unset, span.Status);
    }

    [Fact]
    public async Task Our_client_sends_the_current_trace_and_a_failed_call_ends_its_span_with_the_status_code_as_an_error()
    {
        Listen();
        ActivityTraceId traceId;
        using (var root = TestSource.StartActivity("caller"))
        {
            traceId = root!.TraceId;
            var failure = await Assert.ThrowsAsync<RpcException>(() =>
                server.Client.FailAsync(new FailRequest { Kind = "status", Code = (int)StatusCode.NotFound, Message = "no such thing" }).ResponseAsync);
            Assert.Equal(StatusCode.NotFound, failure.StatusCode);
        }

        var span = await SpanAsync(traceId, "ordergrains.testing.Echo/Fail");
        Assert.Equal((int)StatusCode.NotFound, span.GetTagItem("rpc.grpc.status_code"));
        Assert.Equal(ActivityStatusCode.Error, span.Status);
        Assert.Equal("no such thing", span.StatusDescription);
    }

    public void Dispose() => _listener.Dispose();

    private void Listen()
    {
        _listener.ActivityStopped = _spans.Enqueue;
        ActivitySource.AddActivityListener(_listener);
    }

    // The span stops after the response is complete, which the client may see a moment earlier.
    private async Task<Activity> SpanAsync(ActivityTraceId traceId, string name)
    {
        for (var i = 0; i < 100; i++)
        {
            if (_spans.FirstOrDefault(s => s.TraceId == traceId && s.DisplayName == name) is { } span)
            {
                return span;
            }

            await Task.Delay(20);
        }

        throw new TimeoutException($"no span {name} in trace {traceId}");
    }
}
