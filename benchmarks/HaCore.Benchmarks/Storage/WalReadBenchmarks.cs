using BenchmarkDotNet.Attributes;
using HaCore.Raft;
using HaCore.Storage;

namespace HaCore.Benchmarks.Storage;

/// <summary>
/// Reading 10,000 entries of 256 bytes through <see cref="IRaftLogStorage.TryGetEntries"/>, in 1 MiB pages:
/// from disk (checksums verified, entry cache off) and from the in-memory cache of recent entries.
/// </summary>
[MemoryDiagnoser]
public class WalReadBenchmarks
{
    private const int EntryCount = 10_000;
    private string _directory = string.Empty;
    private DurableRaftStorage _cold = null!;
    private DurableRaftStorage _warm = null!;

    /// <summary>Writes the same log to two stores; reopens one without a cache.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _directory = Path.Combine(Path.GetTempPath(), "hacore-bench-read-" + Guid.NewGuid().ToString("N"));
        var payload = new byte[256];
        new Random(1).NextBytes(payload);
        var entries = Enumerable.Range(1, EntryCount).Select(i => new Entry(1, (ulong)i, payload)).ToArray();
        var coldOptions = new StorageOptions { DirectoryPath = Path.Combine(_directory, "cold"), ClusterId = 1, EntryCacheBytes = 0 };
        using (var writer = DurableRaftStorage.Open(coldOptions))
        {
            writer.Append(entries);
        }

        _cold = DurableRaftStorage.Open(coldOptions);
        _warm = DurableRaftStorage.Open(new StorageOptions { DirectoryPath = Path.Combine(_directory, "warm"), ClusterId = 1 });
        _warm.Append(entries);
    }

    /// <summary>Removes the files.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        _cold.Dispose();
        _warm.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    /// <summary>10,000 entries from the segment files (page cache), every record checksum verified.</summary>
    [Benchmark]
    public long ReadFromDisk() => ReadAll(_cold);

    /// <summary>10,000 entries from the entry cache.</summary>
    [Benchmark]
    public long ReadFromCache() => ReadAll(_warm);

    private static long ReadAll(DurableRaftStorage storage)
    {
        long bytes = 0;
        ulong next = 1;
        while (next <= EntryCount)
        {
            storage.TryGetEntries(next, EntryCount + 1, 1024 * 1024, out var page);
            foreach (var e in page.Span)
            {
                bytes += e.Data.Length;
            }

            next += (ulong)page.Length;
        }

        return bytes;
    }
}
