using System.IO.Compression;
using Grpc.Core;
using Grpc.Net.Compression;

namespace OrderGrains.Host.Grpc;

/// <summary>
/// One of Grpc.AspNetCore's compression providers, except that a request whose bytes do not decompress ends INTERNAL,
/// "Failed to decompress the request message.", instead of UNKNOWN: Grpc.AspNetCore decompresses before any marshaller
/// or interceptor runs and answers every exception that is not an <see cref="RpcException"/> with UNKNOWN.
/// </summary>
internal sealed class CheckedCompressionProvider(ICompressionProvider inner) : ICompressionProvider
{
    public string EncodingName => inner.EncodingName;

    public Stream CreateCompressionStream(Stream stream, CompressionLevel? compressionLevel) => inner.CreateCompressionStream(stream, compressionLevel);

    public Stream CreateDecompressionStream(Stream stream) => new CheckedStream(inner.CreateDecompressionStream(stream));

    /// <summary>Wraps every provider in <paramref name="providers"/>.</summary>
    public static void WrapAll(IList<ICompressionProvider> providers)
    {
        for (var i = 0; i < providers.Count; i++)
        {
            if (providers[i] is not CheckedCompressionProvider)
            {
                providers[i] = new CheckedCompressionProvider(providers[i]);
            }
        }
    }

    private sealed class CheckedStream(Stream inner) : Stream
    {
        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            try
            {
                return inner.Read(buffer, offset, count);
            }
            catch (InvalidDataException exception)
            {
                throw new RpcException(new Status(StatusCode.Internal, "Failed to decompress the request message.", exception));
            }
        }

        public override int Read(Span<byte> buffer)
        {
            try
            {
                return inner.Read(buffer);
            }
            catch (InvalidDataException exception)
            {
                throw new RpcException(new Status(StatusCode.Internal, "Failed to decompress the request message.", exception));
            }
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
