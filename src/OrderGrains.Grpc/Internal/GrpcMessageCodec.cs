using System.Buffers;
using System.Buffers.Binary;
using System.IO.Compression;
using Google.Protobuf;

namespace OrderGrains.Grpc.Internal;

/// <summary>Length-prefixed message framing and gzip, shared by server and client.</summary>
internal static class GrpcMessageCodec
{
    public static void WriteHeader(Span<byte> destination, bool compressed, int length)
    {
        destination[0] = compressed ? (byte)1 : (byte)0;
        BinaryPrimitives.WriteUInt32BigEndian(destination[1..], (uint)length);
    }

    /// <summary>Reads the frame header; false if fewer than five bytes are there.</summary>
    public static bool TryReadHeader(in ReadOnlySequence<byte> buffer, out byte flag, out uint length)
    {
        if (buffer.Length < GrpcProtocol.FrameHeaderSize)
        {
            flag = 0;
            length = 0;
            return false;
        }

        Span<byte> header = stackalloc byte[GrpcProtocol.FrameHeaderSize];
        buffer.Slice(0, GrpcProtocol.FrameHeaderSize).CopyTo(header);
        flag = header[0];
        length = BinaryPrimitives.ReadUInt32BigEndian(header[1..]);
        return true;
    }

    public static GrpcStatusException MessageTooLarge(long length, int max) =>
        new(GrpcStatusCode.ResourceExhausted, $"Received message larger than max ({length} vs. {max})");

    /// <summary>Serializes <paramref name="message"/> and gzips it into <paramref name="destination"/>.</summary>
    public static void Compress(IMessage message, int size, PooledBufferWriter destination)
    {
        var plain = ArrayPool<byte>.Shared.Rent(Math.Max(size, 1));
        try
        {
            message.WriteTo(plain.AsSpan(0, size));
            using var gzip = new GZipStream(new BufferWriterStream(destination), CompressionLevel.Fastest, leaveOpen: false);
            gzip.Write(plain, 0, size);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(plain);
        }
    }

    /// <summary>
    /// Gunzips a message, failing with RESOURCE_EXHAUSTED as soon as it outgrows <paramref name="maxSize"/> so a small
    /// compressed bomb cannot make us allocate its full expansion.
    /// </summary>
    public static void Decompress(Stream compressed, PooledBufferWriter destination, int maxSize)
    {
        try
        {
            using var gzip = new GZipStream(compressed, CompressionMode.Decompress, leaveOpen: false);
            while (true)
            {
                var span = destination.GetSpan(16 * 1024);
                var read = gzip.Read(span);
                if (read == 0)
                {
                    return;
                }

                destination.Advance(read);
                if (destination.WrittenCount > maxSize)
                {
                    throw MessageTooLarge(destination.WrittenCount, maxSize);
                }
            }
        }
        catch (InvalidDataException ex)
        {
            // The spec's status for "could not decompress, but the algorithm is supported".
            throw new GrpcStatusException(GrpcStatusCode.Internal, "Could not decompress the message: invalid gzip data.", ex);
        }
    }
}
