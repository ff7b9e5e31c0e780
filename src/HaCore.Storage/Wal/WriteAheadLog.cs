using HaCore.Raft;
using Microsoft.Extensions.Logging;

namespace HaCore.Storage;

/// <summary>
/// The segmented write-ahead log: entries, hard-state records and the bootstrap membership in preallocated
/// segment files, with an in-memory index of record offsets. Single-threaded, like the node loop that owns it.
/// </summary>
internal sealed partial class WriteAheadLog : IDisposable
{
    private const int ZeroChunkBytes = 1024 * 1024;

    private const string SpareFileName = "next-segment" + WalFormat.TempExtension;

    // Room kept in the write buffer after the entries for a hard-state record and the end marker.
    private const int TailReserveBytes = WalFormat.HardStateRecordBytes + WalFormat.RecordHeaderBytes;

    private readonly IStorageDevice _device;
    private readonly StorageOptions _options;
    private readonly ILogger _logger;
    private readonly string _directory;
    private readonly List<Segment> _segments = [];
    private readonly LocationChunkPool _locationChunks = new();
    private readonly byte[] _buffer;
    private readonly LinkedList<(Segment Segment, IStorageFile File)> _readers = new();
    private IStorageFile? _active;

    // A zero-filled file being prepared (or ready) for the next segment; see PrepareSpare.
    private Task<string>? _spare;
    private ulong _lastIndex;
    private long _appendedBytes;

    private WriteAheadLog(IStorageDevice device, StorageOptions options, ILogger logger)
    {
        _device = device;
        _options = options;
        _logger = logger;
        _directory = Path.Combine(options.DirectoryPath, "wal");
        _buffer = new byte[Math.Max(options.WriteBufferBytes, WalFormat.RecordBytes(options.MaxRecordBytes) + (4 * WalFormat.RecordHeaderBytes))];
    }

    /// <summary>The latest durable hard state.</summary>
    public HardState HardState { get; private set; }

    /// <summary>The bootstrap membership, when one was saved.</summary>
    public ConfState? BootstrapConfState { get; private set; }

    /// <summary>The last index in the log, or the base index when the log holds no entry after it.</summary>
    public ulong LastIndex => _lastIndex;

    public int SegmentCount => _segments.Count;

    public RecoveryReport Recovery { get; private set; } = null!;

    public bool IsEmpty => _segments.All(s => s.Count == 0);

    private Segment Active => _segments[^1];

    public bool TryGetTerm(ulong index, out ulong term)
    {
        var segment = Find(index);
        term = segment is null ? 0 : segment[index].Term;
        return segment is not null;
    }

    public bool Contains(ulong index) => Find(index) is not null;

    /// <summary>
    /// Appends <paramref name="entries"/> (truncating a conflicting suffix first) and then
    /// <paramref name="hardState"/>, and makes both durable with one fsync (two when a segment fills up).
    /// The caller has validated the batch.
    /// </summary>
    public void Append(ReadOnlySpan<Entry> entries, HardState? hardState)
    {
        long started = System.Diagnostics.Stopwatch.GetTimestamp();
        long bytesBefore = _appendedBytes;
        if (!entries.IsEmpty && entries[0].Index <= _lastIndex)
        {
            TruncateFrom(entries[0].Index);
        }

        var active = Active;
        long fileOffset = active.WriteOffset;
        int buffered = 0;
        foreach (var entry in entries)
        {
            int size = WalFormat.RecordBytes(entry.Data.Length);
            if (!Fits(fileOffset + buffered, size))
            {
                WriteOut(fileOffset, buffered, endMarker: true);
                _active!.Flush();
                StartSegment(entry.Index);
                active = Active;
                fileOffset = active.WriteOffset;
                buffered = 0;
            }
            else if (buffered + size > _buffer.Length - TailReserveBytes)
            {
                WriteOut(fileOffset, buffered, endMarker: false);
                fileOffset += buffered;
                buffered = 0;
            }

            WalFormat.WriteRecord(_buffer.AsSpan(buffered), active.Salt, WalFormat.ToRecordType(entry.Type), entry.Term, entry.Index, entry.Data.Span);
            _appendedBytes += size;
            active.Add(new RecordLocation(checked((int)(fileOffset + buffered)), entry.Data.Length, entry.Term));
            buffered += size;
            _lastIndex = entry.Index;
        }

        if (hardState is { } hs)
        {
            int size = WalFormat.RecordBytes(WalFormat.HardStatePayloadBytes);
            if (!Fits(fileOffset + buffered, size))
            {
                WriteOut(fileOffset, buffered, endMarker: true);
                _active!.Flush();
                HardState = hs;
                StartSegment(_lastIndex + 1);
                StorageMetrics.RecordAppend(_options, entries.Length, _appendedBytes - bytesBefore, started);
                return;
            }

            Span<byte> payload = stackalloc byte[WalFormat.HardStatePayloadBytes];
            WalFormat.WriteHardState(payload, hs);
            buffered += WalFormat.WriteRecord(_buffer.AsSpan(buffered), active.Salt, RecordType.HardState, 0, 0, payload);
        }

        WriteOut(fileOffset, buffered, endMarker: true);
        active.WriteOffset = fileOffset + buffered;
        _active!.Flush();
        if (hardState is { } saved)
        {
            HardState = saved;
        }

        StorageMetrics.RecordAppend(_options, entries.Length, _appendedBytes - bytesBefore, started);
    }

    /// <summary>Writes the bootstrap membership record (a brand-new log only) and fsyncs it.</summary>
    public void SaveBootstrap(ConfState conf)
    {
        var payload = WalFormat.EncodeConfState(conf);
        var active = Active;
        int size = WalFormat.WriteRecord(_buffer, active.Salt, RecordType.BootstrapConfState, 0, 0, payload);
        Invariant(Fits(active.WriteOffset, size), "a bootstrap record fits in the first segment");
        WriteOut(active.WriteOffset, size, endMarker: true);
        active.WriteOffset += size;
        _active!.Flush();
        BootstrapConfState = conf;
    }

    /// <summary>Discards the whole log and starts a new one after <paramref name="baseIndex"/> (snapshot install).</summary>
    public void ResetTo(ulong baseIndex)
    {
        int old = _segments.Count;
        StartSegment(baseIndex + 1);
        DeleteSegments(0, old, "replaced by an installed snapshot");
        _lastIndex = baseIndex;
    }

    /// <summary>Deletes the segments whose live entries all lie at or below <paramref name="index"/>, except the last one.</summary>
    public void DropThrough(ulong index)
    {
        int n = 0;
        while (n < _segments.Count - 1 && _segments[n].LastIndex <= index && _segments[n + 1].FirstIndex <= index + 1)
        {
            n++;
        }

        DeleteSegments(0, n, $"compacted through index {index}");
    }

    /// <summary>
    /// Reads entries from <paramref name="low"/> up to (not including) <paramref name="high"/>, stopping before the
    /// total <see cref="Entry.Size"/> exceeds <paramref name="maxBytes"/> but returning at least one entry.
    /// Every record's checksum is verified.
    /// </summary>
    /// <exception cref="StorageCorruptionException">A record no longer matches its checksum.</exception>
    public Entry[] Read(ulong low, ulong high, long maxBytes)
    {
        var result = new List<Entry>((int)Math.Min(high - low, 1024));
        long total = 0;
        ulong index = low;
        while (index < high)
        {
            var segment = Find(index) ?? throw new InvalidOperationException($"Index {index} is not in the log.");
            ulong end = Math.Min(high, segment.LastIndex + 1);
            ulong n = 0;
            long span = 0;
            while (index + n < end)
            {
                var loc = segment[index + n];
                long size = loc.PayloadBytes + Entry.OverheadBytes;
                if ((result.Count > 0 || n > 0) && total + size > maxBytes)
                {
                    break;
                }

                long recordEnd = loc.Offset + WalFormat.RecordBytes(loc.PayloadBytes) - segment[index].Offset;
                if (n > 0 && recordEnd > 16 * 1024 * 1024)
                {
                    break;
                }

                total += size;
                span = recordEnd;
                n++;
            }

            if (n == 0)
            {
                break;
            }

            ReadRecords(segment, index, n, (int)span, result);
            index += n;
            if (index < end)
            {
                if (total >= maxBytes)
                {
                    break;
                }
            }
        }

        return [.. result];
    }

    public void Dispose()
    {
        if (_spare is { } spare)
        {
            // Let the preparing thread finish with the device; the file is deleted on the next open.
            _spare = null;
            try
            {
                spare.GetAwaiter().GetResult();
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                Log.SparePreparationFailed(_logger, ex);
            }
        }

        _active?.Dispose();
        _active = null;
        foreach (var (_, file) in _readers)
        {
            file.Dispose();
        }

        _readers.Clear();
    }

    private void ReadRecords(Segment segment, ulong firstIndex, ulong count, int spanBytes, List<Entry> result)
    {
        var bytes = new byte[spanBytes];
        int start = segment[firstIndex].Offset;
        var file = ReaderFor(segment);
        int read = file.Read(start, bytes);
        for (ulong i = 0; i < count; i++)
        {
            ulong index = firstIndex + i;
            var loc = segment[index];
            int at = loc.Offset - start;
            int size = WalFormat.RecordBytes(loc.PayloadBytes);
            if (at + size > read)
            {
                throw new StorageCorruptionException(segment.Path, loc.Offset, $"the record of index {index} lies past the end of the file");
            }

            var span = bytes.AsSpan(at, size);
            int payload = WalFormat.TryValidateRecord(span, segment.Salt, _options.MaxRecordBytes, out var reason);
            if (payload != loc.PayloadBytes || WalFormat.IndexOf(span) != index || WalFormat.TermOf(span) != loc.Term)
            {
                throw new StorageCorruptionException(segment.Path, loc.Offset, $"the record of index {index} changed on disk since it was written: {reason ?? "its index, term or length differs"}");
            }

            var type = WalFormat.TypeOf(span) == RecordType.EntryConfChange ? EntryType.ConfChange : EntryType.Normal;
            result.Add(new Entry(loc.Term, index, type, new ReadOnlyMemory<byte>(bytes, at + WalFormat.RecordHeaderBytes, payload)));
        }
    }

    private IStorageFile ReaderFor(Segment segment)
    {
        if (ReferenceEquals(segment, Active))
        {
            return _active!;
        }

        for (var node = _readers.First; node is not null; node = node.Next)
        {
            if (ReferenceEquals(node.Value.Segment, segment))
            {
                _readers.Remove(node);
                _readers.AddFirst(node);
                return node.Value.File;
            }
        }

        // The lock file and the active segment take two of the open-file budget.
        while (_readers.Count >= _options.MaxOpenFiles - 2)
        {
            _readers.Last!.Value.File.Dispose();
            _readers.RemoveLast();
        }

        var file = _device.OpenFile(segment.Path, StorageFileMode.OpenExisting);
        _readers.AddFirst((segment, file));
        return file;
    }

    private void CloseReader(Segment segment)
    {
        for (var node = _readers.First; node is not null; node = node.Next)
        {
            if (ReferenceEquals(node.Value.Segment, segment))
            {
                node.Value.File.Dispose();
                _readers.Remove(node);
                return;
            }
        }
    }

    private Segment? Find(ulong index)
    {
        // Segments hold increasing, non-overlapping ranges: binary search on FirstIndex.
        int lo = 0;
        int hi = _segments.Count - 1;
        while (lo <= hi)
        {
            int mid = (lo + hi) >>> 1;
            if (_segments[mid].FirstIndex <= index)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid - 1;
            }
        }

        for (int i = hi; i >= 0; i--)
        {
            if (_segments[i].Contains(index))
            {
                return _segments[i];
            }

            if (_segments[i].Count > 0)
            {
                break;
            }
        }

        return null;
    }

    private bool Fits(long offset, int recordBytes) =>
        offset + recordBytes + WalFormat.RecordHeaderBytes <= _options.SegmentSizeBytes;

    /// <summary>Writes the buffered records, followed by a zero record header that marks the end of the data.</summary>
    private void WriteOut(long fileOffset, int buffered, bool endMarker)
    {
        if (endMarker && fileOffset + buffered + WalFormat.RecordHeaderBytes <= _options.SegmentSizeBytes)
        {
            _buffer.AsSpan(buffered, WalFormat.RecordHeaderBytes).Clear();
            buffered += WalFormat.RecordHeaderBytes;
        }

        if (buffered > 0)
        {
            Invariant(fileOffset + buffered <= _options.SegmentSizeBytes, "appends never grow a segment");
            _active!.Write(fileOffset, _buffer.AsSpan(0, buffered));
        }
    }

    /// <summary>Starts a segment whose entries supersede every entry at or after <paramref name="firstIndex"/>.</summary>
    private void TruncateFrom(ulong firstIndex)
    {
        ulong dropped = _lastIndex - firstIndex + 1;
        int old = _segments.Count;
        StartSegment(firstIndex);
        for (int i = 0; i < old; i++)
        {
            _segments[i].TrimFrom(firstIndex);
        }

        // Segments left with no live entry hold nothing the new segment does not repeat (it starts
        // with the hard state); the first segment stays while it is the only one before the new one.
        var empty = new List<int>();
        for (int i = 0; i < old; i++)
        {
            if (_segments[i].Count == 0)
            {
                empty.Add(i);
            }
        }

        for (int k = empty.Count - 1; k >= 0; k--)
        {
            DeleteSegments(empty[k], 1, $"superseded by a conflicting append at index {firstIndex}");
        }

        _lastIndex = firstIndex - 1;
        Log.ConflictTruncated(_logger, firstIndex - 1, dropped);
    }

    private void DeleteSegments(int start, int count, string reason)
    {
        if (count == 0)
        {
            return;
        }

        for (int i = start; i < start + count; i++)
        {
            CloseReader(_segments[i]);
            _segments[i].Release();
            _device.DeleteFile(_segments[i].Path);
            Log.SegmentDeleted(_logger, _segments[i].Path, reason);
        }

        _segments.RemoveRange(start, count);
        _device.SyncDirectory(_directory);
    }

    /// <summary>
    /// Creates the next segment durably before any entry goes into it: written as a temporary file (header,
    /// the current hard state and bootstrap membership, zero fill), fsynced, renamed, then the directory fsynced.
    /// </summary>
    private void StartSegment(ulong firstIndex)
    {
        ulong sequence = _segments.Count == 0 ? 1 : Active.Sequence + 1;
        string path = Path.Combine(_directory, WalFormat.SegmentFileName(sequence));
        ulong salt = Mix(_options.ClusterId ^ Mix(sequence) ^ Mix(firstIndex + 0x9E3779B97F4A7C15));
        var segment = new Segment(path, sequence, firstIndex, salt, _locationChunks);

        int length = WalFormat.SegmentHeaderBytes;
        WalFormat.WriteSegmentHeader(_buffer, new SegmentHeader(WalFormat.FormatVersion, _options.ClusterId, firstIndex, sequence, salt));
        if (!HardState.IsEmpty)
        {
            Span<byte> payload = stackalloc byte[WalFormat.HardStatePayloadBytes];
            WalFormat.WriteHardState(payload, HardState);
            length += WalFormat.WriteRecord(_buffer.AsSpan(length), salt, RecordType.HardState, 0, 0, payload);
        }

        if (BootstrapConfState is { } conf)
        {
            length += WalFormat.WriteRecord(_buffer.AsSpan(length), salt, RecordType.BootstrapConfState, 0, 0, WalFormat.EncodeConfState(conf));
        }

        segment.WriteOffset = length;

        // A zero-filled file prepared after the previous rollover saves the zero fill here; otherwise make one.
        string temp = TakeSpare() ?? CreateBlankSegmentFile(path + WalFormat.TempExtension);
        using (var file = _device.OpenFile(temp, StorageFileMode.OpenExisting))
        {
            _buffer.AsSpan(length, WalFormat.RecordHeaderBytes).Clear();
            file.Write(0, _buffer.AsSpan(0, length + WalFormat.RecordHeaderBytes));
            file.Flush();
        }

        _device.MoveFile(temp, path);
        _device.SyncDirectory(_directory);
        _active?.Dispose();
        _active = null;
        _active = _device.OpenFile(path, StorageFileMode.OpenExisting);
        _segments.Add(segment);
        Log.SegmentCreated(_logger, path, firstIndex);
        StorageMetrics.SegmentsCreated.Add(1, StorageMetrics.NodeTag(_options));
        PrepareSpare();
    }

    /// <summary>Creates a temporary file of the segment size, zero-filled (or sized) and fsynced.</summary>
    private string CreateBlankSegmentFile(string temp)
    {
        _device.DeleteFile(temp);
        using var file = _device.OpenFile(temp, StorageFileMode.CreateNew, _options.SegmentSizeBytes);
        if (_options.ZeroFillSegments)
        {
            var zeros = new byte[(int)Math.Min(ZeroChunkBytes, _options.SegmentSizeBytes)];
            for (long at = 0; at < _options.SegmentSizeBytes; at += zeros.Length)
            {
                file.Write(at, zeros.AsSpan(0, (int)Math.Min(zeros.Length, _options.SegmentSizeBytes - at)));
            }
        }
        else
        {
            file.SetLength(_options.SegmentSizeBytes);
        }

        file.Flush();
        return temp;
    }

    /// <summary>Starts preparing the file the next segment will use, so that a rollover costs fsyncs only.</summary>
    private void PrepareSpare()
    {
        if (!_options.PrepareSegmentsAhead || _spare is not null)
        {
            return;
        }

        string spare = Path.Combine(_directory, SpareFileName);
        if (_options.PrepareSegmentsInline)
        {
            _spare = Task.FromResult(CreateBlankSegmentFile(spare));
            return;
        }

        // The node loop must not wait for tens of megabytes of zeros; a dedicated thread writes them.
        _spare = Task.Factory.StartNew(() => CreateBlankSegmentFile(spare), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
    }

    /// <summary>Returns the prepared spare file (waiting for it if still being written), or null when there is none.</summary>
    private string? TakeSpare()
    {
        var spare = _spare;
        _spare = null;
        if (spare is null)
        {
            return null;
        }

        try
        {
            return spare.GetAwaiter().GetResult();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            Log.SparePreparationFailed(_logger, ex);
            return null;
        }
    }

    private static ulong Mix(ulong x)
    {
        // SplitMix64 finalizer: distinct inputs give distinct, well spread salts.
        x += 0x9E3779B97F4A7C15;
        x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9;
        x = (x ^ (x >> 27)) * 0x94D049BB133111EB;
        return x ^ (x >> 31);
    }

    private static void Invariant(bool condition, string message)
    {
        if (!condition)
        {
            throw new InvalidOperationException("Storage invariant violated: " + message);
        }
    }
}
