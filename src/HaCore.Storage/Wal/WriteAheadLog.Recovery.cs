using System.Buffers.Binary;
using HaCore.Raft;
using Microsoft.Extensions.Logging;

namespace HaCore.Storage;

internal sealed partial class WriteAheadLog
{
    /// <summary>
    /// Opens the log in <c>{DirectoryPath}/wal</c>, creating it when missing, and rebuilds the in-memory index.
    /// Entries at or below <paramref name="snapshotIndex"/> are covered by the snapshot and may be missing.
    /// </summary>
    /// <exception cref="StorageCorruptionException">A record before the tail is corrupt, or the log has a gap or lost committed entries.</exception>
    /// <exception cref="StorageFormatException">A segment has an unknown version or another cluster's id.</exception>
    /// <param name="device">The file system.</param>
    /// <param name="options">The storage settings.</param>
    /// <param name="logger">Where recovery is logged.</param>
    /// <param name="snapshotIndex">The newest snapshot's index, or 0.</param>
    /// <param name="snapshotTerm">The newest snapshot's term, or 0.</param>
    /// <param name="beforeCuttingDamage">Called with the last index that may have been acknowledged when the final record
    /// was damaged after it was written, and the hard state recovered, before the damage is cut off: it must make the
    /// suspect range durable.</param>
    public static WriteAheadLog Open(IStorageDevice device, StorageOptions options, ILogger logger, ulong snapshotIndex, ulong snapshotTerm, Action<ulong, HardState> beforeCuttingDamage)
    {
        var wal = new WriteAheadLog(device, options, logger);
        try
        {
            wal.Recover(snapshotIndex, snapshotTerm, beforeCuttingDamage);
            return wal;
        }
        catch
        {
            wal.Dispose();
            throw;
        }
    }

    private void Recover(ulong snapshotIndex, ulong snapshotTerm, Action<ulong, HardState> beforeCuttingDamage)
    {
        _device.CreateDirectory(_directory);
        var deleted = new List<string>();
        var sequences = new List<ulong>();
        foreach (var name in _device.ListFiles(_directory))
        {
            if (name.EndsWith(WalFormat.TempExtension, StringComparison.Ordinal))
            {
                // A segment that was being prepared: never renamed, so never used. The spare one prepared ahead is
                // there after every clean stop too, so only other leftovers are news.
                var path = Path.Combine(_directory, name);
                _device.DeleteFile(path);
                deleted.Add(path);
                if (name == SpareFileName)
                {
                    Log.SpareSegmentDeleted(_logger, path);
                }
                else
                {
                    Log.TempFileDeleted(_logger, path);
                }
            }
            else if (WalFormat.TryParseSegmentFileName(name, out ulong sequence))
            {
                sequences.Add(sequence);
            }
            else
            {
                Log.UnknownFile(_logger, name, _directory);
            }
        }

        if (deleted.Count > 0)
        {
            _device.SyncDirectory(_directory);
        }

        sequences.Sort();
        TornTail? torn = null;
        for (int i = 0; i < sequences.Count; i++)
        {
            var scan = ScanSegment(sequences[i], isLast: i == sequences.Count - 1);
            torn = scan.Torn ?? torn;
            Stitch(scan.Segment, snapshotIndex);
            if (scan.HardState is { } hs)
            {
                HardState = hs;
            }

            if (scan.Conf is { } conf)
            {
                BootstrapConfState = conf;
            }
        }

        long entryCount = _segments.Sum(s => (long)s.Count);
        _lastIndex = _segments.Count == 0 ? 0 : _segments[^1].LastIndex;
        CheckStartsAtSnapshot(snapshotIndex);

        ulong effectiveLast = Math.Max(_lastIndex, snapshotIndex);
        if (HardState.Commit > effectiveLast)
        {
            var where = torn ?? new TornTail(_segments.Count > 0 ? _segments[^1].Path : _directory, _segments.Count > 0 ? _segments[^1].WriteOffset : 0, string.Empty, 0, false);
            throw new StorageCorruptionException(where.Path, where.Offset, $"the hard state says index {HardState.Commit} is committed, but the log ends at index {effectiveLast}: committed entries are missing");
        }

        ulong suspectThrough = 0;
        if (torn is { } t)
        {
            if (t.Written)
            {
                // The whole record reached the disk (its footer did) and was damaged afterwards: it may have been
                // fsynced and acknowledged. Every index its bytes could have held is suspect until a leader
                // re-replicates it; that must be durable before the evidence is cut off.
                suspectThrough = effectiveLast + (ulong)((t.Extent + WalFormat.MinRecordBytes - 1) / WalFormat.MinRecordBytes);
                beforeCuttingDamage(suspectThrough, HardState);
                Log.DamagedTailCut(_logger, t.Path, t.Offset, t.Reason, _lastIndex, suspectThrough);
                StorageMetrics.DamagedTails.Add(1, StorageMetrics.NodeTag(_options));
            }
            else
            {
                Log.TornTailTruncated(_logger, t.Path, t.Offset, t.Reason, _lastIndex);
                StorageMetrics.TornTails.Add(1, StorageMetrics.NodeTag(_options));
            }

            // Cut the record off durably: zeros from its start to the end of its bytes, so that a zero record header
            // ends the data and every byte after the end of the data is zero again (what the next recovery's
            // torn-or-damaged decision relies on).
            using (var file = _device.OpenFile(t.Path, StorageFileMode.OpenExisting))
            {
                file.Write(t.Offset, new byte[Math.Max(WalFormat.RecordHeaderBytes, t.Extent)]);
                file.Flush();
            }
        }

        // Delete segments whose entries all were superseded by a later conflicting append.
        for (int i = _segments.Count - 2; i >= 0; i--)
        {
            if (_segments[i].Count == 0 && _segments[i].FirstIndex > snapshotIndex + 1)
            {
                deleted.Add(_segments[i].Path);
                DeleteSegments(i, 1, "all its entries were superseded");
            }
        }

        bool conflictsWithSnapshot = snapshotIndex > 0 && TryGetTerm(snapshotIndex, out ulong termAtSnapshot) && termAtSnapshot != snapshotTerm;
        if (_segments.Count == 0 || _lastIndex < snapshotIndex || conflictsWithSnapshot)
        {
            // No log yet, or the snapshot is ahead of (or disagrees with) it: the log restarts after the snapshot.
            int old = _segments.Count;
            StartSegment(snapshotIndex + 1);
            foreach (var s in _segments.Take(old))
            {
                deleted.Add(s.Path);
            }

            DeleteSegments(0, old, "behind or in conflict with the snapshot");
            _lastIndex = snapshotIndex;
        }
        else
        {
            _active = _device.OpenFile(Active.Path, StorageFileMode.OpenExisting);
        }

        PrepareSpare();
        Recovery = new RecoveryReport(torn?.Path, torn?.Offset ?? -1, torn?.Reason, sequences.Count, entryCount, deleted)
        {
            DamagedTail = torn?.Written ?? false,
            SuspectThroughIndex = suspectThrough,
        };
    }

    private void CheckStartsAtSnapshot(ulong snapshotIndex)
    {
        var first = _segments.FirstOrDefault(s => s.Count > 0 && s.LastIndex > snapshotIndex);
        if (first is not null && first.FirstIndex > snapshotIndex + 1)
        {
            throw new StorageCorruptionException(first.Path, 24, $"the log resumes at index {first.FirstIndex} but the snapshot ends at index {snapshotIndex}: entries {snapshotIndex + 1}..{first.FirstIndex - 1} are missing");
        }

        if (first is null && _lastIndex > snapshotIndex)
        {
            // Only an empty segment claims the indexes after the snapshot: its header's first index says the
            // log reached FirstIndex - 1, but no segment holds those entries.
            var last = _segments[^1];
            throw new StorageCorruptionException(last.Path, 24, $"the segment starts at index {last.FirstIndex} and holds no entries, but the snapshot ends at index {snapshotIndex}: entries {snapshotIndex + 1}..{last.FirstIndex - 1} are missing");
        }
    }

    /// <summary>Adds a scanned segment to the log: it supersedes earlier entries at and after its first index.</summary>
    private void Stitch(Segment segment, ulong snapshotIndex)
    {
        if (_segments.Count > 0)
        {
            ulong last = _segments[^1].LastIndex;
            if (segment.FirstIndex > last + 1 && segment.FirstIndex > snapshotIndex + 1)
            {
                throw new StorageCorruptionException(segment.Path, 24, $"the segment starts at index {segment.FirstIndex}, but the log before it ends at index {last}: entries {last + 1}..{segment.FirstIndex - 1} are missing");
            }

            if (segment.FirstIndex <= last)
            {
                foreach (var earlier in _segments)
                {
                    earlier.TrimFrom(segment.FirstIndex);
                }
            }
        }

        _segments.Add(segment);
    }

    private ScanResult ScanSegment(ulong sequence, bool isLast)
    {
        string path = Path.Combine(_directory, WalFormat.SegmentFileName(sequence));
        using var file = _device.OpenFile(path, StorageFileMode.OpenExisting);
        var reader = new WindowReader(file, file.Length, Math.Max(ZeroChunkBytes, WalFormat.RecordBytes(_options.MaxRecordBytes) + WalFormat.RecordHeaderBytes));
        var header = WalFormat.ReadSegmentHeader(reader.Get(0, WalFormat.SegmentHeaderBytes), path, _options.ClusterId);
        if (header.Sequence != sequence)
        {
            throw new StorageCorruptionException(path, 32, $"the header names sequence {header.Sequence} but the file name says {sequence}");
        }

        if (header.FirstIndex == 0)
        {
            throw new StorageCorruptionException(path, 24, "the first index in the header is 0");
        }

        var segment = new Segment(path, sequence, header.FirstIndex, header.Salt, _locationChunks);
        HardState? hardState = null;
        ConfState? conf = null;
        ulong expected = header.FirstIndex;
        ulong previousTerm = 0;
        long pos = WalFormat.SegmentHeaderBytes;
        string? badReason = null;
        while (pos + WalFormat.RecordHeaderBytes <= reader.Length)
        {
            var head = reader.Get(pos, WalFormat.RecordHeaderBytes);
            if (WalFormat.IsEndMarker(head))
            {
                break;
            }

            var span = reader.Get(pos, RecordSpan(head, reader.Length - pos));
            int payloadBytes = WalFormat.TryValidateRecord(span, header.Salt, _options.MaxRecordBytes, out badReason);
            if (payloadBytes < 0)
            {
                break;
            }

            var payload = span.Slice(WalFormat.RecordHeaderBytes, payloadBytes);
            switch (WalFormat.TypeOf(span))
            {
                case RecordType.EntryNormal or RecordType.EntryConfChange:
                    ulong index = WalFormat.IndexOf(span);
                    ulong term = WalFormat.TermOf(span);
                    if (index != expected)
                    {
                        throw new StorageCorruptionException(path, pos, $"the record holds index {index} where index {expected} was expected");
                    }

                    if (index == ulong.MaxValue)
                    {
                        // The index after the last must exist: a log that reached 2^64-1 would wrap to 0.
                        throw new StorageCorruptionException(path, pos, $"the record holds index {index}, past the largest usable index {ulong.MaxValue - 1}");
                    }

                    if (term < previousTerm)
                    {
                        throw new StorageCorruptionException(path, pos, $"the record of index {index} has term {term}, lower than the term {previousTerm} before it");
                    }

                    segment.Add(new RecordLocation(checked((int)pos), payloadBytes, term));
                    previousTerm = term;
                    expected++;
                    break;
                case RecordType.HardState:
                    if (payloadBytes != WalFormat.HardStatePayloadBytes)
                    {
                        throw new StorageCorruptionException(path, pos, $"a hard-state record has {payloadBytes} bytes instead of {WalFormat.HardStatePayloadBytes}");
                    }

                    hardState = WalFormat.ReadHardState(payload);
                    break;
                default:
                    conf = WalFormat.DecodeConfState(payload) ?? throw new StorageCorruptionException(path, pos, "a membership record cannot be decoded");
                    break;
            }

            pos += WalFormat.RecordBytes(payloadBytes);
        }

        segment.WriteOffset = pos;
        bool atEnd = pos + WalFormat.RecordHeaderBytes > reader.Length;
        if (!atEnd)
        {
            // Whatever stopped the scan (a zero header or a bad record), nothing valid may follow it:
            // a torn write leaves only a prefix of the last write, so a valid record further on means
            // that a record before the tail was damaged.
            long next = FindValidRecord(reader, pos + 8, header.Salt);
            if (next >= 0)
            {
                string what = badReason is null ? "a zero record header ends the data" : badReason;
                throw new StorageCorruptionException(path, pos, $"{what}, but a valid record follows at offset {next}");
            }
        }

        TornTail? torn = null;
        if (badReason is not null)
        {
            if (!isLast)
            {
                throw new StorageCorruptionException(path, pos, $"{badReason} in a segment that is not the last one (it was fsynced before the next segment was created)");
            }

            torn = ClassifyTail(reader, path, pos, badReason, header.Salt);
        }

        return new ScanResult(segment, hardState, conf, torn);
    }

    /// <summary>
    /// Tells a torn write from a record damaged after it was written. Every byte after the end of a segment's data is
    /// zero (segments are zero-filled or sized, and a cut zeroes what it removes), and a write persists a prefix of
    /// itself, so a record whose last nonzero word is not a footer never got to its end: torn, never fsynced, never
    /// acknowledged. A record that ends in a footer was written whole, so a bad checksum means damage afterwards
    /// (a bit flip, a misdirected write): it may have been acknowledged. A write whose sectors persisted out of order
    /// can look damaged as well; that errs on the safe side.
    /// </summary>
    private TornTail ClassifyTail(WindowReader reader, string path, long pos, string reason, ulong salt)
    {
        int window = (int)Math.Min(WalFormat.RecordBytes(_options.MaxRecordBytes), reader.Length - pos);
        var bytes = reader.Get(pos, window);
        int aligned = WalFormat.Align8(bytes.LastIndexOfAnyExcept((byte)0) + 1);

        // A last word cut short by the end of the file is no footer.
        int extent = Math.Min(aligned, bytes.Length);
        bool written = extent == aligned && extent >= WalFormat.MinRecordBytes && WalFormat.IsFooter(bytes[(extent - WalFormat.RecordFooterBytes)..extent], salt);
        return new TornTail(path, pos, reason, extent, written);
    }

    private long FindValidRecord(WindowReader reader, long from, ulong salt)
    {
        for (long p = from; p + WalFormat.RecordHeaderBytes <= reader.Length; p += 8)
        {
            var head = reader.Get(p, WalFormat.RecordHeaderBytes);
            byte type = head[4];
            if (type is < 1 or > 4 || head[5] != 0 || head[6] != 0 || head[7] != 0)
            {
                continue;
            }

            var span = reader.Get(p, RecordSpan(head, reader.Length - p));
            if (WalFormat.TryValidateRecord(span, salt, _options.MaxRecordBytes, out _) >= 0)
            {
                return p;
            }
        }

        return -1;
    }

    /// <summary>How many bytes to read for the record whose header is <paramref name="head"/>: its declared size when
    /// plausible, else just the header (validation then rejects it).</summary>
    private int RecordSpan(ReadOnlySpan<byte> head, long available)
    {
        uint length = BinaryPrimitives.ReadUInt32LittleEndian(head);
        int size = length > (uint)_options.MaxRecordBytes ? WalFormat.RecordHeaderBytes : WalFormat.RecordBytes((int)length);
        return (int)Math.Min(size, available);
    }

    /// <summary>A bad final record: where it starts, why it was rejected, how many bytes from its start are not zero,
    /// and whether it was written whole (damaged later) rather than torn.</summary>
    private sealed record TornTail(string Path, long Offset, string Reason, int Extent, bool Written);

    private sealed record ScanResult(Segment Segment, HardState? HardState, ConfState? Conf, TornTail? Torn);
}
