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
}
