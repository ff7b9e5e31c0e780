using HaCore.Storage;

namespace HaCore.Tests;

/// <summary>
/// A node writes and fsyncs its own snapshots off its loop: while a snapshot's fsync is held back, the node keeps
/// committing (on the old loop-thread save, every proposal below waited behind the fsync and timed out).
/// </summary>
public sealed class BackgroundSnapshotTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_node_keeps_committing_while_its_snapshot_is_being_fsynced()
    {
        using var device = new GatedSnapshotDevice();
        await using var cluster = await TestCluster.StartAsync(1, o =>
        {
            o.StorageDevice = device;
            o.SnapshotEveryEntries = 20;
            o.CompactionMargin = 5;
        });
        var node = await cluster.LeaderAsync();
        for (var i = 0; i < 75; i++)
        {
            if (i == 25)
            {
                await device.SnapshotFlushStarted.WaitAsync(Wait, Ct);
            }

            // Each with its own deadline: behind a blocked loop they would wait for the fsync.
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(Ct);
            deadline.CancelAfter(Wait);
            await node.ProposeAsync($"set k{i} {i}", cancellationToken: deadline.Token);
        }

        Assert.False(device.Released, "the snapshot's fsync was still held while the node committed 50 more entries");
        device.Release();
        var snapDirectory = Path.Combine(cluster.OptionsFor(1).DataDirectory, "snap");
        await Eventually.TrueAsync(
            () => Directory.GetFiles(snapDirectory).Any(f => !f.EndsWith(".tmp", StringComparison.Ordinal)), Wait, "the snapshot is published");

        // Restarted from the snapshot and the log after it, the state is whole.
        await cluster.StopNodeAsync(1);
        var restarted = await cluster.StartNodeAsync(1);
        await cluster.LeaderAsync();
        var read = await restarted.ReadAsync(sm => Enumerable.Range(0, 75).All(i => sm.Get($"k{i}") == i.ToString(System.Globalization.CultureInfo.InvariantCulture)), cancellationToken: Ct);
        Assert.True(read.Value);
    }

    /// <summary>The real file system, except that the fsync of a snapshot file waits until <see cref="Release"/>.</summary>
    private sealed class GatedSnapshotDevice : IStorageDevice, IDisposable
    {
        private readonly ManualResetEventSlim _gate = new(false);
        private readonly IStorageDevice _inner = FileStorageDevice.Instance;
        private readonly TaskCompletionSource _flushStarted = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task SnapshotFlushStarted => _flushStarted.Task;

        public bool Released => _gate.IsSet;

        public void Release() => _gate.Set();

        public void Dispose()
        {
            _gate.Set();
            _gate.Dispose();
        }

        public IStorageFile OpenFile(string path, StorageFileMode mode, long preallocationBytes = 0)
        {
            var file = _inner.OpenFile(path, mode, preallocationBytes);
            return path.Contains($"{Path.DirectorySeparatorChar}snap{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? new GatedFile(file, this) : file;
        }

        public bool FileExists(string path) => _inner.FileExists(path);

        public IReadOnlyList<string> ListFiles(string directory) => _inner.ListFiles(directory);

        public void CreateDirectory(string path) => _inner.CreateDirectory(path);

        public void DeleteFile(string path) => _inner.DeleteFile(path);

        public void MoveFile(string source, string destination) => _inner.MoveFile(source, destination);

        public void SyncDirectory(string directory) => _inner.SyncDirectory(directory);

        public IDisposable Lock(string lockFilePath) => _inner.Lock(lockFilePath);

        private sealed class GatedFile(IStorageFile inner, GatedSnapshotDevice device) : HaCore.Testing.Storage.DelegatingStorageFile(inner)
        {
            public override void Flush()
            {
                device._flushStarted.TrySetResult();
                if (!device._gate.Wait(TimeSpan.FromSeconds(45)))
                {
                    throw new IOException("The test never released the snapshot's fsync.");
                }

                Inner.Flush();
            }
        }
    }
}
