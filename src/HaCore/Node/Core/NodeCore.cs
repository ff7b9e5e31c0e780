using System.Buffers;
using HaCore.Raft;
using HaCore.Storage;
using HaCore.Transport;
using Microsoft.Extensions.Logging;

namespace HaCore;

/// <summary>
/// The whole logic of one node, single-threaded and steppable: request intake, proposals and the session table,
/// the read paths, subscriptions, snapshots and installs, membership and transfer, and the expiry of waiting
/// callers. Time, transport and storage device come from outside, so the deterministic simulator drives the same
/// code that production runs; <see cref="ReplicatedStateMachine{TStateMachine, TCommand, TResult}"/> drives it with
/// one thread, a timer and TCP.
/// </summary>
/// <remarks>
/// Invariants:
/// <list type="bullet">
/// <item>Only the driver's one thread calls it, never two at once, and never from inside a Raft Ready.</item>
/// <item>Votes and append acknowledgements leave only after the storage write and its fsync
/// (<see cref="Ready.MessagesAfterPersist"/>); only the leader's own appends go out before its fsync.</item>
/// <item>Committed entries are applied in log order, each once per incarnation; a caller's result is what
/// <c>Apply</c> returned, or the session table's copy of it for a retry.</item>
/// <item>Every waiting caller (proposal, read, membership change) completes by its deadline.</item>
/// </list>
/// </remarks>
internal sealed partial class NodeCore<TStateMachine, TCommand, TResult>
    where TStateMachine : IStateMachine<TCommand, TResult>
{
    private readonly HaCoreNodeOptions _options;
    private readonly TStateMachine _stateMachine;
    private readonly ICommandCodec<TCommand> _commandCodec;
    private readonly ICommandCodec<TResult> _resultCodec;
    private readonly IRaftTransport _transport;
    private readonly DurableRaftStorage _storage;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly NodeTelemetry? _telemetry;
    private readonly ulong _randomSeed;
    private readonly RuntimeState _runtime;
    private readonly ProposalTracker _proposals = new();
    private readonly ReadTracker<TStateMachine> _reads;
    private readonly SubscriptionHub<TCommand, TResult> _subscriptions;
    private readonly ConfChangeTracker _confChanges = new();
    private RawNode _raw = null!;
    private string? _leadershipRefusal; // the state machine's ILeadershipGate answer, as last told to the Raft core
    private volatile NodeStatus _status;
    private CancellationTokenSource _leadership = new();
    private DateTimeOffset _leaderLostAt;
    private ConfState _knownMembers = ConfState.Empty;
    private bool _leaderChanged;

    /// <param name="options">Validated options.</param>
    /// <param name="stateMachine">A fresh state machine.</param>
    /// <param name="commandCodec">Command codec.</param>
    /// <param name="resultCodec">Result codec.</param>
    /// <param name="transport">Where messages go (only <c>TrySend</c> and <c>SetPeers</c> are used).</param>
    /// <param name="storage">The opened log and snapshot store.</param>
    /// <param name="time">This node's clock: deadlines, proposal timestamps, snapshot age.</param>
    /// <param name="logger">The node's logger.</param>
    /// <param name="telemetry">Metrics, or null.</param>
    /// <param name="randomSeed">Seeds the election jitter and the read-context incarnation; differs per start.</param>
    public NodeCore(
        HaCoreNodeOptions options, TStateMachine stateMachine, ICommandCodec<TCommand> commandCodec, ICommandCodec<TResult> resultCodec,
        IRaftTransport transport, DurableRaftStorage storage, TimeProvider time, ILogger logger, NodeTelemetry? telemetry, ulong randomSeed)
    {
        _options = options;
        _stateMachine = stateMachine;
        _commandCodec = commandCodec;
        _resultCodec = resultCodec;
        _transport = transport;
        _storage = storage;
        _time = time;
        _logger = logger;
        _telemetry = telemetry;
        _randomSeed = randomSeed == 0 ? 1 : randomSeed;
        _runtime = new RuntimeState(options.ResultsPerSession, options.SessionTimeout) { UnsafeApplyRetriesTwice = options.UnsafeApplyRetriesTwice };
        _reads = new ReadTracker<TStateMachine>(options.NodeId, SplitMix(_randomSeed));
        DrawSnapshotStagger();
        _subscriptions = new SubscriptionHub<TCommand, TResult>(options.NodeId, options.RetainedCommands, options.SubscriberBuffer, commandCodec, resultCodec);
        _leadership.Cancel();
        _status = new NodeStatus(options.NodeId, RaftRole.Follower, 0, 0, 0, 0, ConfState.Empty, false);
    }

    public ulong NodeId => _options.NodeId;

    /// <summary>Role, term, leader, commit and applied index, and members, as of the last step. Any thread.</summary>
    public NodeStatus Status => _status;

    /// <summary>Index of the latest local snapshot (read from any thread: a metrics gauge).</summary>
    public ulong SnapshotIndex => Volatile.Read(ref _lastSnapshotIndex);

    /// <summary>The index of the last snapshot on disk (taken and saved, or installed from the leader); any thread.</summary>
    public ulong DurableSnapshotIndex => Volatile.Read(ref _durableSnapshotIndex);

    /// <summary>Cancelled when this node stops leading. Any thread.</summary>
    public CancellationToken LeadershipToken => Volatile.Read(ref _leadership).Token;

    /// <summary>The state machine (driver thread only).</summary>
    public TStateMachine StateMachine => _stateMachine;

    /// <summary>Waiting callers, for diagnostics and tests.</summary>
    public (int Proposals, int Reads, int ConfChanges, int Subscribers) Waiting => (_proposals.Count, _reads.Count, _confChanges.Count, _subscriptions.Count);

    /// <summary>The request ids proposed here and not yet applied, for diagnostics.</summary>
    public IReadOnlyList<ClientRequestId> PendingRequests => _proposals.InLogRequests.ToList();

    private TimeSpan ElectionTimeout => _options.TickInterval * _options.ElectionTicks;

    private bool LeaderLostTooLong => _raw.Leader == 0 && _time.GetUtcNow() - _leaderLostAt >= ElectionTimeout;

    /// <summary>Bootstraps a fresh data directory, restores the latest snapshot and creates the Raft core.</summary>
    public void Open()
    {
        var fresh = _storage.LastIndex == 0 && _storage.HardState.IsEmpty && _storage.LatestSnapshot is null;
        if (fresh && _options.InitialVoters.Contains(_options.NodeId))
        {
            var voters = _options.InitialVoters.ToArray();
            _storage.Append(RaftBootstrap.CreateEntries(voters), RaftBootstrap.CreateHardState(voters.Length));
            NodeLog.Bootstrapped(_logger, NodeId, string.Join(",", voters));
        }

        if (_storage.TryGetSnapshot(out var snapshot) == LogReadStatus.Ok && !snapshot.IsEmpty)
        {
            RestoreSnapshot(snapshot);
        }

        _raw = new RawNode(
            new RaftOptions
            {
                Id = _options.NodeId,
                ElectionTick = _options.ElectionTicks,
                HeartbeatTick = _options.HeartbeatTicks,
                PreVote = _options.PreVote,
                CheckQuorum = _options.CheckQuorum,
                MaxUncommittedEntriesSize = _options.MaxUncommittedBytes,
                MaxSizePerMessage = _options.MaxAppendBytes,
                MaxCommittedSizePerReady = _options.MaxApplyBytes,
                MaxInflightBytes = Math.Max(32L << 20, _options.MaxAppendBytes),
                RandomSeed = _randomSeed,
                UnsafeCommitOlderTerms = _options.UnsafeCommitOlderTerms,
                UnsafeLeaseMultiplier = _options.UnsafeLeaseMultiplier,
                UnsafeReadIndexWithoutQuorum = _options.UnsafeReadIndexWithoutQuorum,
                LeaseDriftTicks = _options.LeaseDriftTicks,
                VoteGuardTicksAfterStart = _options.CheckQuorum ? _options.ElectionTicks : 0,
            },
            _storage);
        _leaderLostAt = _time.GetUtcNow();
        _lastSnapshotAt = _time.GetUtcNow();
        UpdatePeers();
        PublishStatus();
        // The membership in force comes from the snapshot and the membership changes in the log, applied next.
        var members = _raw.ConfState.Voters.Length == 0 && _raw.LastIndex > 0 ? "(in the log, applied next)" : _raw.ConfState.ToString();
        NodeLog.Started(_logger, NodeId, _raw.CommitIndex, _lastSnapshotIndex, _raw.LastIndex, members);
        if (_raw.SuspectThroughIndex != 0)
        {
            NodeLog.SuspectRange(_logger, NodeId, _raw.SuspectThroughIndex);
        }

        CheckLeadershipGate();
    }

    /// <summary>Asks the state machine (when it is an <see cref="ILeadershipGate"/>) whether this node may lead in the
    /// applied state, and tells the Raft core when the answer changes.</summary>
    private void CheckLeadershipGate()
    {
        if (_stateMachine is not ILeadershipGate gate)
        {
            return;
        }

        var refusal = gate.LeadershipRefusal;
        if (refusal == _leadershipRefusal)
        {
            return;
        }

        var was = _leadershipRefusal;
        _leadershipRefusal = refusal;
        if (refusal is not null)
        {
            NodeLog.RefusesLeadership(_logger, NodeId, refusal);
        }
        else
        {
            NodeLog.MayLeadAgain(_logger, NodeId, was!);
        }

        if ((refusal is not null) != _raw.RefusesLeadership)
        {
            _raw.RefuseLeadership(refusal is not null);
        }

        PublishStatus();
    }

    private ulong _clockTerm;
    private int _ticksSinceClock;

    /// <summary>The last index of the Raft log (for the simulator's scripts).</summary>
    internal ulong LastIndex => _raw.LastIndex;

    /// <summary>The Raft commit index (for the simulator's log checks).</summary>
    internal ulong CommitIndex => _raw.CommitIndex;

    /// <summary>The term of the entry at <paramref name="index"/> in this node's log, or 0 when compacted away or absent.</summary>
    internal ulong LogTermAt(ulong index) => _raw.Core.Log.TermOrZero(index);

    /// <summary>One tick of the logical clock (heartbeats and election timeouts).</summary>
    public void Tick()
    {
        _raw.Tick();
        MaybeProposeClock();
    }

    /// <summary>
    /// A leader proposes its clock once per election timeout, and at its first tick in a new term: the time that
    /// drives session expiry (see <see cref="RuntimeState"/>). Dropped proposals are simply retried next time.
    /// </summary>
    private void MaybeProposeClock()
    {
        if (_raw.Role != RaftRole.Leader || _raw.LeadTransferee != 0)
        {
            return;
        }

        if (_clockTerm == _raw.Term && ++_ticksSinceClock < _options.ElectionTicks)
        {
            return;
        }

        var data = EntryEnvelope.Encode(EnvelopeKind.Clock, default, _time.GetUtcNow().ToUnixTimeMilliseconds(), []);
        if (_raw.Propose(data).Status == ProposeStatus.Accepted)
        {
            _clockTerm = _raw.Term;
            _ticksSinceClock = 0;
        }
    }

    /// <summary>A message from a peer.</summary>
    public void Step(in Message message) => _raw.Step(message);

    /// <summary>The transport's outcome of a snapshot send.</summary>
    public void ReportSnapshot(ulong peer, bool delivered) => _raw.ReportSnapshot(peer, delivered);

    /// <summary>The transport could not reach <paramref name="peer"/>.</summary>
    public void ReportUnreachable(ulong peer) => _raw.ReportUnreachable(peer);

    /// <summary>Asks the leader to hand over to <paramref name="target"/>.</summary>
    public void TransferLeadership(ulong target) => _raw.TransferLeadership(target);

    /// <summary>
    /// Encodes a proposal: the envelope (request id, this node's timestamp) and the command. Safe on any thread:
    /// it touches no node state.
    /// </summary>
    public PendingProposal CreateProposal(ClientRequestId request, TCommand command)
    {
        // One encoding buffer per thread, reused (a proposal used to allocate a writer and its first 256-byte buffer);
        // a buffer that grew past 64 KiB for a large command is dropped rather than kept for the thread's lifetime.
        var payload = t_payload ??= new ArrayBufferWriter<byte>(512);
        payload.ResetWrittenCount();
        _commandCodec.Encode(command, payload);
        var proposal = CreateProposal(request, EnvelopeKind.Command, payload.WrittenSpan);
        if (payload.Capacity > 64 * 1024)
        {
            t_payload = null;
        }

        return proposal;
    }

    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_payload;

    /// <summary>Encodes a proposal of <paramref name="kind"/> with a raw payload. Safe on any thread.</summary>
    public PendingProposal CreateProposal(ClientRequestId request, EnvelopeKind kind, ReadOnlySpan<byte> payload)
    {
        if (request.Sequence == 0)
        {
            throw new ArgumentException("Request sequence numbers start at 1.", nameof(request));
        }

        var now = _time.GetUtcNow();
        var data = EntryEnvelope.Encode(kind, request, now.ToUnixTimeMilliseconds(), payload);
        return new PendingProposal(request, data, new TaskCompletionSource<byte[]>(TaskCreationOptions.RunContinuationsAsynchronously), now, now + _options.ProposalTimeout);
    }

    /// <summary>Decodes result bytes that a proposal completed with.</summary>
    public TResult DecodeResult(byte[] bytes) => _resultCodec.Decode(bytes);

    /// <summary>Proposes, or parks the proposal until a leader is known.</summary>
    public void Propose(PendingProposal proposal)
    {
        var result = _raw.Propose(proposal.Data);
        switch (result.Status)
        {
            case ProposeStatus.Accepted or ProposeStatus.Forwarded:
                _proposals.AddInLog(proposal);
                break;
            case ProposeStatus.NotLeader or ProposeStatus.LeadershipTransferInProgress:
                _proposals.Park(proposal);
                break;
            case ProposeStatus.UncommittedLimitExceeded:
                proposal.Done.TrySetException(new ProposalRejectedException(
                    $"Too many uncommitted bytes on leader {NodeId} (limit {_options.MaxUncommittedBytes}); retry later."));
                break;
            default:
                proposal.Done.TrySetException(new ProposalRejectedException($"Raft refused the proposal: {result.Status}."));
                break;
        }
    }

    /// <summary>Starts a read: stale ones run now, the others are confirmed by the leader first.</summary>
    public void Read(PendingRead<TStateMachine> read)
    {
        if (read.Consistency == ReadConsistency.Stale)
        {
            RunRead(read);
            return;
        }

        if (_raw.Leader == 0)
        {
            _reads.Park(read);
            return;
        }

        var context = _reads.Ask(read);
        _raw.ReadIndex(context, read.Consistency == ReadConsistency.Lease ? ReadOnlyOption.LeaseBased : ReadOnlyOption.Safe);
    }

    /// <summary>Adds a subscriber from <paramref name="fromIndex"/>.</summary>
    public void Subscribe(ulong fromIndex, System.Threading.Channels.ChannelWriter<AppliedCommand<TCommand, TResult>> writer) =>
        _subscriptions.Add(fromIndex, writer);

    /// <summary>Removes a subscriber.</summary>
    public void Unsubscribe(System.Threading.Channels.ChannelWriter<AppliedCommand<TCommand, TResult>> writer) => _subscriptions.Remove(writer);

    /// <summary>Proposes a membership change; <paramref name="done"/> completes once it is in force, or fails.</summary>
    public void ChangeMembership(ConfChange change, TaskCompletionSource done)
    {
        if (change.Type == ConfChangeType.AddVoter && _raw.Role == RaftRole.Leader && LearnerLag(change.NodeId) is { } lag && lag > (ulong)_options.MaxPromotionLag)
        {
            done.TrySetException(new ProposalRejectedException(
                $"Node {change.NodeId} is {lag} entries behind the leader (at most {_options.MaxPromotionLag} allowed); promote it once it has caught up."));
            return;
        }

        var result = _raw.ProposeConfChange(change);
        switch (result.Status)
        {
            case ProposeStatus.Accepted:
                _confChanges.Proposed(result.Index, result.Term, done, _time.GetUtcNow() + _options.ProposalTimeout);
                break;
            case ProposeStatus.NotLeader or ProposeStatus.Forwarded:
                done.TrySetException(new NotLeaderException(result.LeaderHint, $"Membership changes go to the leader (node {result.LeaderHint}), not node {NodeId}."));
                break;
            default:
                done.TrySetException(new ProposalRejectedException($"Membership change {change} refused: {result.Status}."));
                break;
        }
    }

    private ulong? LearnerLag(ulong nodeId)
    {
        var status = _raw.GetStatus();
        return status.Progress is { } progress && progress.TryGetValue(nodeId, out var p) ? status.LastIndex - Math.Min(status.LastIndex, p.Match) : null;
    }

    /// <summary>
    /// Does all the work the last inputs made due: every Raft Ready (persist, send, apply, complete), proposals and
    /// reads that waited for a leader, confirmed reads whose index is applied, expiry, and the published status.
    /// </summary>
    /// <returns>True when committed entries are still waiting to be applied: the driver calls again after stepping
    /// the messages and ticks that arrived meanwhile, instead of waiting for new input.</returns>
    public bool Process()
    {
        // At most one batch of committed entries (MaxApplyBytes) per call, so that a burst of large entries
        // never keeps heartbeats and votes waiting behind it.
        var applied = false;
        while (_raw.HasReady && !applied)
        {
            applied = HandleReady();
            if (_leaderChanged)
            {
                _leaderChanged = false;
                ReproposeAfterLeaderChange();
            }
        }

        if (_raw.Leader != 0 && _raw.LeadTransferee == 0 && (_proposals.ParkedCount > 0 || _reads.ParkedCount > 0))
        {
            RetryParked();
        }

        _reads.ServeApplied(_raw.AppliedIndex, RunRead);
        var now = _time.GetUtcNow();
        var lostTooLong = LeaderLostTooLong;
        _proposals.Expire(now, lostTooLong, ElectionTimeout, _options.ProposalTimeout, NodeId);
        _reads.Expire(now, lostTooLong, _options.ProposalTimeout, NodeId);
        _confChanges.Expire(now, _options.ProposalTimeout);
        PublishStatus();
        return _raw.HasReady;
    }

    /// <summary>The node stops: every waiting caller fails with <paramref name="error"/>.</summary>
    public void FailEverything(Exception error)
    {
        _proposals.FailAll(error);
        _reads.FailAll(error);
        _confChanges.FailAll(error);
        _subscriptions.FailAll(error);
        _leadership.Cancel();
    }

    /// <summary>Marks the status faulted (the driver stopped on an error).</summary>
    public void MarkFaulted() => _status = _status with { Faulted = true };

    private void RunRead(PendingRead<TStateMachine> read)
    {
        try
        {
            read.Run(_stateMachine, _raw.AppliedIndex);
        }
        catch (Exception ex)
        {
            // A query's exception goes to its caller, never into the node loop.
            read.Fail(ex);
        }
    }

    /// <summary>
    /// A new leader is known: propose again what is still pending here (it may have died with the old leader), in
    /// request order, and what waited for a leader. The session table answers a duplicate with the first result.
    /// </summary>
    private void ReproposeAfterLeaderChange()
    {
        foreach (var data in _proposals.EntriesInLog())
        {
            _raw.Propose(data);
        }

        RetryParked();
    }

    private void RetryParked()
    {
        foreach (var p in _proposals.TakeParked())
        {
            Propose(p);
        }

        foreach (var r in _reads.TakeParked())
        {
            Read(r);
        }
    }

    private void PublishStatus()
    {
        if (_raw is null)
        {
            return;
        }

        _status = new NodeStatus(NodeId, _raw.Role, _raw.Term, _raw.Leader, _raw.CommitIndex, _raw.AppliedIndex, _raw.ConfState, _status.Faulted)
        {
            LeadershipRefusal = _leadershipRefusal,
        };
    }

    private static ulong SplitMix(ulong x)
    {
        x += 0x9E3779B97F4A7C15UL;
        x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9UL;
        x = (x ^ (x >> 27)) * 0x94D049BB133111EBUL;
        return x ^ (x >> 31);
    }
}
