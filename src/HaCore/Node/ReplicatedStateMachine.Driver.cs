using System.Diagnostics;
using HaCore.Raft;
using HaCore.Storage;
using HaCore.Transport;

namespace HaCore;

/// <summary>
/// The production driver: one loop thread, a <see cref="TimeProvider"/> timer for ticks, and bounded queues in
/// front of the node core.
/// </summary>
/// <remarks>
/// Invariants: only the loop thread touches the core. Each iteration steps the received messages before the
/// ticks that piled up meanwhile, so a stalled loop that wakes to a burst of ticks has first seen the heartbeats
/// and acknowledgements that arrived during the stall (and does not depose a live leader for it). Ticks are counted
/// from the clock, not from timer callbacks: a process that was stopped (SIGSTOP, a VM or GC pause) gets every tick of
/// its pause before it serves a request, so a leader's lease (counted in ticks) cannot outlive the pause. Snapshot and
/// reachability reports from the transport are never dropped: they wait in their own small set, one per peer.
/// </remarks>
public sealed partial class ReplicatedStateMachine<TStateMachine, TCommand, TResult>
{
    private void Run()
    {
        _thread = new Thread(Loop) { IsBackground = true, Name = $"hacore-node-{NodeId}" };
        _tickEpoch = _time.GetTimestamp();
        _thread.Start();
        _ticker = _time.CreateTimer(
            _ => Signal(),
            null,
            _options.TickInterval,
            _options.TickInterval);
    }

    private void Loop()
    {
        // An iteration longer than half an election timeout delays heartbeats enough to cost the leadership:
        // it is logged with where the time went, so a stall is named instead of guessed at.
        var stallThreshold = _options.TickInterval * _options.ElectionTicks / 2;
        var more = false; // committed entries still waiting: go round again without waiting for input
        try
        {
            while (!_stopping.IsCancellationRequested)
            {
                if (!more)
                {
                    _signal.Wait(_options.TickInterval);
                }

                Volatile.Write(ref _signaled, 0);
                var started = Stopwatch.GetTimestamp();
                var gcBefore = GC.GetTotalPauseDuration();
                int messages = 0;
                for (; messages < 4096 && _inbound.Reader.TryRead(out var message); messages++)
                {
                    _core.Step(message);
                }

                _reports.Drain(_core.ReportSnapshot, _core.ReportUnreachable);
                _snapshotSaver.Drain(_core.SnapshotSaved);
                var stepped = Stopwatch.GetTimestamp();
                var ticks = DueTicks();
                for (var n = ticks; n > 0; n--)
                {
                    _core.Tick();
                }

                int requests = 0;
                for (; requests < 4096 && _requests.Reader.TryRead(out var request); requests++)
                {
                    request();
                }

                var requested = Stopwatch.GetTimestamp();
                var (persist, apply, serialize) = (_core.PersistTime, _core.ApplyTime, _core.SnapshotTime);
                more = _core.Process();
                if (_core.TakeSnapshotToSave() is { } snapshot)
                {
                    _snapshotSaver.Start(snapshot);
                }

                _statusFeed.Publish(_core.Status);

                var elapsed = Stopwatch.GetElapsedTime(started);
                if (elapsed >= stallThreshold)
                {
                    NodeLog.LoopStalled(
                        _logger, NodeId, elapsed.TotalMilliseconds, Stopwatch.GetElapsedTime(started, stepped).TotalMilliseconds, messages,
                        Stopwatch.GetElapsedTime(stepped, requested).TotalMilliseconds, ticks, requests,
                        Stopwatch.GetElapsedTime(requested).TotalMilliseconds, (_core.PersistTime - persist).TotalMilliseconds,
                        (_core.ApplyTime - apply).TotalMilliseconds, (_core.SnapshotTime - serialize).TotalMilliseconds,
                        (GC.GetTotalPauseDuration() - gcBefore).TotalMilliseconds);
                }
            }
        }
        catch (Exception ex)
        {
            // A broken invariant or a failed disk: this node stops, the cluster carries on.
            _fault = ex;
            NodeLog.Faulted(_logger, NodeId, ex);
            _core.MarkFaulted();
            _statusFeed.Publish(_core.Status);
            _core.FailEverything(new HaCoreException($"Node {NodeId} stopped on an error: {ex.Message}", ex));
            while (_requests.Reader.TryRead(out _))
            {
            }
        }
    }

    /// <summary>The ticks that have come due by the clock since the last call (loop thread only).</summary>
    private long DueTicks()
    {
        var due = _time.GetElapsedTime(_tickEpoch).Ticks / _options.TickInterval.Ticks;
        var ticks = due - _ticksCounted;
        _ticksCounted = Math.Max(_ticksCounted, due);
        return Math.Max(0, ticks);
    }

    private async ValueTask EnqueueAsync(Action action, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_stopping.IsCancellationRequested, this);
        if (_fault is { } fault)
        {
            throw new HaCoreException($"Node {NodeId} stopped on an error: {fault.Message}", fault);
        }

        // A full queue makes callers wait: backpressure instead of memory growth.
        await _requests.Writer.WriteAsync(action, cancellationToken).ConfigureAwait(false);
        Signal();
    }

    private void Enqueue(Action action)
    {
        if (_requests.Writer.TryWrite(action))
        {
            Signal();
        }
    }

    private void Signal()
    {
        if (Interlocked.Exchange(ref _signaled, 1) == 0)
        {
            _signal.Release();
        }
    }

    /// <summary>What the transport delivers to; until <see cref="Node"/> is set (the transport starts before the
    /// storage opens), messages are dropped and reports ignored.</summary>
    private sealed class Sink : IRaftMessageSink
    {
        private volatile ReplicatedStateMachine<TStateMachine, TCommand, TResult>? _node;

        public ReplicatedStateMachine<TStateMachine, TCommand, TResult> Node
        {
            set => _node = value;
        }

        public bool OnMessage(in Message message)
        {
            if (_node is not { } node || !node._inbound.Writer.TryWrite(message))
            {
                return false;
            }

            node.Signal();
            return true;
        }

        public void OnSnapshotStatus(ulong peer, bool delivered)
        {
            if (_node is not { } node)
            {
                return;
            }

            node._reports.Snapshot(peer, delivered);
            node.Signal();
        }

        public void OnUnreachable(ulong peer)
        {
            if (_node is not { } node)
            {
                return;
            }

            node._reports.Unreachable(peer);
            node.Signal();
        }
    }
}

/// <summary>
/// Writes and fsyncs the core's local snapshots on a background thread, one at a time, so that the loop keeps
/// stepping heartbeats meanwhile; each outcome waits here for the loop (it is never dropped).
/// </summary>
internal sealed class BackgroundSnapshotSaver(DurableRaftStorage storage, Action signal)
{
    private readonly Lock _gate = new();
    private (SnapshotMetadata Metadata, Exception? Error)? _outcome;

    /// <summary>Completes when no save is running (it never faults: failures are outcomes).</summary>
    public Task Completion { get; private set; } = Task.CompletedTask;

    /// <summary>Starts saving <paramref name="snapshot"/>; the core hands out one at a time.</summary>
    public void Start(Snapshot snapshot)
    {
        Completion = Task.Factory.StartNew(
            () =>
            {
                Exception? error = null;
                try
                {
                    storage.SaveSnapshot(snapshot);
                }
                catch (Exception ex)
                {
                    error = ex;
                }

                lock (_gate)
                {
                    _outcome = (snapshot.Metadata, error);
                }

                signal();
            },
            CancellationToken.None,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default);
    }

    /// <summary>Hands the finished save's outcome, if any, to <paramref name="saved"/> (on the loop thread).</summary>
    public void Drain(Action<SnapshotMetadata, Exception?> saved)
    {
        (SnapshotMetadata Metadata, Exception? Error)? outcome;
        lock (_gate)
        {
            outcome = _outcome;
            _outcome = null;
        }

        if (outcome is { } o)
        {
            saved(o.Metadata, o.Error);
        }
    }
}

/// <summary>
/// The transport's reports, waiting for the loop: at most one snapshot outcome and one unreachable flag per
/// peer (the latest wins), so they are bounded by the membership and never lost to a full request queue.
/// </summary>
internal sealed class TransportReports
{
    private readonly Lock _gate = new();
    private readonly Dictionary<ulong, bool> _snapshots = [];
    private readonly HashSet<ulong> _unreachable = [];

    public void Snapshot(ulong peer, bool delivered)
    {
        lock (_gate)
        {
            _snapshots[peer] = delivered;
        }
    }

    public void Unreachable(ulong peer)
    {
        lock (_gate)
        {
            _unreachable.Add(peer);
        }
    }

    public void Drain(Action<ulong, bool> snapshot, Action<ulong> unreachable)
    {
        KeyValuePair<ulong, bool>[] snapshots;
        ulong[] peers;
        lock (_gate)
        {
            if (_snapshots.Count == 0 && _unreachable.Count == 0)
            {
                return;
            }

            snapshots = [.. _snapshots];
            peers = [.. _unreachable];
            _snapshots.Clear();
            _unreachable.Clear();
        }

        foreach (var (peer, delivered) in snapshots)
        {
            snapshot(peer, delivered);
        }

        foreach (var peer in peers)
        {
            unreachable(peer);
        }
    }
}
