using System.Buffers.Binary;
using System.Text;
using HaCore.Raft;
using static HaCore.Transport.RaftMessageCodec;

namespace HaCore.Transport;

/// <summary>What a snapshot receiver tells the sender after each chunk.</summary>
internal enum SnapshotAckStatus : byte
{
    /// <summary>The receiver holds <c>Received</c> bytes; keep going.</summary>
    Progress = 0,

    /// <summary>The receiver has it all and its node accepted it.</summary>
    Delivered = 1,

    /// <summary>The receiver gave up (too large, or its node's inbound queue was full).</summary>
    Rejected = 2,

    /// <summary>The receiver holds only <c>Received</c> bytes (it lost state or saw a gap): resume from there.</summary>
    Rewind = 3,
}

/// <summary>Why an acceptor refused a handshake.</summary>
internal enum HandshakeStatus : byte
{
    Accepted = 0,
    BadMagic = 1,
    ProtocolVersionMismatch = 2,
    ClusterIdMismatch = 3,
    WrongNodeId = 4,
    UnknownPeer = 5,
}

internal readonly record struct Hello(uint Magic, ushort ProtocolVersion, string ClusterId, ulong From, ulong To);

internal readonly record struct SnapshotAck(ulong Index, ulong Term, long Received, SnapshotAckStatus Status);

/// <summary>Encoders and decoders of the frames that are not Raft messages.</summary>
internal static class ControlFrames
{
    /// <summary>"HCRT" read as a little-endian u32.</summary>
    public const uint Magic = 0x54524348;
    public const ushort ProtocolVersion = 1;
    public const int MaxClusterIdBytes = 255;
    public const int MaxHandshakeFrameBytes = 1024;
    public const int SnapshotChunkFixedBytes = 8 + 8 + 4;
    private const int AckPayloadBytes = 8 + 8 + 8 + 1;

    public static int EncodeHello(in Hello hello, Span<byte> frame)
    {
        var p = HeaderBytes;
        WriteU32(frame, ref p, hello.Magic);
        BinaryPrimitives.WriteUInt16LittleEndian(frame[p..], hello.ProtocolVersion);
        p += 2;
        WriteU64(frame, ref p, hello.From);
        WriteU64(frame, ref p, hello.To);
        var n = Encoding.UTF8.GetBytes(hello.ClusterId, frame[(p + 2)..]);
        BinaryPrimitives.WriteUInt16LittleEndian(frame[p..], (ushort)n);
        p += 2 + n;
        return SealFrame(frame, FrameKind.Hello, p - HeaderBytes);
    }

    public static Hello DecodeHello(ReadOnlySpan<byte> payload)
    {
        if (payload.Length < 4 + 2 + 16 + 2)
        {
            throw new RaftFrameException($"Truncated handshake: {payload.Length} bytes.");
        }

        var p = 0;
        var magic = ReadU32(payload, ref p);
        var version = BinaryPrimitives.ReadUInt16LittleEndian(payload[p..]);
        p += 2;
        var from = ReadU64(payload, ref p);
        var to = ReadU64(payload, ref p);
        var n = BinaryPrimitives.ReadUInt16LittleEndian(payload[p..]);
        p += 2;
        if (n != payload.Length - p || n > MaxClusterIdBytes)
        {
            throw new RaftFrameException($"Handshake cluster id length {n} does not match the {payload.Length - p} bytes remaining.");
        }

        string clusterId;
        try
        {
            clusterId = new UTF8Encoding(false, true).GetString(payload[p..]);
        }
        catch (DecoderFallbackException ex)
        {
            throw new RaftFrameException("Handshake cluster id is not valid UTF-8.", ex);
        }

        return new Hello(magic, version, clusterId, from, to);
    }

    public static int EncodeHelloReply(HandshakeStatus status, ulong responder, Span<byte> frame)
    {
        var p = HeaderBytes;
        frame[p++] = (byte)status;
        WriteU64(frame, ref p, responder);
        return SealFrame(frame, FrameKind.HelloReply, p - HeaderBytes);
    }

    public static (HandshakeStatus Status, ulong Responder) DecodeHelloReply(ReadOnlySpan<byte> payload)
    {
        if (payload.Length != 9)
        {
            throw new RaftFrameException($"Handshake reply must be 9 bytes, got {payload.Length}.");
        }

        var status = (HandshakeStatus)payload[0];
        if (status > HandshakeStatus.UnknownPeer)
        {
            throw new RaftFrameException($"Unknown handshake status {payload[0]}.");
        }

        var p = 1;
        return (status, ReadU64(payload, ref p));
    }

    /// <summary>Size of a chunk frame carrying <paramref name="headerLength"/> header bytes and <paramref name="dataLength"/> data bytes.</summary>
    public static int ChunkFrameLength(int headerLength, int dataLength) =>
        FrameOverheadBytes + SnapshotChunkFixedBytes + headerLength + dataLength;

    /// <summary>Writes a snapshot chunk: total size, offset, the message header (a snapshot message without its data), bytes.</summary>
    public static int EncodeSnapshotChunk(long total, long offset, ReadOnlySpan<byte> header, ReadOnlySpan<byte> data, Span<byte> frame)
    {
        var p = HeaderBytes;
        WriteU64(frame, ref p, (ulong)total);
        WriteU64(frame, ref p, (ulong)offset);
        WriteU32(frame, ref p, (uint)header.Length);
        header.CopyTo(frame[p..]);
        p += header.Length;
        data.CopyTo(frame[p..]);
        p += data.Length;
        return SealFrame(frame, FrameKind.SnapshotChunk, p - HeaderBytes);
    }

    /// <summary>Decodes a chunk; <paramref name="data"/> is a slice of <paramref name="payload"/>.</summary>
    public static (Message Header, long Total, long Offset) DecodeSnapshotChunk(ReadOnlyMemory<byte> payload, out ReadOnlyMemory<byte> data)
    {
        var span = payload.Span;
        if (span.Length < SnapshotChunkFixedBytes)
        {
            throw new RaftFrameException($"Truncated snapshot chunk: {span.Length} bytes.");
        }

        var p = 0;
        var total = ReadU64(span, ref p);
        var offset = ReadU64(span, ref p);
        var headerLength = ReadU32(span, ref p);
        if (headerLength > (uint)(span.Length - p))
        {
            throw new RaftFrameException($"Snapshot chunk header length {headerLength} exceeds the {span.Length - p} bytes remaining.");
        }

        // The header is copied: the message outlives this frame's buffer.
        var header = ReadMessageBody(payload.Slice(p, (int)headerLength).ToArray());
        p += (int)headerLength;
        if (header.Type != MessageType.Snapshot || header.Snapshot is null || !header.Snapshot.Data.IsEmpty)
        {
            throw new RaftFrameException("A snapshot chunk's header must be a snapshot message without data.");
        }

        data = payload[p..];
        if (total > int.MaxValue || offset > total || (ulong)data.Length > total - offset)
        {
            throw new RaftFrameException($"Snapshot chunk at offset {offset} with {data.Length} bytes does not fit a total of {total}.");
        }

        return (header, (long)total, (long)offset);
    }

    public static int EncodeAck(in SnapshotAck ack, Span<byte> frame)
    {
        var p = HeaderBytes;
        WriteU64(frame, ref p, ack.Index);
        WriteU64(frame, ref p, ack.Term);
        WriteU64(frame, ref p, (ulong)ack.Received);
        frame[p++] = (byte)ack.Status;
        return SealFrame(frame, FrameKind.SnapshotAck, p - HeaderBytes);
    }

    public static SnapshotAck DecodeAck(ReadOnlySpan<byte> payload)
    {
        if (payload.Length != AckPayloadBytes)
        {
            throw new RaftFrameException($"Snapshot ack must be {AckPayloadBytes} bytes, got {payload.Length}.");
        }

        var p = 0;
        var index = ReadU64(payload, ref p);
        var term = ReadU64(payload, ref p);
        var received = ReadU64(payload, ref p);
        var status = (SnapshotAckStatus)payload[p];
        if (status > SnapshotAckStatus.Rewind || received > int.MaxValue)
        {
            throw new RaftFrameException($"Invalid snapshot ack (status {payload[p]}, received {received}).");
        }

        return new SnapshotAck(index, term, (long)received, status);
    }
}
