using HaCore.Raft;
using Microsoft.Extensions.Logging;

namespace HaCore.Storage;

/// <summary>
/// Snapshot files in <c>{DirectoryPath}/snap</c>: each written as a temporary file, fsynced, renamed into
/// place and published with a directory fsync; the newest <see cref="StorageOptions.SnapshotsToKeep"/> are kept.
/// </summary>
/// <remarks>
/// Thread safety: writers of different snapshots may run on different threads at once (a node saves its own
/// snapshot in the background while its loop installs one from the leader); <see cref="Latest"/>, publishing and
/// pruning are serialized by one lock. <see cref="Latest"/> only moves forward.
/// </remarks>
internal sealed class SnapshotStore
{
    private readonly IStorageDevice _device;
    private readonly StorageOptions _options;
    private readonly ILogger _logger;
    private readonly string _directory;
    private readonly Lock _gate = new();
    private readonly HashSet<string> _writing = [];
    private StoredSnapshotInfo? _latest;

    private SnapshotStore(IStorageDevice device, StorageOptions options, ILogger logger)
    {
        _device = device;
        _options = options;
        _logger = logger;
        _directory = Path.Combine(options.DirectoryPath, "snap");
    }

    /// <summary>The newest published snapshot, or null.</summary>
    public StoredSnapshotInfo? Latest
    {
        get
        {
            lock (_gate)
            {
                return _latest;
            }
        }
    }

    public IReadOnlyList<string> DeletedFiles { get; private set; } = [];

    /// <summary>Opens the store, deletes leftovers of interrupted writes and verifies the newest snapshot in full.</summary>
    /// <exception cref="StorageCorruptionException">The newest snapshot fails its checks.</exception>
    public static SnapshotStore Open(IStorageDevice device, StorageOptions options, ILogger logger)
    {
        var store = new SnapshotStore(device, options, logger);
        store.Recover();
        return store;
    }

    public SnapshotWriter BeginWrite(SnapshotMetadata metadata, Func<StoredSnapshotInfo, StoredSnapshotInfo>? onCommit = null)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        if (metadata.Index == 0)
        {
            throw new ArgumentException("A snapshot must cover at least index 1.", nameof(metadata));
        }

        if (metadata.Index > SnapshotFormat.MaxSnapshotIndex)
        {
            throw new ArgumentException($"A snapshot index is at most {SnapshotFormat.MaxSnapshotIndex}: the log resumes after it.", nameof(metadata));
        }

        string final = Path.Combine(_directory, SnapshotFormat.FileName(metadata.Index, metadata.Term));
        string temp = final + WalFormat.TempExtension;
        lock (_gate)
        {
            if (!_writing.Add(final))
            {
                throw new InvalidOperationException($"Snapshot {metadata.Term}/{metadata.Index} is already being written; commit or dispose that writer first.");
            }
        }

        try
        {
            _device.DeleteFile(temp);
            var file = _device.OpenFile(temp, StorageFileMode.CreateNew);
            return new SnapshotWriter(this, file, metadata, temp, final, SnapshotFormat.HeaderBytes(metadata.ConfState), _options.MaxSnapshotBytes, onCommit);
        }
        catch
        {
            lock (_gate)
            {
                _writing.Remove(final);
            }

            throw;
        }
    }

    public SnapshotReadStream OpenRead(StoredSnapshotInfo info)
    {
        var file = _device.OpenFile(info.FilePath, StorageFileMode.OpenExisting);
        try
        {
            var (metadata, size, checksum, headerBytes) = SnapshotFormat.ReadHeader(file, info.FilePath, _options.ClusterId);
            return new SnapshotReadStream(file, info.FilePath, metadata, headerBytes, size, checksum);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>Reads a whole payload into memory, verifying its checksum.</summary>
    public byte[] ReadAll(StoredSnapshotInfo info)
    {
        if (info.SizeBytes > Array.MaxLength)
        {
            throw new InvalidOperationException($"The snapshot {info.FilePath} is {info.SizeBytes} bytes, too large to load in memory; stream it with OpenSnapshot.");
        }

        using var stream = OpenRead(info);
        var data = new byte[info.SizeBytes];
        int at = 0;
        while (at < data.Length)
        {
            int n = stream.Read(data, at, Math.Min(_options.SnapshotChunkBytes, data.Length - at));
            if (n == 0)
            {
                break;
            }

            at += n;
        }

        stream.VerifyToEnd();
        return data;
    }

    internal StoredSnapshotInfo Publish(SnapshotWriter writer, IStorageFile file, long size, uint checksum)
    {
        var header = SnapshotFormat.EncodeHeader(_options.ClusterId, writer.Metadata, size, checksum);
        file.Write(0, header);
        file.Flush();
        file.Dispose();
        _device.MoveFile(writer.TempPath, writer.FinalPath);
        _device.SyncDirectory(_directory);
        var info = new StoredSnapshotInfo(writer.Metadata, size, checksum, writer.FinalPath);
        lock (_gate)
        {
            _writing.Remove(writer.FinalPath);
            if (_latest is null || info.Metadata.Index >= _latest.Metadata.Index)
            {
                _latest = info;
            }

            Log.SnapshotSaved(_logger, info.Metadata.Index, info.Metadata.Term, size, info.FilePath);
            Prune();
        }

        return info;
    }

    internal void Abandon(SnapshotWriter writer)
    {
        lock (_gate)
        {
            _writing.Remove(writer.FinalPath);
        }

        _device.DeleteFile(writer.TempPath);
    }

    private void Prune()
    {
        var snapshots = List();
        if (snapshots.Count <= _options.SnapshotsToKeep)
        {
            return;
        }

        foreach (var (name, _, _) in snapshots.Take(snapshots.Count - _options.SnapshotsToKeep))
        {
            var path = Path.Combine(_directory, name);
            if (path != _latest?.FilePath)
            {
                _device.DeleteFile(path);
                Log.SnapshotDeleted(_logger, path, _options.SnapshotsToKeep);
            }
        }

        _device.SyncDirectory(_directory);
    }

    /// <summary>The published snapshot files, oldest first.</summary>
    private List<(string Name, ulong Index, ulong Term)> List()
    {
        var result = new List<(string, ulong, ulong)>();
        foreach (var name in _device.ListFiles(_directory))
        {
            if (SnapshotFormat.TryParseFileName(name, out ulong index, out ulong term))
            {
                result.Add((name, index, term));
            }
        }

        result.Sort((a, b) => a.Item2 != b.Item2 ? a.Item2.CompareTo(b.Item2) : a.Item3.CompareTo(b.Item3));
        return result;
    }

    private void Recover()
    {
        _device.CreateDirectory(_directory);
        var deleted = new List<string>();
        foreach (var name in _device.ListFiles(_directory))
        {
            if (name.EndsWith(WalFormat.TempExtension, StringComparison.Ordinal))
            {
                var path = Path.Combine(_directory, name);
                _device.DeleteFile(path);
                deleted.Add(path);
                Log.TempFileDeleted(_logger, path);
            }
            else if (!SnapshotFormat.TryParseFileName(name, out _, out _))
            {
                Log.UnknownFile(_logger, name, _directory);
            }
        }

        if (deleted.Count > 0)
        {
            _device.SyncDirectory(_directory);
        }

        DeletedFiles = deleted;
        var snapshots = List();
        if (snapshots.Count == 0)
        {
            return;
        }

        // The newest snapshot was fsynced before it was renamed into place, and the log may already be
        // compacted up to it: if it is damaged, stop rather than fall back to an older one.
        var (newest, index, term) = snapshots[^1];
        string file = Path.Combine(_directory, newest);
        var (metadata, size, checksum, _) = ReadHeaderOf(file);
        if (metadata.Index != index || metadata.Term != term)
        {
            throw new StorageCorruptionException(file, 24, $"the header says {metadata.Term}/{metadata.Index} but the file name says {term}/{index}");
        }

        var info = new StoredSnapshotInfo(metadata, size, checksum, file);
        using (var stream = OpenRead(info))
        {
            stream.VerifyToEnd();
        }

        _latest = info;
    }

    private (SnapshotMetadata Metadata, long Size, uint Checksum, int HeaderBytes) ReadHeaderOf(string path)
    {
        using var file = _device.OpenFile(path, StorageFileMode.OpenExisting);
        return SnapshotFormat.ReadHeader(file, path, _options.ClusterId);
    }
}

/// <summary>
/// Streams a snapshot payload to disk in chunks. Nothing is visible until <see cref="Commit"/> publishes the
/// file atomically; disposing an uncommitted writer deletes its temporary file.
/// </summary>
public sealed class SnapshotWriter : IDisposable
{
    private readonly SnapshotStore _store;
    private readonly IStorageFile _file;
    private readonly int _headerBytes;
    private readonly long _maxBytes;
    private readonly Func<StoredSnapshotInfo, StoredSnapshotInfo>? _onCommit;
    private uint _crc = Crc32C.Seed;
    private bool _done;

    internal SnapshotWriter(SnapshotStore store, IStorageFile file, SnapshotMetadata metadata, string tempPath, string finalPath, int headerBytes, long maxBytes, Func<StoredSnapshotInfo, StoredSnapshotInfo>? onCommit)
    {
        _store = store;
        _file = file;
        Metadata = metadata;
        TempPath = tempPath;
        FinalPath = finalPath;
        _headerBytes = headerBytes;
        _maxBytes = maxBytes;
        _onCommit = onCommit;
    }

    /// <summary>What the snapshot covers.</summary>
    public SnapshotMetadata Metadata { get; }

    /// <summary>Payload bytes written so far.</summary>
    public long BytesWritten { get; private set; }

    internal string TempPath { get; }

    internal string FinalPath { get; }

    /// <summary>Appends one chunk of the payload.</summary>
    /// <exception cref="InvalidOperationException">The payload would exceed <see cref="StorageOptions.MaxSnapshotBytes"/>, or the writer is done.</exception>
    public void Write(ReadOnlySpan<byte> chunk)
    {
        ObjectDisposedException.ThrowIf(_done, this);
        if (BytesWritten + chunk.Length > _maxBytes)
        {
            throw new InvalidOperationException($"The snapshot payload exceeds StorageOptions.MaxSnapshotBytes ({_maxBytes} bytes).");
        }

        _file.Write(_headerBytes + BytesWritten, chunk);
        _crc = Crc32C.Update(_crc, chunk);
        BytesWritten += chunk.Length;
    }

    /// <summary>Writes the header, fsyncs, renames the file into place and fsyncs the directory.</summary>
    /// <returns>The published snapshot.</returns>
    public StoredSnapshotInfo Commit()
    {
        ObjectDisposedException.ThrowIf(_done, this);
        _done = true;
        var info = _store.Publish(this, _file, BytesWritten, Crc32C.Finish(_crc));
        return _onCommit is null ? info : _onCommit(info);
    }

    /// <summary>Abandons an uncommitted snapshot and deletes its temporary file.</summary>
    public void Dispose()
    {
        if (_done)
        {
            return;
        }

        _done = true;
        _file.Dispose();
        _store.Abandon(this);
    }
}

/// <summary>
/// A read-only stream over a stored snapshot's payload. The checksum is verified when the end is reached;
/// a mismatch throws <see cref="StorageCorruptionException"/>.
/// </summary>
public sealed class SnapshotReadStream : Stream
{
    private readonly IStorageFile _file;
    private readonly string _path;
    private readonly int _headerBytes;
    private readonly uint _checksum;
    private uint _crc = Crc32C.Seed;
    private long _position;

    internal SnapshotReadStream(IStorageFile file, string path, SnapshotMetadata metadata, int headerBytes, long size, uint checksum)
    {
        _file = file;
        _path = path;
        Metadata = metadata;
        _headerBytes = headerBytes;
        Length = size;
        _checksum = checksum;
    }

    /// <summary>What the snapshot covers.</summary>
    public SnapshotMetadata Metadata { get; }

    /// <inheritdoc />
    public override bool CanRead => true;

    /// <inheritdoc />
    public override bool CanSeek => false;

    /// <inheritdoc />
    public override bool CanWrite => false;

    /// <inheritdoc />
    public override long Length { get; }

    /// <inheritdoc />
    public override long Position
    {
        get => _position;
        set => throw new NotSupportedException();
    }

    /// <inheritdoc />
    /// <exception cref="StorageCorruptionException">The payload does not match its checksum (raised at the end).</exception>
    public override int Read(Span<byte> buffer)
    {
        int want = (int)Math.Min(buffer.Length, Length - _position);
        if (want <= 0)
        {
            return 0;
        }

        int n = _file.Read(_headerBytes + _position, buffer[..want]);
        if (n < want)
        {
            throw new StorageCorruptionException(_path, _headerBytes + _position + n, "the snapshot file ends before its declared size");
        }

        _crc = Crc32C.Update(_crc, buffer[..n]);
        _position += n;
        if (_position == Length && Crc32C.Finish(_crc) != _checksum)
        {
            throw new StorageCorruptionException(_path, _headerBytes, "the snapshot payload checksum does not match");
        }

        return n;
    }

    /// <inheritdoc />
    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    /// <inheritdoc />
    public override void Flush()
    {
    }

    /// <inheritdoc />
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    /// <inheritdoc />
    public override void SetLength(long value) => throw new NotSupportedException();

    /// <inheritdoc />
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    internal void VerifyToEnd()
    {
        var chunk = new byte[64 * 1024];
        while (Read(chunk) > 0)
        {
        }

        if (Length == 0 && Crc32C.Finish(_crc) != _checksum)
        {
            throw new StorageCorruptionException(_path, _headerBytes, "the snapshot payload checksum does not match");
        }
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _file.Dispose();
        }

        base.Dispose(disposing);
    }
}
