using HaCore.Storage;
using HaCore.Testing.Storage;

namespace HaCore.Testing.Chaos;

/// <summary>
/// The real disk, with a power cut's semantics for a process that is killed: file writes and length changes stay
/// in this process's memory until the file is flushed (fsync), so <c>kill -9</c> loses exactly the unsynced data
/// (the page cache would otherwise keep it). Directory operations (create, rename, delete) reach the disk at once,
/// which is one of the outcomes a power cut allows. Optionally delays every fsync (a slow disk). Used by the
/// chaos tests' node processes (tests/HaCore.TestHost <c>--power-cut</c>, <c>--fsync-delay-ms</c>).
/// </summary>
/// <remarks>
/// <see cref="UnsafeWritebackDelay"/> is a deliberate defect for the chaos tests' mutation runs: a flush returns
/// at once and the data reaches the disk only that much later, so the node acknowledges before its data is
/// durable. Every handle of one path shares one buffer; renames and deletes move or drop it with the path.
/// </remarks>
public sealed class PowerCutFileDevice : IStorageDevice, IDisposable
{
    private readonly IStorageDevice _disk;
    private readonly bool _bufferUntilFsync;
    private readonly object _gate = new();
    private readonly Dictionary<string, FileState> _byPath = new(StringComparer.Ordinal);
    private readonly HashSet<FileState> _live = [];
    private readonly Timer? _writeback;
    private long _fsyncDelayTicks;

    /// <summary>Creates the device.</summary>
    /// <param name="bufferUntilFsync">Keep unsynced writes in memory (power-cut mode); false writes through at once.</param>
    /// <param name="fsyncDelay">Delay added to every file flush.</param>
    /// <param name="unsafeWritebackDelay">Mutation: flushes return at once and data is written and fsynced this much later.</param>
    /// <param name="disk">The underlying device; the real disk by default.</param>
    public PowerCutFileDevice(bool bufferUntilFsync, TimeSpan fsyncDelay, TimeSpan? unsafeWritebackDelay = null, IStorageDevice? disk = null)
    {
        _disk = disk ?? FileStorageDevice.Instance;
        _bufferUntilFsync = bufferUntilFsync;
        FsyncDelay = fsyncDelay;
        UnsafeWritebackDelay = unsafeWritebackDelay;
        if (unsafeWritebackDelay is not null)
        {
            _writeback = new Timer(_ => WriteBack(), null, TimeSpan.FromMilliseconds(20), TimeSpan.FromMilliseconds(20));
        }
    }

    /// <summary>Delay added to every file flush; may be changed while the node runs.</summary>
    public TimeSpan FsyncDelay
    {
        get => TimeSpan.FromTicks(Interlocked.Read(ref _fsyncDelayTicks));
        set => Interlocked.Exchange(ref _fsyncDelayTicks, value.Ticks);
    }

    /// <summary>The mutation's writeback delay, or null for an honest device.</summary>
    public TimeSpan? UnsafeWritebackDelay { get; }

    /// <summary>Bytes written and not yet on the disk, over all files.</summary>
    public long UnsyncedBytes
    {
        get
        {
            lock (_gate)
            {
                return _live.Sum(f => f.Pending.Sum(o => (long)(o.Data?.Length ?? 0)));
            }
        }
    }

    /// <inheritdoc />
    public IStorageFile OpenFile(string path, StorageFileMode mode, long preallocationBytes = 0)
    {
        if (!_bufferUntilFsync)
        {
            return new DelayedFile(this, _disk.OpenFile(path, mode, preallocationBytes));
        }

        lock (_gate)
        {
            if (_byPath.TryGetValue(path, out var state))
            {
                if (mode == StorageFileMode.CreateNew)
                {
                    throw new IOException($"The file '{path}' already exists.");
                }

                state.Handles++;
                return new BufferedFile(this, state, path);
            }

            var file = _disk.OpenFile(path, mode, preallocationBytes);
            state = new FileState(file) { Handles = 1, LogicalLength = file.Length };
            _byPath[path] = state;
            _live.Add(state);
            return new BufferedFile(this, state, path);
        }
    }

    /// <inheritdoc />
    public bool FileExists(string path) => _disk.FileExists(path);

    /// <inheritdoc />
    public IReadOnlyList<string> ListFiles(string directory) => _disk.ListFiles(directory);

    /// <inheritdoc />
    public void CreateDirectory(string path) => _disk.CreateDirectory(path);

    /// <inheritdoc />
    public void DeleteFile(string path)
    {
        lock (_gate)
        {
            if (_byPath.Remove(path, out var state))
            {
                state.Deleted = true;
                Release(state);
            }

            _disk.DeleteFile(path);
        }
    }

    /// <inheritdoc />
    public void MoveFile(string source, string destination)
    {
        lock (_gate)
        {
            _disk.MoveFile(source, destination);
            if (_byPath.Remove(destination, out var replaced))
            {
                replaced.Deleted = true;
                Release(replaced);
            }

            if (_byPath.Remove(source, out var moved))
            {
                _byPath[destination] = moved;
            }
        }
    }

    /// <inheritdoc />
    public void SyncDirectory(string directory) => _disk.SyncDirectory(directory);

    /// <inheritdoc />
    public IDisposable Lock(string lockFilePath) => _disk.Lock(lockFilePath);

    /// <inheritdoc />
    public void Dispose() => _writeback?.Dispose();

    private void SlowDisk()
    {
        var delay = FsyncDelay;
        if (delay > TimeSpan.Zero)
        {
            Thread.Sleep(delay);
        }
    }

    private void Release(FileState state)
    {
        // Under _gate. A file nobody holds and with nothing pending can close; one with pending data stays,
        // as the page cache would keep it, until a flush or a writeback takes it to the disk.
        if (state.Handles == 0 && (state.Pending.Count == 0 || state.Deleted))
        {
            _live.Remove(state);
            foreach (var path in _byPath.Where(kv => ReferenceEquals(kv.Value, state)).Select(kv => kv.Key).ToList())
            {
                _byPath.Remove(path);
            }

            state.File.Dispose();
        }
    }

    private void WriteBack()
    {
        var due = DateTime.UtcNow - UnsafeWritebackDelay!.Value;
        lock (_gate)
        {
            foreach (var state in _live.ToArray())
            {
                var n = 0;
                while (n < state.Pending.Count && state.Pending[n].FlushedAt is { } at && at <= due)
                {
                    n++;
                }

                if (n > 0 && !state.Deleted)
                {
                    state.ApplyToDisk(n);
                    state.File.Flush();
                    Release(state);
                }
            }
        }
    }

    private sealed class FileState(IStorageFile file)
    {
        public IStorageFile File { get; } = file;

        public List<PendingOp> Pending { get; } = [];

        public long LogicalLength { get; set; }

        public int Handles { get; set; }

        public bool Deleted { get; set; }

        public void ApplyToDisk(int count)
        {
            for (var i = 0; i < count; i++)
            {
                var op = Pending[i];
                if (op.Data is { } data)
                {
                    File.Write(op.Offset, data);
                }
                else
                {
                    File.SetLength(op.Offset);
                }
            }

            Pending.RemoveRange(0, count);
        }
    }

    /// <summary>A write (<see cref="Data"/> at <see cref="Offset"/>) or a length change (to <see cref="Offset"/>).</summary>
    private sealed class PendingOp(long offset, byte[]? data)
    {
        public long Offset { get; } = offset;

        public byte[]? Data { get; } = data;

        public DateTime? FlushedAt { get; set; }
    }

    private sealed class BufferedFile(PowerCutFileDevice device, FileState state, string path) : IStorageFile
    {
        private bool _disposed;

        public string Path { get; } = path;

        public long Length
        {
            get
            {
                lock (device._gate)
                {
                    return state.LogicalLength;
                }
            }
        }

        public int Read(long offset, Span<byte> buffer)
        {
            lock (device._gate)
            {
                var n = (int)Math.Clamp(state.LogicalLength - offset, 0, buffer.Length);
                var slice = buffer[..n];
                var read = 0;
                while (read < n)
                {
                    var r = state.File.Read(offset + read, slice[read..]);
                    if (r <= 0)
                    {
                        break;
                    }

                    read += r;
                }

                slice[read..].Clear();
                foreach (var op in state.Pending)
                {
                    if (op.Data is { } data)
                    {
                        var from = Math.Max(op.Offset, offset);
                        var to = Math.Min(op.Offset + data.Length, offset + n);
                        if (from < to)
                        {
                            data.AsSpan((int)(from - op.Offset), (int)(to - from)).CopyTo(slice[(int)(from - offset)..]);
                        }
                    }
                    else if (op.Offset < offset + n)
                    {
                        slice[(int)Math.Max(0, op.Offset - offset)..].Clear();
                    }
                }

                return n;
            }
        }

        public void Write(long offset, ReadOnlySpan<byte> data)
        {
            lock (device._gate)
            {
                state.Pending.Add(new PendingOp(offset, data.ToArray()));
                state.LogicalLength = Math.Max(state.LogicalLength, offset + data.Length);
            }
        }

        public void SetLength(long length)
        {
            lock (device._gate)
            {
                state.Pending.Add(new PendingOp(length, null));
                state.LogicalLength = length;
            }
        }

        public void Flush()
        {
            device.SlowDisk();
            lock (device._gate)
            {
                if (device.UnsafeWritebackDelay is not null)
                {
                    // The defect: acknowledge now, reach the disk later.
                    var now = DateTime.UtcNow;
                    foreach (var op in state.Pending)
                    {
                        op.FlushedAt ??= now;
                    }

                    return;
                }

                state.ApplyToDisk(state.Pending.Count);
                state.File.Flush();
            }
        }

        public void Dispose()
        {
            lock (device._gate)
            {
                if (!_disposed)
                {
                    _disposed = true;
                    state.Handles--;
                    device.Release(state);
                }
            }
        }
    }

    private sealed class DelayedFile(PowerCutFileDevice device, IStorageFile file) : DelegatingStorageFile(file)
    {
        public override void Flush()
        {
            device.SlowDisk();
            Inner.Flush();
        }
    }
}
