using System.Runtime.InteropServices;

namespace HaCore.Raft;

/// <summary>The leader this node knows and the role it plays: volatile, not persisted.</summary>
/// <param name="Leader">The leader's id, or 0.</param>
/// <param name="Role">This node's role.</param>
public readonly record struct SoftState(ulong Leader, RaftRole Role);

/// <summary>
/// Work the host must do, in this order: send <see cref="Messages"/> (at any time, in parallel with
/// persisting), persist <see cref="HardState"/>, <see cref="Entries"/> and <see cref="Snapshot"/> (one
/// fsync when <see cref="MustSync"/>), then send <see cref="MessagesAfterPersist"/>, install the
/// snapshot and apply <see cref="CommittedEntries"/> in order, then call <see cref="RawNode.Advance"/>.
/// </summary>
/// <remarks>
/// The instance and every span and memory it exposes belong to the <see cref="RawNode"/> and are valid
/// only until the next call to <see cref="RawNode.Advance"/>: copy what you keep (a transport encodes
/// messages as it queues them). This is what lets the steady state run without allocating.
/// </remarks>
public sealed class Ready
{
    internal readonly List<Message> MessageList = [];
    internal readonly List<Message> AfterPersistList = [];
    internal readonly List<ReadState> ReadStateList = [];
    internal readonly List<ulong> RejectedReadList = [];

    /// <summary>The leader and role, when they changed since the previous Ready; otherwise null.</summary>
    public SoftState? SoftState { get; internal set; }

    /// <summary>The hard state to persist, when it changed; otherwise null.</summary>
    public HardState? HardState { get; internal set; }

    /// <summary>Entries to append to durable storage (truncating any conflicting suffix first).</summary>
    public ReadOnlyMemory<Entry> Entries { get; internal set; }

    /// <summary>A snapshot received from the leader, to persist and install; otherwise null.</summary>
    public Snapshot? Snapshot { get; internal set; }

    /// <summary>Committed entries to apply to the state machine, in order.</summary>
    public ReadOnlyMemory<Entry> CommittedEntries { get; internal set; }

    /// <summary>Messages that may be sent at once, before or while the Ready is persisted (a leader's appends,
    /// heartbeats and snapshots: the leader writes its log in parallel with replication).</summary>
    public ReadOnlySpan<Message> Messages => CollectionsMarshal.AsSpan(MessageList);

    /// <summary>Messages that may be sent only after <see cref="HardState"/> and <see cref="Entries"/> are durable
    /// (votes and acknowledgements: an acknowledged entry must survive a crash).</summary>
    public ReadOnlySpan<Message> MessagesAfterPersist => CollectionsMarshal.AsSpan(AfterPersistList);

    /// <summary>Read requests confirmed by the leader: serve each once the applied index reaches its index.</summary>
    public ReadOnlySpan<ReadState> ReadStates => CollectionsMarshal.AsSpan(ReadStateList);

    /// <summary>Read requests that could not be confirmed (no leader, or leadership lost): fail them so the client retries.</summary>
    public ReadOnlySpan<ulong> RejectedReads => CollectionsMarshal.AsSpan(RejectedReadList);

    /// <summary>True when the hard state or entries must be fsynced before <see cref="MessagesAfterPersist"/> go out.</summary>
    public bool MustSync { get; internal set; }

    internal void Clear()
    {
        MessageList.Clear();
        AfterPersistList.Clear();
        ReadStateList.Clear();
        RejectedReadList.Clear();
        SoftState = null;
        HardState = null;
        Entries = ReadOnlyMemory<Entry>.Empty;
        Snapshot = null;
        CommittedEntries = ReadOnlyMemory<Entry>.Empty;
        MustSync = false;
    }
}
