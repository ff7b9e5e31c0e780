using HaCore.Raft;
using HaCore.Testing.Storage;

namespace HaCore.Storage.Tests;

/// <summary>Builders shared by the storage tests.</summary>
internal static class StorageTestKit
{
    public const string SimRoot = "/data/node1";

    /// <summary>Small segments and buffers. <paramref name="backgroundPreparation"/> is for the real file system only: the
    /// simulated device is single-threaded, so by default the next segment is prepared inline (deterministically).</summary>
    public static StorageOptions Options(string directory = SimRoot, long segmentBytes = 16 * 1024, ulong clusterId = 0xC1, bool backgroundPreparation = false) => new()
    {
        PrepareSegmentsInline = !backgroundPreparation,
        DirectoryPath = directory,
        ClusterId = clusterId,
        SegmentSizeBytes = segmentBytes,
        MaxRecordBytes = 4096,
        WriteBufferBytes = 4096,
        EntryCacheBytes = 64 * 1024,
        SnapshotChunkBytes = 512,
        MaxOpenFiles = 4,
    };

    /// <summary>A deterministic payload, different for every (term, index, size).</summary>
    public static byte[] Payload(ulong term, ulong index, int size)
    {
        var data = new byte[size];
        var random = new Random(unchecked((int)((term * 1_000_003) ^ index)));
        random.NextBytes(data);
        return data;
    }

    public static Entry MakeEntry(ulong term, ulong index, int size = 40) =>
        new(term, index, index % 7 == 0 ? EntryType.ConfChange : EntryType.Normal, Payload(term, index, size));

    public static Entry[] Entries(ulong term, ulong from, int count, int size = 40) =>
        Enumerable.Range(0, count).Select(i => MakeEntry(term, from + (ulong)i, size)).ToArray();

    public static Entry[] ReadAll(DurableRaftStorage storage)
    {
        if (storage.LastIndex < storage.FirstIndex)
        {
            return [];
        }

        var result = new List<Entry>();
        ulong next = storage.FirstIndex;
        while (next <= storage.LastIndex)
        {
            Assert.Equal(LogReadStatus.Ok, storage.TryGetEntries(next, storage.LastIndex + 1, 1000, out var chunk));
            Assert.False(chunk.IsEmpty);
            result.AddRange(chunk.ToArray());
            next += (ulong)chunk.Length;
        }

        return [.. result];
    }

    public static void AssertSameEntry(Entry expected, Entry actual)
    {
        Assert.Equal(expected.Index, actual.Index);
        Assert.Equal(expected.Term, actual.Term);
        Assert.Equal(expected.Type, actual.Type);
        Assert.True(expected.Data.Span.SequenceEqual(actual.Data.Span), $"payload of entry {expected.Index} differs");
    }

    public static void AssertLog(IReadOnlyList<Entry> expected, DurableRaftStorage storage)
    {
        var actual = ReadAll(storage);
        Assert.Equal(expected.Count, actual.Length);
        for (int i = 0; i < expected.Count; i++)
        {
            AssertSameEntry(expected[i], actual[i]);
        }
    }

    public static SimulatedStorageDevice Device(ulong seed = 1) => new(new SimulatedStorageOptions { Seed = seed });
}
