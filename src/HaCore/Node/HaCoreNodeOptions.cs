using System.Net;

namespace HaCore;

/// <summary>Settings of one HaCore node. Validated by <see cref="Validate"/> when the node starts.</summary>
public sealed class HaCoreNodeOptions
{
    /// <summary>This node's id (non-zero, unique in the cluster).</summary>
    public ulong NodeId { get; set; }

    /// <summary>The cluster's id: every node of one cluster uses the same; storage and transport refuse others.</summary>
    public ulong ClusterId { get; set; }

    /// <summary>Where the write-ahead log and snapshots live. Required.</summary>
    public string DataDirectory { get; set; } = string.Empty;

    /// <summary>The voters of a brand-new cluster. A node whose data directory is empty and that is listed here
    /// bootstraps the cluster with them; a node not listed waits to be added (<c>AddLearnerAsync</c>).</summary>
    public IList<ulong> InitialVoters { get; } = [];

    /// <summary>Addresses of the initial members (later members' addresses are replicated with the membership change).</summary>
    public IDictionary<ulong, EndPoint> Peers { get; } = new Dictionary<ulong, EndPoint>();

    /// <summary>Turns a replicated address (the text form of the address given to
    /// <c>AddLearnerAsync</c>) back into an endpoint. Default: an IP endpoint, or a DNS name with a port.</summary>
    public Func<string, EndPoint?> AddressResolver { get; set; } = DefaultResolve;

    /// <summary>Length of one Raft tick. Default 50 ms.</summary>
    public TimeSpan TickInterval { get; set; } = TimeSpan.FromMilliseconds(50);

    /// <summary>Election timeout in ticks (randomized in [n, 2n)). Default 10 (500 ms with the default tick).</summary>
    public int ElectionTicks { get; set; } = 10;

    /// <summary>Heartbeat interval in ticks. Default 1.</summary>
    public int HeartbeatTicks { get; set; } = 1;

    /// <summary>Pre-vote (thesis §9.6). Default on.</summary>
    public bool PreVote { get; set; } = true;

    /// <summary>Check-quorum and leader stickiness. Default on; required for lease reads.</summary>
    public bool CheckQuorum { get; set; } = true;

    /// <summary>Proposals, reads and admin requests waiting for the node loop; callers wait when it is full. Default 10,000.</summary>
    public int MaxPendingRequests { get; set; } = 10_000;

    /// <summary>Raft messages received and not yet handled; more are dropped (Raft retransmits). Default 10,000.</summary>
    public int MaxInboundMessages { get; set; } = 10_000;

    /// <summary>
    /// Entry bytes the leader puts in one append message to a follower; one entry always fits. Smaller values bound the
    /// memory of one message at the cost of more round trips. Default 1 MiB.
    /// </summary>
    public long MaxAppendBytes { get; set; } = 1L << 20;

    /// <summary>
    /// Committed entry bytes applied in one step of the node loop before it goes back to the messages and ticks that
    /// arrived meanwhile; one entry is always applied. Smaller values keep heartbeats on time while a burst of large
    /// entries is applied (a long apply delays them, and a leader whose heartbeats are late loses its followers).
    /// Default 64 KiB.
    /// </summary>
    public long MaxApplyBytes { get; set; } = 64L << 10;

    /// <summary>Uncommitted payload bytes the leader accepts before refusing proposals. Default 64 MiB.</summary>
    public long MaxUncommittedBytes { get; set; } = 64L << 20;

    /// <summary>Take a snapshot after this many applied entries (the first of the count, bytes and age triggers wins). Default 50,000.
    /// Each node waits up to a quarter longer, by a fraction drawn after every snapshot, so that the nodes of a cluster
    /// do not serialize their state at the same index.</summary>
    public long SnapshotEveryEntries { get; set; } = 50_000;

    /// <summary>Take a snapshot after this many bytes of applied entries; 0 disables the byte trigger. Default 256 MiB.</summary>
    public long SnapshotEveryBytes { get; set; } = 256L << 20;

    /// <summary>Take a snapshot when the last one is this old and entries were applied since; <see cref="TimeSpan.Zero"/>
    /// disables the age trigger. Default 1 hour.</summary>
    public TimeSpan SnapshotMaxAge { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Entries kept in the log behind a snapshot, so slightly lagging followers catch up without one. Default 5,000.</summary>
    public long CompactionMargin { get; set; } = 5_000;

    /// <summary>How long a proposal may wait for its outcome before it fails with <see cref="TimeoutException"/>. Default 10 s.</summary>
    public TimeSpan ProposalTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Client sessions unused for this long (by leader-stamped time) are forgotten. Default 1 hour.</summary>
    public TimeSpan SessionTimeout { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// Results kept per client session for retries, and so the window of one session's requests that may be
    /// outstanding at once: requests may reach the log in any order within it. A request older than the window
    /// gets <see cref="RequestExpiredException"/>. Default 64.
    /// </summary>
    public int ResultsPerSession { get; set; } = 64;

    /// <summary>How many entries a learner may trail the leader's last index by and still be promoted to voter;
    /// <see cref="ReplicatedStateMachine{TStateMachine, TCommand, TResult}.PromoteAsync"/> refuses a learner further behind.</summary>
    public long MaxPromotionLag { get; set; } = 1_000;

    /// <summary>Applied commands kept in memory for subscribers to resume from. Default 100,000. They are kept
    /// encoded (the command's and the result's bytes, in large reused buffers) and decoded when a subscriber
    /// replays them, so their memory is about their encoded size plus ~64 bytes each.</summary>
    public int RetainedCommands { get; set; } = 100_000;

    /// <summary>Events buffered per subscriber; a subscriber that falls further behind is disconnected. Default 10,000.</summary>
    public int SubscriberBuffer { get; set; } = 10_000;

    /// <summary>
    /// Where this node's TCP transport listens, when the node builds its own transport (the <c>StartAsync</c> and
    /// <c>AddHaCore</c> overloads without a transport). Required then; ignored with a transport of your own.
    /// </summary>
    public IPEndPoint? ListenEndPoint { get; set; }

    /// <summary>
    /// Where the node's admin endpoint listens (for the <c>hacore</c> CLI: status, health, membership changes,
    /// leadership transfer, snapshots); off when null, the default. Requests are authenticated with
    /// <see cref="AdminSecret"/>, or the transport's cluster secret when that is null; one of them is required.
    /// Bind it to a loopback or management address: whoever holds the secret can change the membership.
    /// </summary>
    public IPEndPoint? AdminEndPoint { get; set; }

    /// <summary>The admin endpoint's secret (at least 16 bytes); the transport's <c>ClusterSecret</c> when null.</summary>
    public byte[]? AdminSecret { get; set; }

    /// <summary>The most committed entries not yet applied for the admin endpoint's <c>health</c> to say healthy. Default 1,000.</summary>
    public ulong AdminHealthMaxApplyLag { get; set; } = 1_000;

    /// <summary>
    /// Settings of the TCP transport the node builds for itself (peer authentication, TLS, limits, timeouts). Its
    /// <c>NodeId</c>, <c>ClusterId</c>, <c>ListenEndPoint</c> and <c>Peers</c> come from this object
    /// (<see cref="NodeId"/>, <see cref="ClusterId"/> in decimal, <see cref="ListenEndPoint"/>, <see cref="Peers"/>):
    /// leave them unset, or set them to the same values.
    /// </summary>
    public Transport.TcpTransportOptions Transport { get; set; } = new();

    /// <summary>Storage settings: segment size, record size limit and so on. <c>DirectoryPath</c> and <c>ClusterId</c> are set from this object.</summary>
    public Storage.StorageOptions Storage { get; set; } = new();

    /// <summary>Seed of the election jitter; 0 derives one from the node id and the clock.</summary>
    public ulong RandomSeed { get; set; }

    /// <summary>
    /// The file system the write-ahead log and the snapshot store use; the real disk
    /// (<see cref="HaCore.Storage.FileStorageDevice.Instance"/>) when null. Tests pass a device that loses
    /// unsynced writes at a simulated power cut, or delays fsync.
    /// </summary>
    public HaCore.Storage.IStorageDevice? StorageDevice { get; set; }

    /// <summary>Where the node's <c>HaCore</c> meter comes from; a meter of its own when null. <c>AddHaCore</c> sets it
    /// from the container's <see cref="System.Diagnostics.Metrics.IMeterFactory"/>.</summary>
    public System.Diagnostics.Metrics.IMeterFactory? MeterFactory { get; set; }

    /// <summary>
    /// Ticks taken off a leader's lease for the clock-rate difference between nodes: lease reads are answered
    /// without a heartbeat round only for <c>ElectionTicks - 1 - LeaseDriftTicks</c> ticks after the round a quorum
    /// answered was sent. Default 1 (10 % of the default election timeout).
    /// </summary>
    public int LeaseDriftTicks { get; set; } = 1;

    /// <summary>Tests only: the unsafe commit rule of Figure 8 (commit entries of older terms by counting replicas), so
    /// the simulator can show that it catches it.</summary>
    internal bool UnsafeCommitOlderTerms { get; set; }

    /// <summary>Tests only: leases this many times too long (1 is the safe lease), so the chaos tests over real
    /// processes can show that they catch stale lease reads. Set only by tests/HaCore.TestHost's --unsafe-* flags.</summary>
    internal int UnsafeLeaseMultiplier { get; set; } = 1;

    /// <summary>Tests only: skip the session table's duplicate check, so a retried request is applied again. Set only
    /// by tests/HaCore.TestHost's --unsafe-* flags, so the chaos tests can show that they catch double applies.</summary>
    internal bool UnsafeApplyRetriesTwice { get; set; }

    /// <summary>Tests only: linearizable reads skip the heartbeat round that confirms leadership. Set only by
    /// tests/HaCore.TestHost's --unsafe-* flags, so the chaos tests can show that they catch a deposed leader's reads.</summary>
    internal bool UnsafeReadIndexWithoutQuorum { get; set; }

    /// <summary>A copy of these options for node <paramref name="nodeId"/> on <paramref name="device"/> (the simulator starts every node from one template).</summary>
    internal HaCoreNodeOptions CloneFor(ulong nodeId, Storage.IStorageDevice device, ulong randomSeed)
    {
        var copy = (HaCoreNodeOptions)MemberwiseClone();
        copy.NodeId = nodeId;
        copy.DataDirectory = $"/sim/node-{nodeId}";
        copy.StorageDevice = device;
        copy.RandomSeed = randomSeed == 0 ? 1 : randomSeed;
        return copy;
    }

    /// <summary>The storage settings with this node's data directory and cluster id filled in.</summary>
    internal Storage.StorageOptions ToStorageOptions() => new()
    {
        DirectoryPath = DataDirectory,
        ClusterId = ClusterId,
        NodeId = NodeId,
        SegmentSizeBytes = Storage.SegmentSizeBytes,
        MaxRecordBytes = Storage.MaxRecordBytes,
        MaxOpenFiles = Storage.MaxOpenFiles,
        EntryCacheBytes = Storage.EntryCacheBytes,
        WriteBufferBytes = Storage.WriteBufferBytes,
        MaxSnapshotBytes = Storage.MaxSnapshotBytes,
        SnapshotChunkBytes = Storage.SnapshotChunkBytes,
        SnapshotsToKeep = Storage.SnapshotsToKeep,
        ZeroFillSegments = Storage.ZeroFillSegments,
        PrepareSegmentsAhead = Storage.PrepareSegmentsAhead,
    };

    /// <summary>The settings of the TCP transport the node builds for itself: <see cref="Transport"/> with this node's
    /// identity, cluster, listen endpoint and peers filled in.</summary>
    /// <exception cref="ArgumentException"><see cref="ListenEndPoint"/> is missing, or <see cref="Transport"/> names
    /// another node, cluster, endpoint or peer list than this object does.</exception>
    internal Transport.TcpTransportOptions ToTransportOptions()
    {
        Validate();
        var t = Transport;
        var cluster = ClusterId.ToString(System.Globalization.CultureInfo.InvariantCulture);
        static void Agree(bool ok, string name, string message)
        {
            if (!ok)
            {
                throw new ArgumentException($"HaCoreNodeOptions.Transport.{name}: {message}", name);
            }
        }

        if (ListenEndPoint is null)
        {
            throw new ArgumentException("HaCoreNodeOptions.ListenEndPoint: is required when the node builds its own TCP transport (or pass a transport).", nameof(ListenEndPoint));
        }

        Agree(t.NodeId == 0 || t.NodeId == NodeId, nameof(t.NodeId), $"is {t.NodeId}, but HaCoreNodeOptions.NodeId is {NodeId}; leave it unset.");
        Agree(t.ClusterId.Length == 0 || t.ClusterId == cluster, nameof(t.ClusterId), $"is '{t.ClusterId}', but HaCoreNodeOptions.ClusterId is {cluster}; leave it unset.");
        Agree(t.Peers.Count == 0, nameof(t.Peers), "set HaCoreNodeOptions.Peers instead.");
        Agree(t.ListenEndPoint.Equals(new IPEndPoint(IPAddress.Loopback, 0)) || t.ListenEndPoint.Equals(ListenEndPoint), nameof(t.ListenEndPoint), $"is {t.ListenEndPoint}, but HaCoreNodeOptions.ListenEndPoint is {ListenEndPoint}; leave it unset.");
        var options = t with
        {
            NodeId = NodeId,
            ClusterId = cluster,
            ListenEndPoint = ListenEndPoint,
            Peers = [.. Peers.Where(p => p.Key != NodeId).Select(p => new Transport.PeerAddress(p.Key, p.Value))],
        };
        options.Validate();
        return options;
    }

    internal static EndPoint? DefaultResolve(string address)
    {
        if (IPEndPoint.TryParse(address, out var ip))
        {
            return ip;
        }

        var colon = address.LastIndexOf(':');
        return colon > 0 && int.TryParse(address[(colon + 1)..], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var port)
            ? new DnsEndPoint(address[..colon], port)
            : null;
    }

    /// <summary>Checks the settings.</summary>
    /// <exception cref="ArgumentException">A setting is invalid; the message names it.</exception>
    public void Validate()
    {
        static void Require(bool ok, string name, string message)
        {
            if (!ok)
            {
                throw new ArgumentException($"HaCoreNodeOptions.{name}: {message}", name);
            }
        }

        Require(NodeId != 0, nameof(NodeId), "must not be 0.");
        Require(ClusterId != 0, nameof(ClusterId), "must not be 0 (storage and transport check it).");
        Require(!string.IsNullOrWhiteSpace(DataDirectory), nameof(DataDirectory), "is required.");
        Require(TickInterval >= TimeSpan.FromMilliseconds(1), nameof(TickInterval), $"must be at least 1 ms, got {TickInterval}.");
        Require(HeartbeatTicks >= 1, nameof(HeartbeatTicks), $"must be at least 1, got {HeartbeatTicks}.");
        Require(ElectionTicks > HeartbeatTicks, nameof(ElectionTicks), $"({ElectionTicks}) must be greater than HeartbeatTicks ({HeartbeatTicks}).");
        Require(MaxPendingRequests > 0, nameof(MaxPendingRequests), "must be positive.");
        Require(MaxInboundMessages > 0, nameof(MaxInboundMessages), "must be positive.");
        Require(MaxAppendBytes > 0, nameof(MaxAppendBytes), "must be positive.");
        Require(MaxApplyBytes > 0, nameof(MaxApplyBytes), "must be positive.");
        Require(MaxUncommittedBytes >= 0, nameof(MaxUncommittedBytes), "must be 0 (no limit) or positive.");
        Require(SnapshotEveryEntries > 0, nameof(SnapshotEveryEntries), "must be positive.");
        Require(SnapshotEveryBytes >= 0, nameof(SnapshotEveryBytes), "must be 0 (off) or positive.");
        Require(SnapshotMaxAge >= TimeSpan.Zero, nameof(SnapshotMaxAge), "must not be negative.");
        Require(CompactionMargin >= 0, nameof(CompactionMargin), "must not be negative.");
        Require(ProposalTimeout > TimeSpan.Zero, nameof(ProposalTimeout), "must be positive.");
        Require(SessionTimeout > TimeSpan.Zero, nameof(SessionTimeout), "must be positive.");
        Require(ResultsPerSession > 0, nameof(ResultsPerSession), "must be positive.");
        Require(MaxPromotionLag >= 0, nameof(MaxPromotionLag), "must not be negative.");
        Require(LeaseDriftTicks >= 0 && LeaseDriftTicks < ElectionTicks - 1, nameof(LeaseDriftTicks), $"must be at least 0 and below ElectionTicks - 1 ({ElectionTicks - 1}), got {LeaseDriftTicks}.");
        Require(RetainedCommands > 0, nameof(RetainedCommands), "must be positive.");
        Require(SubscriberBuffer > 0, nameof(SubscriberBuffer), "must be positive.");
        Require(InitialVoters.Distinct().Count() == InitialVoters.Count && !InitialVoters.Contains(0UL), nameof(InitialVoters), "must be distinct non-zero ids.");
        if (AdminEndPoint is not null)
        {
            var secret = AdminSecret ?? Transport?.ClusterSecret;
            Require(secret is { Length: >= 16 }, nameof(AdminSecret), secret is null
                ? $"is required with an AdminEndPoint ({AdminEndPoint}) when the transport has no ClusterSecret: the admin endpoint is never open without authentication."
                : $"must be at least 16 bytes, got {secret.Length}.");
        }

        ArgumentNullException.ThrowIfNull(Storage, nameof(Storage));
        ToStorageOptions().Validate();
    }
}
