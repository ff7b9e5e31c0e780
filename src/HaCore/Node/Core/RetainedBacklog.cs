namespace HaCore;

/// <summary>
/// The last <c>limit</c> applied commands, encoded: a ring of structs (index, term, timestamp, request, where the
/// bytes are) and the command's and result's bytes appended to large chunks. Nothing per command is a heap object,
/// so commands that live for seconds cost the garbage collector nothing: the structs hold no references (the ring
/// is not scanned) and the chunks are reused, not promoted and copied.
/// </summary>
/// <remarks>
/// Invariants: the slots are in append order, so their indexes increase; slot <c>i</c> is
/// <c>_slots[(_head + i) % _slots.Length]</c>; its bytes are in chunk <c>_chunks[slot.Chunk - _firstChunk]</c>, which is
/// held as long as any slot points into it. A chunk whose last slot is evicted is kept as the one spare (if it has the
/// standard size) and written again only after that: no slot ever points into a reused chunk's old bytes.
/// Memory is bounded by the live bytes, plus per chunk its unused tail (less than one record), plus one spare chunk.
/// </remarks>
internal sealed class RetainedBacklog
{
    /// <summary>Chunk size: large-object heap, allocated a few times and then reused.</summary>
    public const int DefaultChunkBytes = 1 << 20;

    private readonly int _limit;
    private readonly int _chunkBytes;
    private readonly List<byte[]> _chunks = [];
    private Slot[] _slots;
    private int _head;
    private int _count;
    private long _firstChunk; // the chunk number of _chunks[0]
    private int _tailUsed; // bytes written into _chunks[^1]
    private byte[]? _spare;

    public RetainedBacklog(int limit, int chunkBytes = DefaultChunkBytes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(chunkBytes, 1);
        _limit = limit;
        _chunkBytes = chunkBytes;
        _slots = new Slot[Math.Min(limit, 1024)];
    }

    /// <summary>Commands retained.</summary>
    public int Count => _count;

    /// <summary>Chunks held (the spare included).</summary>
    public int ChunkCount => _chunks.Count + (_spare is null ? 0 : 1);

    /// <summary>Bytes of the chunks held (the spare included).</summary>
    public long ChunkBytesHeld
    {
        get
        {
            long total = _spare?.Length ?? 0;
            foreach (var chunk in _chunks)
            {
                total += chunk.Length;
            }

            return total;
        }
    }

    /// <summary>Appends a command; at the limit the oldest one goes first and its index is returned.</summary>
    public ulong? Append(in CommandContext context, ClientRequestId request, ReadOnlySpan<byte> command, ReadOnlySpan<byte> result)
    {
        ulong? evicted = null;
        if (_count == _limit)
        {
            evicted = RemoveFirst();
        }

        var length = command.Length + result.Length;
        if (_chunks.Count == 0 || _chunks[^1].Length - _tailUsed < length)
        {
            StartChunk(length);
        }

        var chunk = _chunks[^1];
        command.CopyTo(chunk.AsSpan(_tailUsed));
        result.CopyTo(chunk.AsSpan(_tailUsed + command.Length));
        if (_count == _slots.Length)
        {
            Grow();
        }

        _slots[(_head + _count) % _slots.Length] = new Slot
        {
            Index = context.Index,
            Term = context.Term,
            TimestampUnixMs = context.TimestampUnixMs,
            Session = request.Session,
            Sequence = request.Sequence,
            Chunk = _firstChunk + _chunks.Count - 1,
            Offset = _tailUsed,
            CommandLength = command.Length,
            ResultLength = result.Length,
        };
        _count++;
        _tailUsed += length;
        return evicted;
    }

    /// <summary>Drops every command (the chunks but one spare go back to the collector).</summary>
    public void Clear()
    {
        Array.Clear(_slots);
        _head = 0;
        _count = 0;
        foreach (var chunk in _chunks)
        {
            Release(chunk);
        }

        _firstChunk += _chunks.Count;
        _chunks.Clear();
        _tailUsed = 0;
    }

    /// <summary>The log index of the <paramref name="i"/>-th retained command (0 = oldest).</summary>
    public ulong IndexAt(int i) => At(i).Index;

    /// <summary>The position of the first retained command with index at least <paramref name="index"/>, or <see cref="Count"/>.</summary>
    public int FirstAtOrAfter(ulong index)
    {
        int low = 0, high = _count;
        while (low < high)
        {
            var mid = low + ((high - low) / 2);
            if (At(mid).Index < index)
            {
                low = mid + 1;
            }
            else
            {
                high = mid;
            }
        }

        return low;
    }

    /// <summary>The <paramref name="i"/>-th retained command: its context, request and encoded bytes (valid until the next change).</summary>
    public CommandContext ContextAt(int i, out ClientRequestId request, out ReadOnlySpan<byte> command, out ReadOnlySpan<byte> result)
    {
        ref readonly var slot = ref At(i);
        var chunk = _chunks[(int)(slot.Chunk - _firstChunk)];
        request = new ClientRequestId(slot.Session, slot.Sequence);
        command = chunk.AsSpan(slot.Offset, slot.CommandLength);
        result = chunk.AsSpan(slot.Offset + slot.CommandLength, slot.ResultLength);
        return new CommandContext(slot.Index, slot.Term, slot.TimestampUnixMs);
    }

    private ref readonly Slot At(int i)
    {
        if ((uint)i >= (uint)_count)
        {
            throw new ArgumentOutOfRangeException(nameof(i), i, $"0..{_count - 1}");
        }

        return ref _slots[(_head + i) % _slots.Length];
    }

    private ulong RemoveFirst()
    {
        var index = _slots[_head].Index;
        _slots[_head] = default;
        _head = (_head + 1) % _slots.Length;
        _count--;

        // Chunks before the oldest live slot's hold nothing live; the tail chunk stays to be filled.
        var keepFrom = _count > 0 ? _slots[_head].Chunk : _firstChunk + _chunks.Count - 1;
        while (_firstChunk < keepFrom)
        {
            Release(_chunks[0]);
            _chunks.RemoveAt(0);
            _firstChunk++;
        }

        return index;
    }

    private void StartChunk(int length)
    {
        byte[] chunk;
        if (length <= _chunkBytes && _spare is not null)
        {
            chunk = _spare;
            _spare = null;
        }
        else
        {
            chunk = new byte[Math.Max(_chunkBytes, length)];
        }

        _chunks.Add(chunk);
        _tailUsed = 0;
    }

    private void Release(byte[] chunk)
    {
        if (chunk.Length == _chunkBytes && _spare is null)
        {
            _spare = chunk;
        }
    }

    private void Grow()
    {
        var bigger = new Slot[(int)Math.Min(_limit, Math.Max(16L, _slots.Length * 2L))];
        for (var i = 0; i < _count; i++)
        {
            bigger[i] = _slots[(_head + i) % _slots.Length];
        }

        _slots = bigger;
        _head = 0;
    }

    private struct Slot
    {
        public ulong Index;
        public ulong Term;
        public long TimestampUnixMs;
        public Guid Session;
        public ulong Sequence;
        public long Chunk;
        public int Offset;
        public int CommandLength;
        public int ResultLength;
    }
}
