using HaCore.Testing.Storage;

namespace HaCore.Storage.Tests;

/// <summary>The fault model of the simulated device, beyond the shared contract.</summary>
public sealed class SimulatedStorageDeviceTests
{
    private const string Dir = "/sim";

    [Fact]
    public void Unsynced_writes_are_lost_or_kept_as_an_in_order_prefix()
    {
        var outcomes = new HashSet<string>();
        for (ulong seed = 1; seed <= 40; seed++)
        {
            var device = new SimulatedStorageDevice(new SimulatedStorageOptions { Seed = seed, TornWriteProbability = 0 });
            device.CreateDirectory(Dir);
            using (var file = device.OpenFile("/sim/f", StorageFileMode.CreateNew))
            {
                file.Write(0, [1, 1]);
                file.Flush();
                device.SyncDirectory(Dir);
                file.Write(2, [2, 2]);
                file.Write(4, [3, 3]);
            }

            device.Crash();
            var bytes = device.ReadAllBytes("/sim/f");
            Assert.Contains(bytes.Length, new[] { 2, 4, 6 });
            Assert.Equal(new byte[] { 1, 1, 2, 2, 3, 3 }.AsSpan(0, bytes.Length).ToArray(), bytes);
            outcomes.Add(bytes.Length.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        Assert.Equal(3, outcomes.Count);
    }

    [Fact]
    public void A_torn_write_keeps_a_strict_prefix()
    {
        bool sawTear = false;
        for (ulong seed = 1; seed <= 40; seed++)
        {
            var device = new SimulatedStorageDevice(new SimulatedStorageOptions { Seed = seed, TornWriteProbability = 1 });
            device.CreateDirectory(Dir);
            using (var file = device.OpenFile("/sim/f", StorageFileMode.CreateNew))
            {
                file.Flush();
                device.SyncDirectory(Dir);
                file.Write(0, [1, 2, 3, 4, 5, 6, 7, 8]);
            }

            device.Crash();
            var bytes = device.ReadAllBytes("/sim/f");
            Assert.Equal(new byte[] { 1, 2, 3, 4, 5, 6, 7, 8 }.AsSpan(0, bytes.Length).ToArray(), bytes);
            sawTear |= bytes.Length is > 0 and < 8;
        }

        Assert.True(sawTear);
    }

    [Fact]
    public void Unsynced_directory_changes_are_lost_and_synced_ones_kept()
    {
        var device = new SimulatedStorageDevice(new SimulatedStorageOptions { Seed = 3 });
        device.CreateDirectory(Dir);
        using (var file = device.OpenFile("/sim/kept", StorageFileMode.CreateNew))
        {
            file.Write(0, [7]);
            file.Flush();
        }

        device.SyncDirectory(Dir);
        device.ArmCrash(0);
        Assert.Throws<SimulatedCrashException>(() => device.OpenFile("/sim/new", StorageFileMode.CreateNew));
        Assert.True(device.IsDown);
        Assert.Throws<SimulatedCrashException>(() => device.ListFiles(Dir));
        device.Crash();
        Assert.Equal(["kept"], device.ListFiles(Dir));
        Assert.Equal(new byte[] { 7 }, device.ReadAllBytes("/sim/kept"));
    }

    [Fact]
    public void A_file_synced_without_its_directory_can_vanish()
    {
        bool vanished = false;
        for (ulong seed = 1; seed <= 20 && !vanished; seed++)
        {
            var device = new SimulatedStorageDevice(new SimulatedStorageOptions { Seed = seed });
            device.CreateDirectory(Dir);
            using (var file = device.OpenFile("/sim/f", StorageFileMode.CreateNew))
            {
                file.Write(0, [1]);
                file.Flush();
            }

            device.Crash();
            vanished = !device.FileExists("/sim/f");
        }

        Assert.True(vanished);
    }

    [Fact]
    public void Handles_from_before_a_crash_fail_and_bit_flips_persist()
    {
        var device = new SimulatedStorageDevice();
        device.CreateDirectory(Dir);
        var file = device.OpenFile("/sim/f", StorageFileMode.CreateNew);
        file.Write(0, [0, 0]);
        file.Flush();
        device.SyncDirectory(Dir);
        device.FlipBit("/sim/f", 1, 3);
        device.Crash();
        Assert.Throws<IOException>(() => file.Read(0, new byte[1]));
        Assert.Equal(new byte[] { 0, 8 }, device.ReadAllBytes("/sim/f"));
        Assert.True(device.Elapsed > TimeSpan.Zero);
        Assert.Equal(2, device.FlushCount);
    }
}

/// <summary>The entry cache, observed through the simulated device's read counter (virtual read latency).</summary>
public sealed class EntryCacheTests
{
    [Fact]
    public void Reads_of_just_appended_entries_do_not_touch_the_disk()
    {
        var device = StorageTestKit.Device();
        using var storage = DurableRaftStorage.Open(StorageTestKit.Options(), device);
        var entries = StorageTestKit.Entries(1, 1, 50);
        storage.Append(entries);
        var before = device.Elapsed;
        Assert.Equal(HaCore.Raft.LogReadStatus.Ok, storage.TryGetEntries(20, 51, long.MaxValue, out var tail));
        Assert.Equal(before, device.Elapsed);
        Assert.Equal(31, tail.Length);
        for (int i = 0; i < tail.Length; i++)
        {
            StorageTestKit.AssertSameEntry(entries[19 + i], tail.Span[i]);
        }
    }

    [Fact]
    public void Without_a_cache_reads_go_to_disk_and_return_the_same_entries()
    {
        var device = StorageTestKit.Device();
        var options = StorageTestKit.Options();
        using var storage = DurableRaftStorage.Open(new StorageOptions
        {
            DirectoryPath = options.DirectoryPath,
            ClusterId = options.ClusterId,
            SegmentSizeBytes = options.SegmentSizeBytes,
            MaxRecordBytes = options.MaxRecordBytes,
            EntryCacheBytes = 0,
            PrepareSegmentsAhead = false,
        }, device);
        var entries = StorageTestKit.Entries(1, 1, 50);
        storage.Append(entries);
        var before = device.Elapsed;
        Assert.Equal(HaCore.Raft.LogReadStatus.Ok, storage.TryGetEntries(20, 51, long.MaxValue, out var tail));
        Assert.True(device.Elapsed > before);
        for (int i = 0; i < tail.Length; i++)
        {
            StorageTestKit.AssertSameEntry(entries[19 + i], tail.Span[i]);
        }
    }

    [Fact]
    public void The_cache_stays_within_its_byte_budget_and_serves_only_contiguous_tails()
    {
        var cache = new EntryCache(maxBytes: 1000);
        cache.Append(StorageTestKit.Entries(1, 1, 30, size: 76)); // 100 bytes each
        Assert.Equal(10, cache.Count);
        Assert.Equal(1000, cache.Bytes);
        Assert.Equal(21ul, cache.FirstIndex);
        Assert.Equal(30ul, cache.LastIndex);
        cache.TruncateFrom(25);
        Assert.Equal(24ul, cache.LastIndex);
        cache.Append(StorageTestKit.Entries(2, 40, 1, size: 76));
        Assert.Equal(40ul, cache.FirstIndex);
        Assert.Equal(1, cache.Count);
    }

    [Fact]
    public void Payloads_are_copied_into_shared_chunks_and_bytes_handed_out_are_never_written_again()
    {
        // 64 KB budget: 4 KB chunks; 100-byte payloads share them, a 2 KB one gets its own array.
        var cache = new EntryCache(maxBytes: 64 * 1024);
        var source = new byte[100 * 40];
        var appended = new HaCore.Raft.Entry[40];
        for (var i = 0; i < appended.Length; i++)
        {
            StorageTestKit.Payload(1, (ulong)i + 1, 100).CopyTo(source, i * 100);
            appended[i] = new HaCore.Raft.Entry(1, (ulong)i + 1, new ReadOnlyMemory<byte>(source, i * 100, 100));
        }

        cache.Append(appended);
        Array.Clear(source); // the appender's buffer (a received frame) is reused: the cache holds copies
        var handedOut = cache.Read(1, 41, long.MaxValue);
        for (var i = 0; i < handedOut.Length; i++)
        {
            Assert.Equal(StorageTestKit.Payload(1, (ulong)i + 1, 100), handedOut[i].Data.ToArray());
        }

        Assert.True(System.Runtime.InteropServices.MemoryMarshal.TryGetArray(handedOut[0].Data, out var first));
        Assert.True(System.Runtime.InteropServices.MemoryMarshal.TryGetArray(handedOut[1].Data, out var second));
        Assert.Same(first.Array, second.Array);
        Assert.NotSame(source, first.Array);

        // Clear, truncate, and append other entries over the same indexes: what was read before stays as it was
        // (the chunk those entries point into is still the current one here: it is written on, never over).
        cache.Clear();
        cache.Append(StorageTestKit.Entries(2, 1, 20, size: 100));
        cache.TruncateFrom(10);
        cache.Append(StorageTestKit.Entries(3, 10, 1, size: 100));
        cache.Clear();
        cache.Append(StorageTestKit.Entries(3, 1, 60, size: 100));
        cache.Append([StorageTestKit.MakeEntry(3, 61, size: 2048)]);
        for (var i = 0; i < handedOut.Length; i++)
        {
            Assert.Equal(StorageTestKit.Payload(1, (ulong)i + 1, 100), handedOut[i].Data.ToArray());
        }

        for (ulong index = 1; index <= 60; index++)
        {
            StorageTestKit.AssertSameEntry(StorageTestKit.MakeEntry(3, index, size: 100), cache.Get(index));
        }

        StorageTestKit.AssertSameEntry(StorageTestKit.MakeEntry(3, 61, size: 2048), cache.Get(61));
        Assert.True(cache.Bytes <= 64 * 1024);
    }
}
