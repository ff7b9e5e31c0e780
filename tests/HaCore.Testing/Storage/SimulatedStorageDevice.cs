using HaCore.Storage;

namespace HaCore.Testing.Storage;

/// <summary>Settings of a <see cref="SimulatedStorageDevice"/>.</summary>
public sealed class SimulatedStorageOptions
{
    /// <summary>Seeds every random choice (which unsynced writes survive a crash, where a write tears).</summary>
    public ulong Seed { get; init; } = 1;

    /// <summary>Virtual time charged per read. The default is 20 microseconds.</summary>
    public TimeSpan ReadLatency { get; init; } = TimeSpan.FromMicroseconds(20);

    /// <summary>Virtual time charged per write. The default is 10 microseconds.</summary>
    public TimeSpan WriteLatency { get; init; } = TimeSpan.FromMicroseconds(10);

    /// <summary>Virtual time charged per file or directory fsync. The default is 1 millisecond.</summary>
    public TimeSpan FlushLatency { get; init; } = TimeSpan.FromMilliseconds(1);

    /// <summary>Probability that the first unsynced write lost in a crash leaves a torn prefix behind. The default is 0.5.</summary>
    public double TornWriteProbability { get; init; } = 0.5;
}

/// <summary>Thrown by every operation of a <see cref="SimulatedStorageDevice"/> once its armed crash point is reached.</summary>
public sealed class SimulatedCrashException : IOException
{
    /// <summary>Creates the exception.</summary>
    public SimulatedCrashException()
        : base("Simulated power loss.")
    {
    }
}

/// <summary>
/// An in-memory <see cref="IStorageDevice"/> that models what a disk does on power loss: writes and
/// directory changes since the last fsync are lost, except that a random prefix of them (in order)
/// survives and the first lost write may leave a torn prefix. It also flips bits on request and charges
/// virtual latency. Deterministic for a given <see cref="SimulatedStorageOptions.Seed"/>.
/// </summary>
public sealed class SimulatedStorageDevice : IStorageDevice
{
    private readonly SimulatedStorageOptions _options;
    private readonly Random _random;
    private readonly HashSet<string> _directories = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Inode> _names = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Inode> _durableNames = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<DirectoryOp>> _pendingDirectoryOps = new(StringComparer.Ordinal);
    private readonly HashSet<string> _locks = new(StringComparer.Ordinal);
    private long _operationsUntilCrash = -1;
    private int _generation;

    /// <summary>Creates an empty device.</summary>
    public SimulatedStorageDevice(SimulatedStorageOptions? options = null)
    {
        _options = options ?? new SimulatedStorageOptions();
        _random = new Random(unchecked((int)_options.Seed ^ (int)(_options.Seed >> 32)));
    }

    /// <summary>The virtual time spent in device operations so far.</summary>
    public TimeSpan Elapsed { get; private set; }

    /// <summary>Mutating operations performed so far (writes, length changes, fsyncs, directory changes).</summary>
    public long MutatingOperationCount { get; private set; }

    /// <summary>Fsyncs (file and directory) performed so far.</summary>
    public long FlushCount { get; private set; }

    /// <summary>True after an armed crash fired and until <see cref="Crash"/> is called.</summary>
    public bool IsDown { get; private set; }

    /// <summary>Makes the device fail (power loss) when the given number of further mutating operations
    /// have completed: the next one throws <see cref="SimulatedCrashException"/> without taking effect,
    /// and so does every operation after it until <see cref="Crash"/>.</summary>
    public void ArmCrash(long operationsBeforeCrash)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(operationsBeforeCrash);
        _operationsUntilCrash = operationsBeforeCrash;
    }

    /// <summary>
    /// Simulates power loss and restart: every open file becomes unusable, locks are released, and each
    /// file and directory keeps its durable state plus a random in-order prefix of what was not synced
    /// (the first lost write possibly torn).
    /// </summary>
    public void Crash()
    {
        _generation++;
        _operationsUntilCrash = -1;
        IsDown = false;
        _locks.Clear();
        foreach (var (_, ops) in _pendingDirectoryOps)
        {
            int keep = _random.Next(ops.Count + 1);
            for (int i = 0; i < keep; i++)
            {
                ops[i].ApplyTo(_durableNames);
            }
        }

        _pendingDirectoryOps.Clear();
        foreach (var inode in _durableNames.Values.Concat(_names.Values).Distinct())
        {
            inode.Crash(_random, _options.TornWriteProbability);
        }

        _names.Clear();
        foreach (var (name, inode) in _durableNames)
        {
            _names[name] = inode;
        }
    }

    /// <summary>Flips one bit of a file, in its durable and its current contents (media corruption).</summary>
    public void FlipBit(string path, long byteOffset, int bit)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(byteOffset);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(bit, 7);
        var inode = _names[Normalize(path)];
        inode.FlipBit(byteOffset, bit);
    }

    /// <summary>Returns a copy of the current contents of a file.</summary>
    public byte[] ReadAllBytes(string path) => _names[Normalize(path)].Current.ToArray();

    /// <summary>Returns the current length of a file.</summary>
    public long GetLength(string path) => _names[Normalize(path)].Current.Length;

    /// <inheritdoc />
    public IStorageFile OpenFile(string path, StorageFileMode mode, long preallocationBytes = 0)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        path = Normalize(path);
        CheckUp();
        var directory = Path.GetDirectoryName(path)!;
        if (!_directories.Contains(directory))
        {
            throw new DirectoryNotFoundException($"Could not find a part of the path '{path}'.");
        }

        if (mode == StorageFileMode.OpenExisting)
        {
            if (!_names.TryGetValue(path, out var existing))
            {
                throw new FileNotFoundException($"Could not find file '{path}'.", path);
            }

            return new SimFile(this, path, existing, _generation);
        }

        if (_names.ContainsKey(path))
        {
            throw new IOException($"The file '{path}' already exists.");
        }

        Mutate();
        var inode = new Inode();
        _names[path] = inode;
        AddDirectoryOp(directory, new DirectoryOp(null, path, inode));
        return new SimFile(this, path, inode, _generation);
    }

    /// <inheritdoc />
    public bool FileExists(string path)
    {
        CheckUp();
        return _names.ContainsKey(Normalize(path));
    }

    /// <inheritdoc />
    public IReadOnlyList<string> ListFiles(string directory)
    {
        CheckUp();
        directory = Normalize(directory);
        if (!_directories.Contains(directory))
        {
            throw new DirectoryNotFoundException($"Could not find a part of the path '{directory}'.");
        }

        var names = _names.Keys.Where(p => Path.GetDirectoryName(p) == directory).Select(p => Path.GetFileName(p)).ToList();
        names.Sort(StringComparer.Ordinal);
        return names;
    }

    /// <inheritdoc />
    public void CreateDirectory(string path)
    {
        CheckUp();
        for (var dir = Normalize(path); dir is not null && _directories.Add(dir); dir = Path.GetDirectoryName(dir))
        {
        }
    }

    /// <inheritdoc />
    public void DeleteFile(string path)
    {
        CheckUp();
        path = Normalize(path);
        if (!_names.Remove(path, out var inode))
        {
            return;
        }

        Mutate();
        AddDirectoryOp(Path.GetDirectoryName(path)!, new DirectoryOp(path, null, inode));
    }

    /// <inheritdoc />
    public void MoveFile(string source, string destination)
    {
        CheckUp();
        source = Normalize(source);
        destination = Normalize(destination);
        if (!_names.TryGetValue(source, out var inode))
        {
            throw new FileNotFoundException($"Could not find file '{source}'.", source);
        }

        Mutate();
        _names.Remove(source);
        _names[destination] = inode;
        AddDirectoryOp(Path.GetDirectoryName(destination)!, new DirectoryOp(source, destination, inode));
    }

    /// <inheritdoc />
    public void SyncDirectory(string directory)
    {
        CheckUp();
        Mutate();
        FlushCount++;
        Elapsed += _options.FlushLatency;
        if (_pendingDirectoryOps.Remove(Normalize(directory), out var ops))
        {
            foreach (var op in ops)
            {
                op.ApplyTo(_durableNames);
            }
        }
    }

    /// <inheritdoc />
    public IDisposable Lock(string lockFilePath)
    {
        CheckUp();
        lockFilePath = Normalize(lockFilePath);
        if (!_names.ContainsKey(lockFilePath))
        {
            OpenFile(lockFilePath, StorageFileMode.CreateNew).Dispose();
        }

        if (!_locks.Add(lockFilePath))
        {
            throw new StorageLockedException(lockFilePath);
        }

        int generation = _generation;
        return new Releaser(() =>
        {
            if (generation == _generation)
            {
                _locks.Remove(lockFilePath);
            }
        });
    }

    private static string Normalize(string path) => Path.GetFullPath(path).TrimEnd(Path.DirectorySeparatorChar) is { Length: > 0 } p ? p : "/";

    private void AddDirectoryOp(string directory, DirectoryOp op)
    {
        if (!_pendingDirectoryOps.TryGetValue(directory, out var list))
        {
            list = [];
            _pendingDirectoryOps[directory] = list;
        }

        list.Add(op);
    }

    private void CheckUp()
    {
        if (IsDown)
        {
            throw new SimulatedCrashException();
        }
    }

    private void Mutate()
    {
        if (_operationsUntilCrash == 0)
        {
            IsDown = true;
            throw new SimulatedCrashException();
        }

        if (_operationsUntilCrash > 0)
        {
            _operationsUntilCrash--;
        }

        MutatingOperationCount++;
    }

    private sealed record DirectoryOp(string? Source, string? Destination, Inode Inode)
    {
        public void ApplyTo(Dictionary<string, Inode> names)
        {
            if (Source is not null && names.TryGetValue(Source, out var current) && ReferenceEquals(current, Inode))
            {
                names.Remove(Source);
            }

            if (Destination is not null)
            {
                names[Destination] = Inode;
            }
        }
    }

    private sealed class Releaser(Action release) : IDisposable
    {
        private Action? _release = release;

        public void Dispose() => Interlocked.Exchange(ref _release, null)?.Invoke();
    }

    /// <summary>A file's contents: what was last synced, and what reads see now (synced plus pending operations).</summary>
    private sealed class Inode
    {
        private readonly List<(long Offset, byte[]? Data, long Length)> _pending = [];

        public Buffer Durable { get; private set; } = new();

        public Buffer Current { get; private set; } = new();

        public void Write(long offset, ReadOnlySpan<byte> data)
        {
            Current.Write(offset, data);
            _pending.Add((offset, data.ToArray(), -1));
        }

        public void SetLength(long length)
        {
            Current.SetLength(length);
            _pending.Add((0, null, length));
        }

        public void Flush()
        {
            foreach (var op in _pending)
            {
                Apply(Durable, op, op.Data?.Length ?? 0);
            }

            _pending.Clear();
        }

        public void Crash(Random random, double tornProbability)
        {
            int keep = random.Next(_pending.Count + 1);
            for (int i = 0; i < keep; i++)
            {
                Apply(Durable, _pending[i], _pending[i].Data?.Length ?? 0);
            }

            if (keep < _pending.Count && _pending[keep].Data is { Length: > 1 } torn && random.NextDouble() < tornProbability)
            {
                Apply(Durable, _pending[keep], random.Next(1, torn.Length));
            }

            _pending.Clear();
            Current = Durable.Clone();
        }

        public void FlipBit(long offset, int bit)
        {
            Durable.FlipBit(offset, bit);
            Current.FlipBit(offset, bit);
        }

        private static void Apply(Buffer target, (long Offset, byte[]? Data, long Length) op, int bytes)
        {
            if (op.Data is null)
            {
                target.SetLength(op.Length);
            }
            else
            {
                target.Write(op.Offset, op.Data.AsSpan(0, bytes));
            }
        }
    }

    /// <summary>A growable byte array with a length.</summary>
    private sealed class Buffer
    {
        private byte[] _data = [];

        public long Length { get; private set; }

        public ReadOnlySpan<byte> Span => _data.AsSpan(0, (int)Length);

        public byte[] ToArray() => Span.ToArray();

        public Buffer Clone()
        {
            var copy = new Buffer();
            copy.Write(0, Span);
            return copy;
        }

        public void Write(long offset, ReadOnlySpan<byte> data)
        {
            long end = offset + data.Length;
            EnsureCapacity(end);
            data.CopyTo(_data.AsSpan((int)offset));
            Length = Math.Max(Length, end);
        }

        public void SetLength(long length)
        {
            EnsureCapacity(length);
            if (length < Length)
            {
                _data.AsSpan((int)length, (int)(Length - length)).Clear();
            }

            Length = length;
        }

        public void FlipBit(long offset, int bit)
        {
            if (offset < Length)
            {
                _data[offset] ^= (byte)(1 << bit);
            }
        }

        private void EnsureCapacity(long length)
        {
            if (length > int.MaxValue)
            {
                throw new IOException("Simulated files are limited to 2 GiB.");
            }

            if (length > _data.Length)
            {
                Array.Resize(ref _data, (int)Math.Max(length, Math.Min(int.MaxValue, _data.Length * 2L)));
            }
        }
    }

    private sealed class SimFile(SimulatedStorageDevice device, string path, Inode inode, int generation) : IStorageFile
    {
        private bool _disposed;

        public string Path { get; } = path;

        public long Length
        {
            get
            {
                Check();
                return inode.Current.Length;
            }
        }

        public int Read(long offset, Span<byte> buffer)
        {
            Check();
            device.Elapsed += device._options.ReadLatency;
            var data = inode.Current.Span;
            if (offset >= data.Length)
            {
                return 0;
            }

            int n = (int)Math.Min(buffer.Length, data.Length - offset);
            data.Slice((int)offset, n).CopyTo(buffer);
            return n;
        }

        public void Write(long offset, ReadOnlySpan<byte> data)
        {
            Check();
            ArgumentOutOfRangeException.ThrowIfNegative(offset);
            device.Mutate();
            device.Elapsed += device._options.WriteLatency;
            inode.Write(offset, data);
        }

        public void SetLength(long length)
        {
            Check();
            ArgumentOutOfRangeException.ThrowIfNegative(length);
            device.Mutate();
            inode.SetLength(length);
        }

        public void Flush()
        {
            Check();
            device.Mutate();
            device.FlushCount++;
            device.Elapsed += device._options.FlushLatency;
            inode.Flush();
        }

        public void Dispose() => _disposed = true;

        private void Check()
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            device.CheckUp();
            if (generation != device._generation)
            {
                throw new IOException($"The file '{Path}' was open before a simulated crash.");
            }
        }
    }
}
