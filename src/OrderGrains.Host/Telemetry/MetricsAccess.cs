using System.Net;

namespace OrderGrains.Host.Telemetry;

/// <summary>Who may scrape <c>/metrics</c>: the machine itself, or anyone when <c>OrderGrains:Metrics:AllowRemote</c> is true.</summary>
public static class MetricsAccess
{
    /// <summary>The configuration key that opens /metrics to remote scrapers.</summary>
    public const string AllowRemoteKey = "OrderGrains:Metrics:AllowRemote";

    /// <summary>True when a request from <paramref name="remoteAddress"/> may read the metrics.</summary>
    public static bool IsAllowed(IPAddress? remoteAddress, bool allowRemote)
    {
        if (allowRemote)
        {
            return true;
        }

        // No address means no socket (an in-memory test server): nothing proves the caller is local.
        if (remoteAddress is null)
        {
            return false;
        }

        return IPAddress.IsLoopback(remoteAddress.IsIPv4MappedToIPv6 ? remoteAddress.MapToIPv4() : remoteAddress);
    }

    /// <summary>Middleware in front of the exporter: 403 for a caller <see cref="IsAllowed"/> refuses, the exporter otherwise.</summary>
    public static Func<HttpContext, RequestDelegate, Task> Guard(bool allowRemote) => (context, next) =>
    {
        if (IsAllowed(context.Connection.RemoteIpAddress, allowRemote))
        {
            return next(context);
        }

        context.Response.StatusCode = StatusCodes.Status403Forbidden;
        return Task.CompletedTask;
    };
}
