using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;

namespace HaCore;

/// <summary>
/// The node's <see cref="Meter"/> ("HaCore"): <c>hacore.term</c> (gauge), <c>hacore.leader_changes</c>
/// (counter), <c>hacore.commit_latency</c> (histogram, ms from propose to local apply), <c>hacore.fsync_latency</c>
/// (histogram, ms per group commit), <c>hacore.apply_lag</c> (gauge, committed minus applied entries),
/// <c>hacore.pending_requests</c> and <c>hacore.inbound_messages</c> (gauges: queue depths).
/// </summary>
internal sealed class NodeTelemetry : IDisposable
{
    public const string MeterName = "HaCore";

    private readonly Meter _meter;

    public NodeTelemetry(ulong nodeId, Func<long> term, Func<long> applyLag, Func<long> pendingRequests, Func<long> inbound)
    {
        _meter = new Meter(MeterName);
        var tags = new KeyValuePair<string, object?>("hacore.node", nodeId);
        _meter.CreateObservableGauge("hacore.term", () => new Measurement<long>(term(), tags), description: "Current Raft term.");
        _meter.CreateObservableGauge("hacore.apply_lag", () => new Measurement<long>(applyLag(), tags), unit: "{entry}", description: "Committed entries not yet applied.");
        _meter.CreateObservableGauge("hacore.pending_requests", () => new Measurement<long>(pendingRequests(), tags), unit: "{request}", description: "Requests waiting for the node loop.");
        _meter.CreateObservableGauge("hacore.inbound_messages", () => new Measurement<long>(inbound(), tags), unit: "{message}", description: "Raft messages waiting for the node loop.");
        LeaderChanges = _meter.CreateCounter<long>("hacore.leader_changes", unit: "{change}", description: "Times the known leader changed.");
        CommitLatency = _meter.CreateHistogram<double>("hacore.commit_latency", unit: "ms", description: "From propose to local apply.");
        FsyncLatency = _meter.CreateHistogram<double>("hacore.fsync_latency", unit: "ms", description: "One group commit of a Ready.");
    }

    public Counter<long> LeaderChanges { get; }

    public Histogram<double> CommitLatency { get; }

    public Histogram<double> FsyncLatency { get; }

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

    [LoggerMessage(EventId = 1007, Level = LogLevel.Information, Message = "Node {NodeId} stopped")]
    public static partial void Stopped(ILogger logger, ulong nodeId);
}
