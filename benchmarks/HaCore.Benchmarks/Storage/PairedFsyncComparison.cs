using System.Diagnostics;
using System.Globalization;
using HaCore.Raft;
using HaCore.Storage;

namespace HaCore.Benchmarks.Storage;

/// <summary>
/// WAL append versus bare fsync, measured in alternation: each round does one WAL append (a batch of 256-byte
/// entries and a hard state, one fsync) and then one write plus fsync of the same byte count to a preallocated
/// file, so both see the same disk contention. On a shared machine this gives a steadier ratio than two
/// separate BenchmarkDotNet cases. Not a BenchmarkDotNet class: call <see cref="Run"/> from a console entry point.
/// </summary>
internal static class PairedFsyncComparison
{
    /// <summary>Runs <paramref name="rounds"/> pairs for batches of 1, 16 and 256 entries; prints medians, p90 and the median ratio.</summary>
    public static void Run(int rounds, TextWriter output)
    {
        foreach (int batchSize in new[] { 1, 16, 256 })
        {
            string dir = Path.Combine(Path.GetTempPath(), "hacore-paired-" + Guid.NewGuid().ToString("N"));
            try
            {
                RunOne(dir, batchSize, rounds, output);
            }
            finally
            {
                Directory.Delete(dir, recursive: true);
            }
        }
    }

    private static void RunOne(string dir, int batchSize, int rounds, TextWriter output)
    {
        const long bareSize = 64L * 1024 * 1024;
        using var storage = DurableRaftStorage.Open(new StorageOptions { DirectoryPath = dir, ClusterId = 1 });
        var payload = new byte[256];
        var batch = new Entry[batchSize];
        var bareBytes = new byte[(batchSize * 288) + 56 + 32];
        string barePath = Path.Combine(dir, "bare");
        using var bare = File.OpenHandle(barePath, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, FileOptions.None, bareSize);
        var zeros = new byte[1 << 20];
        for (long at = 0; at < bareSize; at += zeros.Length)
        {
            RandomAccess.Write(bare, zeros, at);
        }

        FileStorageDevice.Fsync(bare, barePath);
        ulong next = 1;
        long bareAt = 0;
        var wal = new double[rounds];
        var raw = new double[rounds];
        for (int r = -50; r < rounds; r++)
        {
            for (int i = 0; i < batchSize; i++)
            {
                batch[i] = new Entry(1, next + (ulong)i, payload);
            }

            next += (ulong)batchSize;
            long t0 = Stopwatch.GetTimestamp();
            storage.Append(batch, new HardState(1, 1, next - 1));
            long t1 = Stopwatch.GetTimestamp();
            if (bareAt + bareBytes.Length > bareSize)
            {
                bareAt = 0;
            }

            RandomAccess.Write(bare, bareBytes, bareAt);
            bareAt += bareBytes.Length;
            FileStorageDevice.Fsync(bare, barePath);
            long t2 = Stopwatch.GetTimestamp();
            if (r >= 0)
            {
                wal[r] = Stopwatch.GetElapsedTime(t0, t1).TotalMicroseconds;
                raw[r] = Stopwatch.GetElapsedTime(t1, t2).TotalMicroseconds;
            }
        }

        Array.Sort(wal);
        Array.Sort(raw);
        double walMedian = wal[rounds / 2];
        double rawMedian = raw[rounds / 2];
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"batch {batchSize,3}: WAL median {walMedian,8:F1} us p90 {wal[rounds * 9 / 10],8:F1} us | bare median {rawMedian,8:F1} us p90 {raw[rounds * 9 / 10],8:F1} us | ratio {walMedian / rawMedian:F2} | {batchSize * 1e6 / walMedian:F0} entries/s"));
    }
}
