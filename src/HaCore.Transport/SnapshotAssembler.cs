using HaCore.Raft;

namespace HaCore.Transport;

/// <summary>
/// Reassembles snapshot chunks per sending peer. State outlives connections, so a sender that
/// reconnects resumes where the acknowledgements left off; at most one snapshot per peer is held,
/// bounded by <see cref="TcpTransportOptions.MaxSnapshotBytes"/>.
/// </summary>
internal sealed class SnapshotAssembler(TcpRaftTransport transport)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<ulong, Assembly> _inProgress = [];
    private readonly Dictionary<ulong, (ulong Index, ulong Term)> _delivered = [];

    public SnapshotAck OnChunk(ulong peer, ReadOnlyMemory<byte> payload)
    {
        var (header, total, offset) = ControlFrames.DecodeSnapshotChunk(payload, out var data);
        if (header.From != peer)
        {
            throw new RaftFrameException($"Snapshot chunk claims to be from node {header.From} on node {peer}'s connection.");
        }

        var meta = header.Snapshot!.Metadata;
        if (total > transport.Options.MaxSnapshotBytes)
        {
            Log.SnapshotTooLarge(transport.Logger, transport.LocalId, peer, meta.Term, meta.Index, total, transport.Options.MaxSnapshotBytes);
            return new SnapshotAck(meta.Index, meta.Term, 0, SnapshotAckStatus.Rejected);
        }

        Message complete;
        byte[] bytes;
        lock (_gate)
        {
            if (!_inProgress.TryGetValue(peer, out var a) || a.Index != meta.Index || a.Term != meta.Term || a.Data.Length != total)
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

                a = new Assembly(meta.Index, meta.Term, new byte[total]);
                _inProgress[peer] = a;
            }

            if (offset > a.Received)
            {
                return new SnapshotAck(meta.Index, meta.Term, a.Received, SnapshotAckStatus.Rewind);
            }

            if (offset == a.Received)
            {
                data.Span.CopyTo(a.Data.AsSpan((int)offset));
                a.Received += data.Length;
            }

            if (a.Received < total)
            {
                return new SnapshotAck(meta.Index, meta.Term, a.Received, SnapshotAckStatus.Progress);
            }

            _inProgress.Remove(peer);
            _delivered[peer] = (meta.Index, meta.Term);
            bytes = a.Data;
        }

        complete = header with { Snapshot = new Snapshot(meta, bytes) };
        var accepted = transport.Sink.OnMessage(complete);
        if (!accepted)
        {
            transport.Metrics.Dropped.Add(1);
            lock (_gate)
            {
                _delivered.Remove(peer);
            }
        }

        return new SnapshotAck(meta.Index, meta.Term, total, accepted ? SnapshotAckStatus.Delivered : SnapshotAckStatus.Rejected);
    }

    private sealed class Assembly(ulong index, ulong term, byte[] data)
    {
        public ulong Index { get; } = index;

        public ulong Term { get; } = term;

        public byte[] Data { get; } = data;

        public long Received { get; set; }
    }
}
