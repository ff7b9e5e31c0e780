namespace HaCore.Storage;

/// <summary>Where one entry's record sits in its segment file.</summary>
internal readonly record struct RecordLocation(int Offset, int PayloadBytes, ulong Term);

/// <summary>
/// Recycles the fixed-size arrays that segment indexes are made of, so that appending in steady state (old
/// segments compacted away as new ones fill) allocates nothing. Holds at most <see cref="MaxPooled"/> arrays.
/// </summary>
internal sealed class LocationChunkPool
{
    /// <summary>Locations per chunk: 4096 × 16 bytes = 64 KiB, below the large-object heap threshold.</summary>
    public const int ChunkLength = 4096;

    public const int MaxPooled = 256;

    private readonly Stack<RecordLocation[]> _free = new();

    public RecordLocation[] Rent() => _free.TryPop(out var chunk) ? chunk : new RecordLocation[ChunkLength];

    public void Return(RecordLocation[] chunk)
    {
        if (_free.Count < MaxPooled)
        {
            _free.Push(chunk);
        }
    }
}

/// <summary>The in-memory index of one segment file: its header fields and the location of every live entry.</summary>
internal sealed class Segment(string path, ulong sequence, ulong firstIndex, ulong salt, LocationChunkPool pool)
{
    private const int Shift = 12;
    private const int Mask = LocationChunkPool.ChunkLength - 1;

    // Invariant: location i (index FirstIndex + i) is _chunks[i >> Shift][i & Mask], for i < _count;
    // entries superseded by a later segment are trimmed away.
    private readonly List<RecordLocation[]> _chunks = [];
    private int _count;

    public string Path { get; } = path;

    public ulong Sequence { get; } = sequence;

    public ulong FirstIndex { get; } = firstIndex;

    public ulong Salt { get; } = salt;

    /// <summary>Where the next record goes: the end of the valid records.</summary>
    public long WriteOffset { get; set; }

    public int Count => _count;

    /// <summary>The last live index, or <c>FirstIndex - 1</c> when the segment holds no live entry.</summary>
    public ulong LastIndex => FirstIndex + (ulong)_count - 1;

    public bool Contains(ulong index) => index >= FirstIndex && index - FirstIndex < (ulong)_count;

    public RecordLocation this[ulong index]
    {
        get
        {
            int i = checked((int)(index - FirstIndex));
            if ((uint)i >= (uint)_count)
            {
                throw new ArgumentOutOfRangeException(nameof(index), index, $"Index {index} is not in segment {this}.");
            }

            return _chunks[i >> Shift][i & Mask];
        }
    }

    public void Add(RecordLocation location)
    {
        if ((_count >> Shift) == _chunks.Count)
        {
            _chunks.Add(pool.Rent());
        }

        _chunks[_count >> Shift][_count & Mask] = location;
        _count++;
    }

    /// <summary>Forgets the entries at and after <paramref name="index"/> (they were superseded).</summary>
    public void TrimFrom(ulong index)
    {
        if (index <= FirstIndex)
        {
            _count = 0;
        }
        else if (index - FirstIndex < (ulong)_count)
        {
            _count = (int)(index - FirstIndex);
        }

        int needed = (_count + Mask) >> Shift;
        while (_chunks.Count > needed)
        {
            pool.Return(_chunks[^1]);
            _chunks.RemoveAt(_chunks.Count - 1);
        }
    }

    /// <summary>Returns the index memory to the pool; the segment was deleted.</summary>
    public void Release() => TrimFrom(FirstIndex);

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
