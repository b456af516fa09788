using System.Buffers;
using System.Diagnostics;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using OrderGrains.Grpc.Internal;

namespace OrderGrains.Grpc.Server;

/// <summary>
/// One server call: what the handler may know about it (method, deadline, cancellation, request headers) and what
/// it may add to the response (trailers). Owns the call's wire state; not thread-safe except where noted.
/// </summary>
public sealed class ServerCallContext
{
    private static readonly string[] StatusTexts =
        Enumerable.Range(0, 17).Select(code => code.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();

    private readonly GrpcServerRuntime _runtime;

    // Serializes stream writes against the final status when a deadline ends a streaming call early; null for unary
    // calls, whose response is only ever written by the request delegate itself.
    private readonly SemaphoreSlim? _writeLock;
    private readonly CancellationTokenSource _cancellation = new();
    private readonly TaskCompletionSource _cancelled = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private CancellationTokenRegistration _abortedRegistration;
    private CancellationTokenRegistration _stoppingRegistration;
    private ITimer? _deadlineTimer;
    private Metadata? _responseTrailers;
    private int _cancellationReason;
    private bool _requestCompressed;
    private bool _compressResponses;
    private bool _messageWritten;
    private bool _completed;

    internal ServerCallContext(HttpContext httpContext, MethodDescriptor method, GrpcServerRuntime runtime, bool streaming)
    {
        HttpContext = httpContext;
        MethodDescriptor = method;
        _runtime = runtime;
        _writeLock = streaming ? new SemaphoreSlim(1, 1) : null;
    }

    public HttpContext HttpContext { get; }

    public MethodDescriptor MethodDescriptor { get; }

    /// <summary>The request path, <c>/package.Service/Method</c>.</summary>
    public string Method => HttpContext.Request.Path.Value ?? string.Empty;

    /// <summary>When the client stops waiting (UTC); <see cref="DateTime.MaxValue"/> if it sent no <c>grpc-timeout</c>.</summary>
    public DateTime Deadline { get; private set; } = DateTime.MaxValue;

    /// <summary>Fires on deadline, client cancellation (RST_STREAM) or server shutdown; see <see cref="CancellationReason"/>.</summary>
    public CancellationToken CancellationToken => _cancellation.Token;

    public CallCancellationReason CancellationReason => (CallCancellationReason)Volatile.Read(ref _cancellationReason);

    public IHeaderDictionary RequestHeaders => HttpContext.Request.Headers;

    /// <summary>Extra trailers sent with the status, success or failure (for example a retry hint).</summary>
    public Metadata ResponseTrailers => _responseTrailers ??= new Metadata();

    public string Peer => HttpContext.Connection.RemoteIpAddress is { } address
        ? $"{address}:{HttpContext.Connection.RemotePort}"
        : "unknown";

    internal Task Cancelled => _cancelled.Task;

    /// <summary>The call's span, when tracing listens; the final status is recorded on it.</summary>
    internal Activity? Activity { get; init; }

    /// <summary>Reads the call's headers and arms its cancellation; returns the status to fail with, if any.</summary>
    internal GrpcStatus? Start(CancellationToken serverStopping)
    {
        var request = HttpContext.Request;
        var response = HttpContext.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = GrpcProtocol.ContentType;
        response.Headers[GrpcProtocol.AcceptEncodingHeader] = GrpcProtocol.SupportedEncodings;

        _abortedRegistration = HttpContext.RequestAborted.UnsafeRegister(
            static state => ((ServerCallContext)state!).Cancel(CallCancellationReason.ClientAborted), this);
        // Graceful shutdown: a unary call already running finishes (Kestrel waits for it); a stream would never end
        // by itself, so it is cancelled; and a call arriving once shutdown began is refused as UNAVAILABLE.
        if (MethodDescriptor.IsServerStreaming || serverStopping.IsCancellationRequested)
        {
            _stoppingRegistration = serverStopping.UnsafeRegister(
                static state => ((ServerCallContext)state!).Cancel(CallCancellationReason.ServerShuttingDown), this);
        }

        string? timeoutHeader = request.Headers[GrpcProtocol.TimeoutHeader];
        if (timeoutHeader is not null)
        {
            if (!GrpcProtocol.TryParseTimeout(timeoutHeader, out var timeout))
            {
                return new GrpcStatus(GrpcStatusCode.Internal, $"Malformed grpc-timeout header '{timeoutHeader}'.");
            }

            // Timers cannot express the eight-digit hour values the spec allows; such a deadline is never reached anyway.
            if (timeout < TimeSpan.FromDays(30))
            {
                Deadline = DateTime.UtcNow + timeout;
                _deadlineTimer = TimeProvider.System.CreateTimer(
                    static state => ((ServerCallContext)state!).Cancel(CallCancellationReason.DeadlineExceeded),
                    this,
                    timeout,
                    Timeout.InfiniteTimeSpan);
            }
        }

        string? encoding = request.Headers[GrpcProtocol.EncodingHeader];
        if (encoding is not null && !string.Equals(encoding, GrpcProtocol.IdentityEncoding, StringComparison.OrdinalIgnoreCase))
        {
            if (!string.Equals(encoding, GrpcProtocol.GzipEncoding, StringComparison.OrdinalIgnoreCase))
            {
                return new GrpcStatus(
                    GrpcStatusCode.Unimplemented,
                    $"Unsupported grpc-encoding value '{encoding}'. Supported encodings: {GrpcProtocol.SupportedEncodings}");
            }

            _requestCompressed = true;
        }

        if (_runtime.Options.CompressResponses
            && GrpcProtocol.ListContains(request.Headers[GrpcProtocol.AcceptEncodingHeader], GrpcProtocol.GzipEncoding))
        {
            _compressResponses = true;
            response.Headers[GrpcProtocol.EncodingHeader] = GrpcProtocol.GzipEncoding;
        }

        return null;
    }

    /// <summary>Reads the one request message of a unary or server-streaming call and checks the request ends there.</summary>
    internal async ValueTask<T> ReadSingleMessageAsync<T>(MessageParser parser)
        where T : class, IMessage
    {
        var reader = HttpContext.Request.BodyReader;
        var cancellationToken = CancellationToken;
        var maxSize = _runtime.Options.MaxReceiveMessageSize ?? int.MaxValue - GrpcProtocol.FrameHeaderSize;

        var result = await reader.ReadAtLeastAsync(GrpcProtocol.FrameHeaderSize, cancellationToken);
        var buffer = result.Buffer;
        if (!GrpcMessageCodec.TryReadHeader(buffer, out var flag, out var length))
        {
            reader.AdvanceTo(buffer.End);
            throw new GrpcStatusException(
                GrpcStatusCode.Internal,
                buffer.IsEmpty ? "The request ended without a message." : "The request ended inside a message header.");
        }

        if (flag > 1)
        {
            reader.AdvanceTo(buffer.Start, buffer.End);
            throw new GrpcStatusException(GrpcStatusCode.Internal, $"Invalid compressed flag {flag} in message header.");
        }

        if (flag == 1 && !_requestCompressed)
        {
            reader.AdvanceTo(buffer.Start, buffer.End);
            throw new GrpcStatusException(GrpcStatusCode.Internal, "Compressed message received but the call's grpc-encoding is identity.");
        }

        // Refuse before buffering: the prefix alone tells us the message is too large.
        if (length > maxSize)
        {
            reader.AdvanceTo(buffer.Start, buffer.End);
            throw GrpcMessageCodec.MessageTooLarge(length, maxSize);
        }

        var frameLength = GrpcProtocol.FrameHeaderSize + (int)length;
        if (buffer.Length < frameLength)
        {
            reader.AdvanceTo(buffer.Start, buffer.End);
            result = await reader.ReadAtLeastAsync(frameLength, cancellationToken);
            buffer = result.Buffer;
            if (buffer.Length < frameLength)
            {
                reader.AdvanceTo(buffer.End);
                throw new GrpcStatusException(GrpcStatusCode.Internal, "The request ended inside a message.");
            }
        }

        T message;
        try
        {
            message = ParseMessage<T>(parser, buffer.Slice(GrpcProtocol.FrameHeaderSize, length), flag == 1, maxSize);
        }
        finally
        {
            reader.AdvanceTo(buffer.GetPosition(frameLength));
        }

        while (true)
        {
            result = await reader.ReadAsync(cancellationToken);
            var rest = result.Buffer;
            reader.AdvanceTo(rest.End);
            if (!rest.IsEmpty)
            {
                throw new GrpcStatusException(GrpcStatusCode.Internal, "Additional data after the request message of a unary request.");
            }

            if (result.IsCompleted)
            {
                // A deadline that passed while the request arrived ends the call before the handler does any work;
                // the timer alone may fire only after a fast handler has already answered.
                if (DateTime.UtcNow >= Deadline)
                {
                    Cancel(CallCancellationReason.DeadlineExceeded);
                    cancellationToken.ThrowIfCancellationRequested();
                }

                return message;
            }
        }
    }

    /// <summary>Writes one response message; streaming writes are flushed and serialized against the final status.</summary>
    internal async Task WriteStreamMessageAsync(IMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        await _writeLock!.WaitAsync(cancellationToken);
        try
        {
            ThrowIfCompleted();
            WriteMessage(message);
            var token = cancellationToken.CanBeCanceled ? cancellationToken : CancellationToken;
            var flush = await HttpContext.Response.BodyWriter.FlushAsync(token);
            if (flush.IsCanceled)
            {
                throw new OperationCanceledException("The stream write was cancelled.", token);
            }
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>Writes a unary response; left unflushed so Kestrel can send it together with the trailers.</summary>
    internal void WriteUnaryResponse(IMessage? message)
    {
        if (message is null)
        {
            throw new GrpcStatusException(GrpcStatusCode.Internal, "The handler returned no response message.");
        }

        ThrowIfCompleted();
        WriteMessage(message);
    }

    /// <summary>
    /// Ends the call with <paramref name="status"/>: in trailers after messages, or as a trailers-only response
    /// (status in the HEADERS frame that carries END_STREAM) if nothing was sent yet. Idempotent.
    /// </summary>
    internal async Task FinishAsync(GrpcStatus status, Metadata? errorTrailers, bool includeHandlerTrailers)
    {
        if (_writeLock is not null)
        {
            await _writeLock.WaitAsync();
        }

        try
        {
            if (_completed)
            {
                return;
            }

            _completed = true;
            GrpcServerTracing.SetStatus(Activity, status);
            var response = HttpContext.Response;
            IHeaderDictionary target;
            if (!_messageWritten && !response.HasStarted)
            {
                target = response.Headers;
                target.Remove(GrpcProtocol.EncodingHeader);
            }
            else
            {
                target = HttpContext.Features.Get<IHttpResponseTrailersFeature>()?.Trailers
                    ?? throw new InvalidOperationException("The transport does not support response trailers; gRPC needs HTTP/2.");
            }

            target[GrpcProtocol.StatusHeader] = StatusCodeText((int)status.Code);
            if (status.Detail.Length > 0)
            {
                target[GrpcProtocol.MessageHeader] = GrpcProtocol.EncodeMessage(status.Detail);
            }

            if (includeHandlerTrailers && _responseTrailers is not null)
            {
                AppendTrailers(target, _responseTrailers);
            }

            if (errorTrailers is not null)
            {
                AppendTrailers(target, errorTrailers);
            }

            await response.CompleteAsync();
        }
        finally
        {
            _writeLock?.Release();
        }
    }

    internal void Dispose()
    {
        _abortedRegistration.Dispose();
        _stoppingRegistration.Dispose();
        _deadlineTimer?.Dispose();
    }

    private static string StatusCodeText(int code) =>
        (uint)code < (uint)StatusTexts.Length ? StatusTexts[code] : code.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static void AppendTrailers(IHeaderDictionary target, Metadata metadata)
    {
        foreach (var (key, value) in metadata)
        {
            target.Append(key, value);
        }
    }

    private static T ParseMessage<T>(MessageParser parser, ReadOnlySequence<byte> payload, bool compressed, int maxSize)
        where T : class, IMessage
    {
        try
        {
            if (!compressed)
            {
                return (T)parser.ParseFrom(payload);
            }

            using var decompressed = new PooledBufferWriter((int)Math.Min(payload.Length * 4, maxSize));
            GrpcMessageCodec.Decompress(new ReadOnlySequenceStream(payload), decompressed, maxSize);
            return (T)parser.ParseFrom(decompressed.WrittenSpan);
        }
        catch (InvalidProtocolBufferException ex)
        {
            // INTERNAL, as grpc-go ("error unmarshalling request") and grpc-java ("Invalid protobuf byte sequence") do:
            // the spec reserves INVALID_ARGUMENT for arguments the application rejects, not for undecodable bytes.
            throw new GrpcStatusException(GrpcStatusCode.Internal, "Failed to deserialize the request message.", ex);
        }
    }

    private void WriteMessage(IMessage message)
    {
        var writer = HttpContext.Response.BodyWriter;
        var size = message.CalculateSize();
        if (_compressResponses && size >= _runtime.Options.ResponseCompressionMinimumSize)
        {
            using var compressed = new PooledBufferWriter((size / 2) + 64);
            GrpcMessageCodec.Compress(message, size, compressed);
            GrpcMessageCodec.WriteHeader(writer.GetSpan(GrpcProtocol.FrameHeaderSize), compressed: true, compressed.WrittenCount);
            writer.Advance(GrpcProtocol.FrameHeaderSize);
            writer.Write(compressed.WrittenSpan);
        }
        else
        {
            GrpcMessageCodec.WriteHeader(writer.GetSpan(GrpcProtocol.FrameHeaderSize), compressed: false, size);
            writer.Advance(GrpcProtocol.FrameHeaderSize);
            message.WriteTo(writer);
        }

        _messageWritten = true;
    }

    private void ThrowIfCompleted()
    {
        if (!_completed)
        {
            return;
        }

        if (CancellationReason != CallCancellationReason.None)
        {
            throw new OperationCanceledException("The call has ended: " + CancellationReason + ".", CancellationToken);
        }

        throw new InvalidOperationException("The call has already completed; no more messages can be written.");
    }

    private void Cancel(CallCancellationReason reason)
    {
        if (Interlocked.CompareExchange(ref _cancellationReason, (int)reason, 0) != 0)
        {
            return;
        }

        _cancelled.TrySetResult();
        try
        {
            _cancellation.Cancel();
        }
        catch (AggregateException ex)
        {
            // A handler's own cancellation callback failed; it runs on a timer or transport thread, where throwing
            // would take the process down.
            GrpcServerLog.CancellationCallbackFailed(_runtime.Logger, Method, ex);
        }
    }
}
