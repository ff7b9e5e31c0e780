using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using System.Threading.Channels;
using HaCore.Raft;
using HaCore.Transport;

namespace HaCore;

/// <summary>The node loop: the only thread that touches the Raft core, the storage and the state machine.</summary>
public sealed partial class ReplicatedStateMachine<TStateMachine, TCommand, TResult>
{
    private readonly Dictionary<ClientRequestId, List<PendingProposal>> _proposals = [];
    private readonly List<PendingProposal> _waitingForLeader = [];
    private readonly Dictionary<ulong, PendingRead> _reads = [];
    private readonly List<(ulong Index, PendingRead Read)> _confirmedReads = [];
    private readonly Dictionary<ulong, (ulong Term, TaskCompletionSource Done, DateTimeOffset Deadline)> _confChanges = [];
    private readonly Queue<AppliedCommand<TCommand, TResult>> _retained = new();
    private readonly List<Channel<AppliedCommand<TCommand, TResult>>> _subscribers = [];
    private ulong _nextReadContext;
    private ulong _lastSnapshotIndex;
    private ulong _retainedFrom = 1;
    private DateTimeOffset _leaderLostAt;
    private ConfState _knownMembers = ConfState.Empty;
    private bool _leaderChanged;
    private long _bytesSinceSnapshot;
    private DateTimeOffset _lastSnapshotAt;
    private readonly List<(TaskCompletionSource Done, bool Applied)> _appliedConfChanges = [];

    private void Open()
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
                RandomSeed = _options.RandomSeed != 0 ? _options.RandomSeed : (ulong)Stopwatch.GetTimestamp() ^ _options.NodeId,
            },
            _storage);
        _leaderLostAt = _time.GetUtcNow();
        if (_lastSnapshotAt == default)
        {
            _lastSnapshotAt = _time.GetUtcNow();
        }

        UpdatePeers();
        PublishStatus();
        NodeLog.Started(_logger, NodeId, _raw.CommitIndex, _lastSnapshotIndex, _raw.LastIndex, _raw.ConfState.ToString());
    }

    private void Run()
    {
        _thread = new Thread(Loop) { IsBackground = true, Name = $"hacore-node-{NodeId}" };
        _thread.Start();
        _ticker = _time.CreateTimer(
            _ =>
            {
                Interlocked.Increment(ref _pendingTicks);
                Signal();
            },
            null,
            _options.TickInterval,
            _options.TickInterval);
    }

    private void Loop()
    {
        try
        {
            while (!_stopping.IsCancellationRequested)
            {
                _signal.Wait(_options.TickInterval);
                Volatile.Write(ref _signaled, 0);
                for (var ticks = Interlocked.Exchange(ref _pendingTicks, 0); ticks > 0; ticks--)
                {
                    _raw.Tick();
                }

                for (var n = 0; n < 4096 && _inbound.Reader.TryRead(out var message); n++)
                {
                    _raw.Step(message);
                }

                for (var n = 0; n < 4096 && _requests.Reader.TryRead(out var request); n++)
                {
                    request();
                }

                while (_raw.HasReady)
                {
                    HandleReady();
                    if (_leaderChanged)
                    {
                        _leaderChanged = false;
                        ReproposeAfterLeaderChange();
                    }
                }

                ServeConfirmedReads();
                ExpireRequests();
                PublishStatus();
            }
        }
        catch (Exception ex)
        {
            // A broken invariant or a failed disk: this node stops, the cluster carries on.
            _fault = ex;
            NodeLog.Faulted(_logger, NodeId, ex);
            FailEverything(new HaCoreException($"Node {NodeId} stopped on an error: {ex.Message}", ex));
            PublishStatus();
        }
    }

    private void HandleReady()
    {
        var ready = _raw.GetReady();
        if (ready.SoftState is { } soft)
        {
            OnSoftState(soft);
        }

        // The leader's appends go out now, in parallel with its own fsync.
        foreach (ref readonly var m in ready.Messages)
        {
            _transport.TrySend(m);
        }

        if (ready.Snapshot is { } snapshot)
        {
            _storage.InstallSnapshot(snapshot);
            RestoreSnapshot(snapshot);
            NodeLog.SnapshotInstalled(_logger, NodeId, snapshot.Metadata.Index, snapshot.Data.Length);
        }

        if (!ready.Entries.IsEmpty || ready.HardState is not null)
        {
            var started = Stopwatch.GetTimestamp();
            _storage.Append(ready.Entries.Span, ready.HardState);
            _telemetry.FsyncLatency.Record(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }

        // Votes and acknowledgements only once durable.
        foreach (ref readonly var m in ready.MessagesAfterPersist)
        {
            _transport.TrySend(m);
        }

        var membershipChanged = false;
        foreach (ref readonly var entry in ready.CommittedEntries.Span)
        {
            membershipChanged |= Apply(entry);
            _bytesSinceSnapshot += entry.Data.Length;
        }

        foreach (var rs in ready.ReadStates)
        {
            if (_reads.Remove(rs.Context, out var read))
            {
                _confirmedReads.Add((rs.Index, read));
            }
        }

        foreach (var context in ready.RejectedReads)
        {
            if (_reads.Remove(context, out var read))
            {
                read.Fail(new NoQuorumException($"Node {NodeId} could not confirm the read: no leader is reachable."));
            }
        }

        _raw.Advance();
        if (membershipChanged || !_knownMembers.Equals(_raw.ConfState))
        {
            _knownMembers = _raw.ConfState;
            NodeLog.MembershipChanged(_logger, NodeId, _knownMembers.ToString());
            UpdatePeers();
        }

        if (_appliedConfChanges.Count > 0)
        {
            PublishStatus();
            foreach (var (done, applied) in _appliedConfChanges)
            {
                if (applied)
                {
                    done.TrySetResult();
                }
                else
                {
                    done.TrySetException(new NotLeaderException(_raw.Leader, "Leadership changed before the membership change committed; it was not applied."));
                }
            }

            _appliedConfChanges.Clear();
        }

        MaybeSnapshot();
    }

    private void OnSoftState(SoftState soft)
    {
        var previous = _status;
        if (soft.Leader != previous.Leader)
        {
            _telemetry.LeaderChanges.Add(1);
        }

        NodeLog.RoleChanged(_logger, NodeId, soft.Role, _raw.Term, soft.Leader);
        if (soft.Role == RaftRole.Leader && previous.Role != RaftRole.Leader)
        {
            Volatile.Write(ref _leadership, new CancellationTokenSource());
        }
        else if (soft.Role != RaftRole.Leader && previous.Role == RaftRole.Leader)
        {
            _leadership.Cancel();
        }

        if (soft.Leader == 0)
        {
            _leaderLostAt = _time.GetUtcNow();
        }
        else if (soft.Leader != previous.Leader)
        {
            // Re-propose once the Ready is advanced (the core takes no requests in between).
            _leaderChanged = true;
        }

        _status = previous with { Role = soft.Role, Leader = soft.Leader };
    }

    /// <summary>Applies one committed entry; true when it changed the address book.</summary>
    private bool Apply(in Entry entry)
    {
        if (_confChanges.Remove(entry.Index, out var change))
        {
            // Completed after Advance, once the core has switched to the new membership.
            _appliedConfChanges.Add((change.Done, entry.Term == change.Term));
        }

        if (entry.Type != EntryType.Normal || entry.Data.IsEmpty)
        {
            return false; // membership changes take effect in the core; empty entries are the leaders' no-ops
        }

        var envelope = EntryEnvelope.Decode(entry.Data);
        var timestamp = _runtime.Stamp(envelope.TimestampUnixMs);
        if (envelope.Kind == EnvelopeKind.Address)
        {
            var id = BinaryPrimitives.ReadUInt64LittleEndian(envelope.Payload.Span);
            _runtime.Addresses[id] = System.Text.Encoding.UTF8.GetString(envelope.Payload.Span[8..]);
            _runtime.Record(envelope.Request, [], timestamp);
            CompleteProposals(envelope.Request, []);
            return true;
        }

        byte[]? resultBytes;
        try
        {
            resultBytes = _runtime.Duplicate(envelope.Request);
        }
        catch (ProposalRejectedException ex)
        {
            FailProposals(envelope.Request, ex);
            return false;
        }

        if (resultBytes is null)
        {
            // New request: apply it. The result is kept for retries and published to subscribers.
            var context = new CommandContext(entry.Index, entry.Term, timestamp);
            var command = _commandCodec.Decode(envelope.Payload.Span);
            var result = _stateMachine.Apply(context, command);
            var writer = new ArrayBufferWriter<byte>();
            _resultCodec.Encode(result, writer);
            resultBytes = writer.WrittenSpan.ToArray();
            _runtime.Record(envelope.Request, resultBytes, timestamp);
            Publish(new AppliedCommand<TCommand, TResult>(entry.Index, context, envelope.Request, command, result));
        }

        CompleteProposals(envelope.Request, resultBytes);
        return false;
    }

    private void CompleteProposals(ClientRequestId request, byte[] result)
    {
        if (_proposals.Remove(request, out var waiting))
        {
            var now = _time.GetUtcNow();
            foreach (var p in waiting)
            {
                _telemetry.CommitLatency.Record((now - p.ProposedAt).TotalMilliseconds);
                p.Done.TrySetResult(result);
            }
        }
    }

    private void FailProposals(ClientRequestId request, Exception error)
    {
        if (_proposals.Remove(request, out var waiting))
        {
            foreach (var p in waiting)
            {
                p.Done.TrySetException(error);
            }
        }
    }

    private void StartProposal(PendingProposal proposal)
    {
        var result = _raw.Propose(proposal.Data);
        switch (result.Status)
        {
            case ProposeStatus.Accepted or ProposeStatus.Forwarded:
                if (!_proposals.TryGetValue(proposal.Request, out var list))
                {
                    list = [];
                    _proposals[proposal.Request] = list;
                }

                list.Add(proposal);
                break;
            case ProposeStatus.NotLeader or ProposeStatus.LeadershipTransferInProgress:
                // Wait (up to an election timeout) for a leader to appear.
                _waitingForLeader.Add(proposal);
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

    /// <summary>
    /// A new leader is known: propose again what waited for one, and what is still pending here (it may
    /// have died with the old leader). Applying a request twice is impossible: the session table
    /// answers a duplicate with the first result.
    /// </summary>
    private void ReproposeAfterLeaderChange()
    {
        var waiting = _waitingForLeader.ToArray();
        _waitingForLeader.Clear();
        foreach (var p in waiting)
        {
            StartProposal(p);
        }

        foreach (var list in _proposals.Values)
        {
            if (list.Count > 0)
            {
                _raw.Propose(list[0].Data);
            }
        }
    }

    private void StartRead(PendingRead read, ReadConsistency consistency)
    {
        if (consistency == ReadConsistency.Stale)
        {
            RunRead(read);
            return;
        }

        var context = ++_nextReadContext;
        _reads[context] = read;
        _raw.ReadIndex(context, consistency == ReadConsistency.Lease ? ReadOnlyOption.LeaseBased : ReadOnlyOption.Safe);
    }

    private void ServeConfirmedReads()
    {
        if (_confirmedReads.Count == 0)
        {
            return;
        }

        var applied = _raw.AppliedIndex;
        for (var i = _confirmedReads.Count - 1; i >= 0; i--)
        {
            var (index, read) = _confirmedReads[i];
            if (index <= applied)
            {
                _confirmedReads.RemoveAt(i);
                RunRead(read);
            }
        }
    }

    /// <summary>Runs a query; its exception goes to its caller, never into the node loop.</summary>
    private void RunRead(PendingRead read)
    {
        try
        {
            read.Run(_stateMachine, _raw.AppliedIndex);
        }
        catch (Exception ex)
        {
            read.Fail(ex);
        }
    }

    private void StartConfChange(ConfChange change, TaskCompletionSource done)
    {
        var result = _raw.ProposeConfChange(change);
        switch (result.Status)
        {
            case ProposeStatus.Accepted:
                _confChanges[result.Index] = (result.Term, done, _time.GetUtcNow() + _options.ProposalTimeout);
                break;
            case ProposeStatus.NotLeader or ProposeStatus.Forwarded:
                done.TrySetException(new NotLeaderException(result.LeaderHint, $"Membership changes go to the leader (node {result.LeaderHint}), not node {NodeId}."));
                break;
            default:
                done.TrySetException(new ProposalRejectedException($"Membership change {change} refused: {result.Status}."));
                break;
        }
    }

    private void AddSubscriber(ulong fromIndex, Channel<AppliedCommand<TCommand, TResult>> channel)
    {
        var from = Math.Max(fromIndex, 1);
        if (from < _retainedFrom)
        {
            channel.Writer.TryComplete(new EventPositionUnavailableException(
                $"Node {NodeId} retains applied commands from index {_retainedFrom}; {from} was compacted into a snapshot. Read the state, then subscribe from its applied index + 1."));
            return;
        }

        foreach (var item in _retained)
        {
            if (item.Index >= from && !channel.Writer.TryWrite(item))
            {
                channel.Writer.TryComplete(new EventPositionUnavailableException("The subscriber's buffer is too small for the backlog; raise SubscriberBuffer."));
                return;
            }
        }

        _subscribers.Add(channel);
    }

    private void Publish(AppliedCommand<TCommand, TResult> item)
    {
        _retained.Enqueue(item);
        if (_retained.Count > _options.RetainedCommands)
        {
            _retainedFrom = _retained.Dequeue().Index + 1;
        }

        for (var i = _subscribers.Count - 1; i >= 0; i--)
        {
            if (!_subscribers[i].Writer.TryWrite(item))
            {
                _subscribers[i].Writer.TryComplete(new EventPositionUnavailableException(
                    $"The subscriber fell more than {_options.SubscriberBuffer} commands behind at index {item.Index}; resume from its last index + 1."));
                _subscribers.RemoveAt(i);
            }
        }
    }

    private void MaybeSnapshot()
    {
        var applied = _raw.AppliedIndex;
        if (applied <= _lastSnapshotIndex)
        {
            return;
        }

        var due = applied >= _lastSnapshotIndex + (ulong)_options.SnapshotEveryEntries
            || (_options.SnapshotEveryBytes > 0 && _bytesSinceSnapshot >= _options.SnapshotEveryBytes)
            || (_options.SnapshotMaxAge > TimeSpan.Zero && _time.GetUtcNow() - _lastSnapshotAt >= _options.SnapshotMaxAge);
        if (!due || _storage.TryGetTerm(applied, out var term) != LogReadStatus.Ok)
        {
            return;
        }

        var writer = new ArrayBufferWriter<byte>();
        _runtime.Write(writer);
        _stateMachine.WriteSnapshot(writer);
        _storage.SaveSnapshot(new Snapshot(new SnapshotMetadata(applied, term, _raw.ConfState), writer.WrittenMemory));
        _lastSnapshotIndex = applied;
        _lastSnapshotAt = _time.GetUtcNow();
        _bytesSinceSnapshot = 0;
        var compactTo = applied > (ulong)_options.CompactionMargin ? applied - (ulong)_options.CompactionMargin : 0;
        if (compactTo >= _storage.FirstIndex)
        {
            _storage.Compact(compactTo);
        }

        NodeLog.SnapshotTaken(_logger, NodeId, applied, writer.WrittenCount, compactTo);
    }

    private void RestoreSnapshot(Snapshot snapshot)
    {
        var data = snapshot.Data;
        var consumed = _runtime.Read(data.Span);
        _stateMachine.RestoreSnapshot(new ReadOnlySequence<byte>(data[consumed..]));
        _lastSnapshotIndex = snapshot.Metadata.Index;
        _lastSnapshotAt = _time.GetUtcNow();
        _bytesSinceSnapshot = 0;

        // Commands before the snapshot can no longer be replayed to subscribers from this node.
        _retained.Clear();
        _retainedFrom = snapshot.Metadata.Index + 1;
        UpdatePeersFrom(snapshot.Metadata.ConfState);
    }

    private void UpdatePeers() => UpdatePeersFrom(_raw?.ConfState ?? ConfState.Empty);

    private void UpdatePeersFrom(ConfState members)
    {
        var peers = new List<PeerAddress>();
        foreach (var (id, endPoint) in _options.Peers)
        {
            if (id != NodeId && (members.Voters.Length == 0 || members.Contains(id)))
            {
                peers.Add(new PeerAddress(id, endPoint));
            }
        }

        foreach (var (id, address) in _runtime.Addresses)
        {
            if (id != NodeId && !_options.Peers.ContainsKey(id) && members.Contains(id) && _options.AddressResolver(address) is { } endPoint)
            {
                peers.Add(new PeerAddress(id, endPoint));
            }
        }

        _transport.SetPeers(peers);
    }

    private void ExpireRequests()
    {
        var now = _time.GetUtcNow();
        if (_raw.Leader == 0 && _waitingForLeader.Count > 0 && now - _leaderLostAt >= ElectionTimeout)
        {
            foreach (var p in _waitingForLeader)
            {
                p.Done.TrySetException(new NoQuorumException(
                    $"Node {NodeId} knows no leader after an election timeout ({ElectionTimeout}): no quorum is reachable. Retry with the same request id."));
            }

            _waitingForLeader.Clear();
        }

        if (_proposals.Count > 0 && _raw.Leader == 0 && now - _leaderLostAt >= ElectionTimeout)
        {
            // The leader that took these is gone and no new one emerged: their outcome is unknown.
            foreach (var list in _proposals.Values)
            {
                foreach (var p in list)
                {
                    p.Done.TrySetException(new NoQuorumException(
                        $"No leader for {ElectionTimeout}; the outcome of request {p.Request.Sequence} is unknown. Retry with the same request id."));
                }
            }

            _proposals.Clear();
        }

        ExpireWhere(_proposals, now);
        foreach (var (context, read) in _reads.Where(r => r.Value.Deadline <= now).ToList())
        {
            _reads.Remove(context);
            read.Fail(new TimeoutException($"The read was not confirmed within {_options.ProposalTimeout}."));
        }

        foreach (var (index, change) in _confChanges.Where(c => c.Value.Deadline <= now).ToList())
        {
            _confChanges.Remove(index);
            change.Done.TrySetException(new TimeoutException($"The membership change at {index} did not commit within {_options.ProposalTimeout}."));
        }
    }

    private void ExpireWhere(Dictionary<ClientRequestId, List<PendingProposal>> proposals, DateTimeOffset now)
    {
        if (proposals.Count == 0)
        {
            return;
        }

        foreach (var (request, list) in proposals.ToList())
        {
            list.RemoveAll(p =>
            {
                if (p.Deadline > now && !p.Done.Task.IsCompleted)
                {
                    return false;
                }

                p.Done.TrySetException(new TimeoutException(
                    $"No outcome for request {p.Request.Sequence} within {_options.ProposalTimeout}; it may still be applied. Retry with the same request id."));
                return true;
            });
            if (list.Count == 0)
            {
                proposals.Remove(request);
            }
        }
    }

    private void FailEverything(Exception error)
    {
        foreach (var list in _proposals.Values)
        {
            foreach (var p in list)
            {
                p.Done.TrySetException(error);
            }
        }

        _proposals.Clear();
        foreach (var p in _waitingForLeader)
        {
            p.Done.TrySetException(error);
        }

        _waitingForLeader.Clear();
        foreach (var read in _reads.Values.Concat(_confirmedReads.Select(r => r.Read)))
        {
            read.Fail(error);
        }

        _reads.Clear();
        _confirmedReads.Clear();
        foreach (var change in _confChanges.Values)
        {
            change.Done.TrySetException(error);
        }

        _confChanges.Clear();
        foreach (var subscriber in _subscribers)
        {
            subscriber.Writer.TryComplete(error);
        }

        _subscribers.Clear();
        while (_requests.Reader.TryRead(out _))
        {
        }
    }

    private void PublishStatus()
    {
        if (_raw is null)
        {
            return;
        }

        _status = new NodeStatus(NodeId, _raw.Role, _raw.Term, _raw.Leader, _raw.CommitIndex, _raw.AppliedIndex, _raw.ConfState, _fault is not null);
    }

    private sealed record PendingProposal(
        ClientRequestId Request, byte[] Data, TaskCompletionSource<byte[]> Done, DateTimeOffset ProposedAt, DateTimeOffset Deadline);

    private sealed record PendingRead(Action<TStateMachine, ulong> Run, Action<Exception> Fail, DateTimeOffset Deadline);
}
