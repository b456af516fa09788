using OrderGrains.Grpc.Tests;
using OrderGrains.Host.Tests.Security;
using Xunit.Abstractions;

namespace OrderGrains.Host.Tests;

/// <summary>
/// The public contract as Google's own client (grpcio) sees it: tests/conformance/oms_conformance.py against a real
/// host on SQLite, per the house rule that the wire is also tested with a client nobody here wrote.
/// </summary>
public sealed class OmsConformanceTests(ITestOutputHelper output)
{
    private const string OpsToken = "conformance-ops-token-0123456789";
    private const string ShopToken = "conformance-shop-token-0123456789";
    private const string FinanceToken = "conformance-finance-token-0123456789";

    // One caller with every role, one with only the orders role for a channel the script's orders do not use, and one
    // with only the finance review role; held orders above 10,000.00 need a supervisor, then finance.
    private static readonly string[] Settings =
    [
        "--OrderGrains:Callers:0:Name=conformance-ops",
        $"--OrderGrains:Callers:0:Token={OpsToken}",
        "--OrderGrains:Callers:0:Roles=orders,inventory,fulfillment,catalog,reviewer,supervisor,finance",
        "--OrderGrains:Callers:0:Channels:0=*",
        "--OrderGrains:Callers:1:Name=conformance-shop",
        $"--OrderGrains:Callers:1:Token={ShopToken}",
        "--OrderGrains:Callers:1:Roles:0=orders",
        "--OrderGrains:Callers:1:Channels:0=conformance-shop",
        "--OrderGrains:Callers:2:Name=conformance-finance",
        $"--OrderGrains:Callers:2:Token={FinanceToken}",
        "--OrderGrains:Callers:2:Roles:0=finance",
        "--OrderGrains:Review:Chains:0:AboveMinor=1000000",
        "--OrderGrains:Review:Chains:0:Steps:0=supervisor",
        "--OrderGrains:Review:Chains:0:Steps:1=finance",
    ];

    [Fact]
    public async Task Google_grpcio_client_passes_the_oms_conformance_script()
    {
        await using var host = await TestHost.StartAsync(null, Settings);

        await RunScriptAsync($"127.0.0.1:{host.GrpcPort}");
    }

    [Fact]
    public async Task Google_grpcio_client_passes_the_oms_conformance_script_over_tls()
    {
        using var certificates = TestCertificates.Create();
        await using var host = await TestHost.StartAsync(null, [.. Settings, .. certificates.PemSettings]);

        // grpc.ssl_channel_credentials with our test CA; the token travels as call metadata (see harness.open_channel).
        await RunScriptAsync($"localhost:{host.GrpcPort}", "--ca", certificates.CaPath);
    }

    private async Task RunScriptAsync(string target, params string[] extraArguments)
    {
        // Fail, not skip: a machine without grpcio would otherwise report green without testing the wire at all.
        if (await PythonConformance.FindMissingPrerequisiteAsync() is { } missing)
        {
            Assert.Fail(missing);
        }

        var (exitCode, scriptOutput) = await PythonConformance.RunScriptAsync(
            "oms_conformance.py",
            target,
            Path.Combine(PythonConformance.RepositoryRoot, "protos"),
            TimeSpan.FromMinutes(3),
            ["--token", OpsToken, "--orders-only-token", ShopToken, "--finance-token", FinanceToken, .. extraArguments]);

        output.WriteLine(scriptOutput);
        Assert.True(exitCode == 0, $"oms_conformance.py exited with {exitCode}:\n{scriptOutput}");
    }
}
