namespace OrderGrains.Client;

/// <summary>Settings of an <see cref="OrderGrainsClient"/>'s channel.</summary>
public sealed class OrderGrainsClientOptions
{
    /// <summary>The server's default receive limit, and ours: 4 MiB.</summary>
    public const int DefaultMaxMessageSize = 4 * 1024 * 1024;

    /// <summary>Largest response message accepted; a larger one fails the call with RESOURCE_EXHAUSTED. Null = no limit.</summary>
    public int? MaxReceiveMessageSize { get; init; } = DefaultMaxMessageSize;

    /// <summary>Largest request message sent; null = no limit (the server still enforces its own).</summary>
    public int? MaxSendMessageSize { get; init; }

    /// <summary>Compress every request message with gzip (responses are always accepted compressed).</summary>
    public bool CompressRequests { get; init; }

    /// <summary>
    /// Open another HTTP/2 connection when one reaches the server's limit of concurrent streams (100 in Kestrel) instead
    /// of queueing calls behind it: a load generator's thousands of concurrent calls would otherwise wait on one socket.
    /// </summary>
    public bool EnableMultipleHttp2Connections { get; init; } = true;

    /// <summary>
    /// The caller token sent as <c>authorization: Bearer &lt;token&gt;</c> on every call (OrderGrains:Callers, or the
    /// host's generated <c>data/caller-token</c>); null sends none.
    /// </summary>
    public string? Token { get; init; }

    /// <summary>
    /// A PEM file with the certificate authority that signed the server's certificate, for https:// targets whose
    /// certificate is not issued by a CA the machine trusts; null trusts the machine's store only.
    /// </summary>
    public string? CertificateAuthorityPath { get; init; }

    /// <summary>Reads a caller token from a file (as the host writes it: the token on one line).</summary>
    public static string ReadTokenFile(string path) => File.ReadAllText(path).Trim();
}
