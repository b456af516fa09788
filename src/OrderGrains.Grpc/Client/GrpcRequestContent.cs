using System.Buffers;
using System.Net;
using Google.Protobuf;
using OrderGrains.Grpc.Internal;

namespace OrderGrains.Grpc.Client;

/// <summary>
/// One framed request message in a pooled buffer. Framed eagerly so the length is known (no chunking) and a
/// retried send (REFUSED_STREAM) can replay it.
/// </summary>
internal sealed class GrpcRequestContent : HttpContent
{
    private readonly byte[] _buffer;
    private readonly int _length;

    // The content owns one reference, each send in progress another; the last one out returns the buffer, so
    // disposing the request while the handler still copies the body cannot hand the array to another call.
    private int _references = 1;
    private int _disposed;

    public GrpcRequestContent(IMessage message, bool compress)
    {
        var size = message.CalculateSize();
        if (compress)
        {
            using var compressed = new PooledBufferWriter((size / 2) + 64);
            GrpcMessageCodec.Compress(message, size, compressed);
            _length = GrpcProtocol.FrameHeaderSize + compressed.WrittenCount;
            _buffer = ArrayPool<byte>.Shared.Rent(_length);
            GrpcMessageCodec.WriteHeader(_buffer, compressed: true, compressed.WrittenCount);
            compressed.WrittenSpan.CopyTo(_buffer.AsSpan(GrpcProtocol.FrameHeaderSize));
        }
        else
        {
            _length = GrpcProtocol.FrameHeaderSize + size;
            _buffer = ArrayPool<byte>.Shared.Rent(_length);
            GrpcMessageCodec.WriteHeader(_buffer, compressed: false, size);
            message.WriteTo(_buffer.AsSpan(GrpcProtocol.FrameHeaderSize, size));
        }

        Headers.TryAddWithoutValidation("Content-Type", GrpcProtocol.ContentType);
    }

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        Acquire();
        try
        {
            await stream.WriteAsync(_buffer.AsMemory(0, _length), cancellationToken);
        }
        finally
        {
            Release();
        }
    }

    protected override void SerializeToStream(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        Acquire();
        try
        {
            stream.Write(_buffer, 0, _length);
        }
        finally
        {
            Release();
        }
    }

    protected override bool TryComputeLength(out long length)
    {
        length = _length;
        return true;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing && Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            Release();
        }

        base.Dispose(disposing);
    }

    private void Acquire()
    {
        while (true)
        {
            var current = Volatile.Read(ref _references);
            ObjectDisposedException.ThrowIf(current == 0, this);
            if (Interlocked.CompareExchange(ref _references, current + 1, current) == current)
            {
                return;
            }
        }
    }

    private void Release()
    {
        if (Interlocked.Decrement(ref _references) == 0)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
        }
    }
}
