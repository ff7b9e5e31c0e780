using System.Buffers.Binary;
using HaCore.Raft;
using HaCore.Testing.Storage;
using static HaCore.Storage.Tests.StorageTestKit;

namespace HaCore.Storage.Tests;

/// <summary>
/// Torn writes at every byte of the last write and bit flips at every byte of a segment: each case must end
/// in a truncated tail (reported, nothing acknowledged lost) or a corruption error naming the file and
/// offset; never a crash of another kind and never silent loss.
/// </summary>
public sealed class CorruptionTests
{
    private static readonly string Segment1 = Path.Combine(SimRoot, "wal", WalFormat.SegmentFileName(1));

    /// <summary>Builds: bootstrap record, entries 1..8 with hard state (commit 8), then a last write of entries 9 and 10.</summary>
    private static (SimulatedStorageDevice Device, Entry[] Log, List<(long Offset, int Size, string Kind)> Records) Build()
    {
        var device = Device();
        var log = Entries(1, 1, 10, size: 50);
        using (var storage = DurableRaftStorage.Open(Options(), device))
        {
            storage.Bootstrap(new ConfState([1, 2, 3], []));
            storage.Append(log.AsSpan(0, 8), new HardState(1, 1, 8));
            storage.Append(log.AsSpan(8, 2));
        }

        return (device, log, ParseRecords(device.ReadAllBytes(Segment1)));
    }

    private static List<(long Offset, int Size, string Kind)> ParseRecords(byte[] segment)
    {
        var records = new List<(long, int, string)>();
        long pos = WalFormat.SegmentHeaderBytes;
        while (!WalFormat.IsEndMarker(segment.AsSpan((int)pos)))
        {
            int payload = (int)BinaryPrimitives.ReadUInt32LittleEndian(segment.AsSpan((int)pos));
            var type = WalFormat.TypeOf(segment.AsSpan((int)pos));
            records.Add((pos, WalFormat.RecordBytes(payload), type.ToString()));
            pos += WalFormat.RecordBytes(payload);
        }

        return records;
    }

    [Fact]
    public void A_tear_at_every_byte_of_the_last_write_truncates_to_the_last_whole_record()
    {
        var (_, log, records) = Build();
        Assert.Equal(["BootstrapConfState", .. Enumerable.Repeat("EntryNormal", 6), "EntryConfChange", "EntryNormal", "HardState", "EntryNormal", "EntryNormal"], records.Select(r => r.Kind).ToArray());
        var (lastWriteStart, size9, _) = records[^2];
        int size10 = records[^1].Size;
        int writeBytes = size9 + size10 + WalFormat.RecordHeaderBytes;
        for (int kept = 0; kept <= writeBytes; kept++)
        {
            var (device, _, _) = Build();
            using (var file = device.OpenFile(Segment1, StorageFileMode.OpenExisting))
            {
                // Only the first `kept` bytes of the last write reached the disk; the rest is as it was (zeros).
                file.Write(lastWriteStart + kept, new byte[writeBytes - kept]);
                file.Flush();
            }

            // A record's zero padding is the same whether or not it was written.
            int meaningful = WalFormat.RecordHeaderBytes + 50;
            int whole = kept >= size9 + meaningful ? 10 : kept >= meaningful ? 9 : 8;
            bool torn = !(kept == 0 || (kept >= meaningful && kept <= size9) || kept >= size9 + meaningful);
            using (var storage = DurableRaftStorage.Open(Options(), device))
            {
                AssertLog(log.Take(whole).ToList(), storage);
                Assert.Equal(torn, storage.Recovery.TruncatedTornTail);

                // A torn write was never fsynced, so never acknowledged: it must not keep the node out of elections.
                Assert.False(storage.Recovery.DamagedTail);
                Assert.Equal(0UL, storage.SuspectThroughIndex);
                if (torn)
                {
                    Assert.Equal(Segment1, storage.Recovery.TornTailFile);
                    Assert.Equal(kept < meaningful ? lastWriteStart : lastWriteStart + size9, storage.Recovery.TornTailOffset);
                }

                Assert.Equal(new HardState(1, 1, 8), storage.HardState);
                storage.Append([MakeEntry(2, (ulong)whole + 1, 33)]);
            }

            using (var storage = DurableRaftStorage.Open(Options(), device))
            {
                Assert.Equal((ulong)whole + 1, storage.LastIndex);
                Assert.False(storage.Recovery.TruncatedTornTail);
            }
        }
    }

    [Fact]
    public void A_bit_flip_anywhere_in_a_segment_is_a_named_error_or_a_reported_tail_truncation()
    {
        var (_, log, records) = Build();
        long end = records[^1].Offset + records[^1].Size;
        var outcomes = new Dictionary<string, int>();
        for (long offset = 0; offset < end + 64; offset++)
        {
            var (device, _, _) = Build();
            device.FlipBit(Segment1, offset, (int)(offset % 8));
            int record = records.FindIndex(r => offset >= r.Offset && offset < r.Offset + r.Size);
            bool inFooter = record >= 0 && offset >= records[record].Offset + records[record].Size - WalFormat.RecordFooterBytes;
            string region = offset < WalFormat.SegmentHeaderBytes ? "header" : record < 0 ? "after-end" : inFooter ? "footer" : record == records.Count - 1 ? "last-record" : "record";
            try
            {
                using var storage = DurableRaftStorage.Open(Options(), device);
                var recovered = ReadAll(storage);
                switch (region)
                {
                    case "footer":
                        // A footer is outside the checksum and only tells torn from damaged: the record is whole, so is the log.
                        AssertLog(log, storage);
                        Assert.False(storage.Recovery.TruncatedTornTail);
                        break;
                    case "last-record":
                        // Entry 10 was written whole and then damaged: it may have been acknowledged. It is cut off, the
                        // cut is reported as damage, and the node must keep out of elections until index 10 is back.
                        AssertLog(log.Take(9).ToList(), storage);
                        Assert.True(storage.Recovery.TruncatedTornTail);
                        Assert.True(storage.Recovery.DamagedTail);
                        Assert.Equal(records[^1].Offset, storage.Recovery.TornTailOffset);
                        Assert.InRange(storage.SuspectThroughIndex, 10UL, 9UL + (ulong)records[^1].Size);
                        Assert.Equal(storage.SuspectThroughIndex, storage.GetInitialState().SuspectThroughIndex);
                        break;
                    case "after-end":
                        AssertLog(log, storage);
                        break;
                    default:
                        Assert.Fail($"a flip at offset {offset} ({region}) went unnoticed; recovered {recovered.Length} entries");
                        break;
                }

                outcomes[region + ":opened"] = outcomes.GetValueOrDefault(region + ":opened") + 1;
            }
            catch (StorageCorruptionException ex)
            {
                Assert.True(region is "header" or "record", $"a flip at offset {offset} ({region}) was reported as corruption: {ex.Message}");
                Assert.Equal(Segment1, ex.FilePath);
                if (region == "record")
                {
                    Assert.Equal(records[record].Offset, ex.Offset);
                }
                else
                {
                    Assert.InRange(ex.Offset, 0, WalFormat.SegmentHeaderBytes);
                }

                Assert.Contains(Segment1, ex.Message, StringComparison.Ordinal);
                outcomes[region + ":corrupt"] = outcomes.GetValueOrDefault(region + ":corrupt") + 1;
            }
        }

        Assert.Equal(WalFormat.SegmentHeaderBytes, outcomes["header:corrupt"]);
        Assert.Equal(records[^1].Size - WalFormat.RecordFooterBytes, outcomes["last-record:opened"]);
        Assert.Equal(records.Count * WalFormat.RecordFooterBytes, outcomes["footer:opened"]);
        Assert.Equal(records.Take(records.Count - 1).Sum(r => r.Size - WalFormat.RecordFooterBytes), outcomes["record:corrupt"]);
    }

    [Fact]
    public void A_bit_flip_after_open_is_caught_when_the_entry_is_read()
    {
        var (device, _, records) = Build();
        using var storage = DurableRaftStorage.Open(Options(), device);
        device.FlipBit(Segment1, records[3].Offset + WalFormat.RecordHeaderBytes + 5, 2);
        var ex = Assert.Throws<StorageCorruptionException>(() => storage.TryGetEntries(1, 11, long.MaxValue, out _));
        Assert.Equal(Segment1, ex.FilePath);
        Assert.Equal(records[3].Offset, ex.Offset);
    }

    [Fact]
    public void A_bit_flip_in_a_sealed_segment_stops_the_open()
    {
        var device = Device();
        using (var storage = DurableRaftStorage.Open(Options(), device))
        {
            storage.Append(Entries(1, 1, 300, size: 100), new HardState(1, 1, 10));
        }

        // The last record of the first (sealed) segment.
        var records = ParseRecords(device.ReadAllBytes(Segment1));
        device.FlipBit(Segment1, records[^1].Offset + 40, 0);
        var ex = Assert.Throws<StorageCorruptionException>(() => DurableRaftStorage.Open(Options(), device));
        Assert.Equal(Segment1, ex.FilePath);
        Assert.Equal(records[^1].Offset, ex.Offset);
        Assert.Contains("not the last", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(30)]
    [InlineData(70)]
    [InlineData(500)]
    public void A_bit_flip_in_the_newest_snapshot_stops_the_open(int offset)
    {
        var device = Device();
        using (var storage = DurableRaftStorage.Open(Options(), device))
        {
            storage.Append(Entries(1, 1, 20));
            storage.SaveSnapshot(new Snapshot(new SnapshotMetadata(10, 1, new ConfState([1], [])), Payload(1, 10, 1000)));
        }

        var file = Path.Combine(SimRoot, "snap", SnapshotFormat.FileName(10, 1));
        device.FlipBit(file, offset, 1);
        var ex = Assert.Throws<StorageCorruptionException>(() => DurableRaftStorage.Open(Options(), device));
        Assert.Equal(file, ex.FilePath);
    }

    [Fact]
    public void Losing_a_committed_entry_is_an_error_not_a_truncation()
    {
        var device = Device();
        using (var storage = DurableRaftStorage.Open(Options(), device))
        {
            storage.Append(Entries(1, 1, 10, size: 50), new HardState(1, 1, 10));
        }

        // Cut the log after entry 8, behind the hard state that says 10 is committed: only media
        // damage can do this, and recovery must not hide it.
        var records = ParseRecords(device.ReadAllBytes(Segment1));
        using (var file = device.OpenFile(Segment1, StorageFileMode.OpenExisting))
        {
            var hardState = new byte[records[^1].Size];
            file.Read(records[^1].Offset, hardState);
            file.Write(records[8].Offset, new byte[records[^1].Offset + records[^1].Size - records[8].Offset]);
            file.Write(records[8].Offset, hardState);
            file.Flush();
        }

        var ex = Assert.Throws<StorageCorruptionException>(() => DurableRaftStorage.Open(Options(), device));
        Assert.Contains("committed", ex.Message, StringComparison.Ordinal);
    }
}
