using HaCore.Raft.Protocol;
using HaCore.Raft.Tracker;

namespace HaCore.Raft;

/// <summary>
/// A Raft node without I/O, clock or threads (after etcd-raft's <c>RawNode</c>). The host drives it:
/// <see cref="Tick"/> on a timer, <see cref="Step"/> for each message received, the local requests
/// (<see cref="Propose"/>, <see cref="ReadIndex"/>, ...), and then, while <see cref="HasReady"/>,
/// handles <see cref="GetReady"/> and calls <see cref="Advance"/>.
/// </summary>
/// <remarks>Not thread-safe: one thread (the node loop) owns it. Between <see cref="GetReady"/> and
/// <see cref="Advance"/> no other call is allowed.</remarks>
public sealed class RawNode
{
    private readonly RaftCore _raft;
    private readonly Ready _ready = new();
    private HardState _previousHardState;
    private SoftState _previousSoftState;
    private bool _readyOutstanding;

    /// <summary>Creates a node that starts from the state in <paramref name="storage"/>.</summary>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    /// <exception cref="RaftInvariantException">The storage's state is inconsistent.</exception>
    public RawNode(RaftOptions options, IRaftLogStorage storage)
    {
        _raft = new RaftCore(options, storage);
        _previousHardState = _raft.HardState;
        _previousSoftState = new SoftState(_raft.Lead, _raft.Role);
    }

    /// <summary>This node's id.</summary>
    public ulong Id => _raft.Id;

    /// <summary>The current term.</summary>
    public ulong Term => _raft.Term;

    /// <summary>The leader this node knows, or 0.</summary>
    public ulong Leader => _raft.Lead;

    /// <summary>This node's role.</summary>
    public RaftRole Role => _raft.Role;

    /// <summary>The membership in force (as of the applied index).</summary>
    public ConfState ConfState => _raft.Tracker.Config;

    /// <summary>The node a leadership transfer is handing over to, or 0 when none is in progress (leaders only).</summary>
    public ulong LeadTransferee => _raft.LeadTransferee;

    /// <summary>The highest committed index this node knows.</summary>
    public ulong CommitIndex => _raft.Log.Committed;

    /// <summary>The highest index the host has applied (as reported through <see cref="Advance"/>).</summary>
    public ulong AppliedIndex => _raft.Log.Applied;

    /// <summary>The last index in this node's log (persisted or not).</summary>
    public ulong LastIndex => _raft.Log.LastIndex;

    /// <summary>Not 0 while the node keeps out of elections: its storage may have lost acknowledged entries up to this
    /// index, and its log has not reached it again with entries from a leader.</summary>
    public ulong SuspectThroughIndex => _raft.SuspectThroughIndex;

    /// <summary>Whether this node refuses leadership (<see cref="RefuseLeadership"/>).</summary>
    public bool RefusesLeadership => _raft.RefusesLeadership;

    internal RaftCore Core => _raft;

    /// <summary>
    /// Keeps this node from leading while <paramref name="refuse"/> is true, for example because its configuration
    /// differs from the committed one. It does not campaign (not even on a leadership transfer to it); as leader it hands
    /// leadership to the voter with the highest match index, trying again each heartbeat until one takes over, and steps
    /// down when it is the only voter. It still votes and replicates. The host sets it again after a restart.
    /// </summary>
    /// <param name="refuse">True to refuse leadership, false to allow it again.</param>
    public void RefuseLeadership(bool refuse)
    {
        EnsureNoReady();
        _raft.RefuseLeadership(refuse);
    }

    /// <summary>Advances logical time by one tick: elections, heartbeats and check-quorum run on ticks.</summary>
    public void Tick()
    {
        EnsureNoReady();
        _raft.Tick();
    }

    /// <summary>Starts an election now (after a pre-vote round when enabled).</summary>
    public void Campaign()
    {
        EnsureNoReady();
        _raft.Campaign(transfer: false);
    }

    /// <summary>Proposes a command. Accepted only on the leader; the result says why otherwise.</summary>
    public ProposeResult Propose(ReadOnlyMemory<byte> data)
    {
        EnsureNoReady();
        return _raft.Propose(EntryType.Normal, data);
    }

    /// <summary>Proposes a membership change; it takes effect on each node when applied.</summary>
    public ProposeResult ProposeConfChange(ConfChange change)
    {
        EnsureNoReady();
        return _raft.Propose(EntryType.ConfChange, change.Encode());
    }

    /// <summary>Handles a message received from a peer. Messages not addressed to this node are ignored.</summary>
    public void Step(in Message message)
    {
        EnsureNoReady();
        if (message.To != _raft.Id || message.From == 0 || message.From == _raft.Id)
        {
            return;
        }

        _raft.Step(message);
    }

    /// <summary>Asks the leader to hand leadership to <paramref name="transferee"/>.</summary>
    public void TransferLeadership(ulong transferee)
    {
        EnsureNoReady();
        _raft.TransferLeadership(transferee);
    }

    /// <summary>
    /// Requests a linearizable read identified by <paramref name="context"/> (non-zero and unique). The
    /// answer comes in a later <see cref="Ready.ReadStates"/> (or <see cref="Ready.RejectedReads"/>).
    /// </summary>
    /// <param name="context">The request id.</param>
    /// <param name="option">Overrides <see cref="RaftOptions.ReadOnlyOption"/> for this request. A lease read is
    /// answered by the leader without a heartbeat round; on a follower it is forwarded as a safe read.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="context"/> is 0.</exception>
    /// <exception cref="ArgumentException">A lease read was asked of a node without check-quorum.</exception>
    public void ReadIndex(ulong context, ReadOnlyOption? option = null)
    {
        ArgumentOutOfRangeException.ThrowIfZero(context);
        if (option == ReadOnlyOption.LeaseBased && !_raft.Options.CheckQuorum)
        {
            throw new ArgumentException("Lease reads require RaftOptions.CheckQuorum.", nameof(option));
        }

        EnsureNoReady();
        _raft.ReadIndex(context, option ?? _raft.Options.ReadOnlyOption);
    }

    /// <summary>Reports that <paramref name="id"/> could not be reached (a send failed).</summary>
    public void ReportUnreachable(ulong id)
    {
        EnsureNoReady();
        _raft.ReportUnreachable(id);
    }

    /// <summary>Reports whether sending a snapshot to <paramref name="id"/> succeeded.</summary>
    public void ReportSnapshot(ulong id, bool succeeded)
    {
        EnsureNoReady();
        _raft.ReportSnapshot(id, succeeded);
    }

    /// <summary>True when there is work for the host.</summary>
    public bool HasReady
    {
        get
        {
            var log = _raft.Log;
            return _raft.Messages.Count > 0
                || _raft.MessagesAfterPersist.Count > 0
                || _raft.ReadStates.Count > 0
                || _raft.RejectedReads.Count > 0
                || log.Unstable.Count > 0
                || log.Unstable.Snapshot is not null
                || log.HasNextCommittedEntries
                || _raft.HardState != _previousHardState
                || new SoftState(_raft.Lead, _raft.Role) != _previousSoftState;
        }
    }

    /// <summary>Returns the work to do. Call <see cref="Advance"/> when it is done.</summary>
    /// <exception cref="InvalidOperationException">The previous Ready was not advanced.</exception>
    public Ready GetReady()
    {
        EnsureNoReady();
        var ready = _ready;
        ready.Clear();
        var log = _raft.Log;

        var soft = new SoftState(_raft.Lead, _raft.Role);
        if (soft != _previousSoftState)
        {
            ready.SoftState = soft;
        }

        var hard = _raft.HardState;
        if (hard != _previousHardState)
        {
            ready.HardState = hard;
        }

        if (log.Unstable.Count > 0)
        {
            ready.Entries = log.Unstable.Slice(log.Unstable.Offset, log.Unstable.Offset + (ulong)log.Unstable.Count);
        }

        ready.Snapshot = log.Unstable.Snapshot;
        ready.CommittedEntries = log.NextCommittedEntries();
        if (!ready.CommittedEntries.IsEmpty)
        {
            log.AcceptApplying(ready.CommittedEntries.Span[^1].Index);
        }

        ready.MessageList.AddRange(_raft.Messages);
        _raft.Messages.Clear();
        ready.AfterPersistList.AddRange(_raft.MessagesAfterPersist);
        _raft.MessagesAfterPersist.Clear();
        ready.ReadStateList.AddRange(_raft.ReadStates);
        _raft.ReadStates.Clear();
        ready.RejectedReadList.AddRange(_raft.RejectedReads);
        _raft.RejectedReads.Clear();

        ready.MustSync = !ready.Entries.IsEmpty || ready.Snapshot is not null
            || hard.Term != _previousHardState.Term || hard.Vote != _previousHardState.Vote;
        _readyOutstanding = true;
        return ready;
    }

    /// <summary>
    /// Tells the node that the last <see cref="Ready"/> is done: entries and hard state persisted,
    /// snapshot installed, committed entries applied. Its memory may be reused from now on.
    /// </summary>
    /// <exception cref="InvalidOperationException">There is no Ready to advance.</exception>
    public void Advance()
    {
        if (!_readyOutstanding)
        {
            throw new InvalidOperationException("Advance called without an outstanding Ready.");
        }

        var ready = _ready;
        var log = _raft.Log;
        _readyOutstanding = false;
        log.Unstable.ReleaseSlices();

        if (ready.HardState is { } hard)
        {
            _previousHardState = hard;
        }

        if (ready.SoftState is { } soft)
        {
            _previousSoftState = soft;
        }

        if (ready.Snapshot is { } snapshot)
        {
            log.SnapshotInstalled(snapshot.Metadata.Index);
        }

        if (!ready.Entries.IsEmpty)
        {
            var last = ready.Entries.Span[^1];
            _raft.OnPersisted(last.Index, last.Term);
        }

        var committed = ready.CommittedEntries;
        ready.Clear();
        _raft.OnApplied(committed.Span);
    }

    /// <summary>A snapshot of this node's state, for status pages and tests.</summary>
    public RaftStatus GetStatus()
    {
        Dictionary<ulong, FollowerProgress>? progress = null;
        if (_raft.Role == RaftRole.Leader)
        {
            progress = [];
            foreach (var (id, pr) in _raft.Tracker.Progress)
            {
                progress[id] = new FollowerProgress(pr.Match, pr.Next, pr.State, pr.IsLearner, pr.RecentActive, pr.IsPaused);
            }
        }

        return new RaftStatus(
            _raft.Id, _raft.Term, _raft.Vote, _raft.Role, _raft.Lead, _raft.Log.Committed, _raft.Log.Applied,
            _raft.Log.LastIndex, _raft.LeadTransferee, _raft.Tracker.Config, progress)
        {
            SuspectThroughIndex = _raft.SuspectThroughIndex,
        };
    }

    private void EnsureNoReady()
    {
        if (_readyOutstanding)
        {
            throw new InvalidOperationException("The previous Ready must be advanced before the node is used again.");
        }
    }
}

/// <summary>The leader's view of one member.</summary>
/// <param name="Match">Highest index known replicated.</param>
/// <param name="Next">Next index to send.</param>
/// <param name="State">Replication state.</param>
/// <param name="IsLearner">Non-voting member.</param>
/// <param name="RecentActive">Heard from within the current election timeout.</param>
/// <param name="IsPaused">Flow control currently holds appends back.</param>
public sealed record FollowerProgress(ulong Match, ulong Next, ProgressState State, bool IsLearner, bool RecentActive, bool IsPaused);

/// <summary>A point-in-time view of a node.</summary>
/// <param name="Id">The node id.</param>
/// <param name="Term">Current term.</param>
/// <param name="Vote">Vote in the current term.</param>
/// <param name="Role">Current role.</param>
/// <param name="Leader">Known leader, or 0.</param>
/// <param name="Commit">Commit index.</param>
/// <param name="Applied">Applied index.</param>
/// <param name="LastIndex">Last log index.</param>
/// <param name="LeadTransferee">Leadership transfer target, or 0.</param>
/// <param name="ConfState">Membership in force.</param>
/// <param name="Progress">On a leader, every member's progress; otherwise null.</param>
public sealed record RaftStatus(
    ulong Id, ulong Term, ulong Vote, RaftRole Role, ulong Leader, ulong Commit, ulong Applied, ulong LastIndex,
    ulong LeadTransferee, ConfState ConfState, IReadOnlyDictionary<ulong, FollowerProgress>? Progress)
{
    /// <summary>Not 0 while the node keeps out of elections because its storage may have lost acknowledged entries up
    /// to this index (see <see cref="RaftInitialState.SuspectThroughIndex"/>).</summary>
    public ulong SuspectThroughIndex { get; init; }
}
