using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Google.Protobuf;
using OrderGrains.Grpc.Server;
using OrderGrains.Grpc.Tests.Testing;

namespace OrderGrains.Grpc.Tests;

/// <summary>Lets tests observe, from outside, that a handler's cancellation token fired and why.</summary>
public sealed class CancellationProbes
{
    private readonly ConcurrentDictionary<string, TaskCompletionSource<CallCancellationReason>> _probes = new();

    private readonly ConcurrentDictionary<string, TaskCompletionSource> _started = new();

    public Task<CallCancellationReason> WhenCancelled(string probeId) => Get(probeId).Task;

    /// <summary>Completes once a handler watching <paramref name="probeId"/> is running on the server.</summary>
    public Task WhenStarted(string probeId) => Started(probeId).Task;

    public void Watch(string probeId, ServerCallContext context)
    {
        if (probeId.Length == 0)
        {
            return;
        }

        var probe = Get(probeId);
        context.CancellationToken.Register(() => probe.TrySetResult(context.CancellationReason));
        Started(probeId).TrySetResult();
    }

    private TaskCompletionSource Started(string probeId) =>
        _started.GetOrAdd(probeId, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));

    private TaskCompletionSource<CallCancellationReason> Get(string probeId) =>
        _probes.GetOrAdd(probeId, _ => new TaskCompletionSource<CallCancellationReason>(TaskCreationOptions.RunContinuationsAsynchronously));
}

/// <summary>Handler of the test Echo service, bound by name like any production handler.</summary>
public sealed class EchoHandler(CancellationProbes probes)
{
    public Task<EchoReply> EchoAsync(EchoRequest request, ServerCallContext context) =>
        Task.FromResult(new EchoReply
        {
            Text = request.Text,
            Payload = request.Payload,
            RequestEncoding = context.RequestHeaders[GrpcProtocol.EncodingHeader].ToString(),
        });

    public async ValueTask<EchoReply> SleepAsync(SleepRequest request, ServerCallContext context)
    {
        probes.Watch(request.ProbeId, context);
        await Task.Delay(request.Milliseconds, context.CancellationToken);
        return new EchoReply { Text = "slept" };
    }

    public Task<EchoReply> FailAsync(FailRequest request, CancellationToken cancellationToken) => request.Kind switch
    {
        "status" => throw new GrpcStatusException(new GrpcStatus((GrpcStatusCode)request.Code, request.Message), RetryHint()),
        "not_found" => throw new KeyNotFoundException(request.Message),
        "argument" => throw new ArgumentException(request.Message, "sku"),
        "crash" => throw new InvalidOperationException("secret internals: " + request.Message),
        _ => Task.FromResult(new EchoReply { Text = "no failure" }),
    };

    public async Task StreamAsync(StreamRequest request, IServerStreamWriter<EchoReply> writer, ServerCallContext context)
    {
        probes.Watch(request.ProbeId, context);
        context.ResponseTrailers.Add("stream-count", request.Count.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var payload = ByteString.CopyFrom(new byte[request.PayloadSize]);
        for (var i = 0; i < request.Count; i++)
        {
            if (request.FailAfter > 0 && i == request.FailAfter)
            {
                throw new GrpcStatusException(GrpcStatusCode.Aborted, $"failed after {i} messages");
            }

            if (request.DelayMs > 0)
            {
                await Task.Delay(request.DelayMs, context.CancellationToken);
            }

            await writer.WriteAsync(new EchoReply { Text = request.Text, Index = i, Payload = payload });
        }
    }

    public async IAsyncEnumerable<EchoReply> StreamEnumerableAsync(StreamRequest request, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        for (var i = 0; i < request.Count; i++)
        {
            await Task.Yield();
            cancellationToken.ThrowIfCancellationRequested();
            yield return new EchoReply { Text = request.Text, Index = i };
        }
    }

    private static Metadata RetryHint()
    {
        var trailers = new Metadata();
        trailers.Add("retry-after-ms", "250");
        return trailers;
    }
}

/// <summary>Stands in for the host's domain mapping.</summary>
public sealed class TestExceptionMapper : IGrpcExceptionMapper
{
    public GrpcStatus? TryMap(Exception exception, ServerCallContext context) => exception switch
    {
        KeyNotFoundException notFound => new GrpcStatus(GrpcStatusCode.NotFound, notFound.Message),
        ArgumentException argument => new GrpcStatus(GrpcStatusCode.InvalidArgument, $"{argument.ParamName}: {argument.Message}"),
        _ => null,
    };
}
