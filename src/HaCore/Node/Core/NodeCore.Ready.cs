using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics;
using HaCore.Raft;
using HaCore.Transport;

namespace HaCore;

/// <summary>
/// Handling one Raft Ready: send, persist, send what needed the fsync, apply, answer reads, advance; and the
/// snapshots taken and installed along the way.
/// </summary>
internal sealed partial class NodeCore<TStateMachine, TCommand, TResult>
{
    private ulong _lastSnapshotIndex;
    private long _bytesSinceSnapshot;
    private DateTimeOffset _lastSnapshotAt;

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
            _telemetry?.FsyncLatency.Record(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
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
            _reads.Confirm(rs.Context, rs.Index);
        }

        foreach (var context in ready.RejectedReads)
        {
            // No leader could confirm it: wait for one (up to an election timeout), like a proposal.
            if (_reads.Refused(context) is { } read)
            {
                _reads.Park(read);
            }
        }

        _raw.Advance();
        if (membershipChanged || !_knownMembers.Equals(_raw.ConfState))
        {
            _knownMembers = _raw.ConfState;
            NodeLog.MembershipChanged(_logger, NodeId, _knownMembers.ToString());
            UpdatePeers();
        }

        if (_confChanges.HasApplied)
        {
            PublishStatus();
            _confChanges.CompleteApplied(_raw.Leader);
        }

        MaybeSnapshot();
    }

    private void OnSoftState(SoftState soft)
    {
        var previous = _status;
        if (soft.Leader != previous.Leader)
        {
            _telemetry?.LeaderChanges.Add(1);
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
        _confChanges.Applied(entry.Index, entry.Term);
        if (entry.Type != EntryType.Normal || entry.Data.IsEmpty)
        {
            return false; // membership changes take effect in the core; empty entries are the leaders' no-ops
        }

        var envelope = EntryEnvelope.Decode(entry.Data);
        if (envelope.Kind == EnvelopeKind.Clock)
        {
            _runtime.AdvanceLeaderClock(envelope.TimestampUnixMs);
            return false;
        }

        var timestamp = _runtime.Stamp(envelope.TimestampUnixMs);
        if (envelope.Kind == EnvelopeKind.Address)
        {
            var id = BinaryPrimitives.ReadUInt64LittleEndian(envelope.Payload.Span);
            _runtime.Addresses[id] = System.Text.Encoding.UTF8.GetString(envelope.Payload.Span[8..]);
            _runtime.Record(envelope.Request, []);
            _proposals.Complete(envelope.Request, [], _time.GetUtcNow(), null);
            return true;
        }

        byte[]? resultBytes;
        try
        {
            resultBytes = _runtime.Duplicate(envelope.Request);
        }
        catch (RequestExpiredException ex)
        {
            _proposals.Fail(envelope.Request, ex);
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
            _runtime.Record(envelope.Request, resultBytes);
            _subscriptions.Publish(new AppliedCommand<TCommand, TResult>(entry.Index, context, envelope.Request, command, result));
        }

        _proposals.Complete(envelope.Request, resultBytes, _time.GetUtcNow(), _telemetry is { } t ? t.CommitLatency.Record : null);
        return false;
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
        _subscriptions.Reset(snapshot.Metadata.Index);
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
}
