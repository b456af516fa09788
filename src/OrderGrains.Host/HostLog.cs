namespace OrderGrains.Host;

/// <summary>The host's own log lines.</summary>
internal static partial class HostLog
{
    [LoggerMessage(1, LogLevel.Information, "No admin tokens are configured: the operator token for /admin and the dashboard is in {Path} (owner-only).")]
    public static partial void AdminTokenGenerated(ILogger logger, string path);
}
