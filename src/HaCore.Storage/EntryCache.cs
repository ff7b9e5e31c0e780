using HaCore.Raft;

namespace HaCore.Storage;

/// <summary>
/// The most recently appended entries, in memory, within a byte budget: the leader reads what it just
/// appended (to replicate it) without touching the disk.
/// </summary>
/// <remarks>
/// The payloads are copied into large chunks (up to 1 MB: on the large-object heap, never copied by the
/// collector) rather than kept as the appended buffers: those are one array per proposal on the leader and a
/// whole received frame per batch on a follower, and the seconds they lived here made every ephemeral
/// collection promote and copy them (issue 10). Entries are immutable, so a chunk is append-only: bytes are
/// written once, before any entry points at them, and never again (a truncation or <see cref="Clear"/> does not
/// rewind into space that entries already handed out may still reference); a full chunk is dropped, not reused,
/// and lives as long as some entry read from it does. Memory: the budget plus about one chunk.
/// </remarks>
internal sealed class EntryCache(long maxBytes)
{
    private readonly int _chunkBytes = (int)Math.Clamp(maxBytes / 16, 4096, 1 << 20);

    // Invariant: the cached entries are contiguous: _ring[(_head + i) % length].Index == FirstIndex + i.
    private Entry[] _ring = new Entry[16];
    private int _head;
    private int _count;
    private long _bytes;
    private byte[]? _chunk;
    private int _chunkUsed; // bytes of _chunk written; never decreases while _chunk is the current one

    public int Count => _count;

    public long Bytes => _bytes;

    public ulong FirstIndex => _count == 0 ? 0 : _ring[_head].Index;

    public ulong LastIndex => _count == 0 ? 0 : At(_count - 1).Index;

    public bool Contains(ulong index) => _count > 0 && index >= FirstIndex && index <= LastIndex;

    public void Append(ReadOnlySpan<Entry> entries)
    {
        if (maxBytes == 0 || entries.IsEmpty)
        {
            return;
        }

        if (_count > 0 && entries[0].Index != LastIndex + 1)
        {
            Clear();
        }

        foreach (var entry in entries)
        {
            if (entry.Size > maxBytes)
            {
                Clear();
                continue;
            }

            if (_count == _ring.Length)
            {
                Grow();
            }

            _ring[(_head + _count) % _ring.Length] = entry with { Data = Store(entry.Data.Span) };
            _count++;
            _bytes += entry.Size;
            while (_bytes > maxBytes)
            {
                RemoveFirst();
            }
        }
    }

    public void TruncateFrom(ulong index)
    {
        while (_count > 0 && LastIndex >= index)
        {
            _bytes -= At(_count - 1).Size;
            _ring[(_head + _count - 1) % _ring.Length] = default;
            _count--;
        }
    }

    public void Clear()
    {
        Array.Clear(_ring);
        _head = 0;
        _count = 0;
        _bytes = 0;
    }

    public Entry Get(ulong index) => At((int)(index - FirstIndex));

    /// <summary>Copies entries in [low, high) into a fresh array, within <paramref name="maxBytes"/> (at least one).</summary>
    public Entry[] Read(ulong low, ulong high, long maxBytes)
    {
        int start = (int)(low - FirstIndex);
        int n = 0;
        long total = 0;
        while (low + (ulong)n < high)
        {
            long size = At(start + n).Size;
            if (n > 0 && total + size > maxBytes)
            {
                break;
            }

            total += size;
            n++;
        }

        var result = new Entry[n];
        for (int i = 0; i < n; i++)
        {
            result[i] = At(start + i);
        }

        return result;
    }

    private Entry At(int i) => _ring[(_head + i) % _ring.Length];

    /// <summary>A copy of <paramref name="data"/> in the current chunk (a new one when it does not fit); a payload
    /// over a quarter of a chunk gets an array of its own.</summary>
    private ReadOnlyMemory<byte> Store(ReadOnlySpan<byte> data)
    {
        if (data.IsEmpty)
        {
            return ReadOnlyMemory<byte>.Empty;
        }

        if (data.Length > _chunkBytes / 4)
        {
            return data.ToArray();
        }

        if (_chunk is null || _chunk.Length - _chunkUsed < data.Length)
        {
            _chunk = new byte[_chunkBytes];
            _chunkUsed = 0;
        }

        var at = _chunkUsed;
        data.CopyTo(_chunk.AsSpan(at));
        _chunkUsed += data.Length;
        return new ReadOnlyMemory<byte>(_chunk, at, data.Length);
    }

    private void RemoveFirst()
    {
        _bytes -= _ring[_head].Size;
        _ring[_head] = default;
        _head = (_head + 1) % _ring.Length;
        _count--;
    }

    private void Grow()
    {
        var bigger = new Entry[_ring.Length * 2];
        for (int i = 0; i < _count; i++)
        {
            bigger[i] = At(i);
        }

        _ring = bigger;
        _head = 0;
    }
}
