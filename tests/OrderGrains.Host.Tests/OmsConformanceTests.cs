using OrderGrains.Grpc.Tests;
using Xunit.Abstractions;

namespace OrderGrains.Host.Tests;

/// <summary>
/// The public contract as Google's own client (grpcio) sees it: tests/conformance/oms_conformance.py against a real
/// host on SQLite, per the house rule that the wire is also tested with a client nobody here wrote.
/// </summary>
public sealed class OmsConformanceTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Google_grpcio_client_passes_the_oms_conformance_script()
    {
        // Fail, not skip: a machine without grpcio would otherwise report green without testing the wire at all.
        if (await PythonConformance.FindMissingPrerequisiteAsync() is { } missing)
        {
            Assert.Fail(missing);
        }

        await using var host = await TestHost.StartAsync();
        var (exitCode, scriptOutput) = await PythonConformance.RunScriptAsync(
            "oms_conformance.py",
            $"127.0.0.1:{host.GrpcPort}",
            Path.Combine(PythonConformance.RepositoryRoot, "protos"),
            TimeSpan.FromMinutes(3));

        output.WriteLine(scriptOutput);
        Assert.True(exitCode == 0, $"oms_conformance.py exited with {exitCode}:\n{scriptOutput}");
    }
}
