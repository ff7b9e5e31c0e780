using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace HaCore.Transport;

/// <summary>
/// Settings of a <see cref="TcpRaftTransport"/>. Checked together by <see cref="Validate"/>, which
/// <see cref="TcpRaftTransport.StartAsync"/> calls.
/// </summary>
public sealed record TcpTransportOptions
{
    /// <summary>Where this node listens. Port 0 picks a free port (see <see cref="TcpRaftTransport.LocalEndPoint"/>).
    /// The default is 127.0.0.1:0.</summary>
    public IPEndPoint ListenEndPoint { get; init; } = new(IPAddress.Loopback, 0);

    /// <summary>The cluster's id; a peer presenting another id is refused. At most 255 UTF-8 bytes.
    /// Use <see cref="ClusterIdFromGuid"/> for a <see cref="Guid"/>. Required.</summary>
    public string ClusterId { get; init; } = string.Empty;

    /// <summary>This node's Raft id (not 0). Required.</summary>
    public ulong NodeId { get; init; }

    /// <summary>The peers to connect to at start (replaced later with <see cref="TcpRaftTransport.SetPeers"/>). Default none.</summary>
    public IReadOnlyCollection<PeerAddress> Peers { get; init; } = [];

    /// <summary>The largest frame sent or accepted, header included; a larger inbound frame closes its
    /// connection, a larger outbound message is dropped. Default 16 MiB; at least 4 KiB.</summary>
    public int MaxFrameBytes { get; init; } = 16 << 20;

    /// <summary>Bytes of encoded messages that may wait for one peer; further sends are dropped and
    /// the peer reported unreachable. Default 32 MiB; at least <see cref="MaxFrameBytes"/>.</summary>
    public long PeerQueueBytesLimit { get; init; } = 32L << 20;

    /// <summary>Snapshot payload bytes per chunk frame. Default 1 MiB; between 1 KiB and half of <see cref="MaxFrameBytes"/>.</summary>
    public int SnapshotChunkBytes { get; init; } = 1 << 20;

    /// <summary>Chunks a sender may have unacknowledged. Default 4; between 1 and 64.</summary>
    public int SnapshotWindowChunks { get; init; } = 4;

    /// <summary>The largest snapshot a receiver reassembles. Default 1 GiB; at most 2 GiB - 1.</summary>
    public long MaxSnapshotBytes { get; init; } = 1L << 30;

    /// <summary>Consecutive lost connections, without progress, after which a snapshot transfer is
    /// reported failed. Default 5; at least 1.</summary>
    public int MaxSnapshotAttempts { get; init; } = 5;

    /// <summary>Inbound connections open at once (handshaking or handshaken); more are closed on accept.
    /// A newer connection from a peer also closes its older ones. Default 256; at least 1.</summary>
    public int MaxInboundConnections { get; init; } = 256;

    /// <summary>Time allowed to connect, authenticate and handshake. Default 5 s.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>The first reconnect delay; each failure doubles it up to <see cref="ReconnectBackoffMax"/>,
    /// and each delay is drawn uniformly from its upper half (jitter). Default 100 ms.</summary>
    public TimeSpan ReconnectBackoffMin { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>The longest reconnect delay. Default 5 s; at least <see cref="ReconnectBackoffMin"/>.</summary>
    public TimeSpan ReconnectBackoffMax { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Seed of the reconnect jitter; null draws one at random.</summary>
    public int? RandomSeed { get; init; }

    /// <summary>Time an inbound connection has to finish TLS and the handshake; it is closed after that.
    /// Default 5 s.</summary>
    public TimeSpan HandshakeTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Inbound connections that may be in TLS or the handshake at once; more are closed on
    /// accept, so a flood of slow connections cannot hold the node's handshake slots. Default 64;
    /// between 1 and <see cref="MaxInboundConnections"/>.</summary>
    public int MaxPendingHandshakes { get; init; } = 64;

    /// <summary>Frames read per second at most from one authenticated inbound connection. Beyond it the node
    /// reads that connection more slowly, so TCP pushes back on the sender; nothing is dropped. It bounds what
    /// a member that sends valid but useless messages costs the node. Default 50,000, far above what a peer
    /// sends (its appends and heartbeats are batched per turn of its loop); at least 10.</summary>
    public int MaxInboundFramesPerSecond { get; init; } = 50_000;

    /// <summary>The cluster secret (at least 16 bytes, e.g. 32 random bytes): in the handshake each side
    /// proves it knows it (HMAC-SHA256 over fresh nonces of both sides, the cluster id and both node
    /// ids), so only holders of the secret can join. The secret itself never crosses the wire. This
    /// authenticates peers; it does not encrypt (use <see cref="Certificate"/> for that). Copied when the
    /// transport is created. Null by default: then TLS, or <see cref="AllowUnauthenticatedPeers"/>, is
    /// required.</summary>
    public byte[]? ClusterSecret { get; init; }

    /// <summary>Further secrets accepted from peers, besides <see cref="ClusterSecret"/>, during a
    /// rotation (docs/security.md). Each at least 16 bytes. Default none.</summary>
    public IReadOnlyCollection<byte[]> AcceptedClusterSecrets { get; init; } = [];

    /// <summary>Must be set to true to run with neither <see cref="ClusterSecret"/> nor TLS: then anyone
    /// who can reach <see cref="ListenEndPoint"/> can claim to be a peer. A warning is logged at start.
    /// Default false.</summary>
    public bool AllowUnauthenticatedPeers { get; init; }

    /// <summary>With TLS: this node's certificate, with its private key, presented both as server and
    /// as client (mutual TLS). Null (the default) means plain TCP unless <see cref="CertificateProvider"/> is set.</summary>
    public X509Certificate2? Certificate { get; init; }

    /// <summary>With TLS: called for every new connection (inbound and outbound) for the certificate to
    /// present, so that a renewed certificate is used without a restart. Takes precedence over
    /// <see cref="Certificate"/>. Must return a certificate with its private key.</summary>
    public Func<X509Certificate2>? CertificateProvider { get; init; }

    /// <summary>With TLS: peers whose certificate chains to this CA are trusted.</summary>
    public X509Certificate2? TrustedCaCertificate { get; init; }

    /// <summary>With TLS: further trusted CAs (during a CA rotation, the old and the new one).</summary>
    public IReadOnlyCollection<X509Certificate2> TrustedCaCertificates { get; init; } = [];

    /// <summary>With TLS: peers presenting a certificate with one of these SHA-1 thumbprints (hex, any case) are trusted.</summary>
    public IReadOnlyCollection<string> TrustedThumbprints { get; init; } = [];

    /// <summary>With TLS: per node id, the SHA-256 thumbprints (hex, any case) of the certificates that
    /// node may present (more than one during a rotation). A pinned certificate is trusted, and for a
    /// node listed here the pin is what binds its id (its SAN is not consulted). A node not listed must
    /// present a trusted certificate with the SAN URI <c>hacore://&lt;ClusterId&gt;/&lt;node id&gt;</c>.</summary>
    public IReadOnlyDictionary<ulong, IReadOnlyCollection<string>> PinnedPeerCertificates { get; init; } = new Dictionary<ulong, IReadOnlyCollection<string>>();

    /// <summary>True when <see cref="Certificate"/> or <see cref="CertificateProvider"/> is set.</summary>
    public bool UseTls => Certificate is not null || CertificateProvider is not null;

    /// <summary>True when <see cref="ClusterSecret"/> is set.</summary>
    public bool UseClusterSecret => ClusterSecret is not null;

    /// <summary>The SAN URI a certificate must carry to name node <paramref name="nodeId"/> of cluster
    /// <paramref name="clusterId"/> (when the node has no pinned thumbprint).</summary>
    public static string CertificateUriFor(string clusterId, ulong nodeId) => PeerCertificateIdentity.UriFor(clusterId, nodeId);

    /// <summary>The canonical cluster id string for a <see cref="Guid"/>.</summary>
    public static string ClusterIdFromGuid(Guid clusterId) => clusterId.ToString("D");

    /// <summary>Checks every setting and their relationships.</summary>
    /// <exception cref="ArgumentException">A setting is missing, out of range, or inconsistent with another; the message names it.</exception>
    public void Validate()
    {
        Require(NodeId != 0, "NodeId must be set (0 is reserved for 'none').", nameof(NodeId));
        Require(ListenEndPoint is not null, "ListenEndPoint is required.", nameof(ListenEndPoint));
        Require(!string.IsNullOrEmpty(ClusterId), "ClusterId is required.", nameof(ClusterId));
        Require(Encoding.UTF8.GetByteCount(ClusterId) <= ControlFrames.MaxClusterIdBytes, $"ClusterId must be at most {ControlFrames.MaxClusterIdBytes} UTF-8 bytes.", nameof(ClusterId));
        Require(MaxFrameBytes >= 4096, $"MaxFrameBytes must be at least 4096, got {MaxFrameBytes}.", nameof(MaxFrameBytes));
        Require(PeerQueueBytesLimit >= MaxFrameBytes, $"PeerQueueBytesLimit ({PeerQueueBytesLimit}) must be at least MaxFrameBytes ({MaxFrameBytes}).", nameof(PeerQueueBytesLimit));
        Require(SnapshotChunkBytes >= 1024 && SnapshotChunkBytes <= MaxFrameBytes / 2, $"SnapshotChunkBytes ({SnapshotChunkBytes}) must be between 1024 and half of MaxFrameBytes ({MaxFrameBytes / 2}).", nameof(SnapshotChunkBytes));
        Require(SnapshotWindowChunks is >= 1 and <= 64, $"SnapshotWindowChunks must be between 1 and 64, got {SnapshotWindowChunks}.", nameof(SnapshotWindowChunks));
        Require(MaxSnapshotBytes is > 0 and <= int.MaxValue, $"MaxSnapshotBytes must be between 1 and {int.MaxValue}, got {MaxSnapshotBytes}.", nameof(MaxSnapshotBytes));
        Require(MaxSnapshotAttempts >= 1, $"MaxSnapshotAttempts must be at least 1, got {MaxSnapshotAttempts}.", nameof(MaxSnapshotAttempts));
        Require(MaxInboundConnections >= 1, $"MaxInboundConnections must be at least 1, got {MaxInboundConnections}.", nameof(MaxInboundConnections));
        Require(ConnectTimeout > TimeSpan.Zero, "ConnectTimeout must be positive.", nameof(ConnectTimeout));
        Require(ReconnectBackoffMin > TimeSpan.Zero, "ReconnectBackoffMin must be positive.", nameof(ReconnectBackoffMin));
        Require(ReconnectBackoffMax >= ReconnectBackoffMin, $"ReconnectBackoffMax ({ReconnectBackoffMax}) must be at least ReconnectBackoffMin ({ReconnectBackoffMin}).", nameof(ReconnectBackoffMax));
        Require(Peers is not null, "Peers must not be null.", nameof(Peers));
        ValidatePeers(NodeId, Peers!, nameof(Peers));
        Require(HandshakeTimeout > TimeSpan.Zero, "HandshakeTimeout must be positive.", nameof(HandshakeTimeout));
        Require(MaxInboundFramesPerSecond >= 10, $"MaxInboundFramesPerSecond must be at least 10, got {MaxInboundFramesPerSecond}.", nameof(MaxInboundFramesPerSecond));
        Require(MaxPendingHandshakes >= 1 && MaxPendingHandshakes <= MaxInboundConnections, $"MaxPendingHandshakes must be between 1 and MaxInboundConnections ({MaxInboundConnections}), got {MaxPendingHandshakes}.", nameof(MaxPendingHandshakes));
        Require(AcceptedClusterSecrets is not null, "AcceptedClusterSecrets must not be null.", nameof(AcceptedClusterSecrets));
        if (ClusterSecret is { } secret)
        {
            Require(secret.Length >= MinClusterSecretBytes, $"ClusterSecret must be at least {MinClusterSecretBytes} bytes, got {secret.Length}.", nameof(ClusterSecret));
            Require(AcceptedClusterSecrets!.All(a => a is not null && a.Length >= MinClusterSecretBytes), $"Every AcceptedClusterSecrets entry must be at least {MinClusterSecretBytes} bytes.", nameof(AcceptedClusterSecrets));
        }
        else
        {
            Require(AcceptedClusterSecrets!.Count == 0, "AcceptedClusterSecrets is set but ClusterSecret is not: set ClusterSecret to the secret this node proves with.", nameof(ClusterSecret));
        }

        Require(TrustedThumbprints is not null, "TrustedThumbprints must not be null.", nameof(TrustedThumbprints));
        Require(TrustedCaCertificates is not null, "TrustedCaCertificates must not be null.", nameof(TrustedCaCertificates));
        Require(PinnedPeerCertificates is not null, "PinnedPeerCertificates must not be null.", nameof(PinnedPeerCertificates));
        var hasTrust = TrustedCaCertificate is not null || TrustedCaCertificates!.Count > 0 || TrustedThumbprints!.Count > 0 || PinnedPeerCertificates!.Count > 0;
        if (!UseTls)
        {
            Require(!hasTrust, "TrustedCaCertificate(s), TrustedThumbprints or PinnedPeerCertificates is set but Certificate is not: TLS needs this node's certificate.", nameof(Certificate));
        }
        else
        {
            Require(Certificate is null || Certificate.HasPrivateKey, "Certificate must include its private key.", nameof(Certificate));
            Require(hasTrust, "With a Certificate (TLS), set TrustedCaCertificate(s), TrustedThumbprints or PinnedPeerCertificates: otherwise no peer could be accepted.", nameof(TrustedCaCertificate));
        }

        Require(
            UseTls || UseClusterSecret || AllowUnauthenticatedPeers,
            $"Peers are not authenticated: set ClusterSecret (at least {MinClusterSecretBytes} random bytes, the same on every node), or Certificate/CertificateProvider with TrustedCaCertificate(s), TrustedThumbprints or PinnedPeerCertificates (mutual TLS), or, to accept anyone who can reach the port, AllowUnauthenticatedPeers = true.",
            nameof(ClusterSecret));
    }

    /// <summary>The shortest <see cref="ClusterSecret"/> accepted, in bytes.</summary>
    public const int MinClusterSecretBytes = 16;

    /// <summary>The certificate to present on a new connection.</summary>
    internal X509Certificate2 CurrentCertificate()
    {
        var certificate = CertificateProvider is { } provider ? provider() : Certificate;
        if (certificate is null || !certificate.HasPrivateKey)
        {
            throw new InvalidOperationException("TcpTransportOptions.CertificateProvider returned no certificate, or one without its private key.");
        }

        return certificate;
    }

    internal static void ValidatePeers(ulong self, IReadOnlyCollection<PeerAddress> peers, string paramName)
    {
        var seen = new HashSet<ulong>();
        foreach (var peer in peers)
        {
            Require(peer is not null && peer.EndPoint is not null, "A peer address and its end point must not be null.", paramName);
            Require(peer!.NodeId != 0, "Peer node id 0 is reserved for 'none'.", paramName);
            Require(peer.NodeId != self, $"Peer {peer.NodeId} is this node itself.", paramName);
            Require(seen.Add(peer.NodeId), $"Peer {peer.NodeId} is listed twice.", paramName);
        }
    }

    private static void Require(bool condition, string message, string paramName)
    {
        if (!condition)
        {
            throw new ArgumentException("TcpTransportOptions." + paramName + ": " + message, paramName);
        }
    }
}
