using System.Diagnostics;
using HaCore.Raft;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace HaCore.Storage;

/// <summary>
/// The durable log a Raft node persists through: a segmented write-ahead log of entries and hard state,
/// a snapshot store and an in-memory cache of recent entries. Implements the core's read side,
/// <see cref="IRaftLogStorage"/>, and the writes the node host makes after each <c>Ready</c>.
/// </summary>
/// <remarks>
/// <para>Not thread-safe: like the <c>RawNode</c> it serves, it belongs to the node's single loop. Writes are
/// synchronous and return once durable (fsync): the loop persists one Ready with one call to
/// <see cref="Append"/> and only then sends the messages that depend on it.</para>
/// <para>Once a write fails with an I/O error the store refuses every further write and read
/// (<see cref="InvalidOperationException"/>): its state on disk is unknown, so the node must stop and reopen,
/// which runs recovery (etcd's "storage failure makes the node inoperable").</para>
/// <para>Entries returned by reads are never written to afterwards; callers may keep them.</para>
/// </remarks>
public sealed class DurableRaftStorage : IRaftLogStorage, IDisposable, IAsyncDisposable
{
    private const string LockFileName = "LOCK";

    private readonly StorageOptions _options;
    private readonly ILogger _logger;
    private readonly IDisposable _lock;
    private readonly SnapshotStore _snapshots;
    private readonly WriteAheadLog _wal;
    private readonly RaftStateFile _state;
    private readonly EntryCache _cache;

    // Invariant: _termBeforeFirst is the term of index _firstIndex - 1 (0 for index 0).
    private ulong _firstIndex;
    private ulong _termBeforeFirst;
    private Snapshot? _loadedSnapshot;
    private Exception? _failure;
    private bool _disposed;

    private DurableRaftStorage(StorageOptions options, ILogger logger, IDisposable fileLock, SnapshotStore snapshots, WriteAheadLog wal, RaftStateFile state)
    {
        _options = options;
        _logger = logger;
        _lock = fileLock;
        _snapshots = snapshots;
        _wal = wal;
        _state = state;
        _cache = new EntryCache(options.EntryCacheBytes);
        var latest = snapshots.Latest?.Metadata;
        _firstIndex = (latest?.Index ?? 0) + 1;
        _termBeforeFirst = latest?.Term ?? 0;
    }

    /// <summary>What recovery found and did when the store was opened.</summary>
    public RecoveryReport Recovery => _wal.Recovery;

    /// <summary>
    /// The latest durable hard state. Its commit index is at least the newest snapshot's index: a snapshot holds
    /// only committed entries, and a crash between storing a received snapshot and the next hard-state write
    /// leaves the WAL's commit index below it, which must not keep the node from restarting.
    /// </summary>
    public HardState HardState
    {
        get
        {
            var hs = _wal.HardState;
            var snapshotIndex = _snapshots.Latest?.Metadata.Index ?? 0;
            return hs.Commit >= snapshotIndex || hs.IsEmpty && snapshotIndex == 0 ? hs : hs with { Commit = snapshotIndex };
        }
    }

    /// <summary>The newest stored snapshot, or null.</summary>
    public StoredSnapshotInfo? LatestSnapshot => _snapshots.Latest;

    /// <summary>
    /// While not 0: a damaged final record (<see cref="RecoveryReport.DamagedTail"/>, here or at an earlier open) may have
    /// held acknowledged entries up to this index, and the node must keep out of elections until its log reaches it
    /// again with entries from a leader. Cleared durably once the log does (or a snapshot covers it).
    /// </summary>
    public ulong SuspectThroughIndex => _state.Current?.SuspectThroughIndex ?? 0;

    /// <summary>The number of segment files the log spans.</summary>
    public int SegmentCount => _wal.SegmentCount;

    /// <inheritdoc />
    public ulong FirstIndex => _firstIndex;

    /// <inheritdoc />
    public ulong LastIndex => Math.Max(_wal.LastIndex, _firstIndex - 1);

    /// <summary>
    /// Opens (or creates) the store in <see cref="StorageOptions.DirectoryPath"/>: takes the directory lock,
    /// verifies the newest snapshot, scans the log and rebuilds its index. A torn record at the tail of the log
    /// is truncated and logged (see <see cref="Recovery"/>).
    /// </summary>
    /// <param name="options">The settings; validated first.</param>
    /// <param name="device">The file system; <see cref="FileStorageDevice.Instance"/> when null.</param>
    /// <param name="logger">Where recovery and maintenance are logged; none when null.</param>
    /// <exception cref="ArgumentException">An option is invalid.</exception>
    /// <exception cref="StorageLockedException">Another process or store instance has the directory open.</exception>
    /// <exception cref="StorageCorruptionException">A record or header before the tail is damaged, the log has a gap,
    /// or committed entries are missing; the message names the file and the offset.</exception>
    /// <exception cref="StorageFormatException">A file has an unknown format version or belongs to another cluster, or the
    /// directory is stamped with another <see cref="StorageOptions.NodeId"/>.</exception>
    /// <exception cref="IOException">The device failed.</exception>
    public static DurableRaftStorage Open(StorageOptions options, IStorageDevice? device = null, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        device ??= FileStorageDevice.Instance;
        logger ??= NullLogger.Instance;
        long started = Stopwatch.GetTimestamp();
        device.CreateDirectory(options.DirectoryPath);
        var fileLock = device.Lock(Path.Combine(options.DirectoryPath, LockFileName));
        RaftStateFile? state = null;
        try
        {
            var snapshots = SnapshotStore.Open(device, options, logger);
            var latest = snapshots.Latest?.Metadata;
            state = RaftStateFile.Open(device, options.DirectoryPath);
            if (options.NodeId != 0 && state.Current is { NodeId: not 0 } stamped && stamped.NodeId != options.NodeId)
            {
                throw new StorageFormatException(
                    $"The data directory '{options.DirectoryPath}' belongs to node {stamped.NodeId}, but this node is configured as node {options.NodeId}. Check the node id and the data directory: each node needs its own.",
                    Path.Combine(options.DirectoryPath, RaftStateFile.FileName));
            }

            var wal = WriteAheadLog.Open(device, options, logger, latest?.Index ?? 0, latest?.Term ?? 0, (suspect, walHardState) =>
            {
                var known = state.Current ?? new RaftStateRecord(walHardState.Term, walHardState.Vote, 0, options.NodeId);
                state.Save(known with { SuspectThroughIndex = Math.Max(known.SuspectThroughIndex, suspect) });
            });
            var storage = new DurableRaftStorage(options, logger, fileLock, snapshots, wal, state);
            storage.ReconcileState();
            Log.Opened(logger, options.DirectoryPath, storage.FirstIndex, storage.LastIndex, latest?.Index ?? 0, wal.SegmentCount, wal.HardState.ToString(), (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            return storage;
        }
        catch
        {
            state?.Dispose();
            fileLock.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Makes the two copies of the term and vote agree (the WAL's hard state and the state file), keeping the newer:
    /// the state file lags after a crash between the two fsyncs, and the WAL lags when its final hard-state record was
    /// damaged. Also clears a suspect range that the log has reached again.
    /// </summary>
    private void ReconcileState()
    {
        var wal = _wal.HardState;
        var file = _state.Current;
        var (term, vote) = (wal.Term, wal.Vote);
        if (file is { } f && f.Term > wal.Term)
        {
            (term, vote) = (f.Term, f.Vote);
        }
        else if (file is { } g && g.Term == wal.Term && g.Vote != wal.Vote)
        {
            if (wal.Vote != 0 && g.Vote != 0)
            {
                throw new StorageCorruptionException(Path.Combine(_options.DirectoryPath, RaftStateFile.FileName), 0, $"the state file says this node voted for {g.Vote} in term {g.Term}, the log says {wal.Vote}");
            }

            vote = wal.Vote | g.Vote;
        }

        if ((term, vote) != (wal.Term, wal.Vote))
        {
            Write(() => _wal.Append([], wal with { Term = term, Vote = vote }));
        }

        ulong suspect = file?.SuspectThroughIndex ?? 0;
        if (suspect != 0 && LastIndex >= suspect)
        {
            suspect = 0;
        }

        ulong nodeId = file is { NodeId: not 0 } stamped ? stamped.NodeId : _options.NodeId;
        var desired = new RaftStateRecord(term, vote, suspect, nodeId);
        if (file != desired && !(file is null && desired == default))
        {
            Write(() => _state.Save(desired));
        }
    }

    /// <summary>Keeps the state file in step after a write: the term or vote changed, or the log reached the suspect range.</summary>
    private void UpdateState()
    {
        var hs = _wal.HardState;
        var current = _state.Current ?? default;
        ulong suspect = current.SuspectThroughIndex != 0 && LastIndex >= current.SuspectThroughIndex ? 0 : current.SuspectThroughIndex;
        var desired = new RaftStateRecord(hs.Term, hs.Vote, suspect, current.NodeId == 0 ? _options.NodeId : current.NodeId);
        if (desired != current)
        {
            if (suspect == 0 && current.SuspectThroughIndex != 0)
            {
                Log.SuspectRangeRepaired(_logger, current.SuspectThroughIndex);
            }

            Write(() => _state.Save(desired));
        }
    }

    /// <inheritdoc />
    public RaftInitialState GetInitialState()
    {
        ThrowIfUnusable();
        var conf = _snapshots.Latest?.Metadata.ConfState ?? _wal.BootstrapConfState ?? ConfState.Empty;
        return new RaftInitialState(HardState, conf, SuspectThroughIndex);
    }

    /// <inheritdoc />
    public LogReadStatus TryGetTerm(ulong index, out ulong term)
    {
        ThrowIfUnusable();
        term = 0;
        if (index == _firstIndex - 1)
        {
            term = _termBeforeFirst;
            return LogReadStatus.Ok;
        }

        if (index < _firstIndex)
        {
            return LogReadStatus.Compacted;
        }

        if (index > LastIndex)
        {
            return LogReadStatus.Unavailable;
        }

        if (_cache.Contains(index))
        {
            term = _cache.Get(index).Term;
            return LogReadStatus.Ok;
        }

        bool found = _wal.TryGetTerm(index, out term);
        Invariant(found, "every index between FirstIndex and LastIndex is in the log");
        return LogReadStatus.Ok;
    }

    /// <inheritdoc />
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="low"/> is above <paramref name="high"/>.</exception>
    /// <exception cref="StorageCorruptionException">A record read from disk no longer matches its checksum.</exception>
    public LogReadStatus TryGetEntries(ulong low, ulong high, long maxBytes, out ReadOnlyMemory<Entry> entries)
    {
        ThrowIfUnusable();
        ArgumentOutOfRangeException.ThrowIfGreaterThan(low, high);
        entries = ReadOnlyMemory<Entry>.Empty;
        if (low < _firstIndex)
        {
            return LogReadStatus.Compacted;
        }

        if (high > LastIndex + 1)
        {
            return LogReadStatus.Unavailable;
        }

        if (low == high)
        {
            return LogReadStatus.Ok;
        }

        entries = _cache.Contains(low) && _cache.Contains(high - 1)
            ? _cache.Read(low, high, maxBytes)
            : _wal.Read(low, high, maxBytes);
        return LogReadStatus.Ok;
    }

    /// <inheritdoc />
    /// <remarks>The payload is loaded into memory (checksum verified) on first use; to stream a large
    /// snapshot instead, use <see cref="OpenSnapshot"/>. Returns <see cref="Snapshot.Empty"/> when there is none.</remarks>
    public LogReadStatus TryGetSnapshot(out Snapshot snapshot)
    {
        ThrowIfUnusable();
        var latest = _snapshots.Latest;
        if (latest is null)
        {
            snapshot = Snapshot.Empty;
            return LogReadStatus.Ok;
        }

        var loaded = Volatile.Read(ref _loadedSnapshot);
        if (loaded?.Metadata != latest.Metadata)
        {
            loaded = new Snapshot(latest.Metadata, _snapshots.ReadAll(latest));
            Volatile.Write(ref _loadedSnapshot, loaded);
        }

        snapshot = loaded;
        return LogReadStatus.Ok;
    }

    /// <summary>Records the membership of a brand-new cluster, durably, so that <see cref="GetInitialState"/> returns it.</summary>
    /// <exception cref="InvalidOperationException">The store is not empty (it has entries, a hard state, a snapshot or a membership).</exception>
    public void Bootstrap(ConfState conf)
    {
        ArgumentNullException.ThrowIfNull(conf);
        ThrowIfUnusable();
        if (conf.Voters.IsEmpty)
        {
            throw new ArgumentException("A bootstrap membership needs at least one voter.", nameof(conf));
        }

        if (LastIndex != 0 || !_wal.HardState.IsEmpty || _snapshots.Latest is not null || _wal.BootstrapConfState is not null)
        {
            throw new InvalidOperationException("Bootstrap applies to a brand-new store only; this one already holds state.");
        }

        Write(() => _wal.SaveBootstrap(conf));
    }

    /// <summary>
    /// Persists one Ready's worth of writes with a single fsync (group commit): <paramref name="entries"/>,
    /// truncating the conflicting suffix first when they start at or below <see cref="LastIndex"/>, then
    /// <paramref name="hardState"/> when given. Returns once both are durable.
    /// </summary>
    /// <param name="entries">Contiguous entries; may be empty. Their buffers must not change afterwards.</param>
    /// <param name="hardState">The hard state to persist with them, or null.</param>
    /// <exception cref="ArgumentException">The entries are not contiguous, leave a gap after <see cref="LastIndex"/>,
    /// decrease in term, or exceed <see cref="StorageOptions.MaxRecordBytes"/>; or the hard state goes backwards.</exception>
    /// <exception cref="InvalidOperationException">The append would overwrite committed or compacted entries, the
    /// hard state would change a vote within a term, or the store failed earlier.</exception>
    /// <exception cref="IOException">The device failed; the store is unusable from then on.</exception>
    public void Append(ReadOnlySpan<Entry> entries, HardState? hardState = null)
    {
        ThrowIfUnusable();
        ValidateEntries(entries);
        ulong newLast = entries.IsEmpty ? LastIndex : entries[^1].Index;
        if (hardState is { } hs)
        {
            ValidateHardState(hs, newLast);
        }

        if (entries.IsEmpty && hardState is null)
        {
            return;
        }

        try
        {
            _wal.Append(entries, hardState);
        }
        catch (Exception ex)
        {
            _failure = ex;
            throw;
        }

        if (!entries.IsEmpty)
        {
            _cache.TruncateFrom(entries[0].Index);
            _cache.Append(entries);
        }

        UpdateState();
    }

    /// <summary>Persists a hard state alone (one fsync).</summary>
    /// <exception cref="ArgumentException">The term or commit index goes backwards, or the commit index is beyond <see cref="LastIndex"/>.</exception>
    /// <exception cref="InvalidOperationException">The vote would change within a term, or the store failed earlier.</exception>
    /// <exception cref="IOException">The device failed.</exception>
    public void SaveHardState(HardState hardState) => Append([], hardState);

    /// <summary>Starts streaming a snapshot to disk. <see cref="SnapshotWriter.Commit"/> publishes it; the log is
    /// not changed until <see cref="Compact"/> or <see cref="InstallSnapshot(SnapshotMetadata)"/>.</summary>
    /// <exception cref="InvalidOperationException">Another snapshot is being written, or the store failed earlier.</exception>
    public SnapshotWriter BeginSnapshot(SnapshotMetadata metadata)
    {
        ThrowIfUnusable();
        return _snapshots.BeginWrite(metadata);
    }

    /// <summary>Stores a snapshot taken locally (durable on return); the log is unchanged.</summary>
    /// <remarks>
    /// This is the one operation that may run on another thread while the owner keeps using the store (appends,
    /// reads, compaction, installs): a node saves its own snapshot in the background so that writing and fsyncing
    /// it never delays its heartbeats. Compact the log through the snapshot only after this returns. The payload
    /// stays in memory as the snapshot that <see cref="TryGetSnapshot"/> returns, so sending it to a follower does
    /// not read it back from disk.
    /// </remarks>
    /// <exception cref="InvalidOperationException">The payload exceeds <see cref="StorageOptions.MaxSnapshotBytes"/>,
    /// the same snapshot is being written already, or the store failed earlier.</exception>
    /// <exception cref="IOException">The device failed.</exception>
    public StoredSnapshotInfo SaveSnapshot(Snapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        ThrowIfUnusable();
        StoredSnapshotInfo? info = null;
        Write(() =>
        {
            using var writer = _snapshots.BeginWrite(snapshot.Metadata);
            var data = snapshot.Data.Span;
            for (int at = 0; at < data.Length; at += _options.SnapshotChunkBytes)
            {
                writer.Write(data.Slice(at, Math.Min(_options.SnapshotChunkBytes, data.Length - at)));
            }

            info = writer.Commit();
        });
        if (_snapshots.Latest == info)
        {
            Volatile.Write(ref _loadedSnapshot, new Snapshot(info!.Metadata, snapshot.Data));
        }

        return info!;
    }

    /// <summary>
    /// Installs a snapshot received from the leader: stores it durably, then either keeps the log after it (when
    /// the log holds its last entry with the same term) or discards the whole log (Raft §7).
    /// </summary>
    /// <exception cref="ArgumentException">The snapshot is empty or older than the log's start.</exception>
    /// <exception cref="InvalidOperationException">The snapshot disagrees with a committed entry of the log.</exception>
    /// <exception cref="IOException">The device failed.</exception>
    public void InstallSnapshot(Snapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        CheckInstallable(snapshot.Metadata);
        var info = SaveSnapshot(snapshot);
        InstallSnapshot(info.Metadata);
    }

    /// <summary>Applies a snapshot already stored through <see cref="BeginSnapshot"/> to the log, as <see cref="InstallSnapshot(Snapshot)"/> does.</summary>
    /// <exception cref="ArgumentException">The snapshot is not the newest stored one, or is older than the log's start.</exception>
    /// <exception cref="InvalidOperationException">The snapshot disagrees with a committed entry of the log.</exception>
    /// <exception cref="IOException">The device failed.</exception>
    public void InstallSnapshot(SnapshotMetadata metadata)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        ThrowIfUnusable();
        CheckInstallable(metadata);
        if (_snapshots.Latest?.Metadata != metadata)
        {
            throw new ArgumentException($"Snapshot {metadata.Term}/{metadata.Index} is not the newest stored snapshot; store it first.", nameof(metadata));
        }

        ulong index = metadata.Index;
        bool keepLog = TryGetTerm(index, out ulong term) == LogReadStatus.Ok && term == metadata.Term;
        Write(() =>
        {
            if (keepLog)
            {
                _wal.DropThrough(index);
            }
            else
            {
                _wal.ResetTo(index);
                _cache.Clear();
            }
        });
        _firstIndex = index + 1;
        _termBeforeFirst = metadata.Term;
        Log.SnapshotInstalled(_logger, index, metadata.Term, _firstIndex);
        UpdateState();
    }

    /// <summary>
    /// Discards the log up to and including <paramref name="index"/>, which a stored snapshot must cover;
    /// whole segments at or below it are deleted. A no-op when the log already starts after it.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is beyond <see cref="LastIndex"/>.</exception>
    /// <exception cref="InvalidOperationException">No stored snapshot covers <paramref name="index"/>.</exception>
    /// <exception cref="IOException">The device failed.</exception>
    public void Compact(ulong index)
    {
        ThrowIfUnusable();
        if (index < _firstIndex)
        {
            return;
        }

        ArgumentOutOfRangeException.ThrowIfGreaterThan(index, LastIndex);
        ulong covered = _snapshots.Latest?.Metadata.Index ?? 0;
        if (index > covered)
        {
            throw new InvalidOperationException($"Cannot compact through index {index}: the newest snapshot covers only up to index {covered}.");
        }

        TryGetTerm(index, out ulong term);
        Write(() => _wal.DropThrough(index));
        _firstIndex = index + 1;
        _termBeforeFirst = term;
        Log.Compacted(_logger, index, _firstIndex);
    }

    /// <summary>Opens the newest snapshot for streaming out in chunks (to a follower, or to restore the state machine).</summary>
    /// <exception cref="InvalidOperationException">There is no snapshot.</exception>
    public SnapshotReadStream OpenSnapshot()
    {
        ThrowIfUnusable();
        var latest = _snapshots.Latest ?? throw new InvalidOperationException("There is no snapshot.");
        return _snapshots.OpenRead(latest);
    }

    /// <summary>Closes the files and releases the directory lock.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _wal.Dispose();
        _state.Dispose();
        _lock.Dispose();
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }

    private void CheckInstallable(SnapshotMetadata metadata)
    {
        if (metadata.Index == 0)
        {
            throw new ArgumentException("Cannot install an empty snapshot.", nameof(metadata));
        }

        if (metadata.Index < _firstIndex - 1)
        {
            throw new ArgumentException($"Snapshot {metadata.Term}/{metadata.Index} is older than the log, which starts at index {_firstIndex}.", nameof(metadata));
        }

        bool matches = TryGetTerm(metadata.Index, out ulong term) == LogReadStatus.Ok && term == metadata.Term;
        if (!matches && metadata.Index < _wal.HardState.Commit)
        {
            throw new InvalidOperationException($"Snapshot {metadata.Term}/{metadata.Index} conflicts with the log below the commit index {_wal.HardState.Commit}: committed entries cannot be replaced.");
        }
    }

    private void ValidateEntries(ReadOnlySpan<Entry> entries)
    {
        if (entries.IsEmpty)
        {
            return;
        }

        ulong first = entries[0].Index;
        if (first == 0 || first > LastIndex + 1)
        {
            throw new ArgumentException($"The entries start at index {first}, but the log ends at index {LastIndex}: appends must be contiguous.", nameof(entries));
        }

        if (entries[^1].Index == ulong.MaxValue)
        {
            // Recovery refuses a record at 2^64-1 (the index after the last must exist), so the append does too.
            throw new ArgumentException($"Entry {ulong.MaxValue} is past the largest usable index {ulong.MaxValue - 1}.", nameof(entries));
        }

        if (first < _firstIndex)
        {
            throw new InvalidOperationException($"The entries start at index {first}, which is compacted (the log starts at {_firstIndex}).");
        }

        if (first <= LastIndex && first <= _wal.HardState.Commit)
        {
            throw new InvalidOperationException($"The append at index {first} would overwrite committed entries (commit index {_wal.HardState.Commit}).");
        }

        if (TryGetTerm(first - 1, out ulong previousTerm) == LogReadStatus.Ok && entries[0].Term < previousTerm)
        {
            throw new ArgumentException($"Entry {first} has term {entries[0].Term}, lower than the term {previousTerm} of the entry before it.", nameof(entries));
        }

        for (int i = 0; i < entries.Length; i++)
        {
            var e = entries[i];
            if (i > 0 && (e.Index != entries[i - 1].Index + 1 || e.Term < entries[i - 1].Term))
            {
                throw new ArgumentException($"Entry {e} does not follow {entries[i - 1]}: indexes must be consecutive and terms must not decrease.", nameof(entries));
            }

            if (e.Data.Length > _options.MaxRecordBytes)
            {
                throw new ArgumentException($"Entry {e} exceeds StorageOptions.MaxRecordBytes ({_options.MaxRecordBytes} bytes).", nameof(entries));
            }

            if (e.Type is not EntryType.Normal and not EntryType.ConfChange)
            {
                throw new ArgumentException($"Entry {e} has an unknown type {e.Type}.", nameof(entries));
            }
        }
    }

    private void ValidateHardState(HardState hs, ulong lastIndexAfter)
    {
        var current = _wal.HardState;
        if (hs.Term < current.Term)
        {
            throw new ArgumentException($"The hard state term {hs.Term} is lower than the persisted term {current.Term}.", nameof(hs));
        }

        if (hs.Commit < current.Commit)
        {
            throw new ArgumentException($"The commit index {hs.Commit} is lower than the persisted commit index {current.Commit}.", nameof(hs));
        }

        if (hs.Commit > lastIndexAfter)
        {
            throw new ArgumentException($"The commit index {hs.Commit} is beyond the last index {lastIndexAfter}.", nameof(hs));
        }

        if (hs.Term == current.Term && current.Vote != 0 && hs.Vote != current.Vote)
        {
            throw new InvalidOperationException($"The vote in term {hs.Term} would change from {current.Vote} to {hs.Vote}: a node votes once per term.");
        }
    }

    private void Write(Action action)
    {
        try
        {
            action();
        }
        catch (Exception ex)
        {
            _failure = ex;
            throw;
        }
    }

    private void ThrowIfUnusable()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_failure is not null)
        {
            throw new InvalidOperationException("The storage failed earlier and its state on disk is unknown; stop the node and reopen the storage to recover.", _failure);
        }
    }

    private static void Invariant(bool condition, string message)
    {
        if (!condition)
        {
            throw new InvalidOperationException("Storage invariant violated: " + message);
        }
    }
}
