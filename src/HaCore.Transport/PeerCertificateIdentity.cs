using System.Formats.Asn1;
using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace HaCore.Transport;

/// <summary>
/// Binds a node id to a TLS certificate: the certificate must be pinned for that node
/// (<see cref="TcpTransportOptions.PinnedPeerCertificates"/>), or, when the node has no pin, carry the
/// subject alternative name URI <c>hacore://&lt;cluster-id&gt;/&lt;node-id&gt;</c>.
/// </summary>
internal static class PeerCertificateIdentity
{
    public const string UriScheme = "hacore";
    private const string SubjectAltNameOid = "2.5.29.17";

    /// <summary>The SAN URI naming <paramref name="nodeId"/> of <paramref name="clusterId"/>.</summary>
    public static string UriFor(string clusterId, ulong nodeId) =>
        $"{UriScheme}://{Uri.EscapeDataString(clusterId)}/{nodeId.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>The hex SHA-256 thumbprint (upper case) of <paramref name="certificate"/>.</summary>
    public static string Sha256Thumbprint(X509Certificate2 certificate) =>
        Convert.ToHexString(certificate.GetCertHash(HashAlgorithmName.SHA256));

    /// <summary>Null when <paramref name="certificate"/> names <paramref name="nodeId"/>; otherwise why not.</summary>
    public static string? Check(X509Certificate2 certificate, TcpTransportOptions options, ulong nodeId)
    {
        if (options.PinnedPeerCertificates.TryGetValue(nodeId, out var pins))
        {
            var thumbprint = Sha256Thumbprint(certificate);
            return pins.Any(p => string.Equals(p, thumbprint, StringComparison.OrdinalIgnoreCase))
                ? null
                : $"certificate '{certificate.Subject}' (SHA-256 {thumbprint}) is not pinned for node {nodeId}";
        }

        var uris = SubjectAltNameUris(certificate).ToList();
        foreach (var uri in uris)
        {
            if (Names(uri, options.ClusterId, nodeId))
            {
                return null;
            }
        }

        return uris.Count == 0
            ? $"certificate '{certificate.Subject}' has no SAN URI {UriFor(options.ClusterId, nodeId)} and node {nodeId} has no pinned thumbprint"
            : $"certificate '{certificate.Subject}' names {string.Join(", ", uris)}, not {UriFor(options.ClusterId, nodeId)}";
    }

    /// <summary>True when <paramref name="uri"/> is hacore://cluster/node for these values. The scheme
    /// and cluster id (a URI host, which certificate tools lower-case) compare case-insensitively.</summary>
    internal static bool Names(string uri, string clusterId, ulong nodeId)
    {
        const string Prefix = UriScheme + "://";
        if (!uri.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        var rest = uri[Prefix.Length..];
        var slash = rest.LastIndexOf('/');
        if (slash <= 0)
        {
            return false;
        }

        var cluster = Uri.UnescapeDataString(rest[..slash]);
        var node = rest[(slash + 1)..];
        return string.Equals(cluster, clusterId, StringComparison.OrdinalIgnoreCase)
            && ulong.TryParse(node, NumberStyles.None, CultureInfo.InvariantCulture, out var id)
            && id == nodeId
            && string.Equals(node, id.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal);
    }

    /// <summary>The URIs among the certificate's subject alternative names.</summary>
    internal static IEnumerable<string> SubjectAltNameUris(X509Certificate2 certificate)
    {
        var result = new List<string>();
        foreach (var extension in certificate.Extensions)
        {
            if (extension.Oid?.Value != SubjectAltNameOid)
            {
                continue;
            }

            try
            {
                var reader = new AsnReader(extension.RawData, AsnEncodingRules.DER);
                var names = reader.ReadSequence();
                var uriTag = new Asn1Tag(TagClass.ContextSpecific, 6);
                while (names.HasData)
                {
                    var tag = names.PeekTag();
                    if (tag == uriTag)
                    {
                        result.Add(names.ReadCharacterString(UniversalTagNumber.IA5String, uriTag));
                    }
                    else
                    {
                        names.ReadEncodedValue();
                    }
                }
            }
            catch (AsnContentException)
            {
                // A malformed extension names nobody.
            }
        }

        return result;
    }
}
