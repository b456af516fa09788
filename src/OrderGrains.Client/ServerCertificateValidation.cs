using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace OrderGrains.Client;

/// <summary>Checks a server's certificate against one certificate authority given as a PEM file (a private CA).</summary>
public static class ServerCertificateValidation
{
    /// <summary>
    /// A validation callback that accepts the server's certificate only if it chains to the CA in <paramref name="caPath"/>
    /// and names the host (the usual name check is kept; only the trust anchor changes).
    /// </summary>
    public static RemoteCertificateValidationCallback TrustingOnly(string caPath)
    {
        var authorities = new X509Certificate2Collection();
        authorities.ImportFromPemFile(caPath);
        if (authorities.Count == 0)
        {
            throw new ArgumentException($"{caPath} holds no PEM certificate.", nameof(caPath));
        }

        return (_, certificate, _, errors) =>
        {
            if (certificate is null || (errors & (SslPolicyErrors.RemoteCertificateNotAvailable | SslPolicyErrors.RemoteCertificateNameMismatch)) != 0)
            {
                return false;
            }

            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.AddRange(authorities);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            using var server = new X509Certificate2(certificate);
            return chain.Build(server);
        };
    }
}
