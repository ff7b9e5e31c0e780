namespace HaCore.Raft;

/// <summary>
/// An in-memory <see cref="IRaftLogStorage"/> with the write side a host needs (after etcd-raft's
/// <c>MemoryStorage</c>): for tests, the simulator and benchmarks. Not durable, not thread-safe.
/// </summary>
/// <remarks>Memory returned by <see cref="TryGetEntries"/> stays valid while the host appends (it may
/// back a Ready's committed entries), and until the next <see cref="Compact"/> or <see cref="ApplySnapshot"/>,
/// which a host calls between Readys.</remarks>
public sealed class MemoryRaftStorage : IRaftLogStorage
{
    // _entries[_start] is a dummy entry holding the snapshot's index and term; real entries follow.
    private Entry[] _entries = new Entry[256];
    private int _start;
    private int _count = 1;
    private Snapshot _snapshot = Snapshot.Empty;
    private ConfState _bootstrap;

    /// <summary>Creates empty storage; <paramref name="bootstrap"/> is the membership of a new cluster.</summary>
    public MemoryRaftStorage(ConfState? bootstrap = null) => _bootstrap = bootstrap ?? ConfState.Empty;

    /// <summary>The persisted hard state.</summary>
    public HardState HardState { get; private set; }

    /// <inheritdoc />
    public ulong FirstIndex => _entries[_start].Index + 1;

    /// <inheritdoc />
    public ulong LastIndex => _entries[_start].Index + (ulong)_count - 1;

    /// <summary>The latest snapshot (index 0 when none).</summary>
    public Snapshot Snapshot => _snapshot;

    /// <inheritdoc />
    public RaftInitialState GetInitialState() =>
        new(HardState, _snapshot.IsEmpty ? _bootstrap : _snapshot.Metadata.ConfState, SuspectThroughIndex);

    /// <summary>What <see cref="GetInitialState"/> reports as <see cref="RaftInitialState.SuspectThroughIndex"/>: set it to
    /// start a node as if its storage had lost acknowledged entries up to this index.</summary>
    public ulong SuspectThroughIndex { get; set; }

    /// <summary>Persists the hard state.</summary>
    public void SetHardState(HardState state) => HardState = state;

    /// <inheritdoc />
    public LogReadStatus TryGetTerm(ulong index, out ulong term)
    {
        var offset = _entries[_start].Index;
        term = 0;
        if (index < offset)
        {
            return LogReadStatus.Compacted;
        }

        if (index - offset >= (ulong)_count)
        {
            return LogReadStatus.Unavailable;
        }

        term = _entries[_start + (int)(index - offset)].Term;
        return LogReadStatus.Ok;
    }

    /// <inheritdoc />
    public LogReadStatus TryGetEntries(ulong low, ulong high, long maxBytes, out ReadOnlyMemory<Entry> entries)
    {
        entries = ReadOnlyMemory<Entry>.Empty;
        var offset = _entries[_start].Index;
        if (low <= offset)
        {
            return LogReadStatus.Compacted;
        }

        if (high > LastIndex + 1 || low >= high)
        {
            return LogReadStatus.Unavailable;
        }

        var from = _start + (int)(low - offset);
        var n = (int)(high - low);
        long size = 0;
        for (var i = 0; i < n; i++)
        {
            size += _entries[from + i].Size;
            if (size > maxBytes && i > 0)
            {
                n = i;
                break;
            }
        }

        entries = new ReadOnlyMemory<Entry>(_entries, from, n);
        return LogReadStatus.Ok;
    }

    /// <inheritdoc />
    public LogReadStatus TryGetSnapshot(out Snapshot snapshot)
    {
        snapshot = _snapshot;
        return LogReadStatus.Ok;
    }

    /// <summary>Appends entries, first truncating any existing suffix from the first new index.</summary>
    /// <exception cref="InvalidOperationException">The entries leave a gap after the last index.</exception>
    public void Append(ReadOnlySpan<Entry> entries)
    {
        if (entries.IsEmpty)
        {
            return;
        }

        var first = FirstIndex;
        var last = entries[^1].Index;
        if (last < first)
        {
            return; // entirely below the snapshot: already compacted
        }

        if (entries[0].Index < first)
        {
            entries = entries[(int)(first - entries[0].Index)..];
        }

        var offset = _entries[_start].Index;
        if (entries[0].Index > LastIndex + 1)
        {
            throw new InvalidOperationException($"Appending at {entries[0].Index} leaves a gap after {LastIndex}.");
        }

        // Keep the dummy and entries before the first new one, drop the rest, append.
        _count = (int)(entries[0].Index - offset);
        EnsureCapacity(_count + entries.Length);
        entries.CopyTo(_entries.AsSpan(_start + _count));
        _count += entries.Length;
    }

    /// <summary>Installs a snapshot received from the leader, replacing the whole log.</summary>
    public void ApplySnapshot(Snapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        if (snapshot.Metadata.Index <= _snapshot.Metadata.Index)
        {
            return;
        }

        _snapshot = snapshot;
        _start = 0;
        _count = 1;
        _entries[0] = new Entry(snapshot.Metadata.Term, snapshot.Metadata.Index, EntryType.Normal, ReadOnlyMemory<byte>.Empty);
    }

    /// <summary>Records a snapshot of the state machine at <paramref name="index"/> (at most the last index).</summary>
    /// <exception cref="InvalidOperationException">The index is stale or beyond the log.</exception>
    public Snapshot CreateSnapshot(ulong index, ConfState confState, ReadOnlyMemory<byte> data)
    {
        ArgumentNullException.ThrowIfNull(confState);
        if (index <= _snapshot.Metadata.Index)
        {
            throw new InvalidOperationException($"Snapshot index {index} is not newer than {_snapshot.Metadata.Index}.");
        }

        if (TryGetTerm(index, out var term) != LogReadStatus.Ok)
        {
            throw new InvalidOperationException($"Snapshot index {index} is outside the log [{FirstIndex - 1}, {LastIndex}].");
        }

        _snapshot = new Snapshot(new SnapshotMetadata(index, term, confState), data);
        return _snapshot;
    }

    /// <summary>Discards entries up to and including <paramref name="index"/> (which a snapshot must cover).</summary>
    /// <exception cref="InvalidOperationException">The index is beyond the last index.</exception>
    public void Compact(ulong index)
    {
        var offset = _entries[_start].Index;
        if (index <= offset)
        {
            return;
        }

        if (index > LastIndex)
        {
            throw new InvalidOperationException($"Cannot compact to {index} beyond the last index {LastIndex}.");
        }

        var drop = (int)(index - offset);
        var dummy = _entries[_start + drop];
        _start += drop;
        _count -= drop;
        _entries[_start] = dummy with { Data = ReadOnlyMemory<byte>.Empty, Type = EntryType.Normal };

        // The host compacts between Readys, when nothing handed out is alive: the live entries can
        // slide to the front in place, so a steady state of append-and-compact never allocates.
        if (_start > _entries.Length / 2)
        {
            Array.Copy(_entries, _start, _entries, 0, _count);
            Array.Clear(_entries, _count, _entries.Length - _count);
            _start = 0;
        }
    }

    private void EnsureCapacity(int needed)
    {
        if (_start + needed <= _entries.Length)
        {
            return;
        }

        // Grow into a new array: entries handed out in the current Ready (committed entries about to
        // be applied) may live in the old one, and must not move while the host appends.
        var grown = new Entry[Math.Max(needed * 2, 256)];
        Array.Copy(_entries, _start, grown, 0, _count);
        _entries = grown;
        _start = 0;
    }
}
