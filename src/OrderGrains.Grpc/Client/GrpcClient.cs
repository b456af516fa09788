using System.Collections.Concurrent;
using System.Net;
using System.Runtime.CompilerServices;
using Google.Protobuf;

namespace OrderGrains.Grpc.Client;

/// <summary>
/// A gRPC client over HTTP/2 on one shared <see cref="HttpMessageInvoker"/>: cleartext HTTP/2 with prior knowledge
/// (h2c), several connections when one connection's stream limit is reached. Thread-safe; create one per server
/// and reuse it.
/// </summary>
public sealed class GrpcClient : IDisposable
{
    private readonly HttpMessageInvoker _invoker;
    private readonly bool _disposeInvoker;
    private readonly ConcurrentDictionary<string, Uri> _uris = new(StringComparer.Ordinal);

    /// <summary>A client with its own connection pool to <paramref name="address"/> (for example http://127.0.0.1:5000).</summary>
    public GrpcClient(Uri address, GrpcClientOptions? options = null)
        : this(address, new HttpMessageInvoker(CreateHandler(), disposeHandler: true), options, disposeInvoker: true)
    {
    }

    /// <summary>A client on a caller-owned invoker (an <see cref="HttpClient"/> is one), shared between clients.</summary>
    public GrpcClient(Uri address, HttpMessageInvoker invoker, GrpcClientOptions? options = null, bool disposeInvoker = false)
    {
        ArgumentNullException.ThrowIfNull(address);
        ArgumentNullException.ThrowIfNull(invoker);
        Address = address;
        Options = options ?? new GrpcClientOptions();
        _invoker = invoker;
        _disposeInvoker = disposeInvoker;
    }

    public Uri Address { get; }

    public GrpcClientOptions Options { get; }

    /// <summary>The handler settings gRPC needs, for callers that build their own invoker.</summary>
    public static SocketsHttpHandler CreateHandler() => new()
    {
        EnableMultipleHttp2Connections = true,
        AutomaticDecompression = DecompressionMethods.None,
        UseCookies = false,
        UseProxy = false,
        AllowAutoRedirect = false,
        PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
        KeepAlivePingDelay = TimeSpan.FromSeconds(60),
        KeepAlivePingTimeout = TimeSpan.FromSeconds(30),
        KeepAlivePingPolicy = HttpKeepAlivePingPolicy.WithActiveRequests,
        ConnectTimeout = TimeSpan.FromSeconds(10),
    };

    /// <summary>Calls a unary RPC; throws <see cref="GrpcStatusException"/> for any non-OK status.</summary>
    /// <exception cref="OperationCanceledException">The caller's cancellation token fired.</exception>
    public async Task<TResponse> UnaryAsync<TRequest, TResponse>(GrpcMethod<TRequest, TResponse> method, TRequest request, GrpcCallOptions options = default)
        where TRequest : class, IMessage<TRequest>
        where TResponse : class, IMessage<TResponse>
    {
        ArgumentNullException.ThrowIfNull(method);
        ArgumentNullException.ThrowIfNull(request);
        var call = new GrpcClientCall<TResponse>(this, method.ResponseParser, options.Deadline, options.CancellationToken, CancellationToken.None);
        try
        {
            await call.StartAsync(GetUri(method.Path), request, options.Headers);
            var response = await call.ReadNextAsync()
                ?? throw new GrpcStatusException(GrpcStatusCode.Internal, "The server sent OK without a response message for a unary call.");
            if (await call.ReadNextAsync() is not null)
            {
                throw new GrpcStatusException(GrpcStatusCode.Internal, "The server sent more than one response message for a unary call.");
            }

            return response;
        }
        finally
        {
            call.Dispose();
        }
    }

    /// <summary>Calls a unary RPC by path, for callers without a <see cref="GrpcMethod{TRequest, TResponse}"/>.</summary>
    public Task<TResponse> UnaryAsync<TRequest, TResponse>(string path, TRequest request, DateTime? deadline = null, CancellationToken cancellationToken = default)
        where TRequest : class, IMessage<TRequest>
        where TResponse : class, IMessage<TResponse>, new() =>
        UnaryAsync(GrpcMethod.FromPath<TRequest, TResponse>(path), request, new GrpcCallOptions(deadline, cancellationToken));

    /// <summary>
    /// Calls a server-streaming RPC. Messages arrive as they are enumerated; a non-OK final status is thrown from
    /// the enumeration as <see cref="GrpcStatusException"/>. Stopping the enumeration early cancels the call.
    /// </summary>
    public async IAsyncEnumerable<TResponse> ServerStreamingAsync<TRequest, TResponse>(
        GrpcMethod<TRequest, TResponse> method,
        TRequest request,
        GrpcCallOptions options = default,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
        where TRequest : class, IMessage<TRequest>
        where TResponse : class, IMessage<TResponse>
    {
        ArgumentNullException.ThrowIfNull(method);
        ArgumentNullException.ThrowIfNull(request);
        var call = new GrpcClientCall<TResponse>(this, method.ResponseParser, options.Deadline, options.CancellationToken, cancellationToken);
        try
        {
            await call.StartAsync(GetUri(method.Path), request, options.Headers);
            while (await call.ReadNextAsync() is { } message)
            {
                yield return message;
            }
        }
        finally
        {
            call.Dispose();
        }
    }

    public void Dispose()
    {
        if (_disposeInvoker)
        {
            _invoker.Dispose();
        }
    }

    internal Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
        _invoker.SendAsync(request, cancellationToken);

    private Uri GetUri(string path) => _uris.GetOrAdd(path, static (p, address) => new Uri(address, p), Address);
}
