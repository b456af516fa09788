namespace OrderGrains.Host;

/// <summary>Which store holds grain state.</summary>
public enum StorageKind
{
    Sqlite = 1,
    Postgres = 2,
}

/// <summary>
/// The host's settings, read from standard .NET configuration (appsettings.json, environment variables such as
/// <c>OrderGrains__Storage</c>, command-line <c>--OrderGrains:Storage=postgres</c>) and checked before anything starts.
/// </summary>
public sealed record HostSettings(StorageKind Storage, string DataDirectory, string? PostgresConnectionString, string PostgresSchema, int GrpcPort, int AdminPort, string ListenAddress)
{
    public const int DefaultGrpcPort = 7070;
    public const int DefaultAdminPort = 7071;

    /// <summary>The SQLite database file of the embedded default.</summary>
    public string SqlitePath => Path.Combine(DataDirectory, "ordergrains.db");

    /// <summary>Reads and validates settings; every problem is reported at once, each saying what to fix.</summary>
    public static HostSettings Read(IConfiguration configuration)
    {
        var problems = new List<string>();
        var storageText = configuration["OrderGrains:Storage"] ?? "sqlite";
        var storage = storageText.ToLowerInvariant() switch
        {
            "sqlite" => StorageKind.Sqlite,
            "postgres" or "postgresql" => StorageKind.Postgres,
            _ => (StorageKind?)null,
        };
        if (storage is null)
        {
            problems.Add($"OrderGrains:Storage is '{storageText}'; set it to 'sqlite' (embedded default) or 'postgres'.");
        }

        var dataDirectory = Path.GetFullPath(configuration["OrderGrains:DataDir"] is { Length: > 0 } dir ? dir : "data");
        var postgres = configuration.GetConnectionString("Postgres");
        if (storage == StorageKind.Postgres && string.IsNullOrWhiteSpace(postgres))
        {
            problems.Add("OrderGrains:Storage is 'postgres' but ConnectionStrings:Postgres is empty; set it, e.g. ConnectionStrings__Postgres='Host=127.0.0.1;Username=ordergrains;Password=...;Database=ordergrains'.");
        }

        var schema = configuration["OrderGrains:PostgresSchema"] is { Length: > 0 } configuredSchema ? configuredSchema : "ordergrains";
        if (schema.Length > 63 || !schema.All(c => char.IsAsciiLetterOrDigit(c) || c == '_') || char.IsAsciiDigit(schema[0]))
        {
            problems.Add($"OrderGrains:PostgresSchema is '{schema}'; use 1 to 63 letters, digits or underscores, not starting with a digit.");
        }

        var grpcPort = ReadPort(configuration, "OrderGrains:GrpcPort", DefaultGrpcPort, problems);
        var adminPort = ReadPort(configuration, "OrderGrains:AdminPort", DefaultAdminPort, problems);
        if (grpcPort == adminPort && grpcPort != 0)
        {
            problems.Add($"OrderGrains:GrpcPort and OrderGrains:AdminPort are both {grpcPort}; give them different ports.");
        }

        var listen = configuration["OrderGrains:ListenAddress"] is { Length: > 0 } address ? address : "127.0.0.1";
        if (!System.Net.IPAddress.TryParse(listen, out _))
        {
            problems.Add($"OrderGrains:ListenAddress is '{listen}'; set an IP address such as 127.0.0.1 or 0.0.0.0.");
        }

        if (problems.Count > 0)
        {
            throw new HostSettingsException(problems);
        }

        return new HostSettings(storage!.Value, dataDirectory, postgres, schema, grpcPort, adminPort, listen);
    }

    private static int ReadPort(IConfiguration configuration, string key, int fallback, List<string> problems)
    {
        var text = configuration[key];
        if (string.IsNullOrEmpty(text))
        {
            return fallback;
        }

        if (int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var port) && port is >= 0 and <= 65535)
        {
            return port;
        }

        problems.Add($"{key} is '{text}'; set a TCP port number between 1 and 65535 (0 picks a free port).");
        return fallback;
    }
}

/// <summary>The host cannot start with these settings; the message lists what to fix.</summary>
public sealed class HostSettingsException : Exception
{
    public HostSettingsException(IReadOnlyList<string> problems)
        : base("OrderGrains cannot start:" + Environment.NewLine + string.Join(Environment.NewLine, problems.Select(p => "  - " + p)))
    {
    }

    public HostSettingsException()
    {
    }

    public HostSettingsException(string message) : base(message)
    {
    }

    public HostSettingsException(string message, Exception innerException) : base(message, innerException)
    {
    }
}
