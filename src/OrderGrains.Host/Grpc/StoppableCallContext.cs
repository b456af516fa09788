using Grpc.Core;

namespace OrderGrains.Host.Grpc;

/// <summary>
/// A server-streaming call's context whose token also fires when the host begins to stop: a stream such as
/// WatchOrder would never end by itself, and Kestrel waits for open requests before it lets the host stop.
/// Everything else is the call's own context.
/// </summary>
internal sealed class StoppableCallContext : ServerCallContext, IDisposable
{
    private readonly ServerCallContext _inner;
    private readonly CancellationTokenSource _linked;

    // Grpc.AspNetCore finds a replaced context's HttpContext under this UserState key (ServerCallContextExtensions).
    private const string HttpContextKey = "__HttpContext";

    public StoppableCallContext(ServerCallContext inner, CancellationToken stopping)
    {
        _inner = inner;
        inner.UserState[HttpContextKey] = inner.GetHttpContext();
        _linked = CancellationTokenSource.CreateLinkedTokenSource(inner.CancellationToken, stopping);
    }

    protected override string MethodCore => _inner.Method;

    protected override string HostCore => _inner.Host;

    protected override string PeerCore => _inner.Peer;

    protected override DateTime DeadlineCore => _inner.Deadline;

    protected override Metadata RequestHeadersCore => _inner.RequestHeaders;

    protected override CancellationToken CancellationTokenCore => _linked.Token;

    protected override Metadata ResponseTrailersCore => _inner.ResponseTrailers;

    protected override Status StatusCore
    {
        get => _inner.Status;
        set => _inner.Status = value;
    }

    protected override WriteOptions? WriteOptionsCore
    {
        get => _inner.WriteOptions;
        set => _inner.WriteOptions = value;
    }

    protected override AuthContext AuthContextCore => _inner.AuthContext;

    protected override IDictionary<object, object> UserStateCore => _inner.UserState;

    public void Dispose() => _linked.Dispose();

    protected override Task WriteResponseHeadersAsyncCore(Metadata responseHeaders) => _inner.WriteResponseHeadersAsync(responseHeaders);

    protected override ContextPropagationToken CreatePropagationTokenCore(ContextPropagationOptions? options) => _inner.CreatePropagationToken(options);
}
