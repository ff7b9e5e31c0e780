using HaCore.Raft.Log;
using HaCore.Raft.Tracker;

namespace HaCore.Raft.Protocol;

/// <summary>
/// The Raft protocol state of one node. Single-threaded and pure: input arrives through
/// <see cref="Step"/>, <see cref="Tick"/> and the local requests; output accumulates in
/// <see cref="Messages"/>, <see cref="MessagesAfterPersist"/> and <see cref="ReadStates"/> until
/// <see cref="RawNode"/> hands it to the host. Split by role into partial files.
/// </summary>
internal sealed partial class RaftCore
{
    public const ulong None = 0;

    private readonly RaftOptions _options;
    private readonly DeterministicRandom _random;
    private int _electionElapsed;
    private int _heartbeatElapsed;
    private int _randomizedElectionTimeout;
    private long _uncommittedSize;

    // Not 0 while storage may have lost acknowledged entries up to this index (a damaged final record): the node
    // neither campaigns nor votes, so no election can count a promise it no longer keeps, until its log holds entries
    // from a leader through this index again (protocol-aware recovery, Alagappan et al., FAST '18).
    private ulong _suspectThrough;

    public RaftCore(RaftOptions options, IRaftLogStorage storage)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(storage);
        options.Validate();
        _options = options.Clone();
        _random = new DeterministicRandom(options.RandomSeed ^ (options.Id * 0x9E3779B97F4A7C15UL));
        Id = options.Id;
        Log = new RaftLog(storage, options.MaxCommittedSizePerReady);
        Tracker = new ProgressTracker(options.MaxInflightMessages, options.MaxInflightBytes);
        ReadOnly = new ReadOnlyTracker(options.ReadOnlyOption);

        var initial = storage.GetInitialState();
        Tracker.SetConfig(initial.ConfState, Log.LastIndex + 1);
        if (!initial.HardState.IsEmpty)
        {
            LoadHardState(initial.HardState);
        }

        _suspectThrough = initial.SuspectThroughIndex;
        EndSuspicionWhenRepaired();
        BecomeFollower(Term, None);
    }

    /// <summary>Not 0 while the node keeps out of elections: its log may have lost acknowledged entries up to this index.</summary>
    public ulong SuspectThroughIndex => _suspectThrough;

    /// <summary>
    /// Set by the host when this node must not lead (its configuration differs from the committed one): it does not
    /// campaign, not even on TimeoutNow, and as leader it hands leadership to the most up-to-date voter (or steps down
    /// when there is none). It still votes and replicates: the refusal is about leading, not about the log.
    /// </summary>
    public bool RefusesLeadership { get; private set; }

    public void RefuseLeadership(bool refuse)
    {
        RefusesLeadership = refuse;
        if (refuse)
        {
            HandOverLeadership();
        }
    }

    /// <summary>A leader that refuses leadership starts a transfer to the best voter (below), unless one is
    /// under way; with no other voter it steps down. Called when the refusal starts and on every heartbeat tick, so a
    /// transfer that timed out is tried again.</summary>
    private void HandOverLeadership()
    {
        if (Role != RaftRole.Leader || LeadTransferee != None)
        {
            return;
        }

        // The best voter: one heard from recently, then the highest match, then the lowest id (deterministic whatever
        // the dictionary's order).
        var best = None;
        (bool Active, ulong Match) bestKey = default;
        foreach (var (id, pr) in Tracker.Progress)
        {
            var key = (pr.RecentActive, pr.Match);
            if (id == Id || pr.IsLearner)
            {
                continue;
            }

            if (best == None || key.RecentActive && !bestKey.Active || (key.RecentActive == bestKey.Active && (key.Match > bestKey.Match || (key.Match == bestKey.Match && id < best))))
            {
                (best, bestKey) = (id, key);
            }
        }

        if (best == None)
        {
            BecomeFollower(Term, None);
            return;
        }

        TransferLeadership(best);
    }

    /// <summary>Every entry in the log after recovery came from a leader: once it reaches the suspect range, whatever the
    /// damaged record held that a quorum counted is here again.</summary>
    private void EndSuspicionWhenRepaired()
    {
        if (_suspectThrough != 0 && Log.LastIndex >= _suspectThrough)
        {
            _suspectThrough = 0;
        }
    }

    public ulong Id { get; }

    public ulong Term { get; private set; }

    public ulong Vote { get; private set; }

    public RaftRole Role { get; private set; }

    public ulong Lead { get; private set; }

    public RaftLog Log { get; }

    public ProgressTracker Tracker { get; }

    public ReadOnlyTracker ReadOnly { get; }

    /// <summary>The node a leadership transfer is in progress to, or <see cref="None"/>.</summary>
    public ulong LeadTransferee { get; private set; }

    /// <summary>The index of the latest membership change in the leader's log; none may be proposed
    /// until the host has applied past it.</summary>
    public ulong PendingConfIndex { get; private set; }

    public long UncommittedSize => _uncommittedSize;

    public RaftOptions Options => _options;

    /// <summary>Messages to send now, in parallel with persisting the Ready (a leader's appends and heartbeats).</summary>
    public List<Message> Messages { get; } = [];

    /// <summary>Messages that must wait until the Ready's hard state and entries are durable (votes, acknowledgements).</summary>
    public List<Message> MessagesAfterPersist { get; } = [];

    public List<ReadState> ReadStates { get; } = [];

    /// <summary>Raises <see cref="HardState"/> changes: the fields the host must make durable.</summary>
    public HardState HardState => new(Term, Vote, Log.Committed);

    /// <summary>A voter in the applied membership: only voters campaign.</summary>
    public bool Promotable => Tracker.IsVoter(Id);

    private void LoadHardState(HardState state)
    {
        if (state.Commit < Log.Committed || state.Commit > Log.LastIndex)
        {
            RaftAssert.Fail($"hard state commit {state.Commit} is out of range [{Log.Committed}, {Log.LastIndex}]");
        }

        Log.CommitTo(state.Commit);
        Term = state.Term;
        Vote = state.Vote;
    }

    // ---- transitions -------------------------------------------------------------------------

    private void Reset(ulong term)
    {
        if (Term != term)
        {
            Term = term;
            Vote = None;
        }

        Lead = None;
        _electionElapsed = 0;
        _heartbeatElapsed = 0;
        _randomizedElectionTimeout = _options.ElectionTick + _random.Next(_options.ElectionTick);
        LeadTransferee = None;
        Tracker.ResetVotes();
        foreach (var (id, pr) in Tracker.Progress)
        {
            var learner = pr.IsLearner;
            pr.BecomeProbe();
            pr.Match = id == Id ? Log.PersistedLastIndex : 0;
            pr.Next = Log.LastIndex + 1;
            pr.RecentActive = id == Id;
            pr.IsLearner = learner;
        }

        PendingConfIndex = 0;
        _uncommittedSize = 0;

        // Reads in flight cannot be confirmed by a node that is no longer leader in this term.
        foreach (var (context, from) in ReadOnly.Pending())
        {
            if (from == Id || from == None)
            {
                RejectedReads.Add(context);
            }
        }

        ReadOnly.Reset();
        RejectPendingReads();
    }

    public void BecomeFollower(ulong term, ulong lead)
    {
        Reset(term);
        Lead = lead;
        Role = RaftRole.Follower;
    }

    private void BecomePreCandidate()
    {
        RaftAssert.That(Role != RaftRole.Leader, "invalid transition leader -> pre-candidate");

        // A pre-candidate keeps its term and vote; only the vote tally and leader change.
        Tracker.ResetVotes();
        Lead = None;
        Role = RaftRole.PreCandidate;
    }

    private void BecomeCandidate()
    {
        RaftAssert.That(Role != RaftRole.Leader, "invalid transition leader -> candidate");
        Reset(Term + 1);
        Vote = Id;
        Role = RaftRole.Candidate;
    }

    private void BecomeLeader()
    {
        RaftAssert.That(Role != RaftRole.Follower, "invalid transition follower -> leader");
        Reset(Term);
        ResetLease();
        Lead = Id;
        Role = RaftRole.Leader;
        if (Tracker.Progress.TryGetValue(Id, out var self))
        {
            // The leader's own progress is what it has persisted; it is always "replicating".
            self.BecomeReplicate();
            self.Match = Log.PersistedLastIndex;
            self.Next = Log.LastIndex + 1;
        }

        // Any membership change in the log may be unapplied: treat the whole log as pending.
        PendingConfIndex = Log.LastIndex;

        // The empty entry of the new term lets the leader commit (and learn the commit index of)
        // everything before it (§5.4.2, and thesis §6.4 for read-index).
        var appended = AppendEntry(EntryType.Normal, ReadOnlyMemory<byte>.Empty, out _);
        RaftAssert.That(appended, "a new leader must be able to append its empty entry");
    }

    // ---- ticks -------------------------------------------------------------------------------

    public void Tick()
    {
        _ticks++;
        if (Role == RaftRole.Leader)
        {
            TickHeartbeat();
        }
        else
        {
            TickElection();
        }
    }

    private void TickElection()
    {
        if (RefusesLeadership)
        {
            // It will not campaign, so its timer is not restarted either: once an election timeout has passed without
            // a leader, its vote lease is over and it votes for whoever campaigns (capped, so it never wraps).
            _electionElapsed = Math.Min(_electionElapsed + 1, int.MaxValue / 2);
            return;
        }

        _electionElapsed++;
        if (Promotable && _electionElapsed >= _randomizedElectionTimeout)
        {
            _electionElapsed = 0;
            Campaign(transfer: false);
        }
    }

    private void TickHeartbeat()
    {
        _heartbeatElapsed++;
        _electionElapsed++;
        if (_electionElapsed >= _options.ElectionTick)
        {
            _electionElapsed = 0;
            if (_options.CheckQuorum)
            {
                CheckQuorum();
            }

            if (Role == RaftRole.Leader && LeadTransferee != None)
            {
                // The transfer did not finish within an election timeout: give up on it.
                LeadTransferee = None;
            }
        }

        if (Role != RaftRole.Leader)
        {
            return;
        }

        if (_heartbeatElapsed >= _options.HeartbeatTick)
        {
            _heartbeatElapsed = 0;
            BroadcastHeartbeat();
            if (RefusesLeadership)
            {
                HandOverLeadership();
            }
        }
    }

    // ---- messages ----------------------------------------------------------------------------

    private void Send(Message m)
    {
        RaftAssert.That(m.To != None && m.To != Id, $"message to {m.To} from {Id}");
        m = m with { From = Id };
        if (m.Term == 0)
        {
            m = m with { Term = Term };
        }

        var immediate = Role == RaftRole.Leader && m.Type is MessageType.Append or MessageType.Heartbeat
            or MessageType.Snapshot or MessageType.TimeoutNow or MessageType.ReadIndexResponse;
        (immediate ? Messages : MessagesAfterPersist).Add(m);
    }

    /// <summary>Handles a message from a peer.</summary>
    public void Step(in Message m)
    {
        if (m.Term > Term)
        {
            if (m.Type is MessageType.Vote or MessageType.PreVote)
            {
                // Leader stickiness (thesis §4.2.3): while we hear from a live leader, ignore
                // campaigns from nodes that may merely be partitioned, unless it is a transfer.
                // A node that just started forgot when it last heard from a leader: it waits as if it just had.
                var inLease = _options.CheckQuorum && ((Lead != None && _electionElapsed < _options.ElectionTick) || _ticks < (ulong)_options.VoteGuardTicksAfterStart);
                if (!m.Transfer && inLease)
                {
                    return;
                }
            }

            if (m.Type == MessageType.PreVote || (m.Type == MessageType.PreVoteResponse && !m.Reject))
            {
                // A pre-vote never changes terms; a granted pre-vote response carries the term we
                // would campaign in, and we bump it only when we win the pre-election.
            }
            else if (m.Type is MessageType.Append or MessageType.Heartbeat or MessageType.Snapshot)
            {
                BecomeFollower(m.Term, m.From);
            }
            else
            {
                BecomeFollower(m.Term, None);
            }
        }
        else if (m.Term < Term)
        {
            if ((_options.CheckQuorum || _options.PreVote) && m.Type is MessageType.Append or MessageType.Heartbeat)
            {
                // A stale leader (for example one that was partitioned and whose pre-votes keep
                // failing) learns the new term from this answer and steps down.
                Send(new Message { To = m.From, Type = MessageType.AppendResponse });
            }
            else if (m.Type == MessageType.PreVote)
            {
                Send(new Message { To = m.From, Term = Term, Type = MessageType.PreVoteResponse, Reject = true });
            }

            return;
        }

        switch (m.Type)
        {
            case MessageType.Vote or MessageType.PreVote:
                HandleVoteRequest(m);
                return;
        }

        switch (Role)
        {
            case RaftRole.Leader:
                StepLeader(m);
                break;
            case RaftRole.Candidate or RaftRole.PreCandidate:
                StepCandidate(m);
                break;
            default:
                StepFollower(m);
                break;
        }
    }

    private void HandleVoteRequest(in Message m)
    {
        var responseType = m.Type == MessageType.Vote ? MessageType.VoteResponse : MessageType.PreVoteResponse;

        // We can vote for whom we already voted for, or anyone if we have not voted and know no
        // leader; a pre-vote for a later term is granted on the log check alone.
        var canVote = Vote == m.From
            || (Vote == None && Lead == None)
            || (m.Type == MessageType.PreVote && m.Term > Term);
        if (canVote && _suspectThrough == 0 && Log.IsUpToDate(m.Index, m.LogTerm))
        {
            // Answer in the candidate's term: a pre-candidate has not bumped its own term yet.
            Send(new Message { To = m.From, Term = m.Term, Type = responseType });
            if (m.Type == MessageType.Vote)
            {
                _electionElapsed = 0;
                Vote = m.From;
            }
        }
        else
        {
            Send(new Message { To = m.From, Term = Term, Type = responseType, Reject = true });
        }
    }

    // ---- appending ---------------------------------------------------------------------------

    /// <summary>Appends one entry to the leader's log; false when over the uncommitted-bytes limit.</summary>
    private bool AppendEntry(EntryType type, ReadOnlyMemory<byte> data, out Entry entry)
    {
        var index = Log.LastIndex + 1;
        entry = new Entry(Term, index, type, data);
        if (!IncreaseUncommittedSize(entry.PayloadSize))
        {
            return false;
        }

        Span<Entry> one = [entry];
        Log.Append(one);

        // The leader's own acknowledgement waits until the host has persisted the entry
        // (see OnPersisted): the leader writes in parallel with replication.
        return true;
    }

    private bool IncreaseUncommittedSize(long size)
    {
        var max = _options.MaxUncommittedEntriesSize;
        if (max > 0 && _uncommittedSize > 0 && size > 0 && _uncommittedSize + size > max)
        {
            // Always admit at least one entry, however large, so that progress is possible.
            return false;
        }

        _uncommittedSize += size;
        return true;
    }

    private void ReduceUncommittedSize(ReadOnlySpan<Entry> applied)
    {
        if (Role != RaftRole.Leader)
        {
            return;
        }

        long size = 0;
        foreach (ref readonly var e in applied)
        {
            size += e.PayloadSize;
        }

        // Entries of an earlier term may not have been counted: never go below zero.
        _uncommittedSize = size > _uncommittedSize ? 0 : _uncommittedSize - size;
    }

    /// <summary>The host persisted entries up to <paramref name="index"/> (term <paramref name="term"/>).</summary>
    public void OnPersisted(ulong index, ulong term)
    {
        Log.Unstable.StableTo(index, term);
        if (Role == RaftRole.Leader && Tracker.Progress.TryGetValue(Id, out var self))
        {
            if (self.MaybeUpdate(Log.PersistedLastIndex) && MaybeCommit())
            {
                OnCommitAdvanced();
            }
        }
    }

    /// <summary>The host applied committed entries; membership changes among them take effect now.</summary>
    public void OnApplied(ReadOnlySpan<Entry> entries)
    {
        if (entries.IsEmpty)
        {
            return;
        }

        foreach (ref readonly var e in entries)
        {
            if (e.Type == EntryType.ConfChange)
            {
                ApplyConfChange(e);
            }
        }

        Log.AppliedTo(entries[^1].Index);
        ReduceUncommittedSize(entries);
    }
}
