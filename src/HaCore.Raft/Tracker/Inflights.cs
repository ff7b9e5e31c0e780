namespace HaCore.Raft.Tracker;

/// <summary>
/// The append messages in flight to one follower: a ring of (last index, bytes), bounded by count
/// and by bytes. The leader stops sending when it is full and frees entries as acknowledgements arrive.
/// </summary>
internal sealed class Inflights
{
    private readonly int _capacity;
    private readonly long _maxBytes;
    private readonly ulong[] _indexes;
    private readonly long[] _sizes;
    private int _start;

    public Inflights(int capacity, long maxBytes)
    {
        _capacity = capacity;
        _maxBytes = maxBytes;
        _indexes = new ulong[capacity];
        _sizes = new long[capacity];
    }

    public int Count { get; private set; }

    public long Bytes { get; private set; }

    /// <summary>True when no more messages may be sent: the count or the byte budget is used up.</summary>
    public bool Full => Count == _capacity || (_maxBytes != 0 && Bytes >= _maxBytes);

    /// <summary>Records a message whose last entry is <paramref name="index"/>. Indexes must increase.</summary>
    public void Add(ulong index, long bytes)
    {
        RaftAssert.That(!Full, "cannot add to a full inflights window");
        if (Count > 0)
        {
            RaftAssert.That(index > _indexes[(_start + Count - 1) % _capacity], "inflight indexes must increase");
        }

        var slot = (_start + Count) % _capacity;
        _indexes[slot] = index;
        _sizes[slot] = bytes;
        Count++;
        Bytes += bytes;
    }

    /// <summary>Frees every message whose last index is at most <paramref name="index"/>.</summary>
    public void FreeLE(ulong index)
    {
        while (Count > 0 && _indexes[_start] <= index)
        {
            Bytes -= _sizes[_start];
            _start = (_start + 1) % _capacity;
            Count--;
        }

        if (Count == 0)
        {
            _start = 0;
        }
    }

    public void Reset()
    {
        Count = 0;
        Bytes = 0;
        _start = 0;
    }
}
