using System.Globalization;
using Grpc.AspNetCore.Server;

namespace OrderGrains.Host.Grpc;

/// <summary>
/// The gRPC server's settings (<c>OrderGrains:Grpc:*</c>), read and checked before anything starts and applied to
/// Grpc.AspNetCore's <see cref="GrpcServiceOptions"/>. A bad value stops start-up naming its key, as a bad port does.
/// </summary>
public sealed record GrpcSettings(int? MaxReceiveMessageSize, int? MaxSendMessageSize, bool CompressResponses, bool EnableDetailedErrors)
{
    public const string Section = "OrderGrains:Grpc";

    /// <summary>gRPC's customary receive limit, 4 MiB; a larger request fails with RESOURCE_EXHAUSTED.</summary>
    public const int DefaultMaxReceiveMessageSize = 4 * 1024 * 1024;

    public static GrpcSettings Default { get; } = new(DefaultMaxReceiveMessageSize, MaxSendMessageSize: null, CompressResponses: true, EnableDetailedErrors: false);

    /// <summary>Reads and checks the section; every problem is reported at once, each naming its key.</summary>
    public static GrpcSettings Read(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var problems = new List<string>();
        var d = Default;
        var settings = new GrpcSettings(
            ReadSize(configuration, nameof(MaxReceiveMessageSize), d.MaxReceiveMessageSize, problems),
            ReadSize(configuration, nameof(MaxSendMessageSize), d.MaxSendMessageSize, problems),
            ReadBool(configuration, nameof(CompressResponses), d.CompressResponses, problems),
            ReadBool(configuration, nameof(EnableDetailedErrors), d.EnableDetailedErrors, problems));
        if (problems.Count > 0)
        {
            throw new HostSettingsException(problems);
        }

        return settings;
    }

    /// <summary>Copies the settings onto Grpc.AspNetCore's options.</summary>
    public void ApplyTo(GrpcServiceOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.MaxReceiveMessageSize = MaxReceiveMessageSize;
        options.MaxSendMessageSize = MaxSendMessageSize;
        options.EnableDetailedErrors = EnableDetailedErrors;

        // Only sent compressed when the client lists gzip in grpc-accept-encoding.
        options.ResponseCompressionAlgorithm = CompressResponses ? "gzip" : null;
    }

    private static int? ReadSize(IConfiguration configuration, string key, int? fallback, List<string> problems)
    {
        var text = configuration[Section + ":" + key];
        if (string.IsNullOrEmpty(text))
        {
            return fallback;
        }

        if (string.Equals(text, "unlimited", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value > 0)
        {
            return value;
        }

        problems.Add($"{Section}:{key} is '{text}'; set a size in bytes of at least 1 (e.g. 4194304 for 4 MiB) or 'unlimited'.");
        return fallback;
    }

    private static bool ReadBool(IConfiguration configuration, string key, bool fallback, List<string> problems)
    {
        var text = configuration[Section + ":" + key];
        if (string.IsNullOrEmpty(text))
        {
            return fallback;
        }

        if (bool.TryParse(text, out var value))
        {
            return value;
        }

        problems.Add($"{Section}:{key} is '{text}'; set true or false.");
        return fallback;
    }
}
