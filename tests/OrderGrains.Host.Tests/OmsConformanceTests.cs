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

        const string opsToken = "conformance-ops-token-0123456789";
        const string shopToken = "conformance-shop-token-0123456789";
        await using var host = await TestHost.StartAsync(
            null,
            "--OrderGrains:Callers:0:Name=conformance-ops",
            $"--OrderGrains:Callers:0:Token={opsToken}",
            "--OrderGrains:Callers:0:Roles=orders,inventory,fulfillment,catalog",
            "--OrderGrains:Callers:0:Channels:0=*",
            "--OrderGrains:Callers:1:Name=conformance-shop",
            $"--OrderGrains:Callers:1:Token={shopToken}",
            "--OrderGrains:Callers:1:Roles:0=orders",
            "--OrderGrains:Callers:1:Channels:0=conformance-shop");
        var (exitCode, scriptOutput) = await PythonConformance.RunScriptAsync(
            "oms_conformance.py",
            $"127.0.0.1:{host.GrpcPort}",
            Path.Combine(PythonConformance.RepositoryRoot, "protos"),
            TimeSpan.FromMinutes(3),
            "--token", opsToken,
            "--orders-only-token", shopToken);

        output.WriteLine(scriptOutput);
        Assert.True(exitCode == 0, $"oms_conformance.py exited with {exitCode}:\n{scriptOutput}");
    }
}
