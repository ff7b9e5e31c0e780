namespace HaCore.Raft;

/// <summary>The result of a log storage read.</summary>
public enum LogReadStatus
{
    /// <summary>The read succeeded.</summary>
    Ok = 0,

    /// <summary>The requested index is below the first available index: it was compacted into a snapshot.</summary>
    Compacted = 1,

    /// <summary>The requested index is above the last index.</summary>
    Unavailable = 2,

    /// <summary>A snapshot is being created; ask again later.</summary>
    SnapshotTemporarilyUnavailable = 3,
}

/// <summary>The durable state a node starts from.</summary>
/// <param name="HardState">The persisted term, vote and commit index.</param>
/// <param name="ConfState">The membership as of the latest snapshot, or the bootstrap membership.</param>
/// <param name="SuspectThroughIndex">Not 0 when storage may have lost acknowledged entries up to this index (a damaged
/// final record): the node keeps out of elections (no campaign, no vote, no pre-vote) until its log holds entries from
/// a leader through this index. 0 for a store that lost nothing.</param>
public readonly record struct RaftInitialState(HardState HardState, ConfState ConfState, ulong SuspectThroughIndex = 0);

/// <summary>
/// The read side of the durable log, as the Raft core sees it (after etcd-raft's <c>Storage</c>).
/// The host writes entries, hard state and snapshots to it after handling a <see cref="Ready"/>;
/// the core only reads. Implementations are called from the node's single thread.
/// </summary>
/// <remarks>
/// The log holds entries <see cref="FirstIndex"/>..<see cref="LastIndex"/>. The entry just before
/// <see cref="FirstIndex"/> is the last one covered by the latest snapshot; its term must stay
/// readable through <see cref="TryGetTerm"/>.
/// </remarks>
public interface IRaftLogStorage
{
    /// <summary>Returns the hard state and membership to start from.</summary>
    RaftInitialState GetInitialState();

    /// <summary>The index of the first entry still in the log (snapshot index + 1).</summary>
    ulong FirstIndex { get; }

    /// <summary>The index of the last entry in the log, or the snapshot index when the log is empty.</summary>
    ulong LastIndex { get; }

    /// <summary>Reads the term of the entry at <paramref name="index"/>, for
    /// <c>FirstIndex - 1 &lt;= index &lt;= LastIndex</c>.</summary>
    LogReadStatus TryGetTerm(ulong index, out ulong term);

    /// <summary>
    /// Reads entries in <c>[low, high)</c>, stopping once their total <see cref="Entry.Size"/> would
    /// exceed <paramref name="maxBytes"/>, but always returning at least one entry when any is available.
    /// The returned memory must stay unchanged until the host's next <see cref="RawNode.Advance"/>, also
    /// while the host appends the same Ready's entries: it may back that Ready's committed entries.
    /// </summary>
    LogReadStatus TryGetEntries(ulong low, ulong high, long maxBytes, out ReadOnlyMemory<Entry> entries);

    /// <summary>Returns the latest snapshot, or <see cref="LogReadStatus.SnapshotTemporarilyUnavailable"/>.</summary>
    LogReadStatus TryGetSnapshot(out Snapshot snapshot);
}
