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
public sealed record HostSettings(StorageKind Storage, string DataDirectory, string? PostgresConnectionString, string PostgresSchema, int GrpcPort, int AdminPort, string ListenAddress, ClusterSettings Cluster)
{
    public const int DefaultGrpcPort = 7070;
    public const int DefaultAdminPort = 7071;

    // Options of the runtime this host ran on before Orleans, and where each one lives now; refused rather than ignored.
    private static readonly (string Old, string Now)[] MovedKeys =
    [
        ("OrderGrains:Silo:RequestTimeout", "OrderGrains:Silo:Messaging:ResponseTimeout"),
        ("OrderGrains:Silo:MaxQueuedRequestsPerActivation", "OrderGrains:Silo:Messaging:MaxEnqueuedRequestsHardLimit"),
        ("OrderGrains:Silo:DefaultIdleTimeout", "OrderGrains:Silo:GrainCollection:CollectionAge"),
        ("OrderGrains:Silo:CollectionQuantum", "OrderGrains:Silo:GrainCollection:CollectionQuantum"),
        ("OrderGrains:Silo:DeactivationTimeout", "OrderGrains:Silo:GrainCollection:DeactivationTimeout"),
        ("OrderGrains:Silo:MinimumReminderPeriod", "OrderGrains:Silo:Reminders:MinimumReminderPeriod"),
        ("OrderGrains:Silo:SerializeCallArguments", "nothing: Orleans copies every call argument that is not [Immutable]"),
    ];

    // ERP forwarder options that gave up on documents; refused so nobody believes they still bound anything.
    private static readonly (string Key, string Why)[] RetiredErpKeys =
    [
        ("OrderGrains:Erp:Forwarder:MaxAttempts", "an unavailable ERP is now retried until it answers, with backoff up to OrderGrains:Erp:Forwarder:MaxRetryDelay; remove it"),
        ("OrderGrains:Erp:Forwarder:AttemptsPerDelivery", "each backoff step now posts once (OrderGrains:Erp:Forwarder:RetryDelay, MaxRetryDelay); remove it"),
        ("OrderGrains:Erp:Forwarder:MaxDeadLetters", "dead letters are accounting documents and are now kept until retried; remove it"),
    ];

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

        var siloPort = ReadPort(configuration, "OrderGrains:Cluster:SiloPort", ClusterSettings.DefaultSiloPort, problems);
        var gatewayPort = ReadPort(configuration, "OrderGrains:Cluster:GatewayPort", ClusterSettings.DefaultGatewayPort, problems);
        var ports = new[] { ("OrderGrains:GrpcPort", grpcPort), ("OrderGrains:AdminPort", adminPort), ("OrderGrains:Cluster:SiloPort", siloPort), ("OrderGrains:Cluster:GatewayPort", gatewayPort) };
        foreach (var clash in ports.Skip(2).SelectMany((p, i) => ports.Take(i + 2).Where(q => q.Item2 == p.Item2 && p.Item2 != 0).Select(q => (First: q.Item1, Second: p.Item1, Port: p.Item2))))
        {
            problems.Add($"{clash.First} and {clash.Second} are both {clash.Port}; give them different ports.");
        }

        if (siloPort == 0 || gatewayPort == 0)
        {
            problems.Add("OrderGrains:Cluster:SiloPort and OrderGrains:Cluster:GatewayPort need a fixed port (other silos connect to it); 0 is not allowed.");
        }

        var advertised = configuration["OrderGrains:Cluster:AdvertisedAddress"] is { Length: > 0 } advertisedText ? advertisedText : null;
        if (advertised is not null && (!System.Net.IPAddress.TryParse(advertised, out var advertisedIp) || advertisedIp.Equals(System.Net.IPAddress.Any) || advertisedIp.Equals(System.Net.IPAddress.IPv6Any)))
        {
            problems.Add($"OrderGrains:Cluster:AdvertisedAddress is '{advertised}'; set the IP address other silos reach this one at (not 0.0.0.0).");
        }

        var clusterId = ReadName(configuration, "OrderGrains:Cluster:ClusterId", problems);
        var serviceId = ReadName(configuration, "OrderGrains:Cluster:ServiceId", problems);
        var kubernetesText = configuration["OrderGrains:Cluster:Kubernetes"];
        var kubernetes = false;
        if (kubernetesText is { Length: > 0 } && !bool.TryParse(kubernetesText, out kubernetes))
        {
            problems.Add($"OrderGrains:Cluster:Kubernetes is '{kubernetesText}'; set true (running as a Kubernetes pod) or false.");
        }

        foreach (var (old, now) in MovedKeys)
        {
            if (configuration[old] is not null)
            {
                problems.Add($"{old} is an option of the runtime OrderGrains used before Orleans; set {now} instead.");
            }
        }

        foreach (var (key, why) in RetiredErpKeys)
        {
            if (configuration[key] is not null)
            {
                problems.Add($"{key} is no longer an option: {why}.");
            }
        }

        if (problems.Count > 0)
        {
            throw new HostSettingsException(problems);
        }

        return new HostSettings(storage!.Value, dataDirectory, postgres, schema, grpcPort, adminPort, listen, new ClusterSettings(clusterId, serviceId, siloPort, gatewayPort, advertised, kubernetes));
    }

    private static string ReadName(IConfiguration configuration, string key, List<string> problems)
    {
        var name = configuration[key] is { Length: > 0 } configured ? configured : ClusterSettings.DefaultName;
        if (name.Length > 100 || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
        {
            problems.Add($"{key} is '{name}'; use 1 to 100 letters, digits, '-', '_' or '.'.");
        }

        return name;
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

/// <summary>
/// The silo's place in an Orleans cluster (<c>OrderGrains:Cluster:*</c>): silos with the same ids on one membership
/// table form one cluster; the silo port carries silo-to-silo traffic, the gateway port Orleans clients.
/// <paramref name="AdvertisedAddress"/> is the address other silos (and the membership table) know this one by; null:
/// the listen address, or loopback when listening on every address. <paramref name="Kubernetes"/>: the silo runs as a
/// Kubernetes pod and uses Orleans' Kubernetes hosting (silo name = pod name, pods that no longer exist are declared dead).
/// </summary>
public sealed record ClusterSettings(string ClusterId, string ServiceId, int SiloPort, int GatewayPort, string? AdvertisedAddress = null, bool Kubernetes = false)
{
    public const string DefaultName = "ordergrains";
    public const int DefaultSiloPort = 11111;
    public const int DefaultGatewayPort = 30000;
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
