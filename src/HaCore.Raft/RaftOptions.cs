namespace HaCore.Raft;

/// <summary>How a leader serves read-index requests.</summary>
public enum ReadOnlyOption
{
    /// <summary>Confirm leadership with a heartbeat round to a quorum before answering (linearizable).</summary>
    Safe = 0,

    /// <summary>Answer from the leader's lease without a round trip. Needs check-quorum and bounded clock drift.</summary>
    LeaseBased = 1,
}

/// <summary>Settings of one Raft node. Validated by <see cref="Validate"/> when a <see cref="RawNode"/> starts.</summary>
public sealed class RaftOptions
{
    /// <summary>This node's id; never 0.</summary>
    public ulong Id { get; set; }

    /// <summary>Ticks without hearing from a leader before a follower campaigns; randomized in [n, 2n). Default 10.</summary>
    public int ElectionTick { get; set; } = 10;

    /// <summary>Ticks between a leader's heartbeats. Must be below <see cref="ElectionTick"/>. Default 1.</summary>
    public int HeartbeatTick { get; set; } = 1;

    /// <summary>Byte budget of the entries in one append message (at least one entry is always sent). Default 1 MiB.</summary>
    public long MaxSizePerMessage { get; set; } = 1 << 20;

    /// <summary>Append messages in flight to one follower in the replicate state. Default 256.</summary>
    public int MaxInflightMessages { get; set; } = 256;

    /// <summary>Bytes of entries in flight to one follower; 0 for no byte limit. Default 32 MiB.</summary>
    public long MaxInflightBytes { get; set; } = 32L << 20;

    /// <summary>Payload bytes the leader accepts while they are not committed; 0 for no limit. Default 64 MiB.</summary>
    public long MaxUncommittedEntriesSize { get; set; } = 64L << 20;

    /// <summary>Byte budget of committed entries handed out in one <see cref="Ready"/>. Default 16 MiB.</summary>
    public long MaxCommittedSizePerReady { get; set; } = 16L << 20;

    /// <summary>Run a pre-vote round before a real election (thesis §9.6). Default on.</summary>
    public bool PreVote { get; set; } = true;

    /// <summary>A leader that has not heard from a quorum within an election timeout steps down;
    /// followers that hear from a live leader ignore vote requests. Default on.</summary>
    public bool CheckQuorum { get; set; } = true;

    /// <summary>
    /// Ticks taken off the leader's lease for clock-rate differences between nodes (see <see cref="ReadOnlyOption.LeaseBased"/>):
    /// the lease lasts <c>ElectionTick - 1 - LeaseDriftTicks</c> ticks from the heartbeat round a quorum answered. Default 1.
    /// </summary>
    public int LeaseDriftTicks { get; set; } = 1;

    /// <summary>
    /// Ticks after start during which the node ignores (non-transfer) vote requests, as if it had just heard from a
    /// leader: a restarted follower must not help elect a new leader while the old one may still hold a lease. The
    /// runtime sets it to <see cref="ElectionTick"/>; default 0.
    /// </summary>
    public int VoteGuardTicksAfterStart { get; set; }

    /// <summary>How read-index requests are served. Default <see cref="ReadOnlyOption.Safe"/>.</summary>
    public ReadOnlyOption ReadOnlyOption { get; set; } = ReadOnlyOption.Safe;

    /// <summary>When true, a follower refuses proposals (<see cref="ProposeStatus.NotLeader"/>) instead of
    /// forwarding them to the leader. Default false: proposals are forwarded.</summary>
    public bool DisableProposalForwarding { get; set; }

    /// <summary>Seed of the election-timeout jitter. Give each node its own; the simulator derives them from one seed.</summary>
    public ulong RandomSeed { get; set; }

    /// <summary>
    /// Test-only fault injection: commit entries of earlier terms by counting replicas, the unsafe rule
    /// that Raft's Figure 8 refutes. Lets the tests prove that the simulator and the scripts catch it.
    /// </summary>
    internal bool UnsafeCommitOlderTerms { get; set; }

    /// <summary>
    /// Test-only fault injection: a leader's lease lasts this many times as long as it safely may (1, the default, is
    /// the safe lease). Lets the chaos tests over real processes prove that their checker catches stale lease reads.
    /// </summary>
    internal int UnsafeLeaseMultiplier { get; set; } = 1;

    /// <summary>
    /// Test-only fault injection: a leader answers every read index at once, without the heartbeat round that
    /// confirms it still leads. Lets the chaos tests prove that their checker catches the stale reads of a deposed leader.
    /// </summary>
    internal bool UnsafeReadIndexWithoutQuorum { get; set; }

    /// <summary>Checks the settings.</summary>
    /// <exception cref="ArgumentException">A setting is out of range; the message names it.</exception>
    public void Validate()
    {
        if (Id == 0)
        {
            throw new ArgumentException("RaftOptions.Id must not be 0 (0 means 'none').", nameof(Id));
        }

        if (HeartbeatTick <= 0)
        {
            throw new ArgumentException($"RaftOptions.HeartbeatTick must be positive, got {HeartbeatTick}.", nameof(HeartbeatTick));
        }

        if (ElectionTick <= HeartbeatTick)
        {
            throw new ArgumentException(
                $"RaftOptions.ElectionTick ({ElectionTick}) must be greater than HeartbeatTick ({HeartbeatTick}).", nameof(ElectionTick));
        }

        if (MaxSizePerMessage <= 0)
        {
            throw new ArgumentException($"RaftOptions.MaxSizePerMessage must be positive, got {MaxSizePerMessage}.", nameof(MaxSizePerMessage));
        }

        if (MaxInflightMessages <= 0)
        {
            throw new ArgumentException($"RaftOptions.MaxInflightMessages must be positive, got {MaxInflightMessages}.", nameof(MaxInflightMessages));
        }

        if (MaxInflightBytes < 0)
        {
            throw new ArgumentException($"RaftOptions.MaxInflightBytes must be 0 (no limit) or positive, got {MaxInflightBytes}.", nameof(MaxInflightBytes));
        }

        if (MaxInflightBytes > 0 && MaxInflightBytes < MaxSizePerMessage)
        {
            throw new ArgumentException(
                $"RaftOptions.MaxInflightBytes ({MaxInflightBytes}) must be at least MaxSizePerMessage ({MaxSizePerMessage}).", nameof(MaxInflightBytes));
        }

        if (MaxUncommittedEntriesSize < 0)
        {
            throw new ArgumentException(
                $"RaftOptions.MaxUncommittedEntriesSize must be 0 (no limit) or positive, got {MaxUncommittedEntriesSize}.", nameof(MaxUncommittedEntriesSize));
        }

        if (MaxCommittedSizePerReady <= 0)
        {
            throw new ArgumentException(
                $"RaftOptions.MaxCommittedSizePerReady must be positive, got {MaxCommittedSizePerReady}.", nameof(MaxCommittedSizePerReady));
        }

        if (ReadOnlyOption == ReadOnlyOption.LeaseBased && !CheckQuorum)
        {
            throw new ArgumentException("RaftOptions.ReadOnlyOption.LeaseBased requires CheckQuorum to be on.", nameof(ReadOnlyOption));
        }
    }

    /// <summary>Returns a copy of these options.</summary>
    public RaftOptions Clone() => (RaftOptions)MemberwiseClone();
}
