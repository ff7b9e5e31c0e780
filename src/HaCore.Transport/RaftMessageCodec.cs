using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using HaCore.Raft;

namespace HaCore.Transport;

/// <summary>The kinds of frame on a transport connection (docs/transport.md).</summary>
internal enum FrameKind : byte
{
    /// <summary>One Raft message (snapshots over TCP travel as <see cref="SnapshotChunk"/> instead).</summary>
    Message = 1,

    /// <summary>A piece of a snapshot: its message header, total size, offset and bytes.</summary>
    SnapshotChunk = 2,

    /// <summary>Receiver to sender: how many snapshot bytes it holds, or that it is done.</summary>
    SnapshotAck = 3,

    /// <summary>Dialer to acceptor: magic, protocol version, cluster id, both node ids.</summary>
    Hello = 4,

    /// <summary>Acceptor to dialer: accepted, or why not.</summary>
    HelloReply = 5,
}

/// <summary>
/// Encodes Raft <see cref="Message"/>s into self-delimiting frames and decodes them, validating every
/// field. A frame is <c>u32 length | u8 version | u8 kind | u16 reserved | payload | u32 CRC-32C</c>,
/// little-endian, where the length counts every byte after itself and the checksum covers version to
/// payload. The full layout is in docs/transport.md.
/// </summary>
public static class RaftMessageCodec
{
    /// <summary>The frame format version this codec writes and accepts.</summary>
    public const byte FormatVersion = 1;

    /// <summary>Bytes a frame adds around its payload: length, version, kind, reserved and checksum.</summary>
    public const int FrameOverheadBytes = 12;

    internal const int HeaderBytes = 8;
    private const int MessageFixedBytes = 2 + (8 * 8) + 4;
    private const int EntryFixedBytes = 8 + 8 + 1 + 4;
    private const int SnapshotFixedBytes = 8 + 8 + 4 + 4 + 4;
    private const byte FlagReject = 1;
    private const byte FlagTransfer = 2;
    private const byte FlagSnapshot = 4;
    private const byte KnownFlags = FlagReject | FlagTransfer | FlagSnapshot;

    /// <summary>The size of the frame <see cref="Encode"/> writes for <paramref name="message"/>.</summary>
    /// <exception cref="ArgumentException">The message would not fit in a 2 GiB frame.</exception>
    public static int GetEncodedLength(in Message message) =>
        FrameOverheadBytes + GetBodyLength(message, includeSnapshotData: true);

    /// <summary>Writes <paramref name="message"/> as one frame into <paramref name="destination"/>.</summary>
    /// <returns>The number of bytes written (<see cref="GetEncodedLength"/>).</returns>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is too small.</exception>
    public static int Encode(in Message message, Span<byte> destination)
    {
        var body = GetBodyLength(message, includeSnapshotData: true);
        var total = FrameOverheadBytes + body;
        if (destination.Length < total)
        {
            throw new ArgumentException($"The destination holds {destination.Length} bytes; the frame needs {total}.", nameof(destination));
        }

        WriteBody(message, destination.Slice(HeaderBytes, body), includeSnapshotData: true);
        return SealFrame(destination, FrameKind.Message, body);
    }

    /// <summary>
    /// Decodes one frame written by <see cref="Encode"/>. The returned message owns copies of its
    /// payloads, so <paramref name="frame"/> may be reused at once.
    /// </summary>
    /// <param name="frame">Exactly one frame, length prefix included.</param>
    /// <param name="maxFrameBytes">Frames longer than this are refused before anything is allocated.</param>
    /// <exception cref="RaftFrameException">The frame is truncated, too long, fails its checksum, or holds an invalid message.</exception>
    public static Message Decode(ReadOnlySpan<byte> frame, int maxFrameBytes = int.MaxValue)
    {
        var payload = ValidateFrame(frame, maxFrameBytes, out var kind);
        if (kind != FrameKind.Message)
        {
            throw new RaftFrameException($"Expected a message frame, got frame kind {kind}.");
        }

        return ReadMessageBody(payload.ToArray());
    }

    /// <summary>Reads the length prefix of a frame and checks it against the limits.</summary>
    /// <returns>The whole frame's size, prefix included.</returns>
    internal static int ReadFrameLength(ReadOnlySpan<byte> prefix, int maxFrameBytes)
    {
        var length = BinaryPrimitives.ReadUInt32LittleEndian(prefix);
        if (length < FrameOverheadBytes - 4)
        {
            throw new RaftFrameException($"Frame length {length} is shorter than the {FrameOverheadBytes - 4}-byte minimum.");
        }

        if (length > (uint)maxFrameBytes - 4)
        {
            throw new RaftFrameException($"Frame of {(ulong)length + 4} bytes exceeds the {maxFrameBytes}-byte limit.");
        }

        return (int)length + 4;
    }

    /// <summary>Checks a whole frame (length, version, kind, reserved bits, checksum); returns its payload.</summary>
    internal static ReadOnlySpan<byte> ValidateFrame(ReadOnlySpan<byte> frame, int maxFrameBytes, out FrameKind kind)
    {
        if (frame.Length < FrameOverheadBytes)
        {
            throw new RaftFrameException($"Truncated frame: {frame.Length} bytes, at least {FrameOverheadBytes} needed.");
        }

        var total = ReadFrameLength(frame, maxFrameBytes);
        if (total != frame.Length)
        {
            throw new RaftFrameException($"Frame length field says {total} bytes but {frame.Length} were given (truncated or trailing data).");
        }

        var version = frame[4];
        if (version != FormatVersion)
        {
            throw new RaftFrameException($"Unsupported frame format version {version}; this node speaks version {FormatVersion}.");
        }

        kind = (FrameKind)frame[5];
        if (kind is < FrameKind.Message or > FrameKind.HelloReply)
        {
            throw new RaftFrameException($"Unknown frame kind {frame[5]}.");
        }

        if (BinaryPrimitives.ReadUInt16LittleEndian(frame[6..]) != 0)
        {
            throw new RaftFrameException("Reserved frame header bits are set.");
        }

        var expected = BinaryPrimitives.ReadUInt32LittleEndian(frame[^4..]);
        var actual = Crc32C.Compute(frame[4..^4]);
        if (expected != actual)
        {
            throw new RaftFrameException($"Frame checksum mismatch: CRC-32C is 0x{actual:x8}, the frame says 0x{expected:x8}.");
        }

        return frame[HeaderBytes..^4];
    }

    /// <summary>Fills in the header and checksum around a payload already written at offset 8.</summary>
    /// <returns>The frame's total size.</returns>
    internal static int SealFrame(Span<byte> frame, FrameKind kind, int payloadLength)
    {
        var total = FrameOverheadBytes + payloadLength;
        BinaryPrimitives.WriteUInt32LittleEndian(frame, (uint)(total - 4));
        frame[4] = FormatVersion;
        frame[5] = (byte)kind;
        BinaryPrimitives.WriteUInt16LittleEndian(frame[6..], 0);
        var crc = Crc32C.Compute(frame[4..(total - 4)]);
        BinaryPrimitives.WriteUInt32LittleEndian(frame[(total - 4)..], crc);
        return total;
    }

    internal static int GetBodyLength(in Message message, bool includeSnapshotData)
    {
        long size = MessageFixedBytes;
        foreach (ref readonly var e in message.Entries.Span)
        {
            size += EntryFixedBytes + e.Data.Length;
        }

        if (message.Snapshot is { } snapshot)
        {
            var conf = snapshot.Metadata.ConfState;
            size += SnapshotFixedBytes + (8L * (conf.Voters.Length + conf.Learners.Length));
            if (includeSnapshotData)
            {
                size += snapshot.Data.Length;
            }
        }

        if (size > int.MaxValue - FrameOverheadBytes)
        {
            throw new ArgumentException($"The message encodes to {size} bytes, more than a frame can hold.", nameof(message));
        }

        return (int)size;
    }

    internal static int WriteBody(in Message m, Span<byte> dest, bool includeSnapshotData)
    {
        var flags = (byte)((m.Reject ? FlagReject : 0) | (m.Transfer ? FlagTransfer : 0) | (m.Snapshot is null ? 0 : FlagSnapshot));
        dest[0] = (byte)m.Type;
        dest[1] = flags;
        var p = 2;
        WriteU64(dest, ref p, m.From);
        WriteU64(dest, ref p, m.To);
        WriteU64(dest, ref p, m.Term);
        WriteU64(dest, ref p, m.LogTerm);
        WriteU64(dest, ref p, m.Index);
        WriteU64(dest, ref p, m.Commit);
        WriteU64(dest, ref p, m.RejectHint);
        WriteU64(dest, ref p, m.Context);
        var entries = m.Entries.Span;
        WriteU32(dest, ref p, (uint)entries.Length);
        foreach (ref readonly var e in entries)
        {
            WriteU64(dest, ref p, e.Term);
            WriteU64(dest, ref p, e.Index);
            dest[p++] = (byte)e.Type;
            WriteU32(dest, ref p, (uint)e.Data.Length);
            e.Data.Span.CopyTo(dest[p..]);
            p += e.Data.Length;
        }

        if (m.Snapshot is { } snapshot)
        {
            var meta = snapshot.Metadata;
            WriteU64(dest, ref p, meta.Index);
            WriteU64(dest, ref p, meta.Term);
            WriteU32(dest, ref p, (uint)meta.ConfState.Voters.Length);
            foreach (var v in meta.ConfState.Voters)
            {
                WriteU64(dest, ref p, v);
            }

            WriteU32(dest, ref p, (uint)meta.ConfState.Learners.Length);
            foreach (var l in meta.ConfState.Learners)
            {
                WriteU64(dest, ref p, l);
            }

            if (includeSnapshotData)
            {
                WriteU32(dest, ref p, (uint)snapshot.Data.Length);
                snapshot.Data.Span.CopyTo(dest[p..]);
                p += snapshot.Data.Length;
            }
            else
            {
                WriteU32(dest, ref p, 0);
            }
        }

        return p;
    }

    /// <summary>Decodes a message body; entry and snapshot payloads are slices of <paramref name="body"/>.</summary>
    internal static Message ReadMessageBody(ReadOnlyMemory<byte> body)
    {
        var span = body.Span;
        if (span.Length < MessageFixedBytes)
        {
            throw new RaftFrameException($"Truncated message: {span.Length} bytes, at least {MessageFixedBytes} needed.");
        }

        var type = (MessageType)span[0];
        if (type is < MessageType.Append or > MessageType.Propose)
        {
            throw new RaftFrameException($"Unknown message type {span[0]}.");
        }

        var flags = span[1];
        if ((flags & ~KnownFlags) != 0)
        {
            throw new RaftFrameException($"Unknown message flags 0x{flags:x2}.");
        }

        var p = 2;
        var from = ReadU64(span, ref p);
        var to = ReadU64(span, ref p);
        var term = ReadU64(span, ref p);
        var logTerm = ReadU64(span, ref p);
        var index = ReadU64(span, ref p);
        var commit = ReadU64(span, ref p);
        var rejectHint = ReadU64(span, ref p);
        var context = ReadU64(span, ref p);
        var count = ReadU32(span, ref p);

        // A lying count cannot make us allocate: every entry needs at least EntryFixedBytes.
        if (count > (uint)(span.Length - p) / EntryFixedBytes)
        {
            throw new RaftFrameException($"Message claims {count} entries but only {span.Length - p} bytes remain.");
        }

        var entries = count == 0 ? [] : new Entry[count];
        for (var i = 0; i < entries.Length; i++)
        {
            Need(span, p, EntryFixedBytes, "entry");
            var eTerm = ReadU64(span, ref p);
            var eIndex = ReadU64(span, ref p);
            var eType = (EntryType)span[p++];
            if (eType is not (EntryType.Normal or EntryType.ConfChange))
            {
                throw new RaftFrameException($"Entry {i} has unknown type {(byte)eType}.");
            }

            var length = ReadLength(span, ref p, "entry data");
            entries[i] = new Entry(eTerm, eIndex, eType, body.Slice(p, length));
            p += length;
        }

        Snapshot? snapshot = null;
        if ((flags & FlagSnapshot) != 0)
        {
            snapshot = ReadSnapshot(body, span, ref p);
        }

        if (p != span.Length)
        {
            throw new RaftFrameException($"{span.Length - p} unexpected bytes after the message.");
        }

        return new Message
        {
            Type = type,
            From = from,
            To = to,
            Term = term,
            LogTerm = logTerm,
            Index = index,
            Commit = commit,
            RejectHint = rejectHint,
            Context = context,
            Reject = (flags & FlagReject) != 0,
            Transfer = (flags & FlagTransfer) != 0,
            Entries = entries,
            Snapshot = snapshot,
        };
    }

    private static Snapshot ReadSnapshot(ReadOnlyMemory<byte> body, ReadOnlySpan<byte> span, ref int p)
    {
        Need(span, p, SnapshotFixedBytes, "snapshot metadata");
        var index = ReadU64(span, ref p);
        var term = ReadU64(span, ref p);
        var voters = ReadIds(span, ref p, "voters");
        var learners = ReadIds(span, ref p, "learners");
        ConfState conf;
        try
        {
            conf = voters.Length == 0 && learners.Length == 0 ? ConfState.Empty : new ConfState(voters, learners);
        }
        catch (ArgumentException ex)
        {
            throw new RaftFrameException($"Invalid snapshot membership: {ex.Message}", ex);
        }

        var length = ReadLength(span, ref p, "snapshot data");
        var data = body.Slice(p, length);
        p += length;
        return new Snapshot(new SnapshotMetadata(index, term, conf), data);
    }

    private static ulong[] ReadIds(ReadOnlySpan<byte> span, ref int p, string what)
    {
        Need(span, p, 4, what);
        var count = ReadU32(span, ref p);
        if (count > (uint)(span.Length - p) / 8)
        {
            throw new RaftFrameException($"Snapshot claims {count} {what} but only {span.Length - p} bytes remain.");
        }

        var ids = new ulong[count];
        for (var i = 0; i < ids.Length; i++)
        {
            ids[i] = ReadU64(span, ref p);
        }

        return ids;
    }

    private static int ReadLength(ReadOnlySpan<byte> span, ref int p, string what)
    {
        Need(span, p, 4, what);
        var length = ReadU32(span, ref p);
        if (length > (uint)(span.Length - p))
        {
            throw new RaftFrameException($"The {what} length {length} exceeds the {span.Length - p} bytes remaining.");
        }

        return (int)length;
    }

    private static void Need(ReadOnlySpan<byte> span, int p, int bytes, string what)
    {
        if (span.Length - p < bytes)
        {
            throw new RaftFrameException($"Truncated {what}: {bytes} bytes needed, {span.Length - p} remain.");
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void WriteU64(Span<byte> s, ref int p, ulong v)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(s[p..], v);
        p += 8;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void WriteU32(Span<byte> s, ref int p, uint v)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(s[p..], v);
        p += 4;
    }

    // Callers check lengths first; slicing still throws (never reads past) if one forgets, and the
    // connection handler maps that to a malformed frame too.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static ulong ReadU64(ReadOnlySpan<byte> s, ref int p)
    {
        var v = BinaryPrimitives.ReadUInt64LittleEndian(s[p..]);
        p += 8;
        return v;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static uint ReadU32(ReadOnlySpan<byte> s, ref int p)
    {
        var v = BinaryPrimitives.ReadUInt32LittleEndian(s[p..]);
        p += 4;
        return v;
    }
}
