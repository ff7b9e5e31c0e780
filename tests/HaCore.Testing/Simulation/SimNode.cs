using HaCore.Raft;

namespace HaCore.Testing.Simulation;

/// <summary>
/// One simulated node: the durable storage (which survives crashes), and while it runs, a
/// <see cref="RawNode"/> and the register store rebuilt from that storage.
/// </summary>
public sealed class SimNode
{
    internal SimNode(ulong id) => Id = id;

    /// <summary>The node id.</summary>
    public ulong Id { get; }

    /// <summary>What survives a crash: everything the node persisted.</summary>
    public MemoryRaftStorage Storage { get; internal set; } = new();

    /// <summary>The running Raft node, or null while crashed (or never started).</summary>
    public RawNode? Raft { get; internal set; }

    /// <summary>The state machine, rebuilt at every restart.</summary>
    public SimKvStore Kv { get; internal set; } = new();

    /// <summary>True while the node runs.</summary>
    public bool Alive => Raft is not null;

    /// <summary>Set once the node was removed from the membership (it keeps running, harmlessly).</summary>
    public bool Removed { get; internal set; }

    /// <summary>Linearizable reads waiting for a read state or for the applied index to reach it.</summary>
    internal Dictionary<ulong, ulong?> PendingReads { get; } = [];

    /// <summary>Proposals accepted here and not yet applied: index → (term, client operation id).</summary>
    internal Dictionary<ulong, (ulong Term, ulong OperationId)> PendingProposals { get; } = [];

    /// <summary>Client operations this node forwarded to the leader, identified by operation id.</summary>
    internal HashSet<ulong> PendingForwards { get; } = [];

    /// <summary>Restarts the node from its durable storage.</summary>
    internal void Start(RaftOptions options)
    {
        Kv = new SimKvStore();
        var snapshot = Storage.Snapshot;
        if (!snapshot.IsEmpty)
        {
            Kv.Restore(snapshot.Data.Span);
        }

        Raft = new RawNode(options, Storage);
    }

    /// <summary>Stops the node: everything not in <see cref="Storage"/> is lost.</summary>
    internal void Crash()
    {
        Raft = null;
        PendingReads.Clear();
        PendingProposals.Clear();
        PendingForwards.Clear();
    }
}
