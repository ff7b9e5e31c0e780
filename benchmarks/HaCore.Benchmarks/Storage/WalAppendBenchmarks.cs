using BenchmarkDotNet.Attributes;
using HaCore.Raft;
using HaCore.Storage;
using Microsoft.Win32.SafeHandles;

namespace HaCore.Benchmarks.Storage;

/// <summary>
/// Group commit: one <see cref="DurableRaftStorage.Append"/> of a batch of 256-byte entries plus a hard state
/// (one fsync), against the floor: writing the same bytes to a preallocated file and fsyncing it.
/// The ratio column is WAL cost over bare-fsync cost.
/// </summary>
[MemoryDiagnoser]
public class WalAppendBenchmarks
{
    private const int PayloadBytes = 256;
    private const long BareFileBytes = 64L * 1024 * 1024;

    private readonly byte[] _payload = new byte[PayloadBytes];
    private string _directory = string.Empty;
    private DurableRaftStorage _storage = null!;
    private Entry[] _batch = [];
    private ulong _nextIndex;
    private SafeFileHandle _bareFile = null!;
    private byte[] _bareBytes = [];
    private long _bareOffset;

    /// <summary>Entries per batch (per fsync).</summary>
    [Params(1, 16, 256)]
    public int BatchSize { get; set; }

    /// <summary>Opens a store with default (64 MiB, zero-filled) segments and a preallocated bare file.</summary>
    [GlobalSetup]
    public void Setup()
    {
        new Random(1).NextBytes(_payload);
        _directory = Path.Combine(Path.GetTempPath(), "hacore-bench-wal-" + Guid.NewGuid().ToString("N"));
        _storage = DurableRaftStorage.Open(new StorageOptions { DirectoryPath = _directory, ClusterId = 1 });
        _batch = new Entry[BatchSize];
        _nextIndex = 1;

        // The bare file takes the same bytes the WAL writes per batch: records with their headers, padding and footers,
        // the hard-state record and the end marker.
        _bareBytes = new byte[(BatchSize * WalFormat.RecordBytes(PayloadBytes)) + WalFormat.HardStateRecordBytes + WalFormat.RecordHeaderBytes];
        new Random(2).NextBytes(_bareBytes);
        string bare = Path.Combine(_directory, "bare.dat");
        _bareFile = File.OpenHandle(bare, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, FileOptions.None, BareFileBytes);
        var zeros = new byte[1024 * 1024];
        for (long at = 0; at < BareFileBytes; at += zeros.Length)
        {
            RandomAccess.Write(_bareFile, zeros, at);
        }

        FileStorageDevice.Fsync(_bareFile, bare);
    }

    /// <summary>Removes the files.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        _storage.Dispose();
        _bareFile.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    /// <summary>The floor: write the batch's bytes to a preallocated file and fsync.</summary>
    [Benchmark(Baseline = true)]
    public void BareFileWriteAndFsync()
    {
        if (_bareOffset + _bareBytes.Length > BareFileBytes)
        {
            _bareOffset = 0;
        }

        RandomAccess.Write(_bareFile, _bareBytes, _bareOffset);
        _bareOffset += _bareBytes.Length;
        FileStorageDevice.Fsync(_bareFile, "bare.dat");
    }

    /// <summary>One Ready's persistence: a batch of entries and a hard state, one fsync.</summary>
    [Benchmark]
    public void WalAppendBatch()
    {
        for (int i = 0; i < _batch.Length; i++)
        {
            _batch[i] = new Entry(1, _nextIndex + (ulong)i, _payload);
        }

        _nextIndex += (ulong)_batch.Length;
        _storage.Append(_batch, new HardState(1, 1, _nextIndex - 1));
    }
}
