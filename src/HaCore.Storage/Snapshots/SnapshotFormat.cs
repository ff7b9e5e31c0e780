using System.Buffers.Binary;
using HaCore.Raft;

namespace HaCore.Storage;

/// <summary>Metadata of a stored snapshot file.</summary>
/// <param name="Metadata">The log position and membership the snapshot covers.</param>
/// <param name="SizeBytes">The payload size.</param>
/// <param name="Checksum">The CRC-32C of the payload.</param>
/// <param name="FilePath">The snapshot file.</param>
public sealed record StoredSnapshotInfo(SnapshotMetadata Metadata, long SizeBytes, uint Checksum, string FilePath);

/// <summary>The snapshot file layout (docs/wal-format.md). Little-endian.</summary>
internal static class SnapshotFormat
{
    /// <summary>"HACORESN" read as a little-endian u64.</summary>
    public const ulong Magic = 0x4E53_4552_4F43_4148;

    public const uint Version = 1;

    public const int FixedHeaderBytes = 64;

    /// <summary>The largest snapshot index: the entry after it (the log's next index) is the largest usable index,
    /// 2^64 - 2, since the index after the last entry must exist too.</summary>
    public const ulong MaxSnapshotIndex = ulong.MaxValue - 2;

    public const string Extension = ".snap";

    public const int MaxMembers = 4096;

    public static string FileName(ulong index, ulong term) =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{index:x16}-{term:x16}{Extension}");

    public static bool TryParseFileName(string name, out ulong index, out ulong term)
    {
        index = 0;
        term = 0;
        var style = System.Globalization.NumberStyles.AllowHexSpecifier;
        var culture = System.Globalization.CultureInfo.InvariantCulture;
        return name.Length == 33 + Extension.Length && name[16] == '-' && name.EndsWith(Extension, StringComparison.Ordinal)
            && ulong.TryParse(name.AsSpan(0, 16), style, culture, out index)
            && ulong.TryParse(name.AsSpan(17, 16), style, culture, out term);
    }

    public static int HeaderBytes(ConfState conf) => FixedHeaderBytes + (8 * (conf.Voters.Length + conf.Learners.Length));

    public static byte[] EncodeHeader(ulong clusterId, SnapshotMetadata metadata, long size, uint checksum)
    {
        var conf = metadata.ConfState;
        var h = new byte[HeaderBytes(conf)];
        BinaryPrimitives.WriteUInt64LittleEndian(h, Magic);
        BinaryPrimitives.WriteUInt32LittleEndian(h.AsSpan(8), Version);
        BinaryPrimitives.WriteUInt32LittleEndian(h.AsSpan(12), (uint)h.Length);
        BinaryPrimitives.WriteUInt64LittleEndian(h.AsSpan(16), clusterId);
        BinaryPrimitives.WriteUInt64LittleEndian(h.AsSpan(24), metadata.Index);
        BinaryPrimitives.WriteUInt64LittleEndian(h.AsSpan(32), metadata.Term);
        BinaryPrimitives.WriteInt64LittleEndian(h.AsSpan(40), size);
        BinaryPrimitives.WriteUInt32LittleEndian(h.AsSpan(48), checksum);
        BinaryPrimitives.WriteUInt32LittleEndian(h.AsSpan(52), (uint)conf.Voters.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(h.AsSpan(56), (uint)conf.Learners.Length);
        int at = FixedHeaderBytes;
        foreach (var id in conf.Voters.Concat(conf.Learners))
        {
            BinaryPrimitives.WriteUInt64LittleEndian(h.AsSpan(at), id);
            at += 8;
        }

        BinaryPrimitives.WriteUInt32LittleEndian(h.AsSpan(60), HeaderChecksum(h));
        return h;
    }

    public static uint HeaderChecksum(ReadOnlySpan<byte> h) =>
        Crc32C.Finish(Crc32C.Update(Crc32C.Update(Crc32C.Seed, h[..60]), h[FixedHeaderBytes..]));

    /// <summary>Reads and checks a snapshot header from <paramref name="file"/>.</summary>
    public static (SnapshotMetadata Metadata, long Size, uint Checksum, int HeaderBytes) ReadHeader(IStorageFile file, string path, ulong clusterId)
    {
        Span<byte> fixedPart = stackalloc byte[FixedHeaderBytes];
        if (file.Read(0, fixedPart) != FixedHeaderBytes)
        {
            throw new StorageCorruptionException(path, 0, "the snapshot file is shorter than its header");
        }

        if (BinaryPrimitives.ReadUInt64LittleEndian(fixedPart) != Magic)
        {
            throw new StorageCorruptionException(path, 0, "the snapshot header does not start with the magic 'HACORESN'");
        }

        uint voters = BinaryPrimitives.ReadUInt32LittleEndian(fixedPart[52..]);
        uint learners = BinaryPrimitives.ReadUInt32LittleEndian(fixedPart[56..]);
        uint headerBytes = BinaryPrimitives.ReadUInt32LittleEndian(fixedPart[12..]);
        if (voters > MaxMembers || learners > MaxMembers || headerBytes != FixedHeaderBytes + (8 * (voters + learners)))
        {
            throw new StorageCorruptionException(path, 12, "the snapshot header size does not match its member counts");
        }

        var h = new byte[headerBytes];
        if (file.Read(0, h) != h.Length)
        {
            throw new StorageCorruptionException(path, 0, "the snapshot file is shorter than its header");
        }

        if (BinaryPrimitives.ReadUInt32LittleEndian(h.AsSpan(60)) != HeaderChecksum(h))
        {
            throw new StorageCorruptionException(path, 60, "the snapshot header checksum does not match");
        }

        uint version = BinaryPrimitives.ReadUInt32LittleEndian(h.AsSpan(8));
        if (version != Version)
        {
            throw new StorageFormatException($"The snapshot '{path}' has format version {version}; this build reads version {Version} only.", path);
        }

        ulong fileCluster = BinaryPrimitives.ReadUInt64LittleEndian(h.AsSpan(16));
        if (fileCluster != clusterId)
        {
            throw new StorageFormatException($"The snapshot '{path}' belongs to cluster {fileCluster:x16}, but this node is configured for cluster {clusterId:x16}. Check StorageOptions.ClusterId and the data directory.", path);
        }

        var ids = new ulong[voters + learners];
        for (int i = 0; i < ids.Length; i++)
        {
            ids[i] = BinaryPrimitives.ReadUInt64LittleEndian(h.AsSpan(FixedHeaderBytes + (8 * i)));
        }

        ConfState conf;
        try
        {
            conf = new ConfState(ids[..(int)voters], ids[(int)voters..]);
        }
        catch (ArgumentException ex)
        {
            throw new StorageCorruptionException(path, FixedHeaderBytes, "the snapshot membership is invalid: " + ex.Message);
        }

        ulong index = BinaryPrimitives.ReadUInt64LittleEndian(h.AsSpan(24));
        if (index is 0 || index > MaxSnapshotIndex)
        {
            // A snapshot covers at least index 1, and the log resumes after it at index + 1, which must be usable.
            throw new StorageCorruptionException(path, 24, $"the snapshot index {index} is out of range (1 to {MaxSnapshotIndex})");
        }

        var metadata = new SnapshotMetadata(index, BinaryPrimitives.ReadUInt64LittleEndian(h.AsSpan(32)), conf);
        long size = BinaryPrimitives.ReadInt64LittleEndian(h.AsSpan(40));
        if (size < 0 || file.Length != h.Length + size)
        {
            throw new StorageCorruptionException(path, 40, $"the snapshot header declares {size} payload bytes but the file holds {file.Length - h.Length}");
        }

        return (metadata, size, BinaryPrimitives.ReadUInt32LittleEndian(h.AsSpan(48)), h.Length);
    }
}
