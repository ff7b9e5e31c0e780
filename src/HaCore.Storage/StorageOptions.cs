namespace HaCore.Storage;

/// <summary>Settings of a <see cref="DurableRaftStorage"/>, validated when the store opens.</summary>
public sealed class StorageOptions
{
    /// <summary>The smallest allowed <see cref="SegmentSizeBytes"/>: 16 KiB.</summary>
    public const long MinSegmentSizeBytes = 16 * 1024;

    /// <summary>The largest allowed <see cref="SegmentSizeBytes"/>: 1 GiB (record offsets are 32-bit).</summary>
    public const long MaxSegmentSizeBytes = 1024L * 1024 * 1024;

    /// <summary>The smallest allowed <see cref="MaxOpenFiles"/>: the lock file, the segment being written and one to read.</summary>
    public const int MinOpenFiles = 3;

    /// <summary>The data directory; it holds the lock file, <c>wal/</c> and <c>snap/</c>. Required.</summary>
    public string DirectoryPath { get; init; } = string.Empty;

    /// <summary>The cluster this node belongs to, written in every file header and checked on open. Must not be 0.</summary>
    public ulong ClusterId { get; init; }

    /// <summary>The node this directory belongs to. When not 0 it is stamped in the directory on first open, and a
    /// directory stamped with another node id is refused with <see cref="StorageFormatException"/>, so that a node
    /// started on another node's directory cannot impersonate it. 0 (the default) skips the check.</summary>
    public ulong NodeId { get; init; }

    /// <summary>The size of each preallocated segment file. The default is 64 MiB.</summary>
    public long SegmentSizeBytes { get; init; } = 64L * 1024 * 1024;

    /// <summary>The largest payload of one record (one entry). The default is 4 MiB; it must leave room for a
    /// record, its header and the segment header in one segment.</summary>
    public int MaxRecordBytes { get; init; } = 4 * 1024 * 1024;

    /// <summary>The most files the store keeps open at once (lock file, the segment being written, segments
    /// being read). The default is 16.</summary>
    public int MaxOpenFiles { get; init; } = 16;

    /// <summary>The most bytes (<see cref="HaCore.Raft.Entry.Size"/>) of recently appended entries kept in memory so
    /// that reads of the log tail do not touch the disk. The default is 16 MiB; 0 disables the cache.</summary>
    public long EntryCacheBytes { get; init; } = 16L * 1024 * 1024;

    /// <summary>The size of the buffer an append encodes records into before writing them; a larger batch is
    /// written in several writes (still with one fsync). The default is 1 MiB.</summary>
    public int WriteBufferBytes { get; init; } = 1024 * 1024;

    /// <summary>The largest snapshot payload accepted. The default is 4 GiB.</summary>
    public long MaxSnapshotBytes { get; init; } = 4L * 1024 * 1024 * 1024;

    /// <summary>The chunk size used to stream snapshots from and to disk. The default is 1 MiB.</summary>
    public int SnapshotChunkBytes { get; init; } = 1024 * 1024;

    /// <summary>How many snapshots to keep (the newest ones). The default is 2, also the minimum, so that a
    /// snapshot being sent to a follower survives the next one being taken.</summary>
    public int SnapshotsToKeep { get; init; } = 2;

    /// <summary>Whether a new segment is filled with zeros (and fsynced) before use, so that appends never
    /// allocate blocks or change the file size and the fsync of an append flushes data only. The default is true.</summary>
    public bool ZeroFillSegments { get; init; } = true;

    /// <summary>Whether the file for the next segment is zero-filled ahead of time on a background thread, so that
    /// filling a segment costs an append a few fsyncs instead of writing a whole segment of zeros. The device must
    /// then allow calls from two threads (<see cref="FileStorageDevice"/> does). The default is true.</summary>
    public bool PrepareSegmentsAhead { get; init; } = true;

    /// <summary>Tests only: prepare the next segment on the calling thread (deterministic, for single-threaded devices).</summary>
    internal bool PrepareSegmentsInline { get; init; }

    /// <summary>Checks every setting and the relations between them.</summary>
    /// <exception cref="ArgumentException">A setting is out of range; the message names it and the allowed range.</exception>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(DirectoryPath))
        {
            throw Invalid(nameof(DirectoryPath), "is required");
        }

        if (ClusterId == 0)
        {
            throw Invalid(nameof(ClusterId), "must not be 0 (it is written in every file and checked on open)");
        }

        if (SegmentSizeBytes is < MinSegmentSizeBytes or > MaxSegmentSizeBytes)
        {
            throw Invalid(nameof(SegmentSizeBytes), $"must be between {MinSegmentSizeBytes} and {MaxSegmentSizeBytes} bytes; it is {SegmentSizeBytes}");
        }

        if (SegmentSizeBytes % 8 != 0)
        {
            throw Invalid(nameof(SegmentSizeBytes), $"must be a multiple of 8; it is {SegmentSizeBytes}");
        }

        long maxFit = SegmentSizeBytes - WalFormat.SegmentHeaderBytes - (4 * WalFormat.RecordHeaderBytes) - (4 * WalFormat.RecordFooterBytes) - 8;
        if (MaxRecordBytes < 1 || MaxRecordBytes > maxFit)
        {
            throw Invalid(nameof(MaxRecordBytes), $"must be between 1 and {maxFit} bytes so that a record fits in a segment of {SegmentSizeBytes} bytes; it is {MaxRecordBytes}");
        }

        if (MaxOpenFiles < MinOpenFiles)
        {
            throw Invalid(nameof(MaxOpenFiles), $"must be at least {MinOpenFiles}; it is {MaxOpenFiles}");
        }

        if (EntryCacheBytes < 0)
        {
            throw Invalid(nameof(EntryCacheBytes), $"must not be negative; it is {EntryCacheBytes}");
        }

        if (WriteBufferBytes < 4096 || WriteBufferBytes > 256 * 1024 * 1024)
        {
            throw Invalid(nameof(WriteBufferBytes), $"must be between 4096 and {256 * 1024 * 1024} bytes; it is {WriteBufferBytes}");
        }

        if (MaxSnapshotBytes < 0)
        {
            throw Invalid(nameof(MaxSnapshotBytes), $"must not be negative; it is {MaxSnapshotBytes}");
        }

        if (SnapshotChunkBytes < 512 || SnapshotChunkBytes > 64 * 1024 * 1024)
        {
            throw Invalid(nameof(SnapshotChunkBytes), $"must be between 512 and {64 * 1024 * 1024} bytes; it is {SnapshotChunkBytes}");
        }

        if (SnapshotsToKeep < 2)
        {
            throw Invalid(nameof(SnapshotsToKeep), $"must be at least 2; it is {SnapshotsToKeep}");
        }
    }

    private static ArgumentException Invalid(string name, string problem) =>
        new($"StorageOptions.{name} {problem}.", name);
}
