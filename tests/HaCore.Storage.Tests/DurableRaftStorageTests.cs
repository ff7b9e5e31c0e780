using HaCore.Raft;
using HaCore.Testing.Storage;
using static HaCore.Storage.Tests.StorageTestKit;

namespace HaCore.Storage.Tests;

/// <summary>Behaviour of the durable log, run on the real file system and on the simulated device.</summary>
public abstract class DurableRaftStorageTests : IDisposable
{
    private readonly TempDirectory _temp = new();
    private IStorageDevice? _device;

    protected string Directory => Path.Combine(_temp.Path, "node");

    protected IStorageDevice Device => _device ??= CreateDevice();

    public void Dispose() => _temp.Dispose();

    protected abstract IStorageDevice CreateDevice();

    private DurableRaftStorage Open(long segmentBytes = 16 * 1024, ulong clusterId = 0xC1) =>
        DurableRaftStorage.Open(Options(Directory, segmentBytes, clusterId, backgroundPreparation: Device is FileStorageDevice), Device);

    [Fact]
    public void A_new_store_is_empty()
    {
        using var storage = Open();
        Assert.Equal(1ul, storage.FirstIndex);
        Assert.Equal(0ul, storage.LastIndex);
        Assert.Equal(LogReadStatus.Ok, storage.TryGetTerm(0, out ulong term));
        Assert.Equal(0ul, term);
        Assert.Equal(LogReadStatus.Unavailable, storage.TryGetTerm(1, out _));
        Assert.Equal(LogReadStatus.Ok, storage.TryGetEntries(1, 1, long.MaxValue, out var none));
        Assert.True(none.IsEmpty);
        Assert.Equal(LogReadStatus.Unavailable, storage.TryGetEntries(1, 2, long.MaxValue, out _));
        Assert.Equal(LogReadStatus.Ok, storage.TryGetSnapshot(out var snapshot));
        Assert.True(snapshot.IsEmpty);
        Assert.Equal(new RaftInitialState(HardState.Empty, ConfState.Empty), storage.GetInitialState());
    }

    [Fact]
    public void Entries_and_hard_state_survive_reopen()
    {
        var all = new List<Entry>();
        using (var storage = Open())
        {
            storage.Bootstrap(new ConfState([1, 2, 3], []));
            for (int batch = 0; batch < 5; batch++)
            {
                var entries = Entries(term: 2, from: (ulong)all.Count + 1, count: 7);
                all.AddRange(entries);
                storage.Append(entries, new HardState(2, 1, (ulong)all.Count - 3));
            }

            AssertLog(all, storage);
        }

        using (var storage = Open())
        {
            AssertLog(all, storage);
            Assert.Equal(new HardState(2, 1, 32), storage.HardState);
            var state = storage.GetInitialState();
            Assert.Equal(new HardState(2, 1, 32), state.HardState);
            Assert.Equal(new ConfState([1, 2, 3], []), state.ConfState);
            Assert.Equal(LogReadStatus.Ok, storage.TryGetTerm(35, out ulong term));
            Assert.Equal(2ul, term);
            Assert.False(storage.Recovery.TruncatedTornTail);
        }
    }

    [Fact]
    public void Reads_stop_at_maxBytes_but_return_at_least_one_entry()
    {
        using var storage = Open();
        storage.Append(Entries(1, 1, 10, size: 76)); // Entry.Size = 100 each
        Assert.Equal(LogReadStatus.Ok, storage.TryGetEntries(1, 11, 350, out var three));
        Assert.Equal(3, three.Length);
        Assert.Equal(LogReadStatus.Ok, storage.TryGetEntries(4, 11, 1, out var one));
        Assert.Equal(4ul, Assert.Single(one.ToArray()).Index);
        storage.Dispose();
        using var reopened = Open();
        Assert.Equal(LogReadStatus.Ok, reopened.TryGetEntries(2, 11, 250, out var fromDisk));
        Assert.Equal([2ul, 3ul], fromDisk.ToArray().Select(e => e.Index));
        Assert.Equal(LogReadStatus.Ok, reopened.TryGetEntries(2, 11, 0, out var atLeastOne));
        Assert.Single(atLeastOne.ToArray());
    }

    [Fact]
    public void The_log_spans_many_segments_and_reads_across_them_with_few_open_files()
    {
        var all = new List<Entry>();
        using (var storage = Open())
        {
            for (int batch = 0; batch < 40; batch++)
            {
                var entries = Entries(term: 1 + ((ulong)batch / 10), from: (ulong)all.Count + 1, count: 16, size: 100);
                all.AddRange(entries);
                storage.Append(entries, new HardState(1 + ((ulong)batch / 10), 0, (ulong)all.Count));
            }

            Assert.True(storage.SegmentCount > 5, $"expected several segments, got {storage.SegmentCount}");
            AssertLog(all, storage);
        }

        using (var storage = Open())
        {
            AssertLog(all, storage);
            Assert.Equal(640ul, storage.LastIndex);
            Assert.Equal(640ul, storage.HardState.Commit);
        }
    }

    [Fact]
    public void The_next_segment_is_prepared_ahead_and_used_at_rollover()
    {
        var wal = Path.Combine(Directory, "wal");
        var all = Entries(1, 1, 400, size: 100);
        using (var storage = Open())
        {
            storage.Append(all.AsSpan(0, 10));
            storage.Append(all.AsSpan(10, 390), new HardState(1, 1, 400));
            Assert.True(storage.SegmentCount >= 3);
        }

        var files = Device.ListFiles(wal);
        Assert.Contains("next-segment.tmp", files);
        Assert.Equal(Enumerable.Range(1, files.Count - 1).Select(i => WalFormat.SegmentFileName((ulong)i)), files.Where(f => f.EndsWith(".wal", StringComparison.Ordinal)));
        using (var storage = Open())
        {
            Assert.Contains(Path.Combine(wal, "next-segment.tmp"), storage.Recovery.DeletedFiles);
            AssertLog(all, storage);
            storage.Append(Entries(1, 401, 200, size: 100));
            AssertLog(all.Concat(Entries(1, 401, 200, size: 100)).ToList(), storage);
        }
    }

    [Fact]
    public void A_conflicting_append_replaces_the_suffix_within_and_across_segments()
    {
        var log = new List<Entry>();
        using (var storage = Open())
        {
            log.AddRange(Entries(1, 1, 200, size: 60));
            storage.Append(log.ToArray(), new HardState(1, 1, 50));

            // Within the last segment.
            var replacement = Entries(2, 190, 5, size: 61);
            storage.Append(replacement, new HardState(2, 2, 50));
            log.RemoveRange(189, log.Count - 189);
            log.AddRange(replacement);
            AssertLog(log, storage);

            // Far back, across segments.
            var far = Entries(3, 60, 3, size: 62);
            storage.Append(far, new HardState(3, 3, 55));
            log.RemoveRange(59, log.Count - 59);
            log.AddRange(far);
            AssertLog(log, storage);
            Assert.Equal(62ul, storage.LastIndex);
        }

        using (var storage = Open())
        {
            AssertLog(log, storage);
            Assert.Equal(new HardState(3, 3, 55), storage.HardState);
            storage.Append(Entries(3, 63, 2));
            Assert.Equal(64ul, storage.LastIndex);
        }
    }

    [Fact]
    public void A_segment_indexes_thousands_of_small_entries_across_index_chunks()
    {
        var log = new List<Entry>(Entries(1, 1, 10_000, size: 3));
        using (var storage = Open(segmentBytes: 1024 * 1024))
        {
            for (int at = 0; at < log.Count; at += 1000)
            {
                storage.Append(log.GetRange(at, 1000).ToArray(), new HardState(1, 1, (ulong)Math.Min(at + 1000, 4000)));
            }

            Assert.Equal(1, storage.SegmentCount);
            var replacement = Entries(2, 4097, 10, size: 5);
            storage.Append(replacement);
            log.RemoveRange(4096, log.Count - 4096);
            log.AddRange(replacement);
            AssertLog(log, storage);
            storage.Append(Entries(2, 4107, 5000, size: 3));
            log.AddRange(Entries(2, 4107, 5000, size: 3));
        }

        using (var storage = Open(segmentBytes: 1024 * 1024))
        {
            AssertLog(log, storage);
        }
    }

    [Fact]
    public void Entries_handed_out_stay_unchanged_after_truncation()
    {
        using var storage = Open();
        storage.Append(Entries(1, 1, 10));
        storage.TryGetEntries(1, 11, long.MaxValue, out var before);
        var copy = before.ToArray().Select(e => (e.Term, e.Index, Data: e.Data.ToArray())).ToArray();
        storage.Append(Entries(2, 5, 6, size: 50));
        for (int i = 0; i < copy.Length; i++)
        {
            Assert.Equal(copy[i].Term, before.Span[i].Term);
            Assert.True(copy[i].Data.AsSpan().SequenceEqual(before.Span[i].Data.Span));
        }
    }

    [Fact]
    public void Invalid_appends_are_rejected_before_anything_is_written()
    {
        using var storage = Open();
        storage.Append(Entries(2, 1, 5), new HardState(2, 1, 3));
        Assert.Throws<ArgumentException>(() => storage.Append(Entries(2, 7, 1)));                     // gap
        Assert.Throws<ArgumentException>(() => storage.Append([MakeEntry(2, 6), MakeEntry(2, 8)]));   // not contiguous
        Assert.Throws<ArgumentException>(() => storage.Append([MakeEntry(1, 6)]));                    // term decreases
        Assert.Throws<ArgumentException>(() => storage.Append([MakeEntry(3, 6, size: 5000)]));        // too large
        Assert.Throws<InvalidOperationException>(() => storage.Append(Entries(3, 3, 1)));             // overwrites committed
        Assert.Throws<ArgumentException>(() => storage.SaveHardState(new HardState(1, 1, 3)));        // term goes back
        Assert.Throws<ArgumentException>(() => storage.SaveHardState(new HardState(2, 1, 2)));        // commit goes back
        Assert.Throws<ArgumentException>(() => storage.SaveHardState(new HardState(2, 1, 6)));        // commit beyond log
        Assert.Throws<InvalidOperationException>(() => storage.SaveHardState(new HardState(2, 3, 3))); // second vote in a term
        storage.SaveHardState(new HardState(3, 3, 4));
        Assert.Equal(5ul, storage.LastIndex);
        Assert.Equal(new HardState(3, 3, 4), storage.HardState);
    }

    [Fact]
    public void Bootstrap_is_for_a_brand_new_store_only()
    {
        using (var storage = Open())
        {
            storage.Bootstrap(new ConfState([1], [4]));
            Assert.Throws<InvalidOperationException>(() => storage.Bootstrap(new ConfState([2], [])));
        }

        using (var storage = Open())
        {
            Assert.Equal(new ConfState([1], [4]), storage.GetInitialState().ConfState);
        }
    }

    [Fact]
    public void A_snapshot_lets_the_log_be_compacted_and_survives_reopen()
    {
        var log = new List<Entry>(Entries(1, 1, 300, size: 100));
        var conf = new ConfState([1, 2, 3], [9]);
        var payload = Payload(7, 7, 3000);
        int segmentsBefore;
        using (var storage = Open())
        {
            storage.Bootstrap(new ConfState([1, 2, 3], []));
            storage.Append(log.ToArray(), new HardState(1, 1, 300));
            segmentsBefore = storage.SegmentCount;
            Assert.Throws<InvalidOperationException>(() => storage.Compact(100));
            storage.SaveSnapshot(new Snapshot(new SnapshotMetadata(200, 1, conf), payload));
            storage.Compact(200);
            Assert.True(storage.SegmentCount < segmentsBefore);
            Assert.Equal(201ul, storage.FirstIndex);
            Assert.Equal(LogReadStatus.Ok, storage.TryGetTerm(200, out ulong term));
            Assert.Equal(1ul, term);
            Assert.Equal(LogReadStatus.Compacted, storage.TryGetTerm(199, out _));
            Assert.Equal(LogReadStatus.Compacted, storage.TryGetEntries(150, 250, long.MaxValue, out _));
            AssertLog(log.Skip(200).ToList(), storage);
        }

        using (var storage = Open())
        {
            Assert.Equal(201ul, storage.FirstIndex);
            Assert.Equal(300ul, storage.LastIndex);
            AssertLog(log.Skip(200).ToList(), storage);
            Assert.Equal(conf, storage.GetInitialState().ConfState);
            Assert.Equal(LogReadStatus.Ok, storage.TryGetSnapshot(out var snapshot));
            Assert.Equal(new SnapshotMetadata(200, 1, conf), snapshot.Metadata);
            Assert.True(snapshot.Data.Span.SequenceEqual(payload));
        }
    }

    [Fact]
    public void Only_the_newest_two_snapshots_are_kept()
    {
        using var storage = Open();
        storage.Append(Entries(1, 1, 40));
        for (ulong i = 1; i <= 4; i++)
        {
            storage.SaveSnapshot(new Snapshot(new SnapshotMetadata(i * 10, 1, new ConfState([1], [])), Payload(1, i, 100)));
        }

        var files = Device.ListFiles(Path.Combine(Directory, "snap"));
        Assert.Equal([SnapshotFormat.FileName(30, 1), SnapshotFormat.FileName(40, 1)], files);
        Assert.Equal(40ul, storage.LatestSnapshot!.Metadata.Index);
    }

    [Fact]
    public void Installing_a_snapshot_ahead_of_the_log_discards_the_log()
    {
        var conf = new ConfState([1, 2], []);
        using (var storage = Open())
        {
            storage.Append(Entries(1, 1, 50), new HardState(1, 0, 20));
            storage.InstallSnapshot(new Snapshot(new SnapshotMetadata(100, 4, conf), Payload(4, 100, 700)));
            storage.SaveHardState(new HardState(4, 0, 100));
            Assert.Equal(101ul, storage.FirstIndex);
            Assert.Equal(100ul, storage.LastIndex);
            Assert.Equal(LogReadStatus.Ok, storage.TryGetTerm(100, out ulong term));
            Assert.Equal(4ul, term);
            storage.Append(Entries(4, 101, 5));
        }

        using (var storage = Open())
        {
            Assert.Equal(101ul, storage.FirstIndex);
            AssertLog(Entries(4, 101, 5), storage);
            Assert.Equal(conf, storage.GetInitialState().ConfState);
        }
    }

    [Fact]
    public void Installing_a_snapshot_that_matches_the_log_keeps_the_suffix()
    {
        using var storage = Open();
        var log = Entries(1, 1, 60);
        storage.Append(log, new HardState(1, 0, 10));
        storage.InstallSnapshot(new Snapshot(new SnapshotMetadata(30, 1, new ConfState([1], [])), Payload(1, 30, 10)));
        Assert.Equal(31ul, storage.FirstIndex);
        AssertLog(log.Skip(30).ToList(), storage);
    }

    [Fact]
    public void Installing_the_snapshot_the_log_already_starts_after_keeps_the_log()
    {
        using var storage = Open();
        storage.Append(Entries(1, 1, 20), new HardState(1, 0, 10));
        var snapshot = new Snapshot(new SnapshotMetadata(50, 2, new ConfState([1], [])), Payload(2, 50, 10));
        storage.InstallSnapshot(snapshot);
        storage.SaveHardState(new HardState(2, 0, 50));
        var log = Entries(2, 51, 10);
        storage.Append(log);

        // The same snapshot again (a retransmission): the entry before the log matches it, so the log stays.
        storage.InstallSnapshot(snapshot);
        Assert.Equal(51ul, storage.FirstIndex);
        AssertLog(log, storage);
    }

    [Fact]
    public void Installing_a_snapshot_that_conflicts_with_the_log_discards_it()
    {
        using var storage = Open();
        storage.Append(Entries(1, 1, 60), new HardState(1, 0, 10));
        storage.InstallSnapshot(new Snapshot(new SnapshotMetadata(30, 2, new ConfState([1], [])), Payload(1, 30, 10)));
        Assert.Equal(31ul, storage.FirstIndex);
        Assert.Equal(30ul, storage.LastIndex);
    }

    [Fact]
    public void A_snapshot_that_contradicts_committed_entries_is_refused_before_it_is_stored()
    {
        using var storage = Open();
        storage.Append(Entries(1, 1, 60), new HardState(1, 0, 50));
        Assert.Throws<InvalidOperationException>(() => storage.InstallSnapshot(new Snapshot(new SnapshotMetadata(30, 2, ConfState.Empty), Payload(1, 1, 10))));
        Assert.Null(storage.LatestSnapshot);
        Assert.Equal(1ul, storage.FirstIndex);
    }

    [Fact]
    public void Snapshots_stream_in_and_out_in_chunks()
    {
        var payload = Payload(3, 3, 10_000);
        var metadata = new SnapshotMetadata(5, 2, new ConfState([1, 2, 3], []));
        using (var storage = Open())
        {
            using var writer = storage.BeginSnapshot(metadata);
            for (int at = 0; at < payload.Length; at += 777)
            {
                writer.Write(payload.AsSpan(at, Math.Min(777, payload.Length - at)));
            }

            var info = writer.Commit();
            Assert.Equal(payload.Length, info.SizeBytes);
            Assert.Equal(Crc32C.Compute(payload), info.Checksum);
            storage.InstallSnapshot(metadata);
        }

        using (var storage = Open())
        {
            using var stream = storage.OpenSnapshot();
            Assert.Equal(metadata, stream.Metadata);
            var copy = new MemoryStream();
            var chunk = new byte[1000];
            int n;
            while ((n = stream.Read(chunk, 0, chunk.Length)) > 0)
            {
                copy.Write(chunk, 0, n);
            }

            Assert.Equal(payload, copy.ToArray());
        }
    }

    [Fact]
    public void A_local_snapshot_still_being_written_when_a_newer_one_is_installed_does_not_replace_it()
    {
        // The node's background save of its own snapshot (index 30) overlaps the loop installing the leader's
        // (index 80) and appending after it: the older one publishes last, and must not become the latest.
        var conf = new ConfState([1], []);
        using (var storage = Open())
        {
            storage.Append(Entries(1, 1, 60), new HardState(1, 0, 40));
            var local = storage.BeginSnapshot(new SnapshotMetadata(30, 1, conf));
            local.Write(Payload(1, 30, 500));
            storage.InstallSnapshot(new Snapshot(new SnapshotMetadata(80, 2, conf), Payload(2, 80, 700)));
            storage.SaveHardState(new HardState(2, 0, 80));
            storage.Append(Entries(2, 81, 5));
            Assert.Throws<InvalidOperationException>(() => storage.BeginSnapshot(new SnapshotMetadata(30, 1, conf)));
            local.Commit();
            Assert.Equal(80ul, storage.LatestSnapshot!.Metadata.Index);
            Assert.Equal(LogReadStatus.Ok, storage.TryGetSnapshot(out var latest));
            Assert.Equal(Payload(2, 80, 700), latest.Data.ToArray());
            storage.Compact(25); // behind the log's start: nothing to do
            Assert.Equal(81ul, storage.FirstIndex);
        }

        using (var storage = Open())
        {
            Assert.Equal(80ul, storage.LatestSnapshot!.Metadata.Index);
            AssertLog(Entries(2, 81, 5), storage);
        }
    }

    [Fact]
    public void A_saved_snapshot_is_served_from_memory()
    {
        using var storage = Open();
        storage.Append(Entries(1, 1, 20), new HardState(1, 0, 20));
        var payload = Payload(1, 20, 3000);
        storage.SaveSnapshot(new Snapshot(new SnapshotMetadata(20, 1, new ConfState([1], [])), payload));
        foreach (var file in Device.ListFiles(Path.Combine(Directory, "snap")))
        {
            // Sending it to a follower must not read it back: damage the file and the payload is still the one saved.
            using var f = Device.OpenFile(Path.Combine(Directory, "snap", file), StorageFileMode.OpenExisting);
            f.Write(f.Length - 1, [0xFF]);
        }

        Assert.Equal(LogReadStatus.Ok, storage.TryGetSnapshot(out var snapshot));
        Assert.Equal(payload, snapshot.Data.ToArray());
    }

    [Fact]
    public void An_abandoned_snapshot_leaves_nothing_behind()
    {
        using var storage = Open();
        using (var writer = storage.BeginSnapshot(new SnapshotMetadata(5, 1, ConfState.Empty)))
        {
            writer.Write([1, 2, 3]);
        }

        Assert.Empty(Device.ListFiles(Path.Combine(Directory, "snap")));
        Assert.Null(storage.LatestSnapshot);
    }

    [Fact]
    public void Opening_with_another_cluster_id_fails_clearly()
    {
        using (var storage = Open())
        {
            storage.Append(Entries(1, 1, 3));
        }

        var ex = Assert.Throws<StorageFormatException>(() => Open(clusterId: 0xBAD));
        Assert.Contains("cluster", ex.Message, StringComparison.Ordinal);
        Assert.Contains("00000000000000c1", ex.Message, StringComparison.Ordinal);
        Assert.NotNull(ex.FilePath);
    }

    [Fact]
    public void Opening_an_unknown_format_version_fails_clearly()
    {
        using (var storage = Open())
        {
            storage.Append(Entries(1, 1, 3));
        }

        var segment = Path.Combine(Directory, "wal", WalFormat.SegmentFileName(1));
        using (var file = Device.OpenFile(segment, StorageFileMode.OpenExisting))
        {
            var header = new byte[WalFormat.SegmentHeaderBytes];
            file.Read(0, header);
            var decoded = WalFormat.ReadSegmentHeader(header, segment, 0xC1);
            WalFormat.WriteSegmentHeader(header, decoded with { Version = 9 });
            file.Write(0, header);
            file.Flush();
        }

        var ex = Assert.Throws<StorageFormatException>(() => Open());
        Assert.Contains("format version 9", ex.Message, StringComparison.Ordinal);
        Assert.Equal(segment, ex.FilePath);
    }

    [Fact]
    public void A_data_directory_opens_once_at_a_time()
    {
        var first = Open();
        Assert.Throws<StorageLockedException>(() => Open());
        first.Dispose();
        Open().Dispose();
    }

    [Fact]
    public void A_missing_middle_segment_is_a_named_gap()
    {
        using (var storage = Open())
        {
            storage.Append(Entries(1, 1, 300, size: 100), new HardState(1, 0, 1));
            Assert.True(storage.SegmentCount >= 3);
        }

        Device.DeleteFile(Path.Combine(Directory, "wal", WalFormat.SegmentFileName(2)));
        var ex = Assert.Throws<StorageCorruptionException>(() => Open());
        Assert.Equal(Path.Combine(Directory, "wal", WalFormat.SegmentFileName(3)), ex.FilePath);
        Assert.Contains("missing", ex.Message, StringComparison.Ordinal);
    }
}

public sealed class DurableRaftStorageOnFileSystemTests : DurableRaftStorageTests
{
    protected override IStorageDevice CreateDevice() => new FileStorageDevice();

    [Fact]
    public async Task A_snapshot_saved_on_another_thread_while_the_log_is_appended_survives_reopen()
    {
        var conf = new ConfState([1], []);
        var payload = Payload(1, 100, 4 << 20);
        var options = StorageTestKit.Options(Directory, 64 * 1024, backgroundPreparation: true);
        ulong last = 0;
        await using (var storage = DurableRaftStorage.Open(options, Device))
        {
            storage.Append(Entries(1, 1, 100), new HardState(1, 0, 100));
            var save = Task.Run(() => storage.SaveSnapshot(new Snapshot(new SnapshotMetadata(100, 1, conf), payload)));
            for (ulong next = 101; !save.IsCompleted || next < 400; next += 10)
            {
                storage.Append(Entries(1, next, 10), new HardState(1, 0, next + 9));
                last = next + 9;
            }

            await save;
            storage.Compact(100);
        }

        await using (var storage = DurableRaftStorage.Open(options, Device))
        {
            Assert.Equal(100ul, storage.LatestSnapshot!.Metadata.Index);
            Assert.Equal(101ul, storage.FirstIndex);
            Assert.True(last >= 400);
            Assert.Equal(last, storage.LastIndex);
            Assert.Equal(LogReadStatus.Ok, storage.TryGetSnapshot(out var snapshot));
            Assert.Equal(payload, snapshot.Data.ToArray());
        }
    }
}

public sealed class DurableRaftStorageOnSimulatedDeviceTests : DurableRaftStorageTests
{
    protected override IStorageDevice CreateDevice() => new SimulatedStorageDevice();
}
