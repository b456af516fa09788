using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Orleans.Connections.Security;

namespace OrderGrains.Host.Security;

/// <summary>
/// Mutual TLS between silos and on the Orleans gateway port (<c>OrderGrains:Cluster:Tls:*</c>) with
/// Microsoft.Orleans.Connections.Security: every silo presents its certificate and accepts a peer only when the peer's
/// certificate chains to the configured CA (<c>CaPath</c>), or, without one, to the machine's trusted roots. Silos dial
/// each other by IP address, so the peer's name is not compared; the CA is the trust anchor.
/// </summary>
public sealed class ClusterTls
{
    public const string Section = "OrderGrains:Cluster:Tls";

    private readonly X509Certificate2Collection? _authorities;

    private ClusterTls(X509Certificate2 certificate, X509Certificate2Collection? authorities)
    {
        Certificate = certificate;
        _authorities = authorities;
    }

    /// <summary>This silo's certificate, with its private key.</summary>
    public X509Certificate2 Certificate { get; }

    /// <summary>The settings, or null when silo-to-silo TLS is not configured; a bad setting names its key.</summary>
    public static ClusterTls? Load(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var certificate = TlsSettings.Load(configuration, Section);
        var caPath = configuration[$"{Section}:CaPath"];
        if (certificate is null)
        {
            return string.IsNullOrEmpty(caPath)
                ? null
                : throw new HostSettingsException([$"{Section}:CaPath is set but {Section}:CertificatePath is empty; set the silo's certificate too."]);
        }

        if (string.IsNullOrEmpty(caPath))
        {
            return new ClusterTls(certificate, null);
        }

        if (!File.Exists(caPath))
        {
            throw new HostSettingsException([$"{Section}:CaPath is '{caPath}', which does not exist."]);
        }

        var authorities = new X509Certificate2Collection();
        try
        {
            authorities.ImportFromPemFile(caPath);
        }
        catch (CryptographicException exception)
        {
            throw new HostSettingsException([$"{Section}:CaPath '{caPath}' is not a PEM certificate: {exception.Message}"]);
        }

        return authorities.Count == 0
            ? throw new HostSettingsException([$"{Section}:CaPath '{caPath}' holds no PEM certificate."])
            : new ClusterTls(certificate, authorities);
    }

    /// <summary>TLS on the silo's connections: silo to silo, and the gateway; <paramref name="also"/> adds to the options (tests).</summary>
    public void Apply(ISiloBuilder silo, Action<TlsOptions>? also = null) => silo.UseTls(Certificate, options =>
    {
        Configure(options);
        also?.Invoke(options);
    });

    /// <summary>TLS on an Orleans client's gateway connections (tests; the host's own client is in-process).</summary>
    public void Apply(IClientBuilder client) => client.UseTls(Certificate, Configure);

    /// <summary>Whether a peer's certificate is one of ours: chains to the configured CA (or the machine's roots).</summary>
    public bool IsTrusted(X509Certificate2 certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        if (_authorities is null)
        {
            return (errors & ~SslPolicyErrors.RemoteCertificateNameMismatch) == SslPolicyErrors.None;
        }

        using var ours = new X509Chain();
        ours.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        ours.ChainPolicy.CustomTrustStore.AddRange(_authorities);
        ours.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return ours.Build(certificate);
    }

    private void Configure(TlsOptions options)
    {
        options.RemoteCertificateMode = RemoteCertificateMode.RequireCertificate;
        options.ClientCertificateMode = RemoteCertificateMode.RequireCertificate;
        options.RemoteCertificateValidation = IsTrusted;
    }
}
