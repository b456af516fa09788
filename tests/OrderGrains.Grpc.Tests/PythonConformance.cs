using System.Diagnostics;
using System.Text;

namespace OrderGrains.Grpc.Tests;

/// <summary>
/// Runs a script from tests/conformance with Debian's Python, whose grpcio is Google's own gRPC client.
/// Host test projects can run tests/conformance/oms_conformance.py the same way.
/// </summary>
public static class PythonConformance
{
    public const string Python = "/usr/bin/python3";

    private const string InstallHint =
        "Google's gRPC client is not installed: run 'apt-get install -y python3-grpcio python3-protobuf protobuf-compiler' "
        + "as root (the repository's test.sh installs them).";

    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    /// <summary>Null if Python, grpcio, protobuf and protoc are present; otherwise what to install.</summary>
    public static async Task<string?> FindMissingPrerequisiteAsync()
    {
        if (!File.Exists(Python))
        {
            return $"{Python} not found. {InstallHint}";
        }

        var probe = await RunAsync(Python, ["-c", "import grpc, google.protobuf"], TimeSpan.FromSeconds(60));
        if (probe.ExitCode != 0)
        {
            return $"{Python} cannot import grpc/google.protobuf ({probe.Output.Trim()}). {InstallHint}";
        }

        if (!File.Exists("/usr/bin/protoc"))
        {
            return $"protoc not found. {InstallHint}";
        }

        return null;
    }

    /// <summary>Runs tests/conformance/<paramref name="script"/> against <paramref name="target"/> (host:port).</summary>
    public static Task<(int ExitCode, string Output)> RunScriptAsync(string script, string target, string protoRoot, TimeSpan timeout, params string[] extraArguments)
    {
        var path = Path.Combine(RepositoryRoot, "tests", "conformance", script);
        return RunAsync(Python, [path, "--target", target, "--proto-root", protoRoot, .. extraArguments], timeout);
    }

    private static async Task<(int ExitCode, string Output)> RunAsync(string fileName, IEnumerable<string> arguments, TimeSpan timeout)
    {
        var start = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // The pyenv Python on PATH would otherwise leak its site-packages into Debian's interpreter.
        start.Environment.Remove("PYTHONPATH");
        start.Environment.Remove("PYTHONHOME");
        start.Environment["PYTHONUNBUFFERED"] = "1";

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {fileName}.");
        var output = new StringBuilder();
        var stdout = PumpAsync(process.StandardOutput, output);
        var stderr = PumpAsync(process.StandardError, output);
        using var cancellation = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cancellation.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            await Task.WhenAll(stdout, stderr);
            return (-1, $"Timed out after {timeout}.\n{output}");
        }

        await Task.WhenAll(stdout, stderr);
        return (process.ExitCode, output.ToString());
    }

    private static async Task PumpAsync(StreamReader reader, StringBuilder output)
    {
        while (await reader.ReadLineAsync() is { } line)
        {
            lock (output)
            {
                output.AppendLine(line);
            }
        }
    }

    private static string FindRepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "OrderGrains.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"OrderGrains.sln not found above {AppContext.BaseDirectory}.");
    }
}
