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

/// <summary>Why an acceptor refused a handshake (or, for <see cref="Accepted"/>, that it goes on).</summary>
internal enum HandshakeStatus : byte
{
    Accepted = 0,
    BadMagic = 1,
    ProtocolVersionMismatch = 2,
    ClusterIdMismatch = 3,
    WrongNodeId = 4,
    UnknownPeer = 5,

    /// <summary>The dialer's proof of the cluster secret is wrong (wrong secret, replay, reflection).</summary>
    BadProof = 6,

    /// <summary>Another connection from the same node id, from another process, is live and authenticated.</summary>
    DuplicateNodeId = 7,

    /// <summary>The acceptor requires a cluster secret and the dialer has none, or the other way round.</summary>
    AuthenticationMismatch = 8,

    /// <summary>The TLS certificate does not name the claimed node id.</summary>
    CertificateIdentityMismatch = 9,
}

/// <summary>The dialer's first frame. <see cref="Nonce"/> and <see cref="Instance"/> are only read for the current version.</summary>
internal readonly record struct Hello(uint Magic, ushort ProtocolVersion, string ClusterId, ulong From, ulong To)
{
    /// <summary>True when the dialer will prove knowledge of a cluster secret.</summary>
    public bool HasSecret { get; init; }

    /// <summary>The dialer's fresh random nonce (<see cref="ControlFrames.NonceBytes"/> bytes).</summary>
    public ReadOnlyMemory<byte> Nonce { get; init; }

    /// <summary>A random id of the dialing transport instance: tells a reconnect from another process with the same node id.</summary>
    public ulong Instance { get; init; }
}

/// <summary>The acceptor's answer to an acceptable hello: its nonce and its proof.</summary>
internal readonly record struct HelloChallenge(ulong Responder, ReadOnlyMemory<byte> Nonce, ReadOnlyMemory<byte> Proof);

internal readonly record struct SnapshotAck(ulong Index, ulong Term, long Received, SnapshotAckStatus Status);

/// <summary>Encoders and decoders of the frames that are not Raft messages.</summary>
/// <remarks>
/// Handshake of protocol version 2 (see docs/transport.md): hello (kind 4), challenge (kind 5, 73 bytes),
/// proof (kind 4, magic "HCRP"), result (kind 5, 9 bytes). A refusal at any step is a 9-byte reply,
/// the layout of version 1, so that a node of version 1 reads "protocol version mismatch".
/// </remarks>
internal static class ControlFrames
{
    /// <summary>"HCRT" read as a little-endian u32.</summary>
    public const uint Magic = 0x54524348;

    /// <summary>"HCRP" read as a little-endian u32: the dialer's proof frame.</summary>
    public const uint ProofMagic = 0x50524348;
    public const ushort ProtocolVersion = 2;
    public const int NonceBytes = 32;
    public const int ProofBytes = 32;
    public const int MaxClusterIdBytes = 255;
    public const int MaxHandshakeFrameBytes = 1024;
    public const int SnapshotChunkFixedBytes = 8 + 8 + 4;
    private const int AckPayloadBytes = 8 + 8 + 8 + 1;
    private const int ReplyPayloadBytes = 1 + 8;
    private const int ChallengePayloadBytes = 1 + 8 + NonceBytes + ProofBytes;

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
        if (hello.ProtocolVersion >= 2)
        {
            frame[p++] = hello.HasSecret ? (byte)1 : (byte)0;
            if (hello.Nonce.Length != NonceBytes)
            {
                throw new ArgumentException($"A hello nonce is {NonceBytes} bytes.", nameof(hello));
            }

            hello.Nonce.Span.CopyTo(frame[p..]);
            p += NonceBytes;
            WriteU64(frame, ref p, hello.Instance);
        }

        return SealFrame(frame, FrameKind.Hello, p - HeaderBytes);
    }

    /// <summary>Decodes a hello. For another magic or version only those two fields are read, so the
    /// acceptor can refuse it by name whatever follows.</summary>
    public static Hello DecodeHello(ReadOnlySpan<byte> payload)
    {
        if (payload.Length < 4 + 2)
        {
            throw new RaftFrameException($"Truncated handshake: {payload.Length} bytes.");
        }

        var p = 0;
        var magic = ReadU32(payload, ref p);
        var version = BinaryPrimitives.ReadUInt16LittleEndian(payload[p..]);
        p += 2;
        if (magic != Magic || version != ProtocolVersion)
        {
            return new Hello(magic, version, string.Empty, 0, 0);
        }

        const int Tail = 1 + NonceBytes + 8;
        if (payload.Length < 4 + 2 + 16 + 2 + Tail)
        {
            throw new RaftFrameException($"Truncated handshake: {payload.Length} bytes.");
        }

        var from = ReadU64(payload, ref p);
        var to = ReadU64(payload, ref p);
        var n = BinaryPrimitives.ReadUInt16LittleEndian(payload[p..]);
        p += 2;
        if (n != payload.Length - p - Tail || n > MaxClusterIdBytes)
        {
            throw new RaftFrameException($"Handshake cluster id length {n} does not match the {payload.Length - p - Tail} bytes remaining.");
        }

        string clusterId;
        try
        {
            clusterId = new UTF8Encoding(false, true).GetString(payload.Slice(p, n));
        }
        catch (DecoderFallbackException ex)
        {
            throw new RaftFrameException("Handshake cluster id is not valid UTF-8.", ex);
        }

        p += n;
        var flags = payload[p++];
        if (flags > 1)
        {
            throw new RaftFrameException($"Unknown handshake flags {flags}.");
        }

        var nonce = payload.Slice(p, NonceBytes).ToArray();
        p += NonceBytes;
        var instance = ReadU64(payload, ref p);
        return new Hello(magic, version, clusterId, from, to) { HasSecret = flags == 1, Nonce = nonce, Instance = instance };
    }

    /// <summary>A refusal, or the final result of a handshake (version 1's reply layout).</summary>
    public static int EncodeHelloReply(HandshakeStatus status, ulong responder, Span<byte> frame)
    {
        var p = HeaderBytes;
        frame[p++] = (byte)status;
        WriteU64(frame, ref p, responder);
        return SealFrame(frame, FrameKind.HelloReply, p - HeaderBytes);
    }

    public static (HandshakeStatus Status, ulong Responder) DecodeHelloReply(ReadOnlySpan<byte> payload)
    {
        if (payload.Length != ReplyPayloadBytes)
        {
            throw new RaftFrameException($"Handshake reply must be {ReplyPayloadBytes} bytes, got {payload.Length}.");
        }

        var status = (HandshakeStatus)payload[0];
        if (status > HandshakeStatus.CertificateIdentityMismatch)
        {
            throw new RaftFrameException($"Unknown handshake status {payload[0]}.");
        }

        var p = 1;
        return (status, ReadU64(payload, ref p));
    }

    /// <summary>True when a kind-5 payload is a challenge rather than a refusal or result.</summary>
    public static bool IsChallenge(ReadOnlySpan<byte> payload) => payload.Length == ChallengePayloadBytes;

    public static int EncodeChallenge(ulong responder, ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> proof, Span<byte> frame)
    {
        var p = HeaderBytes;
        frame[p++] = (byte)HandshakeStatus.Accepted;
        WriteU64(frame, ref p, responder);
        nonce.CopyTo(frame[p..]);
        p += NonceBytes;
        proof.CopyTo(frame[p..]);
        p += ProofBytes;
        return SealFrame(frame, FrameKind.HelloReply, p - HeaderBytes);
    }

    public static HelloChallenge DecodeChallenge(ReadOnlySpan<byte> payload)
    {
        if (payload.Length != ChallengePayloadBytes || payload[0] != (byte)HandshakeStatus.Accepted)
        {
            throw new RaftFrameException($"Invalid handshake challenge ({payload.Length} bytes).");
        }

        var p = 1;
        var responder = ReadU64(payload, ref p);
        return new HelloChallenge(responder, payload.Slice(p, NonceBytes).ToArray(), payload.Slice(p + NonceBytes, ProofBytes).ToArray());
    }

    public static int EncodeProof(ReadOnlySpan<byte> proof, Span<byte> frame)
    {
        var p = HeaderBytes;
        WriteU32(frame, ref p, ProofMagic);
        proof.CopyTo(frame[p..]);
        p += ProofBytes;
        return SealFrame(frame, FrameKind.Hello, p - HeaderBytes);
    }

    public static byte[] DecodeProof(ReadOnlySpan<byte> payload)
    {
        var p = 0;
        if (payload.Length != 4 + ProofBytes || ReadU32(payload, ref p) != ProofMagic)
        {
            throw new RaftFrameException($"Invalid handshake proof ({payload.Length} bytes).");
        }

        return payload[p..].ToArray();
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
