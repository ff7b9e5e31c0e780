namespace HaCore.Testing.Simulation;

/// <summary>What a simulated run does: cluster size, fault rates and workload. Everything is drawn from <see cref="Seed"/>.</summary>
public sealed record SimulationOptions
{
    /// <summary>The seed that replays the run.</summary>
    public ulong Seed { get; init; }

    /// <summary>Voters at start.</summary>
    public int InitialVoters { get; init; } = 3;

    /// <summary>Ids that may join later through membership changes (never reused after removal).</summary>
    public int SpareNodes { get; init; } = 2;

    /// <summary>Simulated time units of the run before the final heal-and-converge phase.</summary>
    public int Duration { get; init; } = 4_000;

    /// <summary>Time units per Raft tick.</summary>
    public int TickInterval { get; init; } = 10;

    /// <summary>Election timeout in ticks.</summary>
    public int ElectionTick { get; init; } = 10;

    /// <summary>Minimum and maximum message delay, in time units (random delays reorder messages).</summary>
    public int MinDelay { get; init; } = 1;

    /// <inheritdoc cref="MinDelay"/>
    public int MaxDelay { get; init; } = 15;

    /// <summary>Probability that a message is lost.</summary>
    public double DropRate { get; init; } = 0.02;

    /// <summary>Probability that a message is delivered twice.</summary>
    public double DuplicateRate { get; init; } = 0.02;

    /// <summary>Messages in flight per directed link before new ones are dropped (bounded capacity).</summary>
    public int LinkCapacity { get; init; } = 256;

    /// <summary>Per time unit: probability of a crash of a random live node.</summary>
    public double CrashRate { get; init; } = 0.0015;

    /// <summary>Probability that a crash hits between sending a Ready's early messages and persisting it.</summary>
    public double CrashMidReadyRate { get; init; } = 0.002;

    /// <summary>Per time unit: probability of restarting a crashed node.</summary>
    public double RestartRate { get; init; } = 0.01;

    /// <summary>Per time unit: probability of a new partition (symmetric or one-way).</summary>
    public double PartitionRate { get; init; } = 0.0015;

    /// <summary>Per time unit: probability of healing all partitions.</summary>
    public double HealRate { get; init; } = 0.004;

    /// <summary>Per time unit: probability of a membership change proposal.</summary>
    public double MembershipRate { get; init; } = 0.0015;

    /// <summary>Per time unit: probability of a leadership transfer request.</summary>
    public double TransferRate { get; init; } = 0.001;

    /// <summary>Applied entries between snapshots (followed by log compaction).</summary>
    public int SnapshotEvery { get; init; } = 60;

    /// <summary>Concurrent clients.</summary>
    public int Clients { get; init; } = 4;

    /// <summary>Per time unit per idle client: probability of issuing an operation.</summary>
    public double ClientRate { get; init; } = 0.05;

    /// <summary>Keys the clients use.</summary>
    public int Keys { get; init; } = 3;

    /// <summary>Time units before a client gives up on an operation (its outcome becomes unknown).</summary>
    public int ClientTimeout { get; init; } = 1_500;

    /// <summary>Time units the final phase may take to converge (liveness bound).</summary>
    public int ConvergeTimeout { get; init; } = 20_000;

    /// <summary>Byte budget of one append message; 1 sends one entry per message.</summary>
    public long MaxSizePerMessage { get; init; } = 4096;

    /// <summary>Test-only: serve reads from the local replica at once, without ReadIndex (stale reads).</summary>
    public bool UnsafeLocalReads { get; init; }

    /// <summary>Test-only: the unsafe commit rule (counting replicas of older terms).</summary>
    public bool UnsafeCommitOlderTerms { get; init; }
}
