using System.Net;
using Microsoft.Extensions.Logging;

namespace HaCore.Transport;

/// <summary>Transport log messages; event ids 3000-3999 belong to HaCore.Transport.</summary>
internal static partial class Log
{
    [LoggerMessage(3000, LogLevel.Information, "Node {NodeId} listening for Raft peers on {EndPoint} (TLS: {Tls})")]
    public static partial void Listening(ILogger logger, ulong nodeId, EndPoint endPoint, bool tls);

    [LoggerMessage(3001, LogLevel.Information, "Node {NodeId} connected to peer {PeerId} at {EndPoint}")]
    public static partial void Connected(ILogger logger, ulong nodeId, ulong peerId, EndPoint endPoint);

    [LoggerMessage(3023, LogLevel.Warning, "Node {NodeId}: cannot reach peer {PeerId} at {EndPoint} ({Reason}); retrying in {DelayMs} ms; {Unreported} failures since the last report")]
    public static partial void PeerUnreachable(ILogger logger, ulong nodeId, ulong peerId, EndPoint endPoint, string reason, long delayMs, int unreported);

    [LoggerMessage(3002, LogLevel.Warning, "Node {NodeId}: connection to peer {PeerId} at {EndPoint} failed or was lost; retrying in {DelayMs} ms")]
    public static partial void ConnectionFailed(ILogger logger, ulong nodeId, ulong peerId, EndPoint endPoint, long delayMs, Exception? exception);

    [LoggerMessage(3003, LogLevel.Warning, "Node {NodeId} refused a handshake from {Remote}: {Reason}")]
    public static partial void HandshakeRefusedInbound(ILogger logger, ulong nodeId, EndPoint? remote, string reason);

    [LoggerMessage(3004, LogLevel.Error, "Node {NodeId}: peer {PeerId} at {EndPoint} refused our handshake: {Reason}")]
    public static partial void HandshakeRefusedOutbound(ILogger logger, ulong nodeId, ulong peerId, EndPoint endPoint, string reason);

    [LoggerMessage(3005, LogLevel.Warning, "Node {NodeId}: malformed frame from {Remote} (peer {PeerId}); closing that connection")]
    public static partial void MalformedFrame(ILogger logger, ulong nodeId, EndPoint? remote, ulong peerId, Exception exception);

    [LoggerMessage(3006, LogLevel.Debug, "Node {NodeId}: inbound connection from {Remote} (peer {PeerId}) closed")]
    public static partial void InboundClosed(ILogger logger, ulong nodeId, EndPoint? remote, ulong peerId, Exception? exception);

    [LoggerMessage(3007, LogLevel.Warning, "Node {NodeId}: message {Type} to peer {PeerId} encodes to {Bytes} bytes, over the {Limit}-byte frame limit; dropped")]
    public static partial void OversizedOutbound(ILogger logger, ulong nodeId, ulong peerId, HaCore.Raft.MessageType type, int bytes, int limit);

    [LoggerMessage(3008, LogLevel.Information, "Node {NodeId}: resuming snapshot {Term}/{Index} to peer {PeerId} at byte {Offset} of {Total}")]
    public static partial void SnapshotResumed(ILogger logger, ulong nodeId, ulong peerId, ulong term, ulong index, long offset, long total);

    [LoggerMessage(3009, LogLevel.Information, "Node {NodeId}: snapshot {Term}/{Index} to peer {PeerId} finished (delivered: {Delivered})")]
    public static partial void SnapshotFinished(ILogger logger, ulong nodeId, ulong peerId, ulong term, ulong index, bool delivered);

    [LoggerMessage(3010, LogLevel.Warning, "Node {NodeId}: refusing snapshot {Term}/{Index} of {Total} bytes from peer {PeerId}: over the {Limit}-byte limit")]
    public static partial void SnapshotTooLarge(ILogger logger, ulong nodeId, ulong peerId, ulong term, ulong index, long total, long limit);

    [LoggerMessage(3011, LogLevel.Warning, "Node {NodeId}: TLS authentication with {Remote} failed")]
    public static partial void TlsFailed(ILogger logger, ulong nodeId, EndPoint? remote, Exception exception);

    [LoggerMessage(3012, LogLevel.Warning, "Node {NodeId}: rejected the certificate of {Remote}: {Reason}")]
    public static partial void CertificateRejected(ILogger logger, ulong nodeId, string remote, string reason);

    [LoggerMessage(3013, LogLevel.Error, "Node {NodeId}: accept loop failed")]
    public static partial void AcceptFailed(ILogger logger, ulong nodeId, Exception exception);

    [LoggerMessage(3015, LogLevel.Warning, "Node {NodeId}: inbound connection from {Remote} (peer {PeerId}) failed")]
    public static partial void InboundFailed(ILogger logger, ulong nodeId, EndPoint? remote, ulong peerId, Exception exception);

    [LoggerMessage(3016, LogLevel.Warning, "Node {NodeId}: refusing a connection from {Remote}: {Limit} inbound connections already open")]
    public static partial void InboundLimitReached(ILogger logger, ulong nodeId, EndPoint? remote, int limit);

    [LoggerMessage(3014, LogLevel.Warning, "Node {NodeId}: giving up snapshot {Term}/{Index} to peer {PeerId} after {Failures} failed connections")]
    public static partial void SnapshotGaveUp(ILogger logger, ulong nodeId, ulong peerId, ulong term, ulong index, int failures);

    [LoggerMessage(3017, LogLevel.Warning, "Node {NodeId}: peers are NOT authenticated (no ClusterSecret, no TLS; AllowUnauthenticatedPeers = true): anyone who can reach {EndPoint} can join, vote and send entries")]
    public static partial void UnauthenticatedPeers(ILogger logger, ulong nodeId, EndPoint endPoint);

    [LoggerMessage(3018, LogLevel.Warning, "Node {NodeId}: {Count} further refused inbound connections ({Kind}) were not logged (rate limit)")]
    public static partial void RefusalsSuppressed(ILogger logger, ulong nodeId, long count, string kind);

    [LoggerMessage(3019, LogLevel.Warning, "Node {NodeId}: {Limit} handshakes already pending: closing the oldest, from {Remote}, to make room for a connection from {NewRemote}")]
    public static partial void PendingHandshakeEvicted(ILogger logger, ulong nodeId, EndPoint? remote, int limit, EndPoint? newRemote);

    [LoggerMessage(3020, LogLevel.Warning, "Node {NodeId}: closing the connection from {Remote}: it did not finish TLS and the handshake within {TimeoutMs} ms ({Bytes} bytes received)")]
    public static partial void HandshakeTimedOut(ILogger logger, ulong nodeId, EndPoint? remote, long timeoutMs, long bytes);

    [LoggerMessage(3021, LogLevel.Warning, "Node {NodeId}: the connection from {Remote} closed before finishing its handshake ({Bytes} bytes received): {Reason}")]
    public static partial void ClosedBeforeHandshake(ILogger logger, ulong nodeId, EndPoint? remote, long bytes, string reason);

    [LoggerMessage(3022, LogLevel.Warning, "Node {NodeId}: {Count} further errors on authenticated peer connections were not logged (rate limit)")]
    public static partial void PeerErrorsSuppressed(ILogger logger, ulong nodeId, long count);
}
