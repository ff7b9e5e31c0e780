using System.Net;
using HaCore.Raft;

namespace HaCore.Transport;

/// <summary>Where a peer listens.</summary>
/// <param name="NodeId">The peer's Raft id.</param>
/// <param name="EndPoint">Its listening address.</param>
public sealed record PeerAddress(ulong NodeId, EndPoint EndPoint);

/// <summary>Receives what a transport delivers. Called from the transport's I/O threads.</summary>
public interface IRaftMessageSink
{
    /// <summary>A message arrived from a peer (snapshots arrive whole, after all their chunks).
    /// Returns false when the node's inbound queue is full; the transport then drops the message.</summary>
    bool OnMessage(in Message message);

    /// <summary>A snapshot sent to <paramref name="peer"/> was delivered whole, or failed.</summary>
    void OnSnapshotStatus(ulong peer, bool delivered);

    /// <summary>Sending to <paramref name="peer"/> failed (connection lost, queue full).</summary>
    void OnUnreachable(ulong peer);
}

/// <summary>
/// Carries Raft messages between the nodes of one cluster. Sends never block: each peer has a
/// bounded outbound queue, and a full queue drops the message (Raft retransmits) and reports the
/// peer unreachable. Implementations: TCP (<c>TcpRaftTransport</c>) and in-memory (<c>InMemoryRaftNetwork</c>).
/// </summary>
public interface IRaftTransport : IAsyncDisposable
{
    /// <summary>This node's id.</summary>
    ulong LocalId { get; }

    /// <summary>Starts listening and connecting to the peers; delivers inbound messages to <paramref name="sink"/>.</summary>
    ValueTask StartAsync(IRaftMessageSink sink, CancellationToken cancellationToken = default);

    /// <summary>Replaces the set of peers (after a membership change); connections to removed peers close.</summary>
    void SetPeers(IReadOnlyCollection<PeerAddress> peers);

    /// <summary>Queues <paramref name="message"/> for its recipient (<see cref="Message.To"/>). The message is
    /// encoded before this returns, so the caller may reuse its memory. False when it was dropped.</summary>
    bool TrySend(in Message message);
}
