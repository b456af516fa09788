using Xunit;
using Xunit.Abstractions;

namespace OrderGrains.Grpc.Tests;

/// <summary>The wire as Google's own client (grpcio) sees it, per the house rule that a client we did not write tests it.</summary>
[Collection(EchoServerCollection.Name)]
public sealed class PythonConformanceTests(EchoServer server, ITestOutputHelper output)
{
    [Fact]
    public async Task Google_grpcio_client_passes_the_echo_conformance_script()
    {
        if (await PythonConformance.FindMissingPrerequisiteAsync() is { } missing)
        {
            Assert.Fail(missing);
        }

        var protoRoot = Path.Combine(PythonConformance.RepositoryRoot, "tests", "OrderGrains.Grpc.Tests", "Protos");
        var (exitCode, scriptOutput) = await PythonConformance.RunScriptAsync(
            "echo_conformance.py", $"{server.Address.Host}:{server.Address.Port}", protoRoot, TimeSpan.FromMinutes(2));

        output.WriteLine(scriptOutput);
        Assert.True(exitCode == 0, $"echo_conformance.py exited with {exitCode}:\n{scriptOutput}");
    }
}
