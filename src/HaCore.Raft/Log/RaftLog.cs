namespace HaCore.Raft.Log;

/// <summary>
/// The log as the protocol sees it: the durable part in <see cref="IRaftLogStorage"/> followed by the
/// <see cref="UnstableLog"/>, plus the commit and apply positions.
/// </summary>
/// <remarks>Reads return a non-empty prefix of what was asked when the range spans storage and the
/// unstable part, so that no read has to copy; callers loop when they need more.</remarks>
internal sealed class RaftLog
{
    public RaftLog(IRaftLogStorage storage, long maxCommittedSizePerReady)
    {
        Storage = storage;
        MaxCommittedSizePerReady = maxCommittedSizePerReady;
        var first = storage.FirstIndex;
        var last = storage.LastIndex;
        RaftAssert.That(first >= 1 && last + 1 >= first, $"storage reports first index {first} and last index {last}");
        Unstable = new UnstableLog(last + 1);

        // Everything up to the snapshot is both committed and applied; the host restores its state
        // machine from the snapshot and the core hands it the committed entries after it again.
        Committed = first - 1;
        Applied = first - 1;
        Applying = Applied;
    }

    public IRaftLogStorage Storage { get; }

    public UnstableLog Unstable { get; }

    public long MaxCommittedSizePerReady { get; }

    /// <summary>The highest index known to be committed.</summary>
    public ulong Committed { get; private set; }

    /// <summary>The highest index handed to the host for applying (at least <see cref="Applied"/>).</summary>
    public ulong Applying { get; private set; }

    /// <summary>The highest index the host has applied.</summary>
    public ulong Applied { get; private set; }

    public ulong FirstIndex => Unstable.MaybeFirstIndex ?? Storage.FirstIndex;

    public ulong LastIndex => Unstable.MaybeLastIndex ?? Storage.LastIndex;

    public ulong LastTerm
    {
        get
        {
            var status = TryGetTerm(LastIndex, out var term);
            RaftAssert.That(status == LogReadStatus.Ok, $"term of the last index {LastIndex} unavailable: {status}");
            return term;
        }
    }

    /// <summary>The last index the host has made durable: the leader counts itself up to here.</summary>
    public ulong PersistedLastIndex => Math.Min(LastIndex, Unstable.Offset - 1);

    public LogReadStatus TryGetTerm(ulong index, out ulong term)
    {
        // The valid range is [FirstIndex - 1, LastIndex]: the entry before the first is the snapshot's.
        if (index + 1 < FirstIndex)
        {
            term = 0;
            return LogReadStatus.Compacted;
        }

        if (index > LastIndex)
        {
            term = 0;
            return LogReadStatus.Unavailable;
        }

        if (Unstable.TryGetTerm(index, out term))
        {
            return LogReadStatus.Ok;
        }

        var status = Storage.TryGetTerm(index, out term);
        if (status == LogReadStatus.Unavailable && index == 0)
        {
            term = 0;
            return LogReadStatus.Ok;
        }

        return status;
    }

    /// <summary>The term at <paramref name="index"/>, or 0 when it is compacted or beyond the log.</summary>
    public ulong TermOrZero(ulong index) => TryGetTerm(index, out var term) == LogReadStatus.Ok ? term : 0;

    public bool MatchTerm(ulong index, ulong term) => TryGetTerm(index, out var t) == LogReadStatus.Ok && t == term;

    /// <summary>Whether a candidate's log (last term and index) is at least as up to date as ours (§5.4.1).</summary>
    public bool IsUpToDate(ulong lastIndex, ulong lastTerm)
    {
        var ourTerm = LastTerm;
        return lastTerm > ourTerm || (lastTerm == ourTerm && lastIndex >= LastIndex);
    }

    /// <summary>Entries from <paramref name="low"/> to the end, limited by <paramref name="maxBytes"/>.</summary>
    public LogReadStatus TryGetEntries(ulong low, long maxBytes, out ReadOnlyMemory<Entry> entries)
    {
        if (low > LastIndex)
        {
            entries = ReadOnlyMemory<Entry>.Empty;
            return LogReadStatus.Ok;
        }

        return TrySlice(low, LastIndex + 1, maxBytes, out entries);
    }

    /// <summary>A non-empty prefix of <c>[low, high)</c> within <paramref name="maxBytes"/> (at least one entry).</summary>
    public LogReadStatus TrySlice(ulong low, ulong high, long maxBytes, out ReadOnlyMemory<Entry> entries)
    {
        entries = ReadOnlyMemory<Entry>.Empty;
        if (low >= high)
        {
            return LogReadStatus.Ok;
        }

        if (low < FirstIndex)
        {
            return LogReadStatus.Compacted;
        }

        RaftAssert.That(high <= LastIndex + 1, $"slice [{low},{high}) beyond the last index {LastIndex}");
        if (low < Unstable.Offset)
        {
            var status = Storage.TryGetEntries(low, Math.Min(high, Unstable.Offset), maxBytes, out entries);
            if (status == LogReadStatus.Ok)
            {
                RaftAssert.That(!entries.IsEmpty && entries.Span[0].Index == low,
                    $"storage returned {entries.Length} entries for [{low},{Math.Min(high, Unstable.Offset)})");
            }

            return status;
        }

        var slice = Unstable.Slice(low, high);
        entries = LimitSize(slice, maxBytes);
        return LogReadStatus.Ok;
    }

    private static ReadOnlyMemory<Entry> LimitSize(ReadOnlyMemory<Entry> entries, long maxBytes)
    {
        var span = entries.Span;
        long size = 0;
        for (var i = 0; i < span.Length; i++)
        {
            size += span[i].Size;
            if (size > maxBytes && i > 0)
            {
                return entries[..i];
            }
        }

        return entries;
    }

    /// <summary>
    /// Appends a leader's entries after <paramref name="index"/>/<paramref name="logTerm"/> if our log
    /// matches there, truncating a conflicting suffix. Returns the new last index, or null on mismatch.
    /// </summary>
    public ulong? MaybeAppend(ulong index, ulong logTerm, ulong committed, ReadOnlySpan<Entry> entries)
    {
        if (!MatchTerm(index, logTerm))
        {
            return null;
        }

        var lastNew = index + (ulong)entries.Length;
        var conflict = FindConflict(entries);
        if (conflict != 0)
        {
            RaftAssert.That(conflict > Committed, $"entry {conflict} conflicts with the committed prefix (committed {Committed})");
            Append(entries[(int)(conflict - (index + 1))..]);
        }

        CommitTo(Math.Min(committed, lastNew));
        return lastNew;
    }

    /// <summary>The index of the first entry that is new or conflicts with ours, or 0 when all match.</summary>
    private ulong FindConflict(ReadOnlySpan<Entry> entries)
    {
        foreach (ref readonly var e in entries)
        {
            if (!MatchTerm(e.Index, e.Term))
            {
                return e.Index;
            }
        }

        return 0;
    }

    /// <summary>
    /// Walks back from <paramref name="index"/> to the last entry whose term is at most
    /// <paramref name="term"/>: the fast log backtracking of etcd-raft (thesis §5.3's optimization).
    /// </summary>
    public (ulong Index, ulong Term) FindConflictByTerm(ulong index, ulong term)
    {
        while (true)
        {
            var status = TryGetTerm(index, out var t);
            if (status != LogReadStatus.Ok)
            {
                return (index, 0);
            }

            if (t <= term || index == 0)
            {
                return (index, t);
            }

            index--;
        }
    }

    public ulong Append(ReadOnlySpan<Entry> entries)
    {
        if (entries.IsEmpty)
        {
            return LastIndex;
        }

        RaftAssert.That(entries[0].Index - 1 >= Committed,
            $"appending at {entries[0].Index} would overwrite committed entries (committed {Committed})");
        Unstable.TruncateAndAppend(entries);
        return LastIndex;
    }

    public void CommitTo(ulong index)
    {
        if (index <= Committed)
        {
            return;
        }

        RaftAssert.That(index <= LastIndex, $"commit index {index} is beyond the last index {LastIndex}");
        Committed = index;
    }

    /// <summary>Commits <paramref name="index"/> if its entry is from <paramref name="term"/> (§5.4.2).</summary>
    public bool MaybeCommit(ulong index, ulong term, bool unsafeAnyTerm = false)
    {
        if (index > Committed && (unsafeAnyTerm || TermOrZero(index) == term))
        {
            CommitTo(index);
            return true;
        }

        return false;
    }

    /// <summary>Committed entries not yet handed to the host, limited by size; empty while a snapshot is pending.</summary>
    public ReadOnlyMemory<Entry> NextCommittedEntries()
    {
        if (Unstable.Snapshot is not null || Applying >= Committed)
        {
            return ReadOnlyMemory<Entry>.Empty;
        }

        var status = TrySlice(Applying + 1, Committed + 1, MaxCommittedSizePerReady, out var entries);
        RaftAssert.That(status == LogReadStatus.Ok, $"committed entries from {Applying + 1} unavailable: {status}");
        return entries;
    }

    public bool HasNextCommittedEntries => Unstable.Snapshot is null && Applying < Committed;

    public void AcceptApplying(ulong index) => Applying = Math.Max(Applying, index);

    public void AppliedTo(ulong index)
    {
        RaftAssert.That(index <= Committed && index >= Applied, $"applied index {index} out of range [{Applied},{Committed}]");
        Applied = index;
        Applying = Math.Max(Applying, index);
    }

    public void Restore(Snapshot snapshot)
    {
        Committed = snapshot.Metadata.Index;
        Unstable.Restore(snapshot);
    }

    /// <summary>The host installed the snapshot: it is now applied.</summary>
    public void SnapshotInstalled(ulong index)
    {
        Unstable.StableSnapshotTo(index);
        Applied = Math.Max(Applied, index);
        Applying = Math.Max(Applying, index);
    }

    public LogReadStatus TryGetSnapshot(out Snapshot snapshot)
    {
        if (Unstable.Snapshot is { } s)
        {
            snapshot = s;
            return LogReadStatus.Ok;
        }

        return Storage.TryGetSnapshot(out snapshot);
    }
}
