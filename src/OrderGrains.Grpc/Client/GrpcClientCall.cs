using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using Google.Protobuf;
using OrderGrains.Grpc.Internal;

namespace OrderGrains.Grpc.Client;

/// <summary>
/// The client side of one call: sends the request, reads framed response messages, then the status. Every
/// transport failure leaves as <see cref="GrpcStatusException"/>, caller cancellation as
/// <see cref="OperationCanceledException"/>.
/// </summary>
internal sealed class GrpcClientCall<TResponse> : IDisposable
    where TResponse : class, IMessage<TResponse>
{
    private static readonly Version Http2 = HttpVersion.Version20;

    private readonly GrpcClient _client;
    private readonly MessageParser<TResponse> _parser;
    private readonly DateTime? _deadline;
    private readonly CancellationToken _callerToken1;
    private readonly CancellationToken _callerToken2;

    // Null when a caller token alone can cancel the call; otherwise links caller tokens and the deadline timer.
    private readonly CancellationTokenSource? _cancellation;
    private readonly CancellationToken _token;
    private readonly byte[] _header = new byte[GrpcProtocol.FrameHeaderSize];
    private HttpRequestMessage? _request;
    private HttpResponseMessage? _response;
    private Stream? _body;
    private bool _responseGzip;
    private bool _finished;

    public GrpcClientCall(GrpcClient client, MessageParser<TResponse> parser, DateTime? deadline, CancellationToken callerToken1, CancellationToken callerToken2)
    {
        _client = client;
        _parser = parser;
        _deadline = deadline;
        _callerToken1 = callerToken1;
        _callerToken2 = callerToken2;
        if (deadline is not null || (callerToken1.CanBeCanceled && callerToken2.CanBeCanceled))
        {
            _cancellation = CancellationTokenSource.CreateLinkedTokenSource(callerToken1, callerToken2);
            _token = _cancellation.Token;
        }
        else
        {
            _token = callerToken1.CanBeCanceled ? callerToken1 : callerToken2;
        }
    }

    public async Task StartAsync(Uri uri, IMessage request, Metadata? headers)
    {
        string? timeout = null;
        if (_deadline is { } deadline)
        {
            var remaining = deadline.ToUniversalTime() - DateTime.UtcNow;
            if (remaining <= TimeSpan.Zero)
            {
                throw new GrpcStatusException(GrpcStatusCode.DeadlineExceeded, "Deadline exceeded before the call started.");
            }

            timeout = GrpcProtocol.FormatTimeout(remaining);
            _cancellation!.CancelAfter(remaining);
        }

        var options = _client.Options;
        var message = new HttpRequestMessage(HttpMethod.Post, uri)
        {
            Version = Http2,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new GrpcRequestContent(request, options.CompressRequests),
        };
        _request = message;
        var requestHeaders = message.Headers;
        requestHeaders.TryAddWithoutValidation("TE", "trailers");
        requestHeaders.TryAddWithoutValidation("User-Agent", options.UserAgent);
        if (timeout is not null)
        {
            requestHeaders.TryAddWithoutValidation(GrpcProtocol.TimeoutHeader, timeout);
        }

        if (options.CompressRequests)
        {
            requestHeaders.TryAddWithoutValidation(GrpcProtocol.EncodingHeader, GrpcProtocol.GzipEncoding);
        }

        requestHeaders.TryAddWithoutValidation(
            GrpcProtocol.AcceptEncodingHeader,
            options.AcceptCompressedResponses ? GrpcProtocol.SupportedEncodings : GrpcProtocol.IdentityEncoding);
        if (headers is not null)
        {
            foreach (var (key, value) in headers)
            {
                requestHeaders.TryAddWithoutValidation(key, value);
            }
        }

        // Headers the caller set win; otherwise the call continues the caller's trace.
        if (Activity.Current is { IdFormat: ActivityIdFormat.W3C } current
            && !requestHeaders.Contains(GrpcProtocol.TraceParentHeader))
        {
            requestHeaders.TryAddWithoutValidation(GrpcProtocol.TraceParentHeader, current.Id);
            if (current.TraceStateString is { Length: > 0 } traceState)
            {
                requestHeaders.TryAddWithoutValidation(GrpcProtocol.TraceStateHeader, traceState);
            }
        }

        try
        {
            _response = await _client.SendAsync(message, _token);
            var status = CheckResponseHeaders(_response);
            if (status is not null)
            {
                _finished = true;
                ThrowIfNotOk(status.Value, ReadMetadata(_response.Headers));
                return;
            }

            _body = await _response.Content.ReadAsStreamAsync(_token);
        }
        catch (Exception ex) when (Translate(ex) is { } translated)
        {
            throw translated;
        }
    }

    /// <summary>The next message, or null once the server ended the call with OK.</summary>
    public async ValueTask<TResponse?> ReadNextAsync()
    {
        if (_finished)
        {
            return null;
        }

        try
        {
            var read = await _body!.ReadAtLeastAsync(_header, GrpcProtocol.FrameHeaderSize, throwOnEndOfStream: false, _token);
            if (read == 0)
            {
                _finished = true;
                var trailers = _response!.TrailingHeaders;
                var status = ReadStatus(trailers)
                    ?? new GrpcStatus(GrpcStatusCode.Internal, "The server ended the call without a grpc-status.");
                ThrowIfNotOk(status, ReadMetadata(trailers));
                return null;
            }

            if (read < GrpcProtocol.FrameHeaderSize)
            {
                throw new GrpcStatusException(GrpcStatusCode.Internal, "The response ended inside a message header.");
            }

            return await ReadMessageAsync(_header[0], BinaryPrimitives.ReadUInt32BigEndian(_header.AsSpan(1)));
        }
        catch (Exception ex) when (Translate(ex) is { } translated)
        {
            throw translated;
        }
    }

    public void Dispose()
    {
        // Disposing an unfinished response resets the stream (RST_STREAM CANCEL), which cancels the server handler.
        _body?.Dispose();
        _response?.Dispose();
        _request?.Dispose();
        _cancellation?.Dispose();
    }

    private static void ThrowIfNotOk(GrpcStatus status, Metadata metadata)
    {
        if (status.Code != GrpcStatusCode.OK)
        {
            throw new GrpcStatusException(status, metadata);
        }
    }

    private static GrpcStatus? ReadStatus(HttpHeaders headers)
    {
        var nonValidated = headers.NonValidated;
        if (!nonValidated.TryGetValues(GrpcProtocol.StatusHeader, out var statusValues))
        {
            return null;
        }

        if (!int.TryParse(statusValues.ToString(), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var code))
        {
            return new GrpcStatus(GrpcStatusCode.Unknown, $"Unparseable grpc-status '{statusValues}'.");
        }

        var detail = nonValidated.TryGetValues(GrpcProtocol.MessageHeader, out var messageValues)
            ? GrpcProtocol.DecodeMessage(messageValues.ToString())
            : string.Empty;
        return new GrpcStatus((GrpcStatusCode)code, detail);
    }

    private static Metadata ReadMetadata(HttpHeaders headers)
    {
        var metadata = new Metadata();
        foreach (var (key, values) in headers.NonValidated)
        {
            foreach (var value in values)
            {
                metadata.AddReceived(key, value);
            }
        }

        return metadata;
    }

    /// <summary>
    /// Maps an HTTP status that is not 200 to a gRPC status, as in the spec's http-grpc-status-mapping.
    /// </summary>
    private static GrpcStatusCode FromHttpStatus(HttpStatusCode status) => status switch
    {
        HttpStatusCode.BadRequest => GrpcStatusCode.Internal,
        HttpStatusCode.Unauthorized => GrpcStatusCode.Unauthenticated,
        HttpStatusCode.Forbidden => GrpcStatusCode.PermissionDenied,
        HttpStatusCode.NotFound => GrpcStatusCode.Unimplemented,
        HttpStatusCode.TooManyRequests or HttpStatusCode.BadGateway or HttpStatusCode.ServiceUnavailable or HttpStatusCode.GatewayTimeout
            => GrpcStatusCode.Unavailable,
        _ => GrpcStatusCode.Unknown,
    };

    /// <summary>Maps an HTTP/2 RST_STREAM or GOAWAY error code to a gRPC status, as the spec lists them.</summary>
    private static GrpcStatusCode FromHttp2Error(long errorCode) => errorCode switch
    {
        0x7 => GrpcStatusCode.Unavailable,
        0x8 => GrpcStatusCode.Cancelled,
        0xB => GrpcStatusCode.ResourceExhausted,
        0xC => GrpcStatusCode.PermissionDenied,
        _ => GrpcStatusCode.Internal,
    };

    /// <summary>Checks the response headers; returns the status if this is a trailers-only response.</summary>
    private GrpcStatus? CheckResponseHeaders(HttpResponseMessage response)
    {
        var status = ReadStatus(response.Headers);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            return status ?? new GrpcStatus(FromHttpStatus(response.StatusCode), $"Bad gRPC response. HTTP status code: {(int)response.StatusCode}.");
        }

        if (!response.Content.Headers.NonValidated.TryGetValues("Content-Type", out var contentType)
            || !GrpcProtocol.IsGrpcContentType(contentType.ToString()))
        {
            return new GrpcStatus(GrpcStatusCode.Internal, $"Bad gRPC response. Content-Type '{contentType}' is not application/grpc.");
        }

        if (status is not null)
        {
            return status;
        }

        if (response.Headers.NonValidated.TryGetValues(GrpcProtocol.EncodingHeader, out var encoding))
        {
            _responseGzip = string.Equals(encoding.ToString(), GrpcProtocol.GzipEncoding, StringComparison.OrdinalIgnoreCase);
        }

        return null;
    }

    private async ValueTask<TResponse> ReadMessageAsync(byte flag, uint length)
    {
        var maxSize = _client.Options.MaxReceiveMessageSize ?? int.MaxValue;
        if (length > maxSize)
        {
            throw GrpcMessageCodec.MessageTooLarge(length, maxSize);
        }

        if (flag > 1 || (flag == 1 && !_responseGzip))
        {
            throw new GrpcStatusException(GrpcStatusCode.Internal, "Compressed response message without a supported grpc-encoding.");
        }

        var buffer = ArrayPool<byte>.Shared.Rent((int)Math.Max(length, 1));
        try
        {
            var payload = buffer.AsMemory(0, (int)length);
            var read = await _body!.ReadAtLeastAsync(payload, payload.Length, throwOnEndOfStream: false, _token);
            if (read < payload.Length)
            {
                throw new GrpcStatusException(GrpcStatusCode.Internal, "The response ended inside a message.");
            }

            try
            {
                if (flag == 0)
                {
                    return _parser.ParseFrom(payload.Span);
                }

                using var decompressed = new PooledBufferWriter((int)Math.Min((long)length * 4, maxSize));
                GrpcMessageCodec.Decompress(new ReadOnlySequenceStream(new ReadOnlySequence<byte>(payload)), decompressed, maxSize);
                return _parser.ParseFrom(decompressed.WrittenSpan);
            }
            catch (InvalidProtocolBufferException ex)
            {
                throw new GrpcStatusException(GrpcStatusCode.Internal, "Failed to deserialize the response message.", ex);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>The exception the caller should see instead of <paramref name="exception"/>, or null to keep it.</summary>
    private Exception? Translate(Exception exception)
    {
        if (exception is GrpcStatusException)
        {
            return null;
        }

        if (_callerToken1.IsCancellationRequested || _callerToken2.IsCancellationRequested)
        {
            var token = _callerToken1.IsCancellationRequested ? _callerToken1 : _callerToken2;
            return exception is OperationCanceledException canceled && canceled.CancellationToken == token
                ? null
                : new OperationCanceledException("The call was cancelled.", exception, token);
        }

        if (_cancellation is { IsCancellationRequested: true })
        {
            return new GrpcStatusException(GrpcStatusCode.DeadlineExceeded, "Deadline exceeded.", exception);
        }

        return exception switch
        {
            HttpProtocolException protocol => new GrpcStatusException(
                FromHttp2Error(protocol.ErrorCode), $"HTTP/2 error {protocol.ErrorCode}: {protocol.Message}", exception),
            HttpRequestException or IOException => new GrpcStatusException(
                GrpcStatusCode.Unavailable, $"Error reaching {_client.Address}: {exception.Message}", exception),
            _ => null,
        };
    }
}
