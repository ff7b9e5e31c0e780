namespace HaCore.Raft.Log;

/// <summary>
/// Entries (and possibly a snapshot) the core has accepted but the host has not yet persisted.
/// Entries <c>[Offset, Offset + Count)</c> live in <c>_buffer[_start..]</c>. The buffer is reused
/// once the host has persisted it, so slices handed out in a Ready are valid until the next Advance.
/// </summary>
internal sealed class UnstableLog
{
    private Entry[] _buffer = new Entry[64];
    private int _start;

    // Set while a slice of _buffer may still be referenced (by a pending message or the current
    // Ready); in-place overwrites then move to a fresh buffer instead.
    private bool _sliced;

    public UnstableLog(ulong offset) => Offset = offset;

    /// <summary>A snapshot received from the leader and not yet installed by the host.</summary>
    public Snapshot? Snapshot { get; private set; }

    /// <summary>The index of the first unstable entry.</summary>
    public ulong Offset { get; private set; }

    public int Count { get; private set; }

    public ReadOnlySpan<Entry> Entries => _buffer.AsSpan(_start, Count);

    public ulong? MaybeFirstIndex => Snapshot is { } s ? s.Metadata.Index + 1 : null;

    public ulong? MaybeLastIndex => Count > 0 ? Offset + (ulong)Count - 1 : Snapshot?.Metadata.Index;

    public bool TryGetTerm(ulong index, out ulong term)
    {
        if (index < Offset)
        {
            if (Snapshot is { } s && s.Metadata.Index == index)
            {
                term = s.Metadata.Term;
                return true;
            }

            term = 0;
            return false;
        }

        if (index - Offset >= (ulong)Count)
        {
            term = 0;
            return false;
        }

        term = _buffer[_start + (int)(index - Offset)].Term;
        return true;
    }

    /// <summary>Entries <c>[low, high)</c>, which must lie within the unstable range.</summary>
    public ReadOnlyMemory<Entry> Slice(ulong low, ulong high)
    {
        RaftAssert.That(low >= Offset && high <= Offset + (ulong)Count && low <= high,
            $"unstable slice [{low},{high}) out of bounds [{Offset},{Offset + (ulong)Count})");
        _sliced = true;
        return new ReadOnlyMemory<Entry>(_buffer, _start + (int)(low - Offset), (int)(high - low));
    }

    /// <summary>Every slice handed out has expired (the host called Advance).</summary>
    public void ReleaseSlices() => _sliced = false;

    /// <summary>The host persisted entries up to <paramref name="index"/> with term <paramref name="term"/>.</summary>
    public void StableTo(ulong index, ulong term)
    {
        if (!TryGetTerm(index, out var t) || index < Offset || t != term)
        {
            // The entry was replaced (a newer leader truncated it) after it was handed out: ignore.
            return;
        }

        var n = (int)(index + 1 - Offset);
        _start += n;
        Count -= n;
        Offset = index + 1;
        if (Count == 0 && !_sliced)
        {
            _start = 0;
        }
    }

    public void StableSnapshotTo(ulong index)
    {
        if (Snapshot is { } s && s.Metadata.Index == index)
        {
            Snapshot = null;
        }
    }

    public void Restore(Snapshot snapshot)
    {
        Offset = snapshot.Metadata.Index + 1;
        DetachIfSliced();
        _start = 0;
        Count = 0;
        Snapshot = snapshot;
    }

    /// <summary>Appends <paramref name="entries"/>, first truncating any conflicting suffix.</summary>
    public void TruncateAndAppend(ReadOnlySpan<Entry> entries)
    {
        if (entries.IsEmpty)
        {
            return;
        }

        var from = entries[0].Index;
        if (from == Offset + (ulong)Count)
        {
            // Plain append after the last unstable entry.
        }
        else if (from <= Offset)
        {
            // Replace everything unstable; the log below now comes from storage up to from - 1.
            Offset = from;
            DetachIfSliced();
            _start = 0;
            Count = 0;
        }
        else
        {
            // Keep [Offset, from) and append after it.
            RaftAssert.That(from < Offset + (ulong)Count, $"unstable append at {from} leaves a gap after {Offset + (ulong)Count - 1}");
            Count = (int)(from - Offset);
            if (_sliced)
            {
                // The suffix being overwritten may still be referenced: keep the prefix in a new buffer.
                var kept = new Entry[Math.Max(64, (Count + entries.Length) * 2)];
                Array.Copy(_buffer, _start, kept, 0, Count);
                _buffer = kept;
                _start = 0;
                _sliced = false;
            }
        }

        EnsureCapacity(Count + entries.Length);
        entries.CopyTo(_buffer.AsSpan(_start + Count));
        Count += entries.Length;
    }

    private void EnsureCapacity(int needed)
    {
        if (_start + needed <= _buffer.Length)
        {
            return;
        }

        if (needed <= _buffer.Length / 2 && !_sliced)
        {
            // Enough room if we slide the live entries to the front. Safe: only entries handed out
            // before the last Advance lie before _start, and those slices have expired.
            Array.Copy(_buffer, _start, _buffer, 0, Count);
            Array.Clear(_buffer, Count, _buffer.Length - Count);
            _start = 0;
            return;
        }

        var grown = new Entry[Math.Max(needed, _buffer.Length * 2)];
        Array.Copy(_buffer, _start, grown, 0, Count);
        _buffer = grown;
        _start = 0;
        _sliced = false;
    }

    private void DetachIfSliced()
    {
        if (_sliced)
        {
            _buffer = new Entry[_buffer.Length];
            _sliced = false;
        }
    }
}
