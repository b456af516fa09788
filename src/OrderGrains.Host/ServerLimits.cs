using System.Globalization;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace OrderGrains.Host;

/// <summary>
/// Kestrel's limits for slow and abusive clients on both ports (<c>OrderGrains:Limits:*</c>), set explicitly rather than
/// left at Kestrel's defaults, read and checked before anything starts; a bad value stops start-up naming its key.
/// </summary>
public sealed record ServerLimits(
    int MinRequestBodyDataRate,
    TimeSpan MinRequestBodyGracePeriod,
    int MinResponseDataRate,
    TimeSpan MinResponseGracePeriod,
    TimeSpan KeepAliveTimeout,
    TimeSpan RequestHeadersTimeout,
    int MaxStreamsPerConnection,
    int MaxRequestHeaderFieldSize,
    int MaxRequestHeadersTotalSize,
    long? MaxConcurrentConnections,
    long MaxRequestBodySize)
{
    public const string Section = "OrderGrains:Limits";

    // Rates apply only while the server waits on the client (reading a body it is sending, or a response the client
    // must drain), so an idle WatchOrder stream, which writes nothing, is never cut off by them.
    public static ServerLimits Default { get; } = new(
        MinRequestBodyDataRate: 240,
        MinRequestBodyGracePeriod: TimeSpan.FromSeconds(5),
        MinResponseDataRate: 240,
        MinResponseGracePeriod: TimeSpan.FromSeconds(5),
        KeepAliveTimeout: TimeSpan.FromSeconds(130),
        RequestHeadersTimeout: TimeSpan.FromSeconds(15),
        MaxStreamsPerConnection: 100,
        MaxRequestHeaderFieldSize: 16 * 1024,
        MaxRequestHeadersTotalSize: 32 * 1024,
        MaxConcurrentConnections: 10_000,
        MaxRequestBodySize: 1024 * 1024);

    /// <summary>Reads and checks the section; every problem is reported at once, each naming its key.</summary>
    public static ServerLimits Read(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var problems = new List<string>();
        var d = Default;
        var limits = new ServerLimits(
            (int)ReadNumber(configuration, nameof(MinRequestBodyDataRate), d.MinRequestBodyDataRate, 1, int.MaxValue, "bytes per second", problems),
            ReadTime(configuration, nameof(MinRequestBodyGracePeriod), d.MinRequestBodyGracePeriod, problems),
            (int)ReadNumber(configuration, nameof(MinResponseDataRate), d.MinResponseDataRate, 1, int.MaxValue, "bytes per second", problems),
            ReadTime(configuration, nameof(MinResponseGracePeriod), d.MinResponseGracePeriod, problems),
            ReadTime(configuration, nameof(KeepAliveTimeout), d.KeepAliveTimeout, problems),
            ReadTime(configuration, nameof(RequestHeadersTimeout), d.RequestHeadersTimeout, problems),
            (int)ReadNumber(configuration, nameof(MaxStreamsPerConnection), d.MaxStreamsPerConnection, 1, int.MaxValue, "streams", problems),
            (int)ReadNumber(configuration, nameof(MaxRequestHeaderFieldSize), d.MaxRequestHeaderFieldSize, 1024, 16 * 1024 * 1024 - 1, "bytes", problems),
            (int)ReadNumber(configuration, nameof(MaxRequestHeadersTotalSize), d.MaxRequestHeadersTotalSize, 1024, int.MaxValue, "bytes", problems),
            ReadConnections(configuration, d.MaxConcurrentConnections, problems),
            ReadNumber(configuration, nameof(MaxRequestBodySize), d.MaxRequestBodySize, 1, long.MaxValue, "bytes", problems));
        if (limits.MinRequestBodyGracePeriod <= TimeSpan.FromSeconds(1) || limits.MinResponseGracePeriod <= TimeSpan.FromSeconds(1))
        {
            // Kestrel refuses grace periods of a second or less (its heartbeat ticks once a second).
            problems.Add($"{Section}:MinRequestBodyGracePeriod and {Section}:MinResponseGracePeriod must be longer than one second.");
        }

        if (problems.Count > 0)
        {
            throw new HostSettingsException(problems);
        }

        return limits;
    }

    /// <summary>Copies the limits onto Kestrel's options.</summary>
    public void ApplyTo(KestrelServerOptions kestrel)
    {
        ArgumentNullException.ThrowIfNull(kestrel);
        var limits = kestrel.Limits;
        limits.MinRequestBodyDataRate = new MinDataRate(MinRequestBodyDataRate, MinRequestBodyGracePeriod);
        limits.MinResponseDataRate = new MinDataRate(MinResponseDataRate, MinResponseGracePeriod);
        limits.KeepAliveTimeout = KeepAliveTimeout;
        limits.RequestHeadersTimeout = RequestHeadersTimeout;
        limits.Http2.MaxStreamsPerConnection = MaxStreamsPerConnection;
        limits.Http2.MaxRequestHeaderFieldSize = MaxRequestHeaderFieldSize;
        limits.MaxRequestHeadersTotalSize = MaxRequestHeadersTotalSize;
        limits.MaxConcurrentConnections = MaxConcurrentConnections;
        limits.MaxRequestBodySize = MaxRequestBodySize;
    }

    private static long ReadNumber(IConfiguration configuration, string key, long fallback, long min, long max, string unit, List<string> problems)
    {
        var text = configuration[Section + ":" + key];
        if (string.IsNullOrEmpty(text))
        {
            return fallback;
        }

        if (long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max)
        {
            return value;
        }

        problems.Add($"{Section}:{key} is '{text}'; set a whole number of {unit} from {min.ToString(CultureInfo.InvariantCulture)} to {max.ToString(CultureInfo.InvariantCulture)}.");
        return fallback;
    }

    private static long? ReadConnections(IConfiguration configuration, long? fallback, List<string> problems)
    {
        var text = configuration[Section + ":" + nameof(MaxConcurrentConnections)];
        return string.Equals(text, "unlimited", StringComparison.OrdinalIgnoreCase)
            ? null
            : ReadNumber(configuration, nameof(MaxConcurrentConnections), fallback ?? long.MaxValue, 1, long.MaxValue, "connections (or 'unlimited')", problems);
    }

    private static TimeSpan ReadTime(IConfiguration configuration, string key, TimeSpan fallback, List<string> problems)
    {
        var text = configuration[Section + ":" + key];
        if (string.IsNullOrEmpty(text))
        {
            return fallback;
        }

        if (TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var value) && value > TimeSpan.Zero)
        {
            return value;
        }

        problems.Add($"{Section}:{key} is '{text}'; set a positive time span such as 00:00:30.");
        return fallback;
    }
}
