namespace OrderGrains.Host;

/// <summary>The host's own log lines.</summary>
internal static partial class HostLog
{
    [LoggerMessage(1, LogLevel.Information, "No admin tokens are configured: the operator token for /admin and the dashboard is in {Path} (owner-only).")]
    public static partial void AdminTokenGenerated(ILogger logger, string path);

    [LoggerMessage(2, LogLevel.Information, "No gRPC callers are configured: the all-roles caller token for this machine is in {Path} (owner-only); the CLI reads it from there.")]
    public static partial void CallerTokenGenerated(ILogger logger, string path);

    [LoggerMessage(3, LogLevel.Warning, "Setting {Key} is not one OrderGrains reads; it has no effect (check its spelling against the README's configuration table).")]
    public static partial void UnknownSetting(ILogger logger, string key);
}
