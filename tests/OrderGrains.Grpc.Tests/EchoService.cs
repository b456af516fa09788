using System.Collections.Concurrent;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.Extensions.Hosting;
using OrderGrains.Abstractions;
using OrderGrains.Grpc.Tests.Testing;
using OrderGrains.Host.Admission;

namespace OrderGrains.Grpc.Tests;

/// <summary>Why a handler's cancellation token fired, as a test sees it from outside.</summary>
public enum CancellationReason
{
    DeadlineExceeded = 1,
    ClientAborted = 2,
    ServerShuttingDown = 3,
}

/// <summary>Lets tests observe, from outside, that a handler started, that its cancellation token fired, and why.</summary>
public sealed class CancellationProbes
{
    private readonly ConcurrentDictionary<string, TaskCompletionSource<CancellationReason>> _probes = new();

    private readonly ConcurrentDictionary<string, TaskCompletionSource> _started = new();

    public Task<CancellationReason> WhenCancelled(string probeId) => Get(probeId).Task;

    /// <summary>Completes once a handler watching <paramref name="probeId"/> is running on the server.</summary>
    public Task WhenStarted(string probeId) => Started(probeId).Task;

    public void Watch(string probeId, ServerCallContext context, CancellationToken stopping)
    {
        if (probeId.Length == 0)
        {
            return;
        }

        var probe = Get(probeId);
        context.CancellationToken.Register(() => probe.TrySetResult(
            stopping.IsCancellationRequested ? CancellationReason.ServerShuttingDown
            : context.Deadline <= DateTime.UtcNow ? CancellationReason.DeadlineExceeded
            : CancellationReason.ClientAborted));
        Started(probeId).TrySetResult();
    }

    private TaskCompletionSource Started(string probeId) =>
        _started.GetOrAdd(probeId, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));

    private TaskCompletionSource<CancellationReason> Get(string probeId) =>
        _probes.GetOrAdd(probeId, _ => new TaskCompletionSource<CancellationReason>(TaskCreationOptions.RunContinuationsAsynchronously));
}

/// <summary>The test Echo service (Protos/testing.proto) on the generated base, as the host's services are.</summary>
public sealed class EchoService(CancellationProbes probes, IHostApplicationLifetime lifetime) : Echo.EchoBase
{
    public override Task<EchoReply> Echo(EchoRequest request, ServerCallContext context) =>
        Task.FromResult(new EchoReply
        {
            Text = request.Text,
            Payload = request.Payload,
            RequestEncoding = context.GetHttpContext().Request.Headers["grpc-encoding"].ToString(),
        });

    public override async Task<EchoReply> Sleep(SleepRequest request, ServerCallContext context)
    {
        probes.Watch(request.ProbeId, context, lifetime.ApplicationStopping);
        await Task.Delay(request.Milliseconds, context.CancellationToken);
        return new EchoReply { Text = "slept" };
    }

    public override Task<EchoReply> Fail(FailRequest request, ServerCallContext context) => request.Kind switch
    {
        "status" => throw new RpcException(new Status((StatusCode)request.Code, request.Message), new Metadata { { "retry-after-ms", "250" } }),
        "not_found" => throw new NotFoundException(request.Message),
        "argument" => throw new DomainValidationException("sku", request.Message),
        "rejected" => throw new CallRejectedException(request.Message, retryAfterMilliseconds: 250),
        "crash" => throw new InvalidOperationException("secret internals: " + request.Message),
        _ => Task.FromResult(new EchoReply { Text = "no failure" }),
    };

    public override async Task Stream(StreamRequest request, IServerStreamWriter<EchoReply> responseStream, ServerCallContext context)
    {
        probes.Watch(request.ProbeId, context, lifetime.ApplicationStopping);
        context.ResponseTrailers.Add("stream-count", request.Count.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var payload = ByteString.CopyFrom(new byte[request.PayloadSize]);
        for (var i = 0; i < request.Count; i++)
        {
            if (request.FailAfter > 0 && i == request.FailAfter)
            {
                throw new RpcException(new Status(StatusCode.Aborted, $"failed after {i} messages"));
            }

            if (request.DelayMs > 0)
            {
                await Task.Delay(request.DelayMs, context.CancellationToken);
            }

            await responseStream.WriteAsync(new EchoReply { Text = request.Text, Index = i, Payload = payload }, context.CancellationToken);
        }
    }

    public override async Task StreamEnumerable(StreamRequest request, IServerStreamWriter<EchoReply> responseStream, ServerCallContext context)
    {
        await foreach (var reply in Replies(request, context.CancellationToken))
        {
            await responseStream.WriteAsync(reply, context.CancellationToken);
        }
    }

    private static async IAsyncEnumerable<EchoReply> Replies(StreamRequest request, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        for (var i = 0; i < request.Count; i++)
        {
            await Task.Yield();
            cancellationToken.ThrowIfCancellationRequested();
            yield return new EchoReply { Text = request.Text, Index = i };
        }
    }
}
