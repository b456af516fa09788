using Microsoft.Extensions.Configuration;
using OrderGrains.Abstractions;
using OrderGrains.Grains;
using OrderGrains.Host.Security;
using OrderGrains.Testing;

namespace OrderGrains.Host.Tests.Security;

public sealed class ClusterTlsTests : IDisposable
{
    private readonly TestCertificates _certificates = TestCertificates.Create();

    [Fact]
    public async Task Two_silos_form_a_cluster_over_mutual_TLS_and_grain_calls_cross_them()
    {
        var tls = ClusterTls.Load(Config(
            ("OrderGrains:Cluster:Tls:CertificatePath", _certificates.CertificatePath),
            ("OrderGrains:Cluster:Tls:KeyPath", _certificates.KeyPath),
            ("OrderGrains:Cluster:Tls:CaPath", _certificates.CaPath)))!;
        var siloHandshakes = 0;

        await using var cluster = await TestSilo.StartAsync(
            TestStorage.Memory(),
            silo =>
            {
                silo.AddOrderDomain();
                // Silos dial only other silos, so each client-side handshake a silo starts is a silo-to-silo connection.
                tls.Apply(silo, options =>
                {
                    var inner = options.OnAuthenticateAsClient;
                    options.OnAuthenticateAsClient = (connection, ssl) =>
                    {
                        Interlocked.Increment(ref siloHandshakes);
                        inner?.Invoke(connection, ssl);
                    };
                });
            },
            silos: 2,
            client: client => tls.Apply(client));

        for (var i = 0; i < 40; i++)
        {
            var sku = cluster.GrainFactory.GetGrain<ISkuStockGrain>($"tls-{i}");
            await Assert.ThrowsAsync<NotFoundException>(() => sku.GetAvailabilityAsync());
        }

        var management = cluster.GrainFactory.GetGrain<IManagementGrain>(0);
        Assert.Equal(2, (await management.GetHosts(onlyActive: true)).Count);
        var statistics = await management.GetSimpleGrainStatistics();
        var silosWithSkus = statistics.Where(s => s.GrainType.Contains("SkuStock", StringComparison.Ordinal) && s.ActivationCount > 0).Select(s => s.SiloAddress).Distinct().Count();
        Assert.Equal(2, silosWithSkus);
        Assert.True(Volatile.Read(ref siloHandshakes) > 0, "no silo-to-silo TLS handshake was made");
    }

    [Fact]
    public void A_peer_certificate_from_another_authority_is_refused()
    {
        using var other = TestCertificates.Create();
        var tls = ClusterTls.Load(Config(
            ("OrderGrains:Cluster:Tls:CertificatePath", _certificates.CertificatePath),
            ("OrderGrains:Cluster:Tls:KeyPath", _certificates.KeyPath),
            ("OrderGrains:Cluster:Tls:CaPath", _certificates.CaPath)))!;
        using var ours = System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPem(File.ReadAllText(_certificates.CertificatePath));
        using var theirs = System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPem(File.ReadAllText(other.CertificatePath));

        Assert.True(tls.IsTrusted(ours, null, System.Net.Security.SslPolicyErrors.RemoteCertificateChainErrors));
        Assert.False(tls.IsTrusted(theirs, null, System.Net.Security.SslPolicyErrors.None));
    }

    [Fact]
    public void Cluster_TLS_settings_name_the_key_at_fault()
    {
        var noCertificate = Assert.Throws<HostSettingsException>(() => ClusterTls.Load(Config(("OrderGrains:Cluster:Tls:CaPath", _certificates.CaPath))));
        Assert.Contains("OrderGrains:Cluster:Tls:CaPath is set but OrderGrains:Cluster:Tls:CertificatePath is empty", noCertificate.Message, StringComparison.Ordinal);

        var missingCa = Assert.Throws<HostSettingsException>(() => ClusterTls.Load(Config(
            ("OrderGrains:Cluster:Tls:CertificatePath", _certificates.CertificatePath),
            ("OrderGrains:Cluster:Tls:KeyPath", _certificates.KeyPath),
            ("OrderGrains:Cluster:Tls:CaPath", "/nonexistent/ca.pem"))));
        Assert.Contains("OrderGrains:Cluster:Tls:CaPath is '/nonexistent/ca.pem', which does not exist.", missingCa.Message, StringComparison.Ordinal);

        var wrongKey = Assert.Throws<HostSettingsException>(() => ClusterTls.Load(Config(
            ("OrderGrains:Cluster:Tls:CertificatePath", _certificates.CertificatePath),
            ("OrderGrains:Cluster:Tls:KeyPath", _certificates.CaPath))));
        Assert.Contains("OrderGrains:Cluster:Tls:CertificatePath", wrongKey.Message, StringComparison.Ordinal);

        Assert.Null(ClusterTls.Load(Config()));
    }

    public void Dispose() => _certificates.Dispose();

    private static IConfiguration Config(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => KeyValuePair.Create(v.Key, (string?)v.Value))).Build();
}
