namespace HaCore.Testing.WholeNode;

/// <summary>What one whole-node simulated run does. Everything is drawn from <see cref="Seed"/>.</summary>
public sealed record WholeNodeOptions
{
    /// <summary>The seed that replays the run.</summary>
    public ulong Seed { get; init; }

    /// <summary>Called with each node's id and its store every time the node starts (e.g. to set
    /// <see cref="Runtime.KvStateMachine.Gate"/>, a refusal to lead). None by default.</summary>
    public Action<ulong, Runtime.KvStateMachine>? PrepareStateMachine { get; init; }

    /// <summary>Voters at start.</summary>
    public int Voters { get; init; } = 3;

    /// <summary>Simulated milliseconds of faults and traffic before the final heal-and-converge phase.</summary>
    public int Duration { get; init; } = 3_000;

    /// <summary>Milliseconds per Raft tick.</summary>
    public int TickMs { get; init; } = 10;

    /// <summary>Election timeout in ticks.</summary>
    public int ElectionTicks { get; init; } = 10;

    /// <summary>Network: delay range in ms, loss and duplication probabilities.</summary>
    public int MinDelay { get; init; } = 1;

    /// <inheritdoc cref="MinDelay"/>
    public int MaxDelay { get; init; } = 8;

    /// <inheritdoc cref="MinDelay"/>
    public double DropRate { get; init; } = 0.01;

    /// <inheritdoc cref="MinDelay"/>
    public double DuplicateRate { get; init; } = 0.01;

    /// <summary>Per ms: probability of a power cut of one random live node (unsynced writes lost or torn).</summary>
    public double CrashRate { get; init; } = 0.0006;

    /// <summary>
    /// Probability that a power cut also rots the victim's final WAL record (one bit of its data flipped on the disk,
    /// as by a latent sector error after the fsync), at most once per run: the node must keep out of elections until
    /// that record's range is re-replicated. Only one node per run, since two rotted copies of one entry may be
    /// beyond repair.
    /// </summary>
    public double RotFinalRecordChance { get; init; } = 0.1;

    /// <summary>Per ms: probability of arming a crash of a random live node at one of its next device operations.</summary>
    public double DeviceCrashRate { get; init; } = 0.0003;

    /// <summary>Per ms: probability of restarting a crashed node.</summary>
    public double RestartRate { get; init; } = 0.004;

    /// <summary>Per ms: probability of a partition (isolate one node both ways, or cut one link one way).</summary>
    public double PartitionRate { get; init; } = 0.0006;

    /// <summary>Per ms: probability of healing every partition.</summary>
    public double HealRate { get; init; } = 0.002;

    /// <summary>Per ms: probability of pausing a live node (no ticks, no processing) for 1-4 election timeouts.</summary>
    public double PauseRate { get; init; } = 0.0003;

    /// <summary>Per ms: probability of a leadership transfer request.</summary>
    public double TransferRate { get; init; } = 0.0004;

    /// <summary>
    /// Probability of cutting a node off (both ways, messages in flight included) in the millisecond it becomes
    /// leader: its first entries and heartbeats never leave, the most dangerous moment for the log.
    /// </summary>
    public double IsolateNewLeaderChance { get; init; } = 0.1;

    /// <summary>
    /// Probability of cutting the leader off in a millisecond in which its commit index advanced: the
    /// followers have not yet learned what it counted committed, nor seen the entries it sends next.
    /// </summary>
    public double IsolateCommittingLeaderChance { get; init; } = 0.02;

    /// <summary>
    /// Probability of cutting the leader off when its commit index moved over entries of earlier terms (a new
    /// leader's first commit after entries it inherited uncommitted): the moment of Raft's Figure 8, when a wrong
    /// commit rule has counted an old entry committed before the leader's own entry reached a quorum.
    /// </summary>
    public double IsolateOlderTermCommitChance { get; init; } = 0.3;

    /// <summary>Nodes that may join later (ids after the voters): added as learners, promoted, and voters removed
    /// again (the leader included) so that the cluster returns to <see cref="Voters"/>. Removed ids are never reused.</summary>
    public int Spares { get; init; } = 2;

    /// <summary>Per ms: probability of the next membership step (add a learner, promote it, or remove a voter).</summary>
    public double MembershipRate { get; init; } = 0.002;

    /// <summary>Maximum clock skew in ms and drift rate given to each node at start.</summary>
    public int MaxSkewMs { get; init; } = 200;

    /// <inheritdoc cref="MaxSkewMs"/>
    public double MaxDrift { get; init; } = 0.001;

    /// <summary>
    /// Bytes per append message; <see langword="null"/> draws it from the seed (one seed in three sends one entry per
    /// message, which lets a quorum hold an older term's entry without the new leader's first entry: Figure 8).
    /// </summary>
    public long? MaxAppendBytes { get; init; }

    /// <summary>Applied entries between snapshots.</summary>
    public int SnapshotEvery { get; init; } = 80;

    /// <summary>Clients that keep one operation in flight (their history is checked for linearizability).</summary>
    public int RegisterClients { get; init; } = 4;

    /// <summary>Keys the register clients use.</summary>
    public int Keys { get; init; } = 3;

    /// <summary>Clients that keep several requests of one session in flight (checked for exactly-once).</summary>
    public int PipelineClients { get; init; } = 2;

    /// <summary>Requests one pipeline client keeps in flight (at most the session window).</summary>
    public int PipelineDepth { get; init; } = 8;

    /// <summary>Results kept per session: the session window.</summary>
    public int ResultsPerSession { get; init; } = 16;

    /// <summary>Subscribers following the event stream, resuming on another node when their stream ends.</summary>
    public int Subscribers { get; init; } = 2;

    /// <summary>Per ms per idle register client: probability of issuing an operation.</summary>
    public double ClientRate { get; init; } = 0.05;

    /// <summary>Simulated ms the final phase may take to converge (liveness bound).</summary>
    public int ConvergeTimeout { get; init; } = 20_000;

    /// <summary>Ms a caller may wait beyond its proposal timeout plus an election timeout before the run fails.</summary>
    public int CallSlackMs { get; init; } = 100;

    /// <summary>Test-only mutation: the unsafe commit rule of Figure 8.</summary>
    public bool UnsafeCommitOlderTerms { get; init; }

    /// <summary>Whether the run ends with a power cut of every node at once and a restart.</summary>
    public bool PowerCutAllAtEnd { get; init; } = true;
}
