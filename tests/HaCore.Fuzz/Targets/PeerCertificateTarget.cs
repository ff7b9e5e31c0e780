using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using HaCore.Transport;

namespace HaCore.Fuzz.Targets;

/// <summary>
/// The certificate a TLS peer presents, as the transport judges it: loaded from DER
/// (<see cref="X509CertificateLoader"/>), then <c>PeerCertificateTrust.Check</c> (validity, trusted
/// thumbprints, pins, the cluster CA's chain) and <c>PeerCertificateIdentity.Check</c> for nodes 1, 2
/// and 3 (the SAN URI <c>hacore://fuzz-cluster/&lt;id&gt;</c>, or node 3's pinned SHA-256). The input is
/// a mode byte and the DER bytes; mode bit 0 signs the mutated to-be-signed part again with the CA's
/// key, so the fuzzer reaches identity checks of certificates the CA trusts. Both checks must answer
/// (null or a reason), never throw; an accepted certificate must be valid at the target's time, a
/// pinned node must be accepted only for its pin, and an unpinned node only for its exact SAN URI.
/// Documented error: <see cref="CryptographicException"/> when the bytes are not a certificate.
/// </summary>
public sealed class PeerCertificateTarget : FuzzTarget
{
    /// <summary>Mode bit: sign the to-be-signed part again with the CA's key.</summary>
    public const byte ResignFlag = 1;

    private const ulong PinnedNode = 3;
    private static readonly Lazy<(TcpTransportOptions Options, Dictionary<string, byte[]> Seeds)> Setup = new(Build);

    /// <summary>The last input's outcome: "trusted" or "untrusted", then the node ids it was accepted for
    /// (tests: the seeds reach every path).</summary>
    public string LastOutcome { get; private set; } = string.Empty;

    /// <inheritdoc />
    public override string Name => "peer-certificate";

    /// <inheritdoc />
    public override string Description => "a TLS peer's certificate (DER): load, trust (validity, thumbprints, pins, CA chain), identity (SAN URI or pinned SHA-256) for three node ids";

    /// <inheritdoc />
    public override IEnumerable<(string Name, byte[] Data)> GenerateSeeds()
    {
        foreach (var (name, der) in Setup.Value.Seeds)
        {
            yield return (name, [0, .. der]);
            yield return (name + "-resigned", [ResignFlag, .. der]);
        }
    }

    /// <inheritdoc />
    protected override void Execute(ReadOnlySpan<byte> input)
    {
        var mode = input.IsEmpty ? (byte)0 : input[0];
        var der = input.IsEmpty ? [] : input[1..].ToArray();
        if ((mode & ResignFlag) != 0)
        {
            der = Resign(der);
        }

        LastOutcome = string.Empty;
        var options = Setup.Value.Options;
        using var cert = X509CertificateLoader.LoadCertificate(der);
        var trust = PeerCertificateTrust.Check(cert, options, FuzzCertificates.Now);
        if (trust is null)
        {
            Check(FuzzCertificates.Now >= cert.NotBefore && FuzzCertificates.Now <= cert.NotAfter, $"trusted outside its validity ({cert.NotBefore:u} to {cert.NotAfter:u})");
        }

        var uris = PeerCertificateIdentity.SubjectAltNameUris(cert).ToList();
        var sha256 = Convert.ToHexString(SHA256.HashData(cert.RawData));
        var outcome = trust is null ? "trusted" : "untrusted";
        for (ulong node = 1; node <= 3; node++)
        {
            var why = PeerCertificateIdentity.Check(cert, options, node);
            if (why is not null)
            {
                Check(why.Length > 0, $"node {node} refused with an empty reason");
                continue;
            }

            if (node == PinnedNode)
            {
                Check(options.PinnedPeerCertificates[node].Contains(sha256, StringComparer.OrdinalIgnoreCase), $"accepted for pinned node {node} without its pin");
            }
            else
            {
                var expected = $"hacore://{FuzzCertificates.Cluster}/{node}";
                Check(uris.Any(u => string.Equals(Uri.UnescapeDataString(u), expected, StringComparison.OrdinalIgnoreCase)), $"accepted for node {node} with SAN URIs [{string.Join(", ", uris)}]");
            }

            outcome += $" {node}";
        }

        LastOutcome = outcome;
    }

    /// <inheritdoc />
    protected override bool IsDocumentedError(Exception error) => error is CryptographicException;

    /// <summary>The certificate with its to-be-signed part signed again by the CA, or the bytes unchanged
    /// when they are not a certificate's outer structure.</summary>
    private static byte[] Resign(byte[] der)
    {
        try
        {
            var outer = new AsnReader(der, AsnEncodingRules.DER).ReadSequence();
            var tbs = outer.ReadEncodedValue();
            var algorithm = outer.ReadEncodedValue();
            using var key = FuzzCertificates.CaKey();
            var signature = key.SignData(tbs.Span, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            var writer = new AsnWriter(AsnEncodingRules.DER);
            using (writer.PushSequence())
            {
                writer.WriteEncodedValue(tbs.Span);
                writer.WriteEncodedValue(algorithm.Span);
                writer.WriteBitString(signature);
            }

            return writer.Encode();
        }
        catch (Exception ex) when (ex is AsnContentException or CryptographicException)
        {
            return der;
        }
    }

    private static (TcpTransportOptions, Dictionary<string, byte[]>) Build()
    {
        var seeds = new Dictionary<string, byte[]>
        {
            ["node-2"] = FuzzCertificates.NodeCertificate(2, "node-2", [$"hacore://{FuzzCertificates.Cluster}/2"], ["node-2.fuzz"]),
            ["node-1-and-2"] = FuzzCertificates.NodeCertificate(12, "node-1", [$"hacore://{FuzzCertificates.Cluster}/1", $"hacore://{FuzzCertificates.Cluster}/2"]),
            ["node-3-pinned"] = FuzzCertificates.NodeCertificate(3, "node-3", []),
            ["other-cluster"] = FuzzCertificates.NodeCertificate(4, "node-2", ["hacore://another/2"]),
            ["expired"] = FuzzCertificates.NodeCertificate(5, "node-2", [$"hacore://{FuzzCertificates.Cluster}/2"], notAfter: new DateTimeOffset(2027, 1, 1, 0, 0, 0, TimeSpan.Zero)),
            ["leading-zero-node"] = FuzzCertificates.NodeCertificate(6, "node-1", [$"hacore://{FuzzCertificates.Cluster}/01"]),
            ["trusted-thumbprint"] = FuzzCertificates.NodeCertificate(7, "node-1", [$"hacore://{FuzzCertificates.Cluster}/1"], selfSigned: true),
        };
        using var pinned = X509CertificateLoader.LoadCertificate(seeds["node-3-pinned"]);
        using var listed = X509CertificateLoader.LoadCertificate(seeds["trusted-thumbprint"]);
        var options = new TcpTransportOptions
        {
            ClusterId = FuzzCertificates.Cluster,
            NodeId = 2,
            TrustedCaCertificates = [FuzzCertificates.Ca],
            TrustedThumbprints = [listed.Thumbprint],
            PinnedPeerCertificates = new Dictionary<ulong, IReadOnlyCollection<string>> { [PinnedNode] = [Convert.ToHexString(SHA256.HashData(pinned.RawData))] },
        };
        return (options, seeds);
    }
}
