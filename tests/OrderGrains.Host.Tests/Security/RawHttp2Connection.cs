using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace OrderGrains.Host.Tests.Security;

/// <summary>
/// An HTTP/2 client of a few dozen lines over a plain socket (h2c, prior knowledge), for requests HttpClient refuses to
/// send: headers past the server's advertised limit, a body trickled one DATA frame at a time. Headers go out as HPACK
/// literals without Huffman coding; what comes back is read as frames, not decoded.
/// </summary>
internal sealed class RawHttp2Connection : IAsyncDisposable
{
    public const byte Data = 0x0;
    public const byte Headers = 0x1;
    public const byte RstStream = 0x3;
    public const byte Settings = 0x4;
    public const byte GoAway = 0x7;
    public const byte Continuation = 0x9;

    private const int MaxFrameSize = 16_384;
    private readonly TcpClient _tcp;
    private readonly NetworkStream _stream;
    private readonly SemaphoreSlim _writeLock = new(1, 1);

    private RawHttp2Connection(TcpClient tcp)
    {
        _tcp = tcp;
        _stream = tcp.GetStream();
    }

    public static async Task<RawHttp2Connection> OpenAsync(int port)
    {
        var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, port);
        var connection = new RawHttp2Connection(tcp);
        await connection._stream.WriteAsync("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8.ToArray());
        await connection.WriteFrameAsync(Settings, 0, 0, ReadOnlyMemory<byte>.Empty);
        return connection;
    }

    /// <summary>A request's header block on stream <paramref name="streamId"/>, split into HEADERS and CONTINUATION frames.</summary>
    public async Task SendHeadersAsync(int streamId, IEnumerable<(string Name, string Value)> headers, bool endStream)
    {
        var block = new MemoryStream();
        foreach (var (name, value) in headers)
        {
            block.WriteByte(0x00);
            WriteString(block, name);
            WriteString(block, value);
        }

        var bytes = block.ToArray();
        for (var offset = 0; offset < bytes.Length || offset == 0; offset += MaxFrameSize)
        {
            var length = Math.Min(MaxFrameSize, bytes.Length - offset);
            var last = offset + length >= bytes.Length;
            var type = offset == 0 ? Headers : Continuation;
            var flags = (byte)((last ? 0x4 : 0) | (offset == 0 && endStream ? 0x1 : 0));
            await WriteFrameAsync(type, flags, streamId, bytes.AsMemory(offset, length));
            if (bytes.Length == 0)
            {
                break;
            }
        }
    }

    public Task SendDataAsync(int streamId, ReadOnlyMemory<byte> data, bool endStream) =>
        WriteFrameAsync(Data, endStream ? (byte)0x1 : (byte)0, streamId, data);

    /// <summary>
    /// Reads frames until the server ends <paramref name="streamId"/> or the connection: its response HEADERS,
    /// RST_STREAM or GOAWAY, or the socket closing. Returns what ended it. The server's SETTINGS go unacknowledged:
    /// writing into a connection the server has just closed would have the kernel reset it before its GOAWAY is read.
    /// </summary>
    public async Task<Http2End> ReadEndAsync(int streamId, TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        var header = new byte[9];
        while (true)
        {
            try
            {
                await _stream.ReadExactlyAsync(header, cancel.Token);
            }
            catch (Exception exception) when (exception is EndOfStreamException or IOException)
            {
                return new Http2End("connection closed", null);
            }

            var length = (header[0] << 16) | (header[1] << 8) | header[2];
            var type = header[3];
            var stream = (int)(BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(5)) & 0x7FFF_FFFF);
            var payload = new byte[length];
            await _stream.ReadExactlyAsync(payload, cancel.Token);
            switch (type)
            {
                case GoAway:
                    return new Http2End("GOAWAY", BinaryPrimitives.ReadUInt32BigEndian(payload.AsSpan(4)));
                case RstStream when stream == streamId:
                    return new Http2End("RST_STREAM", BinaryPrimitives.ReadUInt32BigEndian(payload));
                case Headers when stream == streamId:
                    return new Http2End("HEADERS", Status(payload));
                default:
                    break;
            }
        }
    }

    /// <summary>
    /// The :status of a response header block from Kestrel: an indexed static-table entry (0x88 = 200 ... 0x8e = 500),
    /// or a literal with the static :status name (0x48) and a plain (not Huffman-coded) value.
    /// </summary>
    private static uint? Status(byte[] block) => block switch
    {
        [>= 0x88 and <= 0x8e, ..] => new uint[] { 200, 204, 206, 304, 400, 404, 500 }[block[0] - 0x88],
        [0x48, var length, ..] when length < 0x80 && block.Length >= 2 + length =>
            uint.Parse(Encoding.ASCII.GetString(block, 2, length), System.Globalization.CultureInfo.InvariantCulture),
        _ => null,
    };

    public async ValueTask DisposeAsync()
    {
        await _stream.DisposeAsync();
        _tcp.Dispose();
        _writeLock.Dispose();
    }

    private async Task WriteFrameAsync(byte type, byte flags, int streamId, ReadOnlyMemory<byte> payload)
    {
        var frame = new byte[9 + payload.Length];
        frame[0] = (byte)(payload.Length >> 16);
        frame[1] = (byte)(payload.Length >> 8);
        frame[2] = (byte)payload.Length;
        frame[3] = type;
        frame[4] = flags;
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(5), (uint)streamId);
        payload.CopyTo(frame.AsMemory(9));
        await _writeLock.WaitAsync();
        try
        {
            await _stream.WriteAsync(frame);
            await _stream.FlushAsync();
        }
        finally
        {
            _writeLock.Release();
        }
    }

    private static void WriteString(MemoryStream block, string text)
    {
        var bytes = Encoding.ASCII.GetBytes(text);

        // HPACK integer with a 7-bit prefix, Huffman bit clear.
        if (bytes.Length < 127)
        {
            block.WriteByte((byte)bytes.Length);
        }
        else
        {
            block.WriteByte(127);
            var rest = bytes.Length - 127;
            while (rest >= 128)
            {
                block.WriteByte((byte)((rest % 128) + 128));
                rest /= 128;
            }

            block.WriteByte((byte)rest);
        }

        block.Write(bytes);
    }
}

/// <summary>What ended a raw HTTP/2 request: the frame type (or "connection closed") and its error code or first HPACK byte.</summary>
internal sealed record Http2End(string How, uint? Code);
