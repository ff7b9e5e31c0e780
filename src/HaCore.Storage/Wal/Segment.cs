namespace HaCore.Storage;

/// <summary>Where one entry's record sits in its segment file.</summary>
internal readonly record struct RecordLocation(int Offset, int PayloadBytes, ulong Term);

/// <summary>The in-memory index of one segment file: its header fields and the location of every live entry.</summary>
internal sealed class Segment(string path, ulong sequence, ulong firstIndex, ulong salt)
{
    // Invariant: Entries[i] holds index FirstIndex + i; entries superseded by a later segment are trimmed away.
    private readonly List<RecordLocation> _entries = [];

    public string Path { get; } = path;

    public ulong Sequence { get; } = sequence;

    public ulong FirstIndex { get; } = firstIndex;

    public ulong Salt { get; } = salt;

    /// <summary>Where the next record goes: the end of the valid records.</summary>
    public long WriteOffset { get; set; }

    public int Count => _entries.Count;

    /// <summary>The last live index, or <c>FirstIndex - 1</c> when the segment holds no live entry.</summary>
    public ulong LastIndex => FirstIndex + (ulong)_entries.Count - 1;

    public bool Contains(ulong index) => index >= FirstIndex && index - FirstIndex < (ulong)_entries.Count;

    public RecordLocation this[ulong index] => _entries[checked((int)(index - FirstIndex))];

    public void Add(RecordLocation location) => _entries.Add(location);

    /// <summary>Forgets the entries at and after <paramref name="index"/> (they were superseded).</summary>
    public void TrimFrom(ulong index)
    {
        if (index <= FirstIndex)
        {
            _entries.Clear();
        }
        else if (index - FirstIndex < (ulong)_entries.Count)
        {
            _entries.RemoveRange((int)(index - FirstIndex), _entries.Count - (int)(index - FirstIndex));
        }
    }

    public override string ToString() => $"{System.IO.Path.GetFileName(Path)} [{FirstIndex}..{LastIndex}]";
}

/// <summary>Reads a file through a sliding window so that scans issue few large reads.</summary>
internal sealed class WindowReader(IStorageFile file, long length, int windowBytes)
{
    private readonly byte[] _window = new byte[windowBytes];
    private long _start;
    private int _count;

    public long Length { get; } = length;

    /// <summary>Returns up to <paramref name="count"/> bytes at <paramref name="offset"/> (fewer at the end of the file).</summary>
    public ReadOnlySpan<byte> Get(long offset, int count)
    {
        count = (int)Math.Min(count, Math.Max(0, Length - offset));
        if (offset < _start || offset + count > _start + _count)
        {
            _start = offset;
            int want = (int)Math.Min(_window.Length, Length - offset);
            _count = file.Read(offset, _window.AsSpan(0, want));
        }

        int available = (int)Math.Min(count, _start + _count - offset);
        return _window.AsSpan((int)(offset - _start), Math.Max(0, available));
    }
}
