using System.Diagnostics;
using System.Text;
using OrderGrains.Grpc.Tests;

namespace OrderGrains.Host.Tests;

/// <summary>The host as a separate OS process, so a test can SIGKILL it like a crash would.</summary>
public sealed class HostProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private HostProcess(Process process)
    {
        _process = process;
    }

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>The token of the one caller (all roles, every channel) the process hosts are configured with.</summary>
    public const string CallerToken = "host-process-test-caller-token";

    /// <summary>A client of a host process on <paramref name="grpcPort"/>, sending <see cref="CallerToken"/>.</summary>
    public static OrderGrains.Client.OrderGrainsClient Client(int grpcPort) =>
        new(new Uri($"http://127.0.0.1:{grpcPort}"), new OrderGrains.Client.OrderGrainsClientOptions { Token = CallerToken });

    /// <summary>
    /// Command-line settings for a host on the test PostgreSQL in <paramref name="schema"/>, quiet logs, one all-roles
    /// caller. The silo and gateway ports are picked here once, so a restart with the same settings comes back as the
    /// same silo address.
    /// </summary>
    public static string[] PostgresSettings(string schema, int grpcPort, int adminPort, params string[] extra) =>
    [
        $"--OrderGrains:GrpcPort={grpcPort}",
        $"--OrderGrains:AdminPort={adminPort}",
        $"--OrderGrains:Cluster:SiloPort={TestHost.FreePort()}",
        $"--OrderGrains:Cluster:GatewayPort={TestHost.FreePort()}",
        "--OrderGrains:Storage=postgres",
        $"--ConnectionStrings:Postgres={OrderGrains.Testing.TestStorage.PostgresConnectionString}",
        $"--OrderGrains:PostgresSchema={schema}",
        "--Logging:LogLevel:Default=Warning",
        "--OrderGrains:Callers:0:Name=tests",
        $"--OrderGrains:Callers:0:Token={CallerToken}",
        "--OrderGrains:Callers:0:Roles=orders,inventory,fulfillment,catalog",
        "--OrderGrains:Callers:0:Channels:0=*",
        .. extra,
    ];

    /// <summary>
    /// A call that reached a grain whose silo just died (or is stopping) may end UNAVAILABLE, which is retryable; callers
    /// retry, so do the tests: up to 20 attempts, 500 ms apart.
    /// </summary>
    public static async Task<T> RetryUnavailableAsync<T>(Func<Task<T>> call)
    {
        ArgumentNullException.ThrowIfNull(call);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await call();
            }
            catch (global::Grpc.Core.RpcException exception) when (exception.StatusCode == global::Grpc.Core.StatusCode.Unavailable && attempt < 20)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(500));
            }
        }
    }

    /// <summary>Reads <c>GET /admin/cluster</c> through <paramref name="http"/> (an admin client) until <paramref name="condition"/> holds on its members.</summary>
    public static async Task<List<System.Text.Json.Nodes.JsonNode>> WaitForMembersAsync(HttpClient http, Func<List<System.Text.Json.Nodes.JsonNode>, bool> condition, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(condition);
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var members = System.Text.Json.Nodes.JsonNode.Parse(await http.GetStringAsync(new Uri("admin/cluster", UriKind.Relative)))!["members"]!.AsArray().Select(m => m!).ToList();
            if (condition(members))
            {
                return members;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("The cluster did not reach the expected membership: " + string.Join(", ", members.Select(m => m.ToJsonString())));
            }

            await Task.Delay(250);
        }
    }

    public static HostProcess Start(IEnumerable<string> settings)
    {
        var configuration = new DirectoryInfo(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory)).Parent!.Name;
        var dll = Path.Combine(PythonConformance.RepositoryRoot, "src", "OrderGrains.Host", "bin", configuration, "net10.0", "OrderGrains.Host.dll");
        if (!File.Exists(dll))
        {
            throw new FileNotFoundException($"Build the host first: {dll} is missing.", dll);
        }

        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(dll);
        foreach (var setting in settings)
        {
            start.ArgumentList.Add(setting);
        }

        var process = new Process { StartInfo = start };
        var host = new HostProcess(process);
        process.OutputDataReceived += (_, e) => host.Append(e.Data);
        process.ErrorDataReceived += (_, e) => host.Append(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return host;
    }

    public async Task WaitHealthyAsync(int adminPort, TimeSpan timeout)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"The host exited with {_process.ExitCode}:\n{Output}");
            }

            try
            {
                using var response = await http.GetAsync(new Uri($"http://127.0.0.1:{adminPort}/healthz"));
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (TaskCanceledException)
            {
                // Listening but not answering yet.
            }

            await Task.Delay(200);
        }

        throw new TimeoutException($"The host did not become healthy within {timeout}:\n{Output}");
    }

    /// <summary>
    /// SIGTERM, as an orchestrator stops a silo, then waits for the process to end; returns its exit code. Throws if it
    /// is still running after <paramref name="timeout"/>.
    /// </summary>
    public async Task<int> StopAsync(TimeSpan timeout)
    {
        using (var signal = Process.Start(new ProcessStartInfo("kill") { ArgumentList = { "-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture) }, UseShellExecute = false })!)
        {
            await signal.WaitForExitAsync();
        }

        using var wait = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(wait.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"The host did not stop within {timeout} of SIGTERM:\n{Output}");
        }

        return _process.ExitCode;
    }

    /// <summary>SIGKILL: no shutdown code runs, as in a crash.</summary>
    public void Kill()
    {
        _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            Kill();
        }

        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }
    }
}
