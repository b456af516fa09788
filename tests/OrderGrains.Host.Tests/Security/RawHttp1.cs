using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace OrderGrains.Host.Tests.Security;

/// <summary>
/// One HTTP/1.1 POST over a plain socket that reads the response even when the server answers before taking the whole
/// body. A server that refuses an oversized body answers 413 and closes; HttpClient, still writing, then reports a
/// broken pipe instead of the response (a race on a busy machine). Here the body is written on the side and write
/// errors are ignored; what counts is what the server answered.
/// </summary>
internal static class RawHttp1
{
    public static async Task<(int Status, string? ContentType, string Body)> PostAsync(int port, string path, IEnumerable<(string Name, string Value)> headers, byte[] body, bool chunked)
    {
        using var client = new TcpClient();
        await client.ConnectAsync("127.0.0.1", port);
        var stream = client.GetStream();
        var head = new StringBuilder($"POST /{path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n");
        foreach (var (name, value) in headers)
        {
            head.Append(name).Append(": ").Append(value).Append("\r\n");
        }

        head.Append(chunked ? "Transfer-Encoding: chunked\r\n" : $"Content-Length: {body.Length}\r\n").Append("\r\n");
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head.ToString()));
        var writing = Task.Run(async () =>
        {
            try
            {
                for (var offset = 0; offset < body.Length; offset += 64 * 1024)
                {
                    var part = body.AsMemory(offset, Math.Min(64 * 1024, body.Length - offset));
                    if (chunked)
                    {
                        await stream.WriteAsync(Encoding.ASCII.GetBytes(part.Length.ToString("x", CultureInfo.InvariantCulture) + "\r\n"));
                    }

                    await stream.WriteAsync(part);
                    if (chunked)
                    {
                        await stream.WriteAsync("\r\n"u8.ToArray());
                    }
                }

                if (chunked)
                {
                    await stream.WriteAsync("0\r\n\r\n"u8.ToArray());
                }
            }
            catch (Exception exception) when (exception is IOException or SocketException or ObjectDisposedException)
            {
                // The server stopped reading: expected for an oversized body.
            }
        });

        var response = await ReadResponseAsync(stream);
        client.Close();
        await writing;
        return response;
    }

    private static async Task<(int Status, string? ContentType, string Body)> ReadResponseAsync(NetworkStream stream)
    {
        var received = new List<byte>();
        var buffer = new byte[16 * 1024];
        int headerEnd;
        while ((headerEnd = IndexOf(received, "\r\n\r\n"u8)) < 0)
        {
            var n = await stream.ReadAsync(buffer);
            if (n == 0)
            {
                throw new IOException("connection closed before the response headers");
            }

            received.AddRange(buffer.AsSpan(0, n));
        }

        var lines = Encoding.ASCII.GetString(received.GetRange(0, headerEnd).ToArray()).Split("\r\n");
        var status = int.Parse(lines[0].Split(' ')[1], CultureInfo.InvariantCulture);
        var fields = lines.Skip(1).Select(l => l.Split(':', 2)).ToDictionary(p => p[0].Trim(), p => p[1].Trim(), StringComparer.OrdinalIgnoreCase);
        var rest = received.GetRange(headerEnd + 4, received.Count - headerEnd - 4);
        // Read to the end of the connection (the server closes after refusing a body), or to Content-Length.
        var length = fields.TryGetValue("Content-Length", out var text) ? int.Parse(text, CultureInfo.InvariantCulture) : int.MaxValue;
        while (rest.Count < length)
        {
            var n = await stream.ReadAsync(buffer);
            if (n == 0)
            {
                break;
            }

            rest.AddRange(buffer.AsSpan(0, n));
        }

        var bytes = rest.ToArray();
        if (fields.TryGetValue("Transfer-Encoding", out var encoding) && encoding.Contains("chunked", StringComparison.OrdinalIgnoreCase))
        {
            bytes = Dechunk(bytes);
        }

        return (status, fields.GetValueOrDefault("Content-Type"), Encoding.UTF8.GetString(bytes));
    }

    private static byte[] Dechunk(byte[] bytes)
    {
        var output = new List<byte>();
        var position = 0;
        while (position < bytes.Length)
        {
            var lineEnd = IndexOf(bytes.Skip(position).ToList(), "\r\n"u8);
            if (lineEnd < 0)
            {
                break;
            }

            var size = int.Parse(Encoding.ASCII.GetString(bytes, position, lineEnd).Split(';')[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            position += lineEnd + 2;
            if (size == 0)
            {
                break;
            }

            output.AddRange(bytes.AsSpan(position, Math.Min(size, bytes.Length - position)));
            position += size + 2;
        }

        return [.. output];
    }

    private static int IndexOf(List<byte> haystack, ReadOnlySpan<byte> needle)
    {
        for (var i = 0; i + needle.Length <= haystack.Count; i++)
        {
            var match = true;
            for (var j = 0; j < needle.Length && match; j++)
            {
                match = haystack[i + j] == needle[j];
            }

            if (match)
            {
                return i;
            }
        }

        return -1;
    }
}
