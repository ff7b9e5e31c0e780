using System.Buffers.Binary;
using HaCore.Raft;
using HaCore.Testing.Storage;
using static HaCore.Storage.Tests.StorageTestKit;

namespace HaCore.Storage.Tests;

/// <summary>
/// A final WAL record damaged after it was written (so possibly acknowledged) is not a torn write: the store must
/// report it, remember the suspect range across restarts until a leader's entries cover it again, and never forget
/// a vote because the hard-state record that held it was the damaged one.
/// </summary>
public sealed class DamagedTailTests
{
    private static readonly string Segment1 = Path.Combine(SimRoot, "wal", WalFormat.SegmentFileName(1));
    private static readonly string StateFile = Path.Combine(SimRoot, RaftStateFile.FileName);

    /// <summary>The offset and size of the last record in the first segment.</summary>
    private static (long Offset, int Size) LastRecord(SimulatedStorageDevice device)
    {
        var segment = device.ReadAllBytes(Segment1);
        long pos = WalFormat.SegmentHeaderBytes;
        (long, int) last = (0, 0);
        while (!WalFormat.IsEndMarker(segment.AsSpan((int)pos)))
        {
            int size = WalFormat.RecordBytes((int)BinaryPrimitives.ReadUInt32LittleEndian(segment.AsSpan((int)pos)));
            last = (pos, size);
            pos += size;
        }

        return last;
    }

    private static SimulatedStorageDevice WithDamagedLastEntry(out Entry[] log)
    {
        var device = Device();
        log = Entries(1, 1, 10, size: 50);
        using (var storage = DurableRaftStorage.Open(Options(), device))
        {
            storage.Append(log.AsSpan(0, 8), new HardState(1, 2, 8));
            storage.Append(log.AsSpan(8, 2));
        }

        var (offset, _) = LastRecord(device);
        device.FlipBit(Segment1, offset + WalFormat.RecordHeaderBytes + 7, 3);
        return device;
    }

    [Fact]
    public void The_suspect_range_survives_restarts_until_the_log_reaches_it_again()
    {
        var device = WithDamagedLastEntry(out var log);
        using (var storage = DurableRaftStorage.Open(Options(), device))
        {
            Assert.True(storage.Recovery.DamagedTail);
            Assert.Equal(9UL, storage.LastIndex);
            Assert.True(storage.SuspectThroughIndex >= 10, $"suspect through {storage.SuspectThroughIndex}");
        }

        // The damaged bytes are gone now; the range must still be remembered.
        ulong suspect;
        using (var storage = DurableRaftStorage.Open(Options(), device))
        {
            Assert.False(storage.Recovery.TruncatedTornTail);
            suspect = storage.SuspectThroughIndex;
            Assert.True(suspect >= 10);
            Assert.Equal(suspect, storage.GetInitialState().SuspectThroughIndex);

            // A leader re-replicates index 10 and beyond, one entry short of the range, then the rest.
            storage.Append(Entries(2, 10, (int)(suspect - 10)));
            Assert.Equal(suspect, storage.SuspectThroughIndex);
        }

        using (var storage = DurableRaftStorage.Open(Options(), device))
        {
            Assert.Equal(suspect, storage.SuspectThroughIndex);
            storage.Append([MakeEntry(2, suspect)]);
            Assert.Equal(0UL, storage.SuspectThroughIndex);
        }

        using (var storage = DurableRaftStorage.Open(Options(), device))
        {
            Assert.Equal(0UL, storage.SuspectThroughIndex);
            Assert.Equal(0UL, storage.GetInitialState().SuspectThroughIndex);
            AssertLog(log.Take(9).Concat(Entries(2, 10, (int)(suspect - 9))).ToList(), storage);
        }
    }

    [Fact]
    public void A_snapshot_through_the_suspect_range_repairs_it()
    {
        var device = WithDamagedLastEntry(out _);
        using var storage = DurableRaftStorage.Open(Options(), device);
        ulong suspect = storage.SuspectThroughIndex;
        storage.InstallSnapshot(new Snapshot(new SnapshotMetadata(suspect + 5, 3, new ConfState([1, 2, 3], [])), Payload(3, suspect + 5, 300)));
        Assert.Equal(0UL, storage.SuspectThroughIndex);
    }

    [Fact]
    public void A_vote_whose_hard_state_record_was_damaged_is_not_forgotten()
    {
        var device = Device();
        using (var storage = DurableRaftStorage.Open(Options(), device))
        {
            storage.Append(Entries(1, 1, 5), new HardState(1, 1, 5));

            // The node votes for node 3 in term 7: this record is the last one, and it is fsynced before the vote leaves.
            storage.SaveHardState(new HardState(7, 3, 5));
        }

        var (offset, size) = LastRecord(device);
        Assert.Equal(WalFormat.HardStateRecordBytes, size);
        device.FlipBit(Segment1, offset + WalFormat.RecordHeaderBytes + 9, 0);
        using (var storage = DurableRaftStorage.Open(Options(), device))
        {
            Assert.True(storage.Recovery.DamagedTail);
            Assert.Equal(new HardState(7, 3, 5), storage.HardState);
            Assert.Throws<InvalidOperationException>(() => storage.SaveHardState(new HardState(7, 2, 5)));
        }

        // Both copies agree again: the WAL holds the vote once more.
        device.DeleteFile(StateFile);
        using (var storage = DurableRaftStorage.Open(Options(), device))
        {
            Assert.Equal(new HardState(7, 3, 5), storage.HardState);
        }
    }

    [Fact]
    public void A_state_file_behind_the_log_catches_up_and_a_missing_one_is_recreated()
    {
        var device = Device();
        using (var storage = DurableRaftStorage.Open(Options(), device))
        {
            storage.Append(Entries(1, 1, 3), new HardState(4, 2, 3));
        }

        byte[] older = device.ReadAllBytes(StateFile);
        using (var storage = DurableRaftStorage.Open(Options(), device))
        {
            storage.SaveHardState(new HardState(5, 1, 3));
        }

        // As after a crash between the WAL's fsync and the state file's: the state file still says term 4.
        using (var file = device.OpenFile(StateFile, StorageFileMode.OpenExisting))
        {
            file.Write(0, older);
            file.Flush();
        }

        using (var storage = DurableRaftStorage.Open(Options(), device))
        {
            Assert.Equal(new HardState(5, 1, 3), storage.HardState);
        }

        device.DeleteFile(StateFile);
        using (var storage = DurableRaftStorage.Open(Options(), device))
        {
            Assert.Equal(new HardState(5, 1, 3), storage.HardState);
        }

        Assert.True(device.FileExists(StateFile));
    }

    [Fact]
    public void A_state_file_with_both_copies_damaged_stops_the_open()
    {
        var device = Device();
        using (var storage = DurableRaftStorage.Open(Options(), device))
        {
            storage.Append(Entries(1, 1, 3), new HardState(4, 2, 3));
            storage.SaveHardState(new HardState(5, 1, 3));
        }

        device.FlipBit(StateFile, 30, 1);
        device.FlipBit(StateFile, 4096 + 30, 1);
        var ex = Assert.Throws<StorageCorruptionException>(() => DurableRaftStorage.Open(Options(), device));
        Assert.Equal(StateFile, ex.FilePath);
    }

    [Fact]
    public void One_damaged_copy_of_the_state_file_falls_back_to_the_other_and_the_log()
    {
        var device = Device();
        using (var storage = DurableRaftStorage.Open(Options(), device))
        {
            storage.Append(Entries(1, 1, 3), new HardState(4, 2, 3));
            storage.SaveHardState(new HardState(5, 1, 3));
        }

        // The newest copy (sequence 2, slot 0) is damaged; slot 1 says term 4, the WAL says term 5.
        device.FlipBit(StateFile, 30, 1);
        using var reopened = DurableRaftStorage.Open(Options(), device);
        Assert.Equal(new HardState(5, 1, 3), reopened.HardState);
    }
}
