using HaCore.Raft;
using HaCore.Transport;

namespace HaCore.Fuzz.Targets;

/// <summary>Real Raft traffic between node 1 (sender) and node 2 (receiver), encoded by the transport's own encoders.</summary>
internal static class TransportSeeds
{
    public const ulong Sender = 1;
    public const ulong Receiver = 2;

    /// <summary>A small, representative set of messages: appends with entries, votes, responses, a heartbeat and a snapshot.</summary>
    public static IEnumerable<(string Name, Message Message)> Messages()
    {
        Entry[] entries =
        [
            new(3, 10, EntryType.Normal, "set x=1"u8.ToArray()),
            new(3, 11, EntryType.ConfChange, new byte[] { 1, 4, 0, 0, 0, 0, 0, 0, 0 }),
            new(3, 12, EntryType.Normal, ReadOnlyMemory<byte>.Empty),
        ];
        yield return ("append", new Message { Type = MessageType.Append, From = Sender, To = Receiver, Term = 3, LogTerm = 2, Index = 9, Commit = 8, Entries = entries });
        yield return ("append-response-reject", new Message { Type = MessageType.AppendResponse, From = Sender, To = Receiver, Term = 3, Index = 9, Reject = true, RejectHint = 5 });
        yield return ("vote", new Message { Type = MessageType.Vote, From = Sender, To = Receiver, Term = 4, LogTerm = 3, Index = 12 });
        yield return ("prevote-response", new Message { Type = MessageType.PreVoteResponse, From = Sender, To = Receiver, Term = 5 });
        yield return ("heartbeat", new Message { Type = MessageType.Heartbeat, From = Sender, To = Receiver, Term = 3, Commit = 12, Context = 77 });
        yield return ("timeout-now", new Message { Type = MessageType.TimeoutNow, From = Sender, To = Receiver, Term = 3, Transfer = true });
        yield return ("snapshot", new Message { Type = MessageType.Snapshot, From = Sender, To = Receiver, Term = 3, Snapshot = Snapshot(new byte[40]) });
    }

    public static Snapshot Snapshot(ReadOnlyMemory<byte> data) =>
        new(new SnapshotMetadata(20, 3, new ConfState([1, 2, 3], [4])), data);

    public static byte[] Frame(in Message message)
    {
        var frame = new byte[RaftMessageCodec.GetEncodedLength(message)];
        RaftMessageCodec.Encode(message, frame);
        return frame;
    }

    /// <summary>The chunk frames a sender writes for a snapshot of <paramref name="data"/>, <paramref name="chunkBytes"/> at a time.</summary>
    public static List<byte[]> ChunkFrames(ReadOnlyMemory<byte> data, int chunkBytes)
    {
        var message = new Message { Type = MessageType.Snapshot, From = Sender, To = Receiver, Term = 3, Snapshot = Snapshot(data) };
        var header = new byte[RaftMessageCodec.GetBodyLength(message, includeSnapshotData: false)];
        RaftMessageCodec.WriteBody(message, header, includeSnapshotData: false);
        var frames = new List<byte[]>();
        for (int offset = 0; offset < data.Length || (offset == 0 && data.IsEmpty); offset += chunkBytes)
        {
            int n = Math.Min(chunkBytes, data.Length - offset);
            var frame = new byte[ControlFrames.ChunkFrameLength(header.Length, n)];
            ControlFrames.EncodeSnapshotChunk(data.Length, offset, header, data.Span.Slice(offset, n), frame);
            frames.Add(frame);
            if (data.IsEmpty)
            {
                break;
            }
        }

        return frames;
    }

    public static byte[] AckFrame(in SnapshotAck ack)
    {
        var frame = new byte[64];
        int n = ControlFrames.EncodeAck(ack, frame);
        return frame[..n];
    }

    /// <summary>The payload of a frame (between its 8-byte header and 4-byte checksum).</summary>
    public static byte[] Payload(byte[] frame) => frame[RaftMessageCodec.HeaderBytes..^4];

    public static byte[] Concat(IEnumerable<byte[]> parts) => [.. parts.SelectMany(p => p)];
}
