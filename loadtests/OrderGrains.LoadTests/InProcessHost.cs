using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Npgsql;
using OrderGrains.Host;

namespace OrderGrains.LoadTests;

/// <summary>An OrderGrains host started inside the load-test process, on free ports and its own schema or data directory.</summary>
public sealed class InProcessHost : IAsyncDisposable
{
    private readonly RunningHost _host;
    private readonly string? _postgres;
    private readonly string? _schema;
    private readonly string? _dataDirectory;
    private readonly bool _dropSchema;

    private InProcessHost(RunningHost host, Uri address, string token, Uri adminAddress, string adminToken, string? postgres, string? schema, string? dataDirectory, bool dropSchema)
    {
        _host = host;
        Address = address;
        Token = token;
        AdminAddress = adminAddress;
        AdminToken = adminToken;
        _postgres = postgres;
        _schema = schema;
        _dataDirectory = dataDirectory;
        _dropSchema = dropSchema;
    }

    public Uri Address { get; }

    /// <summary>The admin port's address (read-model lag is read there).</summary>
    public Uri AdminAddress { get; }

    /// <summary>A viewer token of the admin API.</summary>
    public string AdminToken { get; }

    /// <summary>The token of the one caller (all roles, every channel) the host is started with.</summary>
    public string Token { get; }

    public string Storage => _schema is null ? "sqlite (" + _dataDirectory + ")" : "postgres (schema " + _schema + ")";

    public static async Task<InProcessHost> StartAsync(LoadTestOptions options, string runId)
    {
        var grpcPort = FreePort();
        var adminPort = FreePort();
        var token = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
        var adminToken = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
        var args = new List<string>
        {
            $"--OrderGrains:GrpcPort={grpcPort}",
            $"--OrderGrains:AdminPort={adminPort}",
            $"--OrderGrains:Cluster:SiloPort={FreePort()}",
            $"--OrderGrains:Cluster:GatewayPort={FreePort()}",
            "--Logging:LogLevel:Default=Warning",
            "--OrderGrains:Callers:0:Name=loadtest",
            $"--OrderGrains:Callers:0:Token={token}",
            "--OrderGrains:Callers:0:Roles=orders,inventory,fulfillment,catalog",
            "--OrderGrains:Callers:0:Channels:0=*",
            "--OrderGrains:Admin:Tokens:0:Name=loadtest",
            $"--OrderGrains:Admin:Tokens:0:Token={adminToken}",
            "--OrderGrains:Admin:Tokens:0:Role=viewer",
        };
        string? schema = null;
        string? dataDirectory = null;
        if (options.Postgres is { } postgres)
        {
            schema = "lt_" + runId + "_og";
            args.Add("--OrderGrains:Storage=postgres");
            args.Add("--ConnectionStrings:Postgres=" + postgres);
            args.Add("--OrderGrains:PostgresSchema=" + schema);
        }
        else
        {
            dataDirectory = Path.Combine(Path.GetTempPath(), "ordergrains-loadtests", runId);
            args.Add("--OrderGrains:DataDir=" + dataDirectory);
        }

        if (options.Scenario == "expiry")
        {
            args.Add("--OrderGrains:Orders:ReservationTimeout=" + options.ReservationTimeout.ToString("c", System.Globalization.CultureInfo.InvariantCulture));
            args.Add("--OrderGrains:Orders:ExpiryRetryPeriod=00:00:01");
            args.Add("--OrderGrains:Silo:Reminders:MinimumReminderPeriod=00:00:01");
        }

        args.AddRange(options.HostSettings);
        var host = await OrderGrainsHost.StartAsync([.. args]);
        return new InProcessHost(host, new Uri($"http://127.0.0.1:{grpcPort}"), token, new Uri($"http://127.0.0.1:{adminPort}/"), adminToken, options.Postgres, schema, dataDirectory, !options.KeepSchemas);
    }

    public async ValueTask DisposeAsync()
    {
        await _host.DisposeAsync();
        if (_dropSchema && _postgres is not null && _schema is not null)
        {
            await DropSchemasAsync(_postgres, _schema);
        }

        if (_dataDirectory is not null && Directory.Exists(_dataDirectory))
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(_dataDirectory, recursive: true);
        }
    }

    /// <summary>Drops <paramref name="schema"/> and every schema the host derived from it (the ERP ledger adds "_erp").</summary>
    internal static async Task DropSchemasAsync(string postgres, string schema)
    {
        await using var dataSource = NpgsqlDataSource.Create(postgres);
        var schemas = new List<string>();
        await using (var find = dataSource.CreateCommand("SELECT nspname FROM pg_namespace WHERE starts_with(nspname, $1)"))
        {
            find.Parameters.Add(new NpgsqlParameter<string> { TypedValue = schema });
            await using var reader = await find.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                schemas.Add(reader.GetString(0));
            }
        }

        foreach (var name in schemas)
        {
            await using var drop = dataSource.CreateCommand($"DROP SCHEMA IF EXISTS \"{name}\" CASCADE");
            await drop.ExecuteNonQueryAsync();
        }
    }

    // Every port handed out by this process: once a probe's listener closes, the OS may offer the same port again, and a
    // host given one port for two endpoints refuses to start ("AdminPort and Cluster:SiloPort are both ...").
    private static readonly ConcurrentDictionary<int, byte> HandedOut = new();

    internal static int FreePort()
    {
        while (true)
        {
            using var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            var port = ((IPEndPoint)listener.LocalEndpoint).Port;
            if (HandedOut.TryAdd(port, 0))
            {
                return port;
            }
        }
    }
}
