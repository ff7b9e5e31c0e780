using HaCore.Testing.Storage;
using static HaCore.Storage.Tests.StorageTestKit;

namespace HaCore.Storage.Tests;

/// <summary>Recovery cases that fuzzing the WAL and snapshot decoders found (tests/HaCore.Fuzz/regressions).</summary>
public sealed class RecoveryFuzzFindingsTests
{
    private static readonly string Segment1 = Path.Combine(SimRoot, "wal", WalFormat.SegmentFileName(1));

    [Theory]
    [InlineData(2UL)]
    [InlineData(0x9500_0000_0000_0001UL)]
    public void A_lone_empty_segment_that_starts_past_index_1_is_corruption_not_a_log_of_missing_entries(ulong firstIndex)
    {
        // Before: the store opened with FirstIndex 1 and LastIndex firstIndex - 1, and reading entry 1
        // threw InvalidOperationException ("Index 1 is not in the log").
        var device = Device();
        device.CreateDirectory(SimRoot);
        device.CreateDirectory(Path.Combine(SimRoot, "wal"));
        var header = new byte[WalFormat.SegmentHeaderBytes + WalFormat.RecordHeaderBytes];
        WalFormat.WriteSegmentHeader(header, new SegmentHeader(WalFormat.FormatVersion, Options().ClusterId, firstIndex, 1, 0x5A17));
        using (var file = device.OpenFile(Segment1, StorageFileMode.CreateNew))
        {
            file.Write(0, header);
            file.Flush();
        }

        var ex = Assert.Throws<StorageCorruptionException>(() => DurableRaftStorage.Open(Options(), device));
        Assert.Equal(Segment1, ex.FilePath);
        Assert.Equal(24, ex.Offset);
        Assert.Contains("missing", ex.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void An_empty_segment_right_after_the_snapshot_still_opens()
    {
        var device = Device();
        using (var storage = DurableRaftStorage.Open(Options(), device))
        {
            storage.InstallSnapshot(new HaCore.Raft.Snapshot(new HaCore.Raft.SnapshotMetadata(40, 3, new HaCore.Raft.ConfState([1, 2, 3], [])), new byte[] { 1, 2, 3 }));
        }

        using var reopened = DurableRaftStorage.Open(Options(), device);
        Assert.Equal(41UL, reopened.FirstIndex);
        Assert.Equal(40UL, reopened.LastIndex);
    }

    [Theory]
    [InlineData(0UL)]
    [InlineData(ulong.MaxValue)]
    public void A_snapshot_file_whose_index_leaves_no_room_for_the_log_is_corruption(ulong index)
    {
        // Before: index ulong.MaxValue opened, the log restarting at index + 1 = 0, and reading the
        // store failed later; index 0 was never written (BeginWrite refuses it) but was accepted.
        var device = Device();
        device.CreateDirectory(SimRoot);
        device.CreateDirectory(Path.Combine(SimRoot, "snap"));
        var payload = new byte[] { 1, 2, 3 };
        var header = SnapshotFormat.EncodeHeader(Options().ClusterId, new HaCore.Raft.SnapshotMetadata(index, 1, new HaCore.Raft.ConfState([1], [])), payload.Length, HaCore.Raft.Crc32C.Compute(payload));
        var path = Path.Combine(SimRoot, "snap", SnapshotFormat.FileName(index, 1));
        using (var file = device.OpenFile(path, StorageFileMode.CreateNew))
        {
            file.Write(0, [.. header, .. payload]);
            file.Flush();
        }

        var ex = Assert.Throws<StorageCorruptionException>(() => DurableRaftStorage.Open(Options(), device));
        Assert.Equal(path, ex.FilePath);
        Assert.Equal(24, ex.Offset);
        Assert.Contains("out of range", ex.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_segment_whose_indexes_reach_2_to_the_64_is_corruption_not_a_log_that_wraps_to_0()
    {
        // Before: a segment starting at 2^64-1 with records for 2^64-1 and 0 opened as an empty log
        // (LastIndex wrapped to 0), took an append of index 1, and then could not be opened again.
        var device = Device();
        device.CreateDirectory(SimRoot);
        device.CreateDirectory(Path.Combine(SimRoot, "wal"));
        const ulong salt = 0x5A17;
        var segment = new byte[WalFormat.SegmentHeaderBytes + (2 * WalFormat.RecordBytes(8)) + WalFormat.RecordHeaderBytes];
        WalFormat.WriteSegmentHeader(segment, new SegmentHeader(WalFormat.FormatVersion, Options().ClusterId, ulong.MaxValue, 1, salt));
        int at = WalFormat.SegmentHeaderBytes;
        at += WalFormat.WriteRecord(segment.AsSpan(at), salt, RecordType.EntryNormal, 1, ulong.MaxValue, new byte[8]);
        WalFormat.WriteRecord(segment.AsSpan(at), salt, RecordType.EntryNormal, 1, 0, new byte[8]);
        using (var file = device.OpenFile(Segment1, StorageFileMode.CreateNew))
        {
            file.Write(0, segment);
            file.Flush();
        }

        var ex = Assert.Throws<StorageCorruptionException>(() => DurableRaftStorage.Open(Options(), device));
        Assert.Equal(Segment1, ex.FilePath);
        Assert.Equal(WalFormat.SegmentHeaderBytes, ex.Offset);
        Assert.Contains("largest usable index", ex.Reason, StringComparison.Ordinal);
    }
}
