using System.ComponentModel;
using System.Diagnostics;

namespace OrderGrains.LoadTests.Cluster;

/// <summary>
/// One OrderGrains host started as its own OS process (<c>dotnet OrderGrains.Host.dll</c>), its output in a log file,
/// so it can be killed with SIGKILL like a crash or stopped with SIGTERM like an orchestrator does.
/// </summary>
public sealed class SiloProcess : IDisposable
{
    private readonly Process _process;
    private readonly StreamWriter _log;
    private readonly Lock _logLock = new();
    private TimeSpan _lastCpu;

    private SiloProcess(int index, int grpcPort, int adminPort, Process process, StreamWriter log, string logPath)
    {
        Index = index;
        GrpcAddress = new Uri($"http://127.0.0.1:{grpcPort}");
        AdminAddress = new Uri($"http://127.0.0.1:{adminPort}/");
        _process = process;
        _log = log;
        LogPath = logPath;
    }

    public int Index { get; }

    public Uri GrpcAddress { get; }

    public Uri AdminAddress { get; }

    /// <summary>Where its standard output and error go.</summary>
    public string LogPath { get; }

    public int ProcessId => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>True once <see cref="Kill"/> ran.</summary>
    public bool Killed { get; private set; }

    /// <summary>Starts <c>dotnet <paramref name="hostDll"/></c> with <paramref name="settings"/> as its command line.</summary>
    public static SiloProcess Start(int index, string hostDll, int grpcPort, int adminPort, IEnumerable<string> settings, string logPath)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(hostDll);
        foreach (var setting in settings)
        {
            start.ArgumentList.Add(setting);
        }

        Directory.CreateDirectory(Path.GetDirectoryName(logPath)!);
        var log = new StreamWriter(logPath, append: false) { AutoFlush = true };
        var process = new Process { StartInfo = start };
        var silo = new SiloProcess(index, grpcPort, adminPort, process, log, logPath);
        process.OutputDataReceived += (_, e) => silo.Append(e.Data);
        process.ErrorDataReceived += (_, e) => silo.Append(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return silo;
    }

    /// <summary>The CPU time the process has used so far (its last known figure once it is gone).</summary>
    public TimeSpan Cpu()
    {
        try
        {
            _process.Refresh();
            _lastCpu = _process.TotalProcessorTime;
        }
        catch (Exception exception) when (exception is InvalidOperationException or Win32Exception)
        {
            // Exited: the figure read last stands.
        }

        return _lastCpu;
    }

    /// <summary>SIGKILL: no shutdown code runs, as in a crash.</summary>
    public void Kill()
    {
        Killed = true;
        _process.Kill(entireProcessTree: true);
    }

    /// <summary>
    /// SIGTERM, then waits up to <paramref name="timeout"/> for the process to leave (it finishes its calls, hands its
    /// grains over and leaves the membership); SIGKILL after that. Says what happened.
    /// </summary>
    public async Task<string> TerminateAsync(TimeSpan timeout)
    {
        if (_process.HasExited)
        {
            return $"had exited with {_process.ExitCode}";
        }

        var stopwatch = Stopwatch.StartNew();
        using (var signal = Process.Start(new ProcessStartInfo("kill") { ArgumentList = { "-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture) }, UseShellExecute = false }))
        {
            await signal!.WaitForExitAsync();
        }

        using var wait = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(wait.Token);
            return $"SIGTERM: exited with {_process.ExitCode} after {stopwatch.Elapsed.TotalSeconds:F1} s";
        }
        catch (OperationCanceledException)
        {
            Kill();
            await _process.WaitForExitAsync();
            return $"SIGTERM: still running after {timeout.TotalSeconds:N0} s, killed";
        }
    }

    /// <summary>The last <paramref name="lines"/> lines of its log.</summary>
    public string Tail(int lines)
    {
        lock (_logLock)
        {
            _log.Flush();
        }

        try
        {
            using var stream = new FileStream(LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            using var reader = new StreamReader(stream);
            var all = reader.ReadToEnd().Split('\n');
            return string.Join('\n', all.TakeLast(lines));
        }
        catch (IOException exception)
        {
            return "(log unreadable: " + exception.Message + ")";
        }
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            Kill();
            _process.WaitForExit();
        }

        _process.Dispose();
        lock (_logLock)
        {
            _log.Dispose();
        }
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_logLock)
        {
            try
            {
                _log.WriteLine(line);
            }
            catch (ObjectDisposedException)
            {
                // Output after the run ended is dropped.
            }
        }
    }
}
