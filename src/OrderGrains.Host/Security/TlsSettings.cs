using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace OrderGrains.Host.Security;

/// <summary>
/// The server certificate of the gRPC and admin ports (<c>OrderGrains:Tls:*</c>): a PEM certificate (chain) with its
/// PEM key (<c>CertificatePath</c> + <c>KeyPath</c>), or a PFX (<c>CertificatePath</c> + <c>Password</c>). Loaded and
/// checked before anything starts; without it both ports speak plaintext (h2c on the gRPC port).
/// </summary>
public static class TlsSettings
{
    public const string Section = "OrderGrains:Tls";

    /// <summary>The certificate with its private key, or null when TLS is not configured; a bad setting names its key.</summary>
    public static X509Certificate2? Load(IConfiguration configuration) => Load(configuration, Section);

    /// <summary>The same, from another section with the same keys (the silo-to-silo certificate, <see cref="ClusterTls"/>).</summary>
    public static X509Certificate2? Load(IConfiguration configuration, string section)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var certificatePath = configuration[$"{section}:CertificatePath"];
        var keyPath = configuration[$"{section}:KeyPath"];
        var password = configuration[$"{section}:Password"];
        if (string.IsNullOrEmpty(certificatePath))
        {
            if (!string.IsNullOrEmpty(keyPath) || !string.IsNullOrEmpty(password))
            {
                throw new HostSettingsException([$"{section}:KeyPath or :Password is set but {section}:CertificatePath is empty; set it to the PEM certificate or the PFX file."]);
            }

            return null;
        }

        if (!File.Exists(certificatePath))
        {
            throw new HostSettingsException([$"{section}:CertificatePath is '{certificatePath}', which does not exist."]);
        }

        if (!string.IsNullOrEmpty(keyPath) && !File.Exists(keyPath))
        {
            throw new HostSettingsException([$"{section}:KeyPath is '{keyPath}', which does not exist."]);
        }

        X509Certificate2 certificate;
        try
        {
            certificate = string.IsNullOrEmpty(keyPath)
                ? X509CertificateLoader.LoadPkcs12FromFile(certificatePath, password)
                : X509Certificate2.CreateFromPemFile(certificatePath, keyPath);
        }
        catch (CryptographicException exception)
        {
            var what = string.IsNullOrEmpty(keyPath)
                ? $"{section}:CertificatePath '{certificatePath}' is not a PFX that opens with {section}:Password (for PEM files also set {section}:KeyPath)"
                : $"{section}:CertificatePath '{certificatePath}' and {section}:KeyPath '{keyPath}' are not a PEM certificate and its private key";
            throw new HostSettingsException([$"{what}: {exception.Message}"]);
        }

        if (!certificate.HasPrivateKey)
        {
            throw new HostSettingsException([$"{section}:CertificatePath '{certificatePath}' holds no private key; set {section}:KeyPath to its PEM key."]);
        }

        return certificate;
    }
}
