using HaCore.Raft;

namespace HaCore.Storage;

/// <summary>
/// The most recently appended entries, in memory, within a byte budget: the leader reads what it just
/// appended (to replicate it) without touching the disk. Entries are immutable, so they are shared as is.
/// </summary>
internal sealed class EntryCache(long maxBytes)
{
    // Invariant: the cached entries are contiguous: _ring[(_head + i) % length].Index == FirstIndex + i.
    private Entry[] _ring = new Entry[16];
    private int _head;
    private int _count;
    private long _bytes;

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

            _ring[(_head + _count) % _ring.Length] = entry;
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
