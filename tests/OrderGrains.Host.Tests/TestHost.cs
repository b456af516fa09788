using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using OrderGrains.Client;
using OrderGrains.Testing;

namespace OrderGrains.Host.Tests;

/// <summary>A real host (Kestrel, gRPC, Orleans silo, storage) started in-process on free ports for one test.</summary>
public sealed class TestHost : IAsyncDisposable
{
    private static readonly HashSet<int> HandedOutPorts = [];

    private readonly string _dataDirectory;
    private readonly string[] _args;
    private readonly Action<WebApplicationBuilder>? _configure;
    private RunningHost _host;

    private TestHost(RunningHost host, string[] args, Action<WebApplicationBuilder>? configure, string dataDirectory, int grpcPort, int adminPort, string? token)
    {
        _host = host;
        _args = args;
        _configure = configure;
        _dataDirectory = dataDirectory;
        GrpcPort = grpcPort;
        AdminPort = adminPort;
        Token = token;
        Client = ClientWith(token);
    }

    public int GrpcPort { get; }

    /// <summary>The all-roles caller token the host generated (null when the test configured its own callers).</summary>
    public string? Token { get; }

    public string DataDirectory => _dataDirectory;

    public int AdminPort { get; }

    public OrderGrainsClient Client { get; }

    public IServiceProvider Services => _host.Services;

    /// <summary>Starts a host on SQLite in a temp directory, or on PostgreSQL in a fresh schema when <paramref name="postgresSchema"/> is given.</summary>
    public static Task<TestHost> StartAsync(string? postgresSchema = null, params string[] extraSettings) =>
        StartCoreAsync(postgresSchema, null, extraSettings);

    /// <summary>Starts a host on SQLite whose services <paramref name="configure"/> may change (e.g. a fake clock); a restart applies it again.</summary>
    public static Task<TestHost> StartWithAsync(Action<WebApplicationBuilder> configure, params string[] extraSettings) =>
        StartCoreAsync(null, configure, extraSettings);

    private static async Task<TestHost> StartCoreAsync(string? postgresSchema, Action<WebApplicationBuilder>? configure, string[] extraSettings)
    {
        var grpcPort = FreePort();
        var adminPort = FreePort();
        var dataDirectory = Path.Combine(Path.GetTempPath(), "ordergrains-host-tests", Guid.NewGuid().ToString("N"));
        var args = new List<string>
        {
            $"--OrderGrains:GrpcPort={grpcPort}",
            $"--OrderGrains:AdminPort={adminPort}",
            $"--OrderGrains:Cluster:SiloPort={FreePort()}",
            $"--OrderGrains:Cluster:GatewayPort={FreePort()}",
            $"--OrderGrains:DataDir={dataDirectory}",
            "--Logging:LogLevel:Default=Warning",
        };
        if (postgresSchema is not null)
        {
            args.Add("--OrderGrains:Storage=postgres");
            args.Add($"--ConnectionStrings:Postgres={TestStorage.PostgresConnectionString}");
            args.Add($"--OrderGrains:PostgresSchema={postgresSchema}");
        }

        args.AddRange(extraSettings);
        var host = await OrderGrainsHost.StartAsync([.. args], configure);
        var tokenFile = Path.Combine(dataDirectory, OrderGrains.Host.Security.CallerTokens.GeneratedTokenFileName);
        var token = File.Exists(tokenFile) ? OrderGrainsClientOptions.ReadTokenFile(tokenFile) : null;
        return new TestHost(host, [.. args], configure, dataDirectory, grpcPort, adminPort, token);
    }

    /// <summary>Stops the host gracefully and starts it again on the same storage, ports and settings; clients keep working.</summary>
    public async Task RestartAsync()
    {
        await _host.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        _host = await OrderGrainsHost.StartAsync(_args, _configure);
    }

    /// <summary>A client of this host that sends <paramref name="token"/> (null: none); the caller disposes it.</summary>
    public OrderGrainsClient ClientWith(string? token, bool compressRequests = false) =>
        new(new Uri($"http://127.0.0.1:{GrpcPort}"), new OrderGrainsClientOptions { Token = token, CompressRequests = compressRequests });

    /// <summary>A TCP port nobody listens on right now.</summary>
    /// <summary>
    /// A port nothing listens on and no earlier call in this test process handed out: the kernel may offer a port it
    /// just gave back, and a host given the same port for gRPC and admin refuses to start (seen once in CI).
    /// </summary>
    public static int FreePort()
    {
        while (true)
        {
            using var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            var port = ((IPEndPoint)listener.LocalEndpoint).Port;
            lock (HandedOutPorts)
            {
                if (HandedOutPorts.Add(port))
                {
                    return port;
                }
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _host.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        if (Directory.Exists(_dataDirectory))
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
    }
}
