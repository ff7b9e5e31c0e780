using System.Buffers.Binary;
using HaCore.Raft;

namespace HaCore.Storage;

/// <summary>The kinds of WAL record. 0 is reserved: a zero record header marks the end of the written data.</summary>
internal enum RecordType : byte
{
    EntryNormal = 1,
    EntryConfChange = 2,
    HardState = 3,
    BootstrapConfState = 4,
}

/// <summary>A decoded segment header.</summary>
internal readonly record struct SegmentHeader(uint Version, ulong ClusterId, ulong FirstIndex, ulong Sequence, ulong Salt);

/// <summary>
/// The on-disk layout of WAL segments (docs/wal-format.md). All integers are little-endian.
/// </summary>
internal static class WalFormat
{
    /// <summary>"HACOREWL" read as a little-endian u64.</summary>
    public const ulong SegmentMagic = 0x4C57_4552_4F43_4148;

    /// <summary>Version 2 added the record footer; version 1 segments are refused with a clear error.</summary>
    public const uint FormatVersion = 2;

    public const int SegmentHeaderBytes = 64;

    public const int RecordHeaderBytes = 32;

    /// <summary>The footer after each record's padding: the payload length and a salt-derived tag (never zero).</summary>
    public const int RecordFooterBytes = 8;

    /// <summary>The smallest record: a header, no payload, a footer.</summary>
    public const int MinRecordBytes = RecordHeaderBytes + RecordFooterBytes;

    public const int HardStatePayloadBytes = 24;

    /// <summary>The size of a hard-state record.</summary>
    public const int HardStateRecordBytes = RecordHeaderBytes + HardStatePayloadBytes + RecordFooterBytes;

    public const string SegmentExtension = ".wal";

    public const string TempExtension = ".tmp";

    public static int Align8(int n) => (n + 7) & ~7;

    /// <summary>The bytes a record with <paramref name="payloadBytes"/> of payload takes, padding and footer included.</summary>
    public static int RecordBytes(int payloadBytes) => RecordHeaderBytes + Align8(payloadBytes) + RecordFooterBytes;

    /// <summary>The footer tag of a segment: derived from its salt, never zero, so that a zero last word means the
    /// write that should have ended the record never got there.</summary>
    public static uint FooterTag(ulong salt)
    {
        uint tag = (uint)salt ^ (uint)(salt >> 32) ^ 0x5245_4346;
        return tag == 0 ? 1 : tag;
    }

    /// <summary>True when the 8 bytes at the start of <paramref name="word"/> are a record footer of the segment with <paramref name="salt"/>.</summary>
    public static bool IsFooter(ReadOnlySpan<byte> word, ulong salt) =>
        word.Length >= RecordFooterBytes && BinaryPrimitives.ReadUInt32LittleEndian(word[4..]) == FooterTag(salt);

    public static string SegmentFileName(ulong sequence) => sequence.ToString("x16", System.Globalization.CultureInfo.InvariantCulture) + SegmentExtension;

    public static bool TryParseSegmentFileName(string name, out ulong sequence)
    {
        sequence = 0;
        return name.Length == 16 + SegmentExtension.Length
            && name.EndsWith(SegmentExtension, StringComparison.Ordinal)
            && ulong.TryParse(name.AsSpan(0, 16), System.Globalization.NumberStyles.AllowHexSpecifier, System.Globalization.CultureInfo.InvariantCulture, out sequence);
    }

    public static void WriteSegmentHeader(Span<byte> destination, in SegmentHeader header)
    {
        var h = destination[..SegmentHeaderBytes];
        h.Clear();
        BinaryPrimitives.WriteUInt64LittleEndian(h, SegmentMagic);
        BinaryPrimitives.WriteUInt32LittleEndian(h[8..], header.Version);
        BinaryPrimitives.WriteUInt32LittleEndian(h[12..], SegmentHeaderBytes);
        BinaryPrimitives.WriteUInt64LittleEndian(h[16..], header.ClusterId);
        BinaryPrimitives.WriteUInt64LittleEndian(h[24..], header.FirstIndex);
        BinaryPrimitives.WriteUInt64LittleEndian(h[32..], header.Sequence);
        BinaryPrimitives.WriteUInt64LittleEndian(h[40..], header.Salt);
        BinaryPrimitives.WriteUInt32LittleEndian(h[60..], Crc32C.Compute(h[..60]));
    }

    /// <summary>Decodes and checks a segment header.</summary>
    /// <exception cref="StorageCorruptionException">The magic or the checksum is wrong.</exception>
    /// <exception cref="StorageFormatException">The version is unknown or the cluster id differs.</exception>
    public static SegmentHeader ReadSegmentHeader(ReadOnlySpan<byte> h, string path, ulong expectedClusterId)
    {
        if (h.Length < SegmentHeaderBytes)
        {
            throw new StorageCorruptionException(path, h.Length, $"the file is {h.Length} bytes, shorter than a segment header ({SegmentHeaderBytes} bytes)");
        }

        if (BinaryPrimitives.ReadUInt64LittleEndian(h) != SegmentMagic)
        {
            throw new StorageCorruptionException(path, 0, "the segment header does not start with the magic 'HACOREWL'");
        }

        uint version = BinaryPrimitives.ReadUInt32LittleEndian(h[8..]);
        uint stored = BinaryPrimitives.ReadUInt32LittleEndian(h[60..]);
        if (stored != Crc32C.Compute(h[..60]))
        {
            throw new StorageCorruptionException(path, 60, "the segment header checksum does not match");
        }

        if (version != FormatVersion)
        {
            throw new StorageFormatException($"The WAL segment '{path}' has format version {version}; this build reads version {FormatVersion} only. Upgrade HaCore or restore a compatible data directory.", path);
        }

        if (BinaryPrimitives.ReadUInt32LittleEndian(h[12..]) != SegmentHeaderBytes)
        {
            throw new StorageCorruptionException(path, 12, "the segment header size is not 64");
        }

        ulong clusterId = BinaryPrimitives.ReadUInt64LittleEndian(h[16..]);
        if (clusterId != expectedClusterId)
        {
            throw new StorageFormatException($"The WAL segment '{path}' belongs to cluster {clusterId:x16}, but this node is configured for cluster {expectedClusterId:x16}. Check StorageOptions.ClusterId and the data directory.", path);
        }

        return new SegmentHeader(version, clusterId, BinaryPrimitives.ReadUInt64LittleEndian(h[24..]), BinaryPrimitives.ReadUInt64LittleEndian(h[32..]), BinaryPrimitives.ReadUInt64LittleEndian(h[40..]));
    }

    /// <summary>Encodes one record (header, payload, zero padding) into <paramref name="destination"/>; returns its size.</summary>
    public static int WriteRecord(Span<byte> destination, ulong salt, RecordType type, ulong term, ulong index, ReadOnlySpan<byte> payload)
    {
        int size = RecordBytes(payload.Length);
        var r = destination[..size];
        BinaryPrimitives.WriteUInt32LittleEndian(r, (uint)payload.Length);
        r[4] = (byte)type;
        r[5] = 0;
        r[6] = 0;
        r[7] = 0;
        BinaryPrimitives.WriteUInt64LittleEndian(r[8..], term);
        BinaryPrimitives.WriteUInt64LittleEndian(r[16..], index);
        BinaryPrimitives.WriteUInt64LittleEndian(r[24..], 0);
        payload.CopyTo(r[RecordHeaderBytes..]);
        r[(RecordHeaderBytes + payload.Length)..].Clear();
        BinaryPrimitives.WriteUInt32LittleEndian(r[24..], RecordChecksum(r, salt));
        BinaryPrimitives.WriteUInt32LittleEndian(r[(size - RecordFooterBytes)..], (uint)payload.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(r[(size - 4)..], FooterTag(salt));
        return size;
    }

    /// <summary>The record checksum: CRC-32C over the segment salt, the header without its checksum field, the payload and
    /// the padding. <paramref name="record"/> is the whole record; its footer is not covered (see docs/wal-format.md).</summary>
    public static uint RecordChecksum(ReadOnlySpan<byte> record, ulong salt)
    {
        uint crc = Crc32C.Update(Crc32C.Seed, salt);
        crc = Crc32C.Update(crc, record[..24]);
        crc = Crc32C.Update(crc, record[28..^RecordFooterBytes]);
        return Crc32C.Finish(crc);
    }

    public static bool IsEndMarker(ReadOnlySpan<byte> header) => BinaryPrimitives.ReadUInt64LittleEndian(header) == 0;

    /// <summary>
    /// Checks the record at the start of <paramref name="span"/>. Returns its payload length, or -1 with a
    /// reason when the bytes are not a valid record of this segment (torn, corrupt, stale or zero).
    /// </summary>
    public static int TryValidateRecord(ReadOnlySpan<byte> span, ulong salt, int maxPayloadBytes, out string? reason)
    {
        if (span.Length < RecordHeaderBytes)
        {
            reason = "the record header runs past the end of the segment";
            return -1;
        }

        uint length = BinaryPrimitives.ReadUInt32LittleEndian(span);
        byte type = span[4];
        if (type is < (byte)RecordType.EntryNormal or > (byte)RecordType.BootstrapConfState || span[5] != 0 || span[6] != 0 || span[7] != 0 || BinaryPrimitives.ReadUInt32LittleEndian(span[28..]) != 0)
        {
            reason = $"the record header is invalid (type {type})";
            return -1;
        }

        if (length > (uint)maxPayloadBytes)
        {
            reason = $"the record length {length} exceeds the limit of {maxPayloadBytes} bytes";
            return -1;
        }

        int size = RecordBytes((int)length);
        if (size > span.Length)
        {
            reason = $"the record of {size} bytes runs past the end of the segment";
            return -1;
        }

        if (BinaryPrimitives.ReadUInt32LittleEndian(span[24..]) != RecordChecksum(span[..size], salt))
        {
            reason = "the record checksum does not match";
            return -1;
        }

        reason = null;
        return (int)length;
    }

    public static RecordType TypeOf(ReadOnlySpan<byte> header) => (RecordType)header[4];

    public static ulong TermOf(ReadOnlySpan<byte> header) => BinaryPrimitives.ReadUInt64LittleEndian(header[8..]);

    public static ulong IndexOf(ReadOnlySpan<byte> header) => BinaryPrimitives.ReadUInt64LittleEndian(header[16..]);

    public static RecordType ToRecordType(EntryType type) => type switch
    {
        EntryType.Normal => RecordType.EntryNormal,
        EntryType.ConfChange => RecordType.EntryConfChange,
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "Unknown entry type."),
    };

    public static void WriteHardState(Span<byte> destination, HardState hs)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(destination, hs.Term);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[8..], hs.Vote);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[16..], hs.Commit);
    }

    public static HardState ReadHardState(ReadOnlySpan<byte> payload) => new(
        BinaryPrimitives.ReadUInt64LittleEndian(payload),
        BinaryPrimitives.ReadUInt64LittleEndian(payload[8..]),
        BinaryPrimitives.ReadUInt64LittleEndian(payload[16..]));

    public static byte[] EncodeConfState(ConfState conf)
    {
        var bytes = new byte[8 + (8 * (conf.Voters.Length + conf.Learners.Length))];
        BinaryPrimitives.WriteUInt32LittleEndian(bytes, (uint)conf.Voters.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(4), (uint)conf.Learners.Length);
        int at = 8;
        foreach (var id in conf.Voters.Concat(conf.Learners))
        {
            BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(at), id);
            at += 8;
        }

        return bytes;
    }

    /// <summary>Decodes a membership; returns null when the bytes are malformed.</summary>
    public static ConfState? DecodeConfState(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length < 8)
        {
            return null;
        }

        uint voters = BinaryPrimitives.ReadUInt32LittleEndian(bytes);
        uint learners = BinaryPrimitives.ReadUInt32LittleEndian(bytes[4..]);
        if (voters > 4096 || learners > 4096 || bytes.Length != 8 + (8 * (voters + learners)))
        {
            return null;
        }

        var ids = new ulong[voters + learners];
        for (int i = 0; i < ids.Length; i++)
        {
            ids[i] = BinaryPrimitives.ReadUInt64LittleEndian(bytes[(8 + (8 * i))..]);
        }

        try
        {
            return new ConfState(ids[..(int)voters], ids[(int)voters..]);
        }
        catch (ArgumentException)
        {
            return null;
        }
    }
}
