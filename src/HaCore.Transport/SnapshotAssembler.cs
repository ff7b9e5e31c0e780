using HaCore.Raft;
using Microsoft.Extensions.Logging;

namespace HaCore.Transport;

/// <summary>What a <see cref="SnapshotAssembler"/> needs from its transport: limits, logging and delivery.</summary>
internal interface ISnapshotReceiver
{
    /// <summary>The receiving node.</summary>
    ulong LocalId { get; }

    /// <summary>Snapshots larger than this are refused before anything is allocated.</summary>
    long MaxSnapshotBytes { get; }

    /// <summary>Where refusals are logged.</summary>
    ILogger Logger { get; }

    /// <summary>Hands a whole snapshot message to the node; false when the node cannot take it now.</summary>
    bool Deliver(in Message message);

    /// <summary>Counts a snapshot the node could not take.</summary>
    void CountDropped();
}

/// <summary>
/// Reassembles snapshot chunks per sending peer. State outlives connections, so a sender that
/// reconnects resumes where the acknowledgements left off; at most one snapshot per peer is held,
/// bounded by <see cref="TcpTransportOptions.MaxSnapshotBytes"/>.
/// </summary>
internal sealed class SnapshotAssembler
{
    private readonly ISnapshotReceiver _receiver;
    private readonly Lock _gate = new();
    private readonly Dictionary<ulong, Assembly> _inProgress = [];
    private readonly Dictionary<ulong, (ulong Index, ulong Term)> _delivered = [];

    /// <summary>An assembler delivering to <paramref name="transport"/>'s sink.</summary>
    public SnapshotAssembler(TcpRaftTransport transport)
        : this(new TransportReceiver(transport))
    {
    }

    /// <summary>An assembler delivering to <paramref name="receiver"/>.</summary>
    public SnapshotAssembler(ISnapshotReceiver receiver)
    {
        _receiver = receiver;
    }

    public SnapshotAck OnChunk(ulong peer, ReadOnlyMemory<byte> payload)
    {
        var (header, total, offset) = ControlFrames.DecodeSnapshotChunk(payload, out var data);
        if (header.From != peer || header.To != _receiver.LocalId)
        {
            // As for messages: a chunk names the connection's authenticated peer and this node, or the connection is broken.
            throw new RaftFrameException($"Snapshot chunk {header.From}->{header.To} on the connection from node {peer} to node {_receiver.LocalId}.");
        }

        var meta = header.Snapshot!.Metadata;
        if (total > _receiver.MaxSnapshotBytes)
        {
            Log.SnapshotTooLarge(_receiver.Logger, _receiver.LocalId, peer, meta.Term, meta.Index, total, _receiver.MaxSnapshotBytes);
            return new SnapshotAck(meta.Index, meta.Term, 0, SnapshotAckStatus.Rejected);
        }

        Message complete;
        byte[] bytes;
        lock (_gate)
        {
            if (!_inProgress.TryGetValue(peer, out var a) || a.Index != meta.Index || a.Term != meta.Term || a.Total != total)
            {
                if (offset != 0)
                {
                    // A sender resuming a transfer whose final ack it missed: it was delivered. Any other
                    // chunk we hold nothing for means starting over. (Offset 0 always starts a new
                    // transfer, so the same snapshot sent again later is delivered again.)
                    return _delivered.TryGetValue(peer, out var done) && done == (meta.Index, meta.Term)
                        ? new SnapshotAck(meta.Index, meta.Term, total, SnapshotAckStatus.Delivered)
                        : new SnapshotAck(meta.Index, meta.Term, 0, SnapshotAckStatus.Rewind);
                }

                a = new Assembly(meta.Index, meta.Term, total);
                _inProgress[peer] = a;
            }

            if (offset > a.Received)
            {
                return new SnapshotAck(meta.Index, meta.Term, a.Received, SnapshotAckStatus.Rewind);
            }

            if (offset == a.Received)
            {
                a.Append(data.Span);
            }

            if (a.Received < total)
            {
                return new SnapshotAck(meta.Index, meta.Term, a.Received, SnapshotAckStatus.Progress);
            }

            _inProgress.Remove(peer);
            _delivered[peer] = (meta.Index, meta.Term);
            bytes = a.Complete();
        }

        complete = header with { Snapshot = new Snapshot(meta, bytes) };
        var accepted = _receiver.Deliver(complete);
        if (!accepted)
        {
            _receiver.CountDropped();
            lock (_gate)
            {
                _delivered.Remove(peer);
            }
        }

        return new SnapshotAck(meta.Index, meta.Term, total, accepted ? SnapshotAckStatus.Delivered : SnapshotAckStatus.Rejected);
    }

    /// <summary>
    /// One snapshot being received. Its buffer grows with the bytes that actually arrived (doubling, capped
    /// at the announced total), so a chunk that announces a large total cannot make the receiver allocate
    /// it up front: memory follows the data the peer really sent.
    /// </summary>
    private sealed class Assembly(ulong index, ulong term, long total)
    {
        private const int InitialBytes = 64 << 10;
        private byte[] _data = [];

        public ulong Index { get; } = index;

        public ulong Term { get; } = term;

        public long Total { get; } = total;

        public long Received { get; private set; }

        public void Append(ReadOnlySpan<byte> chunk)
        {
            long needed = Received + chunk.Length;
            if (needed > _data.Length)
            {
                long grown = Math.Min(Total, Math.Max(needed, Math.Max(InitialBytes, 2L * _data.Length)));
                Array.Resize(ref _data, (int)grown);
            }

            chunk.CopyTo(_data.AsSpan((int)Received));
            Received = needed;
        }

        public byte[] Complete() => _data.Length == Total ? _data : _data[..(int)Total];
    }

    private sealed class TransportReceiver(TcpRaftTransport transport) : ISnapshotReceiver
    {
        public ulong LocalId => transport.LocalId;

        public long MaxSnapshotBytes => transport.Options.MaxSnapshotBytes;

        public ILogger Logger => transport.Logger;

        public bool Deliver(in Message message) => transport.Sink.OnMessage(message);

        public void CountDropped() => transport.Metrics.Dropped.Add(1);
    }
}
