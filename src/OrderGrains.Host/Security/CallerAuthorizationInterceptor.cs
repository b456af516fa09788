using System.Globalization;
using System.Net;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Threading.RateLimiting;
using Grpc.AspNetCore.Server;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.AspNetCore.Connections.Features;
using OrderGrains.Host.Grpc;

namespace OrderGrains.Host.Security;

/// <summary>
/// Who may call: every call but the standard services' must carry <c>authorization: Bearer &lt;token&gt;</c> of a configured
/// caller (else UNAUTHENTICATED) whose roles include one <see cref="CallerAccess"/> names for the method, and for
/// order calls the order's channel (else PERMISSION_DENIED). Checked before the handler runs and, for order calls,
/// against the request itself, which is why this is a gRPC interceptor rather than an ASP.NET Core policy (see README).
/// A remote address that fails <see cref="CallerTokens.MaxFailures"/> times within the window is refused
/// (RESOURCE_EXHAUSTED with a retry hint) until the window ends. Tokens are never logged.
/// </summary>
public sealed partial class CallerAuthorizationInterceptor : Interceptor, IDisposable
{
    private const string BearerScheme = "Bearer ";

    private readonly CallerTokens _tokens;
    private readonly ILogger<CallerAuthorizationInterceptor> _logger;
    private readonly PartitionedRateLimiter<IPAddress> _failures;

    // Keyed by each connection's items dictionary, so an entry goes when its connection does.
    private readonly ConditionalWeakTable<IDictionary<object, object?>, ConnectionSlot> _connections = new();

    public CallerAuthorizationInterceptor(CallerTokens tokens, ILogger<CallerAuthorizationInterceptor> logger)
    {
        _tokens = tokens;
        _logger = logger;
        _failures = PartitionedRateLimiter.Create<IPAddress, IPAddress>(address => RateLimitPartition.GetFixedWindowLimiter(
            address,
            _ => new FixedWindowRateLimiterOptions { PermitLimit = tokens.MaxFailures, Window = tokens.FailureWindow, QueueLimit = 0, AutoReplenishment = true }));
    }

    public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        Authorize(request, context);
        return continuation(request, context);
    }

    public override Task ServerStreamingServerHandler<TRequest, TResponse>(
        TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        Authorize(request, context);
        return continuation(request, responseStream, context);
    }

    public override Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        Authorize(request: null, context);
        return continuation(requestStream, context);
    }

    public override Task DuplexStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        Authorize(request: null, context);
        return continuation(requestStream, responseStream, context);
    }

    /// <inheritdoc />
    public void Dispose() => _failures.Dispose();

    private void Authorize(object? request, ServerCallContext context)
    {
        if (context.Method.StartsWith(CallerAccess.OpenServicePrefix, StringComparison.Ordinal))
        {
            return;
        }

        var address = context.GetHttpContext().Connection.RemoteIpAddress ?? IPAddress.None;
        using (var open = _failures.AttemptAcquire(address, 0))
        {
            if (!open.IsAcquired)
            {
                var retryAfter = open.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : _tokens.FailureWindow;
                LogLockedOut(_logger, address, context.Method);
                throw new RpcException(
                    new Status(StatusCode.ResourceExhausted, $"Too many failed authentication attempts from {address}; retry in {Math.Ceiling(retryAfter.TotalSeconds)} s."),
                    new Metadata { { GrpcErrorInterceptor.RetryPushbackTrailer, ((long)retryAfter.TotalMilliseconds).ToString(CultureInfo.InvariantCulture) } });
            }
        }

        // Read from the request's own headers: ServerCallContext.RequestHeaders copies all of them into a Metadata.
        var http = context.GetHttpContext();
        var values = http.Request.Headers.Authorization;
        var header = values.Count == 0 ? null : values[values.Count - 1];
        Caller? caller = null;
        string failure;
        if (header is null)
        {
            failure = "no authorization header";
        }
        else if (!header.StartsWith(BearerScheme, StringComparison.OrdinalIgnoreCase) || header.Length == BearerScheme.Length)
        {
            failure = "authorization header is not 'Bearer <token>'";
        }
        else
        {
            caller = AuthenticateOnConnection(http, header.AsSpan(BearerScheme.Length).Trim());
            failure = "unknown token";
        }

        if (caller is null)
        {
            _failures.AttemptAcquire(address, 1).Dispose();
            LogAuthenticationFailed(_logger, address, context.Method, failure);
            throw new RpcException(new Status(
                StatusCode.Unauthenticated,
                "Send 'authorization: Bearer <token>' with a token from OrderGrains:Callers (or the generated <data dir>/caller-token)."));
        }

        if (!CallerAccess.Table.TryGetValue(context.Method, out var access))
        {
            throw Denied(caller, context.Method, $"{context.Method} is open to no caller role.");
        }

        if (!access.Roles.Any(caller.Roles.Contains))
        {
            var needed = access.Roles.Count == 1
                ? $"the role '{RoleName(access.Roles[0])}'"
                : $"one of the roles {string.Join(", ", access.Roles.Select(r => $"'{RoleName(r)}'"))}";
            throw Denied(caller, context.Method, $"Caller '{caller.Name}' lacks {needed} that {context.Method} needs.");
        }

        if (access.ChannelOf is { } channelOf && request is not null && channelOf(request) is var channel && !caller.MayUse(channel))
        {
            throw Denied(caller, context.Method, $"Caller '{caller.Name}' may not act for channel '{channel}'.");
        }

        http.Features.Set(caller);
    }

    /// <summary>
    /// The caller of a token, remembered on the HTTP/2 connection that presented it: a channel adapter sends the same
    /// token with every call, and hashing it anew (SHA-256 through OpenSSL) cost about 5% of the host's CPU in a flash
    /// sale. Only a token that authenticated is remembered, and the presented one is compared with it in constant time,
    /// so a connection shared by several clients (a proxy's) learns nothing from the timing either.
    /// </summary>
    private Caller? AuthenticateOnConnection(HttpContext http, ReadOnlySpan<char> token)
    {
        // The connection's items are a plain dictionary, and an HTTP/2 connection runs its streams' calls in parallel:
        // the remembered caller lives in a holder of our own, found by the dictionary's identity, never in it.
        var items = http.Features.Get<IConnectionItemsFeature>()?.Items;
        var slot = items is null ? null : _connections.GetValue(items, static _ => new ConnectionSlot());
        if (slot?.Last is { } known
            && CryptographicOperations.FixedTimeEquals(MemoryMarshal.AsBytes(known.Token.AsSpan()), MemoryMarshal.AsBytes(token)))
        {
            return known.Caller;
        }

        var text = token.ToString();
        var caller = _tokens.Authenticate(text);
        if (caller is not null && slot is not null)
        {
            slot.Last = new ConnectionCaller(text, caller);
        }

        return caller;
    }

    /// <summary>The caller this interceptor let through for the current call (services that act in its name read it).</summary>
    public static Caller CallerOf(ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.GetHttpContext().Features.Get<Caller>() ?? throw new InvalidOperationException($"The call {context.Method} was not authorized.");
    }

    private static string RoleName(CallerRole role) => role.ToString().ToLowerInvariant();

    private RpcException Denied(Caller caller, string method, string detail)
    {
        LogDenied(_logger, caller.Name, method, detail);
        return new RpcException(new Status(StatusCode.PermissionDenied, detail));
    }

    /// <summary>The last token that authenticated on a connection, and its caller.</summary>
    private sealed record ConnectionCaller(string Token, Caller Caller);

    /// <summary>A connection's remembered caller; replaced whole, so a reader sees one token with its own caller.</summary>
    private sealed class ConnectionSlot
    {
        public volatile ConnectionCaller? Last;
    }

    [LoggerMessage(EventId = 201, Level = LogLevel.Warning, Message = "gRPC call {Method} from {RemoteAddress} refused as unauthenticated: {Reason}.")]
    private static partial void LogAuthenticationFailed(ILogger logger, IPAddress remoteAddress, string method, string reason);

    [LoggerMessage(EventId = 202, Level = LogLevel.Warning, Message = "gRPC call {Method} from {RemoteAddress} refused: too many failed authentication attempts from that address.")]
    private static partial void LogLockedOut(ILogger logger, IPAddress remoteAddress, string method);

    [LoggerMessage(EventId = 203, Level = LogLevel.Information, Message = "gRPC call {Method} by caller {Caller} denied: {Reason}")]
    private static partial void LogDenied(ILogger logger, string caller, string method, string reason);
}

/// <summary>Puts caller authorization into the host's gRPC pipeline, inside the error interceptor (which passes its statuses on).</summary>
public static class CallerSecurityWiring
{
    public static IServiceCollection AddCallerAuthorization(this IServiceCollection services, CallerTokens tokens)
    {
        services.AddSingleton(tokens);
        services.AddSingleton<CallerAuthorizationInterceptor>();
        services.Configure<GrpcServiceOptions>(options => options.Interceptors.Add<CallerAuthorizationInterceptor>());
        return services;
    }
}
