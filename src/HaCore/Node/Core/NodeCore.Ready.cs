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
    private ulong _durableSnapshotIndex; // the last snapshot on disk: taken and saved, or installed
    private bool _snapshotRequested;
    private long _bytesSinceSnapshot;

    // Each node waits a little longer than the snapshot thresholds, by a fraction drawn afresh after every snapshot
    // from its seed, so that the nodes of a cluster do not all serialize their state at the same index (a pause on
    // every node at once costs the leadership; on one node at a time it costs nothing).
    private double _snapshotStagger;
    private ulong _snapshotDraws;
    private DateTimeOffset _lastSnapshotAt;
    private Snapshot? _snapshotSaving; // serialized here, being written and fsynced by the driver
    private Snapshot? _snapshotToSave; // not yet handed to the driver
    private int _lastSnapshotBytes; // the size of the last snapshot taken: the next one's first buffer
    private readonly ArrayBufferWriter<byte> _resultWriter = new(64); // reused for every applied command's result (loop thread)

    /// <summary>Time spent in storage writes and their fsyncs, for the driver's stall diagnosis (measured, never used for decisions).</summary>
    internal TimeSpan PersistTime { get; private set; }

    /// <summary>Time spent applying committed entries, for the driver's stall diagnosis.</summary>
    internal TimeSpan ApplyTime { get; private set; }

    /// <summary>Time spent taking local snapshots, for the driver's stall diagnosis.</summary>
    internal TimeSpan SnapshotTime { get; private set; }

    /// <summary>Handles one Ready; true when it applied committed entries.</summary>
    private bool HandleReady()
    {
        var ready = _raw.GetReady();
        var applies = !ready.CommittedEntries.IsEmpty;
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
            var persisted = Stopwatch.GetElapsedTime(started);
            PersistTime += persisted;
            _telemetry?.RecordFsync(persisted.TotalMilliseconds);
        }

        // Votes and acknowledgements only once durable.
        foreach (ref readonly var m in ready.MessagesAfterPersist)
        {
            _transport.TrySend(m);
        }

        var membershipChanged = false;
        var applyStarted = Stopwatch.GetTimestamp();
        foreach (ref readonly var entry in ready.CommittedEntries.Span)
        {
            membershipChanged |= Apply(entry);
            _bytesSinceSnapshot += entry.Data.Length;
        }

        ApplyTime += Stopwatch.GetElapsedTime(applyStarted);

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
        if (applies || ready.Snapshot is not null)
        {
            CheckLeadershipGate();
        }

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
        return applies;
    }

    private void OnSoftState(SoftState soft)
    {
        var previous = _status;
        if (soft.Leader != previous.Leader)
        {
            _telemetry?.LeaderChanged();
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

    /// <summary>
    /// Term 1 holds only the bootstrap entries (the first election makes term 2): one that adds a voter this node's
    /// <see cref="HaCoreNodeOptions.InitialVoters"/> lack means some node bootstrapped the cluster with other voters.
    /// Its membership is committed and in force, so this is logged as an error naming both lists, not refused.
    /// </summary>
    private void CheckBootstrapEntry(in Entry entry)
    {
        if (entry.Term != 1 || _options.InitialVoters.Count == 0)
        {
            return;
        }

        var change = ConfChange.Decode(entry.Data.Span);
        if (change.Type == ConfChangeType.AddVoter && !_options.InitialVoters.Contains(change.NodeId))
        {
            NodeLog.BootstrapMismatch(_logger, NodeId, entry.Index, change.NodeId, string.Join(",", _options.InitialVoters));
        }
    }

    /// <summary>Applies one committed entry; true when it changed the address book.</summary>
    private bool Apply(in Entry entry)
    {
        _confChanges.Applied(entry.Index, entry.Term);
        if (entry.Type == EntryType.ConfChange)
        {
            CheckBootstrapEntry(entry);
        }

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
            _resultWriter.ResetWrittenCount();
            _resultCodec.Encode(result, _resultWriter);
            resultBytes = _resultWriter.WrittenSpan.ToArray();
            _runtime.Record(envelope.Request, resultBytes);
            _subscriptions.Publish(context, envelope.Request, envelope.Payload.Span, resultBytes, command, result);
        }

        _proposals.Complete(envelope.Request, resultBytes, _time.GetUtcNow(), _telemetry is { } t ? t.RecordCommitLatency : null);
        return false;
    }

    /// <summary>
    /// Takes a local snapshot when one is due and none is being saved: the state is serialized here, at the
    /// applied index, and the driver writes and fsyncs it off the loop (<see cref="TakeSnapshotToSave"/>, then
    /// <see cref="SnapshotSaved"/>). The log is compacted only once the snapshot is durable.
    /// </summary>
    private void MaybeSnapshot()
    {
        var applied = _raw.AppliedIndex;
        if (applied <= _lastSnapshotIndex || _snapshotSaving is not null)
        {
            return;
        }

        var due = _snapshotRequested
            || applied >= _lastSnapshotIndex + (ulong)_options.SnapshotEveryEntries + (ulong)(_options.SnapshotEveryEntries * _snapshotStagger)
            || (_options.SnapshotEveryBytes > 0 && _bytesSinceSnapshot >= _options.SnapshotEveryBytes + (long)(_options.SnapshotEveryBytes * _snapshotStagger))
            || (_options.SnapshotMaxAge > TimeSpan.Zero && _time.GetUtcNow() - _lastSnapshotAt >= _options.SnapshotMaxAge);
        if (!due || _storage.TryGetTerm(applied, out var term) != LogReadStatus.Ok)
        {
            return;
        }

        var snapshotStarted = Stopwatch.GetTimestamp();
        // Sized for the last snapshot plus an eighth: one buffer instead of a chain of doublings on the large-object heap.
        var writer = new ArrayBufferWriter<byte>(Math.Max(256, _lastSnapshotBytes + (_lastSnapshotBytes / 8)));
        _runtime.Write(writer);
        _stateMachine.WriteSnapshot(writer);
        _snapshotSaving = new Snapshot(new SnapshotMetadata(applied, term, _raw.ConfState), writer.WrittenMemory);
        _lastSnapshotBytes = writer.WrittenCount;
        _snapshotToSave = _snapshotSaving;
        _snapshotRequested = false;
        _lastSnapshotIndex = applied;
        _lastSnapshotAt = _time.GetUtcNow();
        _bytesSinceSnapshot = 0;
        DrawSnapshotStagger();
        SnapshotTime += Stopwatch.GetElapsedTime(snapshotStarted);
    }

    /// <summary>
    /// The local snapshot the driver must now save with <see cref="HaCore.Storage.DurableRaftStorage.SaveSnapshot(Snapshot)"/>, off the loop
    /// thread, reporting the outcome to <see cref="SnapshotSaved"/>; null when there is none. Each is handed out once.
    /// </summary>
    public Snapshot? TakeSnapshotToSave()
    {
        var snapshot = _snapshotToSave;
        _snapshotToSave = null;
        return snapshot;
    }

    /// <summary>
    /// The driver saved the snapshot of <see cref="TakeSnapshotToSave"/> (<paramref name="error"/> null), or failed
    /// to. On success the log is compacted behind it; a failure stops the node, as a failed log write does.
    /// </summary>
    /// <exception cref="HaCoreException">Saving failed.</exception>
    public void SnapshotSaved(SnapshotMetadata metadata, Exception? error)
    {
        if (_snapshotSaving?.Metadata != metadata)
        {
            throw new InvalidOperationException($"Snapshot {metadata.Term}/{metadata.Index} was not being saved.");
        }

        var bytes = _snapshotSaving.Data.Length;
        _snapshotSaving = null;
        if (error is not null)
        {
            throw new HaCoreException($"Node {NodeId} could not save its snapshot at index {metadata.Index}: {error.Message}", error);
        }

        var compactTo = metadata.Index > (ulong)_options.CompactionMargin ? metadata.Index - (ulong)_options.CompactionMargin : 0;
        if (compactTo >= _storage.FirstIndex)
        {
            // An installed snapshot may have moved the log's start past it meanwhile: then there is nothing to do.
            _storage.Compact(compactTo);
        }

        Volatile.Write(ref _durableSnapshotIndex, Math.Max(_durableSnapshotIndex, metadata.Index));
        NodeLog.SnapshotTaken(_logger, NodeId, metadata.Index, bytes, compactTo);
        if (_snapshotRequested)
        {
            MaybeSnapshot(); // requested while this one was being saved
        }
    }

    /// <summary>
    /// An operator's request for a snapshot now, whatever the thresholds say: taken at the applied index as soon as no
    /// other is being saved. Returns the index it will cover (the applied index now, or the last snapshot's when nothing
    /// was applied since); <see cref="DurableSnapshotIndex"/> reaches it once the snapshot is on disk.
    /// </summary>
    public ulong RequestSnapshot()
    {
        if (_raw.AppliedIndex <= _lastSnapshotIndex)
        {
            return _lastSnapshotIndex;
        }

        _snapshotRequested = true;
        MaybeSnapshot();
        return _raw.AppliedIndex;
    }

    /// <summary>A fraction in [0, 1/4) of the snapshot thresholds that this node waits longer this time.</summary>
    private void DrawSnapshotStagger() =>
        _snapshotStagger = (SplitMix(SplitMix(_randomSeed ^ NodeId) ^ (0x5EED_5A4F_0000_0000UL + ++_snapshotDraws)) >> 11) * (0.25 / (1UL << 53));

    private void RestoreSnapshot(Snapshot snapshot)
    {
        var data = snapshot.Data;
        var consumed = _runtime.Read(data.Span);
        _stateMachine.RestoreSnapshot(new ReadOnlySequence<byte>(data[consumed..]));
        _lastSnapshotIndex = snapshot.Metadata.Index;
        Volatile.Write(ref _durableSnapshotIndex, snapshot.Metadata.Index);
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
