using System.Buffers.Binary;
using System.Net;
using Google.Protobuf;

namespace OrderGrains.Grpc.Tests;

/// <summary>Hand-made gRPC requests, for wire details our client would never produce or hides.</summary>
public static class RawGrpc
{
    private static readonly HttpClient Http = new(new SocketsHttpHandler { UseProxy = false });

    public static byte[] Frame(IMessage message) => Frame(message.ToByteArray(), compressed: false);

    public static byte[] Frame(byte[] payload, bool compressed)
    {
        var frame = new byte[5 + payload.Length];
        frame[0] = compressed ? (byte)1 : (byte)0;
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1), (uint)payload.Length);
        payload.CopyTo(frame, 5);
        return frame;
    }

    public static async Task<RawResponse> SendAsync(
        Uri address, string path, byte[] body, string contentType = "application/grpc", params (string Name, string Value)[] headers)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(address, path))
        {
            Content = new ByteArrayContent(body),
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        request.Headers.TryAddWithoutValidation("TE", "trailers");
        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        using var response = await Http.SendAsync(request);
        var content = await response.Content.ReadAsByteArrayAsync();
        return new RawResponse(
            response.StatusCode,
            ToDictionary(response.Headers, response.Content.Headers),
            ToDictionary(response.TrailingHeaders),
            content);
    }

    private static Dictionary<string, string> ToDictionary(params System.Net.Http.Headers.HttpHeaders[] headerSets)
    {
        var result = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var headers in headerSets)
        {
            foreach (var (name, values) in headers.NonValidated)
            {
                result[name] = values.ToString();
            }
        }

        return result;
    }
}

public sealed record RawResponse(HttpStatusCode StatusCode, Dictionary<string, string> Headers, Dictionary<string, string> Trailers, byte[] Body)
{
    public string? Header(string name) => Headers.TryGetValue(name, out var value) ? value : null;

    public string? Trailer(string name) => Trailers.TryGetValue(name, out var value) ? value : null;
}
