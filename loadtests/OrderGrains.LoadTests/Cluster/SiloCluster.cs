using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;

namespace OrderGrains.LoadTests.Cluster;

/// <summary>One silo as <c>GET /admin/cluster</c> lists it.</summary>
public sealed record ClusterMemberView(string Address, string Status, string? GrpcEndpoint);

/// <summary>
/// N OrderGrains hosts as separate processes on one fresh PostgreSQL schema, forming one Orleans cluster: each with
/// its own gRPC, admin, silo and gateway ports and data directory, one caller token and one viewer admin token for all.
/// The tool builds nothing: it starts the host dll <see cref="FindHostDll"/> finds.
/// </summary>
public sealed class SiloCluster : IAsyncDisposable
{
    private static readonly TimeSpan StartLimit = TimeSpan.FromSeconds(120);
    private static readonly TimeSpan StopLimit = TimeSpan.FromSeconds(60);

    private readonly List<SiloProcess> _silos;
    private readonly HttpClient _http;
    private readonly string _postgres;
    private readonly string _dataDirectory;
    private readonly bool _keep;

    private SiloCluster(List<SiloProcess> silos, string token, string adminToken, string postgres, string schema, string dataDirectory, bool keep)
    {
        _silos = silos;
        Token = token;
        _postgres = postgres;
        Schema = schema;
        _dataDirectory = dataDirectory;
        _keep = keep;
        _http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", adminToken);
    }

    public IReadOnlyList<SiloProcess> Silos => _silos;

    /// <summary>The token of the one caller (all roles, every channel) every silo is started with.</summary>
    public string Token { get; }

    public string Schema { get; }

    public string Storage => $"postgres (schema {Schema}), {_silos.Count} silo processes";

    /// <summary>
    /// The host to start: <c>--host-dll</c>; else the copy the build put next to this tool (the tool references the host
    /// project, so its dll, runtimeconfig and deps come along); else the repository's
    /// <c>src/OrderGrains.Host/bin/&lt;configuration&gt;/net10.0</c> found above this tool (its own configuration first).
    /// </summary>
    public static string FindHostDll(LoadTestOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.HostDll is { } given)
        {
            return Path.GetFullPath(given);
        }

        const string Dll = "OrderGrains.Host.dll";
        var baseDirectory = new DirectoryInfo(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory));
        var configuration = baseDirectory.Parent?.Name ?? "Debug";
        var candidates = new List<string>();
        for (var directory = baseDirectory; directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "OrderGrains.sln")))
            {
                foreach (var config in new[] { configuration, "Release", "Debug" }.Distinct(StringComparer.Ordinal))
                {
                    candidates.Add(Path.Combine(directory.FullName, "src", "OrderGrains.Host", "bin", config, "net10.0", Dll));
                }

                break;
            }
        }

        var beside = Path.Combine(baseDirectory.FullName, Dll);
        if (File.Exists(Path.ChangeExtension(beside, ".runtimeconfig.json")))
        {
            candidates.Insert(0, beside);
        }

        return candidates.FirstOrDefault(File.Exists)
            ?? throw new FileNotFoundException(
                $"No {Dll} to start: build the host (dotnet build src/OrderGrains.Host) or pass --host-dll. Looked at: {string.Join(", ", candidates.DefaultIfEmpty(beside))}");
    }

    /// <summary>
    /// Starts silo 0, waits until it is healthy (it creates the schema), then the others, and waits until every one is
    /// healthy and all are <c>active</c> in the membership.
    /// </summary>
    public static async Task<SiloCluster> StartAsync(LoadTestOptions options, string runId, string logDirectory, TextWriter log, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(log);
        var postgres = options.Postgres ?? throw new ArgumentException("The failover scenario needs PostgreSQL.", nameof(options));
        var hostDll = FindHostDll(options);
        var token = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
        var adminToken = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
        var schema = "lt_" + runId + "_og";
        var dataDirectory = Path.Combine(Path.GetTempPath(), "ordergrains-loadtests", runId);
        var silos = new List<SiloProcess>();
        var cluster = new SiloCluster(silos, token, adminToken, postgres, schema, dataDirectory, options.KeepSchemas);
        var stopwatch = Stopwatch.StartNew();
        log.WriteLine($"failover: starting {options.Silos} silos of {hostDll} on schema {schema}; logs in {logDirectory}");
        try
        {
            for (var i = 0; i < options.Silos; i++)
            {
                var (grpc, admin) = (InProcessHost.FreePort(), InProcessHost.FreePort());
                string[] settings =
                [
                    $"--OrderGrains:GrpcPort={grpc}",
                    $"--OrderGrains:AdminPort={admin}",
                    $"--OrderGrains:Cluster:SiloPort={InProcessHost.FreePort()}",
                    $"--OrderGrains:Cluster:GatewayPort={InProcessHost.FreePort()}",
                    "--OrderGrains:Storage=postgres",
                    "--ConnectionStrings:Postgres=" + postgres,
                    "--OrderGrains:PostgresSchema=" + schema,
                    "--OrderGrains:DataDir=" + Path.Combine(dataDirectory, "silo-" + i),
                    "--Logging:LogLevel:Default=Warning",
                    "--OrderGrains:Callers:0:Name=loadtest",
                    $"--OrderGrains:Callers:0:Token={token}",
                    "--OrderGrains:Callers:0:Roles=orders,inventory,fulfillment,catalog",
                    "--OrderGrains:Callers:0:Channels:0=*",
                    "--OrderGrains:Admin:Tokens:0:Name=loadtest",
                    $"--OrderGrains:Admin:Tokens:0:Token={adminToken}",
                    "--OrderGrains:Admin:Tokens:0:Role=viewer",
                    .. options.HostSettings,
                ];
                silos.Add(SiloProcess.Start(i, hostDll, grpc, admin, settings, Path.Combine(logDirectory, $"silo-{i}.log")));
                if (i == 0)
                {
                    await cluster.WaitHealthyAsync(silos[0], cancellationToken);
                }
            }

            await Task.WhenAll(silos.Skip(1).Select(s => cluster.WaitHealthyAsync(s, cancellationToken)));
            await cluster.WaitUntilAsync(0, m => m.Count(x => x.Status == "active") >= silos.Count && silos.All(s => m.Any(x => x.Status == "active" && SameEndpoint(x.GrpcEndpoint, s.GrpcAddress))), StartLimit, cancellationToken);
            log.WriteLine($"failover: {silos.Count} silos active after {stopwatch.Elapsed.TotalSeconds:F1} s: {string.Join(", ", silos.Select(s => $"#{s.Index} {s.GrpcAddress} (pid {s.ProcessId})"))}");
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <summary>The membership as silo <paramref name="via"/> sees it.</summary>
    public async Task<IReadOnlyList<ClusterMemberView>> MembersAsync(int via, CancellationToken cancellationToken)
    {
        var json = await _http.GetStringAsync(new Uri(_silos[via].AdminAddress, "admin/cluster"), cancellationToken);
        return JsonNode.Parse(json)!["members"]!.AsArray()
            .Select(m => new ClusterMemberView((string?)m!["address"] ?? string.Empty, (string?)m["status"] ?? string.Empty, (string?)m["grpcEndpoint"]))
            .ToList();
    }

    /// <summary>Polls silo <paramref name="via"/>'s membership every 250 ms until <paramref name="condition"/> holds; throws after <paramref name="timeout"/>.</summary>
    public async Task<IReadOnlyList<ClusterMemberView>> WaitUntilAsync(int via, Func<IReadOnlyList<ClusterMemberView>, bool> condition, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.StartNew();
        IReadOnlyList<ClusterMemberView> members = [];
        while (deadline.Elapsed < timeout)
        {
            try
            {
                members = await MembersAsync(via, cancellationToken);
                if (condition(members))
                {
                    return members;
                }
            }
            catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
            {
                // The admin API is busy or restarting: ask again.
            }

            await Task.Delay(TimeSpan.FromMilliseconds(250), cancellationToken);
        }

        throw new TimeoutException($"The cluster did not reach the expected membership within {timeout.TotalSeconds:N0} s: {string.Join(", ", members)}");
    }

    /// <summary>
    /// The silo whose <c>/admin/runtime</c> lists the grain (<paramref name="grainType"/>, <paramref name="key"/>) among
    /// its ten hottest (sampled call rates); null when none does.
    /// </summary>
    public async Task<int?> SiloHostingAsync(string grainType, string key, CancellationToken cancellationToken)
    {
        var answers = await Task.WhenAll(_silos.Where(s => !s.Killed).Select(async silo =>
        {
            try
            {
                var json = await _http.GetStringAsync(new Uri(silo.AdminAddress, "admin/runtime"), cancellationToken);
                var hottest = JsonNode.Parse(json)?["silo"]?["hottestGrains"]?.AsArray() ?? [];
                return hottest.Any(g => (string?)g?["grainType"] == grainType && (string?)g?["key"] == key) ? silo.Index : (int?)null;
            }
            catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException or System.Text.Json.JsonException && !cancellationToken.IsCancellationRequested)
            {
                // This silo does not say.
                return null;
            }
        }));
        return answers.FirstOrDefault(a => a is not null);
    }

    /// <summary>True when a member's published gRPC endpoint is <paramref name="address"/>.</summary>
    public static bool SameEndpoint(string? published, Uri address) =>
        published is not null && Uri.TryCreate(published, UriKind.Absolute, out var uri) && uri.Port == address.Port && string.Equals(uri.Host, address.Host, StringComparison.OrdinalIgnoreCase);

    /// <summary>SIGTERM to every silo still running, at once, each given 60 s to leave; what each did.</summary>
    public async Task<IReadOnlyList<string>> StopAsync() =>
        await Task.WhenAll(_silos.Select(async s => s.Killed ? "SIGKILLed during the run" : await s.TerminateAsync(StopLimit)));

    public async ValueTask DisposeAsync()
    {
        foreach (var silo in _silos)
        {
            silo.Dispose();
        }

        _http.Dispose();
        if (!_keep)
        {
            await InProcessHost.DropSchemasAsync(_postgres, Schema);
            if (Directory.Exists(_dataDirectory))
            {
                Directory.Delete(_dataDirectory, recursive: true);
            }
        }
    }

    private async Task WaitHealthyAsync(SiloProcess silo, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < StartLimit)
        {
            if (silo.HasExited)
            {
                throw new InvalidOperationException($"Silo {silo.Index} exited during start-up; see {silo.LogPath}:\n{silo.Tail(30)}");
            }

            try
            {
                using var response = await _http.GetAsync(new Uri(silo.AdminAddress, "healthz"), cancellationToken);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
            {
                // Not listening, or not answering yet.
            }

            await Task.Delay(TimeSpan.FromMilliseconds(250), cancellationToken);
        }

        throw new TimeoutException($"Silo {silo.Index} was not healthy within {StartLimit.TotalSeconds:N0} s; see {silo.LogPath}:\n{silo.Tail(30)}");
    }
}
