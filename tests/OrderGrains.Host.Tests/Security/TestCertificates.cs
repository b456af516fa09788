using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace OrderGrains.Host.Tests.Security;

/// <summary>
/// A throw-away certificate authority and a server certificate it signed for localhost and 127.0.0.1, written to a temp
/// directory as PEM files (CA, certificate, key) and a password-protected PFX: what an operator's private CA would hand out.
/// </summary>
public sealed class TestCertificates : IDisposable
{
    public const string PfxPassword = "test-pfx-password";

    private TestCertificates(string directory)
    {
        Directory = directory;
    }

    public string Directory { get; }

    public string CaPath => Path.Combine(Directory, "ca.pem");

    public string CertificatePath => Path.Combine(Directory, "server.pem");

    public string KeyPath => Path.Combine(Directory, "server.key");

    public string PfxPath => Path.Combine(Directory, "server.pfx");

    /// <summary>Host settings serving TLS with the PEM certificate and key.</summary>
    public string[] PemSettings => [$"--OrderGrains:Tls:CertificatePath={CertificatePath}", $"--OrderGrains:Tls:KeyPath={KeyPath}"];

    public static TestCertificates Create()
    {
        var directory = Path.Combine(Path.GetTempPath(), "ordergrains-host-tests", "tls-" + Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(directory);
        var now = DateTimeOffset.UtcNow;

        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=OrderGrains Test CA", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: true, hasPathLengthConstraint: true, pathLengthConstraint: 0, critical: true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, critical: true));
        caRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(caRequest.PublicKey, critical: false));
        using var ca = caRequest.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(1));

        using var serverKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var serverRequest = new CertificateRequest("CN=localhost", serverKey, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        names.AddIpAddress(IPAddress.Loopback);
        serverRequest.CertificateExtensions.Add(names.Build());
        serverRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, critical: true));
        serverRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, critical: true));
        // Server and client authentication: silos present the same certificate when they dial each other.
        serverRequest.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2")], critical: false));
        serverRequest.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca, includeKeyIdentifier: true, includeIssuerAndSerial: false));
        using var issued = serverRequest.Create(ca, now.AddMinutes(-5), now.AddDays(1), RandomNumberGenerator.GetBytes(16));
        using var server = issued.CopyWithPrivateKey(serverKey);

        var certificates = new TestCertificates(directory);
        File.WriteAllText(certificates.CaPath, ca.ExportCertificatePem());
        File.WriteAllText(certificates.CertificatePath, server.ExportCertificatePem());
        File.WriteAllText(certificates.KeyPath, serverKey.ExportPkcs8PrivateKeyPem());
        File.WriteAllBytes(certificates.PfxPath, server.Export(X509ContentType.Pfx, PfxPassword));
        return certificates;
    }

    public void Dispose() => System.IO.Directory.Delete(Directory, recursive: true);
}
