using System.Security.Cryptography.X509Certificates;

namespace HaCore.Transport;

/// <summary>
/// Whether a TLS peer's certificate is trusted at all: within its validity period, and listed in
/// <see cref="TcpTransportOptions.TrustedThumbprints"/> or <see cref="TcpTransportOptions.PinnedPeerCertificates"/>,
/// or issued by a trusted CA. Which node it names is <see cref="PeerCertificateIdentity"/>'s business.
/// </summary>
internal static class PeerCertificateTrust
{
    /// <summary>Null when <paramref name="cert"/> is trusted at <paramref name="now"/> (local time, as <see cref="X509Certificate2.NotAfter"/> is); otherwise why not.</summary>
    public static string? Check(X509Certificate2 cert, TcpTransportOptions options, DateTime now)
    {
        if (now < cert.NotBefore || now > cert.NotAfter)
        {
            return $"certificate is expired or not yet valid (valid {cert.NotBefore:u} to {cert.NotAfter:u})";
        }

        foreach (var thumbprint in options.TrustedThumbprints)
        {
            if (string.Equals(thumbprint, cert.Thumbprint, StringComparison.OrdinalIgnoreCase))
            {
                return null;
            }
        }

        var sha256 = PeerCertificateIdentity.Sha256Thumbprint(cert);
        foreach (var pins in options.PinnedPeerCertificates.Values)
        {
            if (pins.Any(p => string.Equals(p, sha256, StringComparison.OrdinalIgnoreCase)))
            {
                return null;
            }
        }

        IEnumerable<X509Certificate2> cas = options.TrustedCaCertificate is { } single ? [single, .. options.TrustedCaCertificates] : options.TrustedCaCertificates;
        foreach (var ca in cas)
        {
            // Only the configured CAs are trusted, not the machine's store; the chain checks validity
            // periods. Which node a certificate names is checked against the handshake's node id.
            using var custom = new X509Chain();
            custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            custom.ChainPolicy.CustomTrustStore.Add(ca);
            custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            if (custom.Build(cert))
            {
                return null;
            }
        }

        return $"thumbprint {cert.Thumbprint} (SHA-256 {sha256}) is neither trusted nor pinned nor issued by a trusted CA";
    }

}
