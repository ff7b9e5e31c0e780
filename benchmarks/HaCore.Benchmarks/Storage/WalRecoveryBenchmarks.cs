using System.Globalization;
using BenchmarkDotNet.Attributes;
using HaCore.Raft;
using HaCore.Storage;

namespace HaCore.Benchmarks.Storage;

/// <summary>
/// Opening a store: scanning every segment, verifying every record checksum and rebuilding the index.
/// Preparing the next segment ahead is off so that only recovery is timed.
/// The entry count defaults to 100,000 so that the CI dry run stays short; set
/// <c>HACORE_BENCH_RECOVERY_ENTRIES=1000000</c> for the one-million-entry figure.
/// </summary>
[MemoryDiagnoser]
public class WalRecoveryBenchmarks
{
    private string _directory = string.Empty;
    private StorageOptions _options = null!;

    /// <summary>The entry counts to measure (from HACORE_BENCH_RECOVERY_ENTRIES, comma-separated).</summary>
    public static IEnumerable<int> EntryCounts =>
        (Environment.GetEnvironmentVariable("HACORE_BENCH_RECOVERY_ENTRIES") ?? "100000")
            .Split(',', StringSplitOptions.RemoveEmptyEntries)
            .Select(s => int.Parse(s, CultureInfo.InvariantCulture));

    /// <summary>Entries of 256 bytes in the log.</summary>
    [ParamsSource(nameof(EntryCounts))]
    public int Entries { get; set; }

    /// <summary>Writes the log once, in batches of 1,000 entries.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _directory = Path.Combine(Path.GetTempPath(), "hacore-bench-recovery-" + Guid.NewGuid().ToString("N"));
        _options = new StorageOptions { DirectoryPath = _directory, ClusterId = 1, PrepareSegmentsAhead = false };
        var payload = new byte[256];
        new Random(1).NextBytes(payload);
        using var storage = DurableRaftStorage.Open(_options);
        var batch = new Entry[1000];
        for (int done = 0; done < Entries; done += batch.Length)
        {
            int n = Math.Min(batch.Length, Entries - done);
            for (int i = 0; i < n; i++)
            {
                batch[i] = new Entry(1, (ulong)(done + i + 1), payload);
            }

            storage.Append(batch.AsSpan(0, n), new HardState(1, 1, (ulong)(done + n)));
        }
    }

    /// <summary>Removes the files.</summary>
    [GlobalCleanup]
    public void Cleanup() => Directory.Delete(_directory, recursive: true);

    /// <summary>Open (full recovery scan) and close.</summary>
    [Benchmark]
    public ulong OpenAndRecover()
    {
        using var storage = DurableRaftStorage.Open(_options);
        return storage.LastIndex;
    }
}
