using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;

namespace HaCore;

/// <summary>
/// The node's <see cref="Meter"/> ("HaCore"), from <see cref="HaCoreNodeOptions.MeterFactory"/> when one is given.
/// Every measurement carries the tag <c>hacore.node_id</c> (as the transport's and the storage's do). Gauges:
/// <c>hacore.role</c> (0 follower, 1 pre-candidate, 2 candidate, 3 leader, as <see cref="HaCore.Raft.RaftRole"/>),
/// <c>hacore.term</c>, <c>hacore.leader</c> (0 when none is known), <c>hacore.commit_index</c>,
/// <c>hacore.applied_index</c>, <c>hacore.snapshot_index</c>, <c>hacore.apply_lag</c> (committed minus applied),
/// <c>hacore.pending_requests</c> and <c>hacore.inbound_messages</c> (queue depths). Counter:
/// <c>hacore.leader_changes</c>. Histograms: <c>hacore.commit_latency</c> (ms from propose to local apply) and
/// <c>hacore.fsync_latency</c> (ms per group commit of a Ready).
/// </summary>
internal sealed class NodeTelemetry : IDisposable
{
    public const string MeterName = "HaCore";

    /// <summary>The tag every HaCore measurement carries: the node's id.</summary>
    public const string NodeTag = "hacore.node_id";

    private readonly Meter _meter;
    private readonly KeyValuePair<string, object?> _tag;
    private readonly Counter<long> _leaderChanges;
    private readonly Histogram<double> _commitLatency;
    private readonly Histogram<double> _fsyncLatency;

    public NodeTelemetry(ulong nodeId, IMeterFactory? meterFactory, Func<NodeStatus> status, Func<ulong> snapshotIndex, Func<long> pendingRequests, Func<long> inbound)
    {
        _tag = new KeyValuePair<string, object?>(NodeTag, nodeId);
        _meter = meterFactory is null ? new Meter(MeterName) : meterFactory.Create(new MeterOptions(MeterName));
        var tag = _tag;
        Measurement<long> Of(long value) => new(value, tag);
        _meter.CreateObservableGauge("hacore.role", () => Of((long)status().Role), description: "Raft role: 0 follower, 1 pre-candidate, 2 candidate, 3 leader.");
        _meter.CreateObservableGauge("hacore.term", () => Of((long)status().Term), description: "Current Raft term.");
        _meter.CreateObservableGauge("hacore.leader", () => Of((long)status().Leader), description: "The leader this node knows, or 0.");
        _meter.CreateObservableGauge("hacore.commit_index", () => Of((long)status().CommitIndex), unit: "{entry}", description: "Highest committed index known here.");
        _meter.CreateObservableGauge("hacore.applied_index", () => Of((long)status().AppliedIndex), unit: "{entry}", description: "Highest index applied here.");
        _meter.CreateObservableGauge("hacore.snapshot_index", () => Of((long)snapshotIndex()), unit: "{entry}", description: "Index of the latest local snapshot.");
        _meter.CreateObservableGauge("hacore.apply_lag", () => Of((long)status().ApplyLag), unit: "{entry}", description: "Committed entries not yet applied.");
        _meter.CreateObservableGauge("hacore.pending_requests", () => Of(pendingRequests()), unit: "{request}", description: "Requests waiting for the node loop.");
        _meter.CreateObservableGauge("hacore.inbound_messages", () => Of(inbound()), unit: "{message}", description: "Raft messages waiting for the node loop.");
        _leaderChanges = _meter.CreateCounter<long>("hacore.leader_changes", unit: "{change}", description: "Times the known leader changed.");
        _commitLatency = _meter.CreateHistogram<double>("hacore.commit_latency", unit: "ms", description: "From propose to local apply.");
        _fsyncLatency = _meter.CreateHistogram<double>("hacore.fsync_latency", unit: "ms", description: "One group commit of a Ready.");
    }

    public void LeaderChanged() => _leaderChanges.Add(1, _tag);

    public void RecordCommitLatency(double milliseconds) => _commitLatency.Record(milliseconds, _tag);

    public void RecordFsync(double milliseconds) => _fsyncLatency.Record(milliseconds, _tag);

    public void Dispose() => _meter.Dispose();
}

/// <summary>The node's log events.</summary>
internal static partial class NodeLog
{
    [LoggerMessage(EventId = 1000, Level = LogLevel.Information, Message = "Node {NodeId} started: commit {Commit}, snapshot {SnapshotIndex}, last index {LastIndex}, members {Members}")]
    public static partial void Started(ILogger logger, ulong nodeId, ulong commit, ulong snapshotIndex, ulong lastIndex, string members);

    [LoggerMessage(EventId = 1001, Level = LogLevel.Information, Message = "Node {NodeId} bootstrapped a new cluster with voters {Voters}")]
    public static partial void Bootstrapped(ILogger logger, ulong nodeId, string voters);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Information, Message = "Node {NodeId} is now {Role} in term {Term}, leader {Leader}")]
    public static partial void RoleChanged(ILogger logger, ulong nodeId, HaCore.Raft.RaftRole role, ulong term, ulong leader);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Information, Message = "Node {NodeId} took a snapshot at {Index} ({Bytes} bytes) and compacted the log to {CompactedTo}")]
    public static partial void SnapshotTaken(ILogger logger, ulong nodeId, ulong index, int bytes, ulong compactedTo);

    [LoggerMessage(EventId = 1004, Level = LogLevel.Information, Message = "Node {NodeId} installed a snapshot from the leader at {Index} ({Bytes} bytes)")]
    public static partial void SnapshotInstalled(ILogger logger, ulong nodeId, ulong index, int bytes);

    [LoggerMessage(EventId = 1005, Level = LogLevel.Information, Message = "Node {NodeId}: membership is now {Members}")]
    public static partial void MembershipChanged(ILogger logger, ulong nodeId, string members);

    [LoggerMessage(EventId = 1006, Level = LogLevel.Critical, Message = "Node {NodeId} stopped on an error; the cluster carries on without it")]
    public static partial void Faulted(ILogger logger, ulong nodeId, Exception exception);

    [LoggerMessage(EventId = 1008, Level = LogLevel.Warning, Message = "Node {NodeId}: one loop iteration took {ElapsedMs:F0} ms (messages {StepMs:F0} ms for {Messages}, ticks and requests {RequestMs:F0} ms for {Ticks} ticks and {Requests} requests, Ready handling {ReadyMs:F0} ms, of which storage writes and fsyncs {PersistMs:F0} ms, applying entries {ApplyMs:F0} ms, taking a snapshot {SnapshotMs:F0} ms; GC pauses {GcMs:F0} ms); heartbeats and votes waited that long")]
    public static partial void LoopStalled(ILogger logger, ulong nodeId, double elapsedMs, double stepMs, int messages, double requestMs, long ticks, int requests, double readyMs, double persistMs, double applyMs, double snapshotMs, double gcMs);

    [LoggerMessage(EventId = 1015, Level = LogLevel.Warning, Message = "Node {NodeId} keeps out of elections (no campaign, no vote) until a leader has re-replicated its log through index {SuspectThrough}: its storage found a damaged record that may have been acknowledged (see event 2012)")]
    public static partial void SuspectRange(ILogger logger, ulong nodeId, ulong suspectThrough);

    [LoggerMessage(EventId = 1016, Level = LogLevel.Error, Message = "Node {NodeId}: the cluster was bootstrapped with other voters than this node's InitialVoters ({InitialVoters}): bootstrap entry {Index} adds voter {Voter}. That membership is committed and in force; fix InitialVoters on every node so that they agree")]
    public static partial void BootstrapMismatch(ILogger logger, ulong nodeId, ulong index, ulong voter, string initialVoters);

    [LoggerMessage(EventId = 1017, Level = LogLevel.Warning, Message = "Node {NodeId} refuses leadership (no campaign; as leader it hands over): {Reason}")]
    public static partial void RefusesLeadership(ILogger logger, ulong nodeId, string reason);

    [LoggerMessage(EventId = 1018, Level = LogLevel.Information, Message = "Node {NodeId} may lead again (it refused because: {Reason})")]
    public static partial void MayLeadAgain(ILogger logger, ulong nodeId, string reason);

    [LoggerMessage(EventId = 1007, Level = LogLevel.Information, Message = "Node {NodeId} stopped")]
    public static partial void Stopped(ILogger logger, ulong nodeId);
}
