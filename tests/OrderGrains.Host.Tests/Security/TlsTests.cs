using System.Net;
using Grpc.Core;
using OrderGrains.Client;
using OrderGrains.Contracts.V1;

namespace OrderGrains.Host.Tests.Security;

/// <summary>TLS on the gRPC and admin ports with certificates the tests issue from their own CA.</summary>
public sealed class TlsTests
{
    [Fact]
    public async Task Our_client_calls_over_tls_checking_the_server_against_the_ca_file()
    {
        using var certificates = TestCertificates.Create();
        await using var host = await TestHost.StartAsync(null, certificates.PemSettings);
        using var client = new OrderGrainsClient(
            new Uri($"https://localhost:{host.GrpcPort}"),
            new OrderGrainsClientOptions { Token = host.Token, CertificateAuthorityPath = certificates.CaPath });

        var warehouse = await client.UpsertWarehouseAsync(new Warehouse { WarehouseId = "w-tls", Name = "TLS", Active = true }, Deadline());
        var byAddress = new OrderGrainsClient(
            new Uri($"https://127.0.0.1:{host.GrpcPort}"),
            new OrderGrainsClientOptions { Token = host.Token, CertificateAuthorityPath = certificates.CaPath });
        using (byAddress)
        {
            Assert.Equal("w-tls", (await byAddress.GetWarehouseQueueAsync("w-tls", Deadline())).WarehouseId);
        }

        Assert.Equal("w-tls", warehouse.WarehouseId);
    }

    [Fact]
    public async Task A_client_that_does_not_trust_the_ca_or_speaks_plaintext_gets_nothing()
    {
        using var certificates = TestCertificates.Create();
        await using var host = await TestHost.StartAsync(null, certificates.PemSettings);
        using var untrusting = new OrderGrainsClient(new Uri($"https://localhost:{host.GrpcPort}"), new OrderGrainsClientOptions { Token = host.Token });
        using var plaintext = host.ClientWith(host.Token);

        var untrusted = await Assert.ThrowsAsync<RpcException>(() => untrusting.GetWarehouseQueueAsync("w", Deadline()));
        var refused = await Assert.ThrowsAsync<RpcException>(() => plaintext.GetWarehouseQueueAsync("w", Deadline()));

        // The TLS handshake fails on our side: the server's certificate chains to no CA this client trusts.
        Assert.NotEqual(StatusCode.OK, untrusted.StatusCode);
        Assert.Contains(Chain(untrusted.Status.DebugException), e => e is System.Security.Authentication.AuthenticationException);

        // Plaintext HTTP/2 to a TLS port fails in the connection preface: no gRPC status ever comes back.
        Assert.Contains(refused.StatusCode, new[] { StatusCode.Unavailable, StatusCode.Internal });
        Assert.NotNull(refused.Status.DebugException);
    }

    [Fact]
    public async Task A_password_protected_pfx_serves_the_admin_port_over_tls_with_http2_by_alpn()
    {
        using var certificates = TestCertificates.Create();
        await using var host = await TestHost.StartAsync(
            null,
            $"--OrderGrains:Tls:CertificatePath={certificates.PfxPath}",
            $"--OrderGrains:Tls:Password={TestCertificates.PfxPassword}");
        using var handler = new SocketsHttpHandler();
        handler.SslOptions.RemoteCertificateValidationCallback = ServerCertificateValidation.TrustingOnly(certificates.CaPath);
        using var http = new HttpClient(handler);
        using var request = new HttpRequestMessage(HttpMethod.Get, $"https://localhost:{host.AdminPort}/healthz")
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };

        using var response = await http.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(HttpVersion.Version20, response.Version);
        using var client = new OrderGrainsClient(
            new Uri($"https://localhost:{host.GrpcPort}"),
            new OrderGrainsClientOptions { Token = host.Token, CertificateAuthorityPath = certificates.CaPath });
        Assert.Equal("w-pfx", (await client.UpsertWarehouseAsync(new Warehouse { WarehouseId = "w-pfx", Name = "P", Active = true }, Deadline())).WarehouseId);
    }

    [Fact]
    public async Task The_cli_takes_an_https_target_and_a_ca_file()
    {
        using var certificates = TestCertificates.Create();
        await using var host = await TestHost.StartAsync(null, certificates.PemSettings);
        var output = new StringWriter();
        var errors = new StringWriter();

        var exit = await OrderGrains.Cli.CliApp.RunAsync(
            ["--target", $"https://localhost:{host.GrpcPort}", "--ca", certificates.CaPath, "--data-dir", host.DataDirectory,
             "warehouse", "upsert", "--id", "w-cli", "--lat", "52.5", "--lon", "13.4"],
            output,
            errors);

        Assert.True(exit == OrderGrains.Cli.CliApp.ExitOk, errors.ToString());
        Assert.Contains("\"warehouseId\": \"w-cli\"", output.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--OrderGrains:Tls:CertificatePath=/nonexistent/server.pem", "OrderGrains:Tls:CertificatePath is '/nonexistent/server.pem', which does not exist.")]
    [InlineData("--OrderGrains:Tls:KeyPath=/tmp/key.pem", "OrderGrains:Tls:KeyPath or :Password is set but OrderGrains:Tls:CertificatePath is empty")]
    public async Task A_bad_tls_setting_exits_2_naming_the_key(string bad, string expected)
    {
        var errors = new StringWriter();
        var original = Console.Error;
        Console.SetError(errors);
        int exit;
        try
        {
            exit = await OrderGrainsHost.RunAsync(["--OrderGrains:DataDir=" + Path.Combine(Path.GetTempPath(), "ordergrains-host-tests", Guid.NewGuid().ToString("N")), bad]);
        }
        finally
        {
            Console.SetError(original);
        }

        Assert.Equal(OrderGrainsHost.ExitBadSettings, exit);
        Assert.Contains(expected, errors.ToString(), StringComparison.Ordinal);
    }

    private static IEnumerable<Exception> Chain(Exception? exception)
    {
        for (; exception is not null; exception = exception.InnerException)
        {
            yield return exception;
        }
    }

    private static CallOptions Deadline() => OrderGrainsClient.Timeout(TimeSpan.FromSeconds(30));
}
