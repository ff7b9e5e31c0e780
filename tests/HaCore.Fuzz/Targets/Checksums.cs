using System.Buffers.Binary;
using HaCore.Raft;
using HaCore.Storage;
using HaCore.Transport;

namespace HaCore.Fuzz.Targets;

/// <summary>
/// Recomputes the checksums of mutated inputs so that the fuzzer reaches the decoding behind them. Each
/// target's first input byte chooses: bit 0 set means "fix the checksums", clear means "as given"
/// (then the checksum checks themselves are under test).
/// </summary>
internal static class Checksums
{
    public const byte FixFlag = 1;

    /// <summary>Splits the mode byte off <paramref name="input"/>; the rest is copied so it can be fixed up.</summary>
    public static (bool Fix, byte[] Data) Split(ReadOnlySpan<byte> input) =>
        input.IsEmpty ? (false, []) : ((input[0] & FixFlag) != 0, input[1..].ToArray());

    /// <summary>Rewrites the CRC of every whole frame in a stream of frames, as far as their lengths are plausible.</summary>
    public static void FixFrames(Span<byte> stream)
    {
        int p = 0;
        while (stream.Length - p >= RaftMessageCodec.FrameOverheadBytes)
        {
            uint length = BinaryPrimitives.ReadUInt32LittleEndian(stream[p..]);
            if (length < RaftMessageCodec.FrameOverheadBytes - 4 || length > (uint)(stream.Length - p - 4))
            {
                return;
            }

            var frame = stream.Slice(p, (int)length + 4);
            BinaryPrimitives.WriteUInt32LittleEndian(frame[^4..], Crc32C.Compute(frame[4..^4]));
            p += frame.Length;
        }
    }

    /// <summary>Rewrites a WAL segment's header checksum and the checksum of each record whose length is plausible.</summary>
    public static void FixSegment(Span<byte> segment, int maxRecordBytes)
    {
        if (segment.Length < WalFormat.SegmentHeaderBytes)
        {
            return;
        }

        BinaryPrimitives.WriteUInt32LittleEndian(segment[60..], Crc32C.Compute(segment[..60]));
        ulong salt = BinaryPrimitives.ReadUInt64LittleEndian(segment[40..]);
        int pos = WalFormat.SegmentHeaderBytes;
        while (segment.Length - pos >= WalFormat.RecordHeaderBytes)
        {
            uint length = BinaryPrimitives.ReadUInt32LittleEndian(segment[pos..]);
            if (WalFormat.IsEndMarker(segment[pos..]) || length > (uint)maxRecordBytes || WalFormat.RecordBytes((int)length) > segment.Length - pos)
            {
                return;
            }

            var record = segment.Slice(pos, WalFormat.RecordBytes((int)length));
            BinaryPrimitives.WriteUInt32LittleEndian(record[24..], WalFormat.RecordChecksum(record, salt));
            pos += record.Length;
        }
    }

    /// <summary>Rewrites a snapshot file's header and payload checksums when its declared header size fits.</summary>
    public static void FixSnapshot(Span<byte> file)
    {
        if (file.Length < SnapshotFormat.FixedHeaderBytes)
        {
            return;
        }

        uint headerBytes = BinaryPrimitives.ReadUInt32LittleEndian(file[12..]);
        if (headerBytes < SnapshotFormat.FixedHeaderBytes || headerBytes > (uint)file.Length)
        {
            return;
        }

        BinaryPrimitives.WriteUInt32LittleEndian(file[48..], Crc32C.Compute(file[(int)headerBytes..]));
        BinaryPrimitives.WriteUInt32LittleEndian(file[60..], SnapshotFormat.HeaderChecksum(file[..(int)headerBytes]));
    }
}
