namespace HaCore.Raft.Protocol;

/// <summary>
/// Read-index requests waiting for a heartbeat quorum (thesis §6.4): each remembers the commit index
/// at the time it arrived, and is answered once a majority has acknowledged a heartbeat sent after it.
/// </summary>
internal sealed class ReadOnlyTracker
{
    private readonly Dictionary<ulong, PendingRead> _pending = [];
    private readonly Queue<ulong> _queue = new();

    public ReadOnlyTracker(ReadOnlyOption option) => Option = option;

    public ReadOnlyOption Option { get; }

    public int PendingCount => _queue.Count;

    /// <summary>The context of the newest pending request, carried by heartbeats; 0 when none.</summary>
    public ulong LastPendingContext { get; private set; }

    public bool Contains(ulong context) => _pending.ContainsKey(context);

    public void Add(ulong index, ulong context, ulong from)
    {
        if (_pending.ContainsKey(context))
        {
            return;
        }

        _pending[context] = new PendingRead(index, from, []);
        _queue.Enqueue(context);
        LastPendingContext = context;
    }

    /// <summary>Records an acknowledgement of the heartbeat that carried <paramref name="context"/>;
    /// returns the acknowledgers so far, or null when the request is unknown.</summary>
    public HashSet<ulong>? Ack(ulong id, ulong context)
    {
        if (!_pending.TryGetValue(context, out var read))
        {
            return null;
        }

        read.Acks.Add(id);
        return read.Acks;
    }

    /// <summary>Removes and returns every request up to and including <paramref name="context"/>:
    /// a heartbeat acknowledged for a later request confirms the earlier ones too.</summary>
    public List<(ulong Index, ulong Context, ulong From)> Advance(ulong context)
    {
        var done = new List<(ulong, ulong, ulong)>();
        if (!_pending.ContainsKey(context))
        {
            return done;
        }

        while (_queue.Count > 0)
        {
            var c = _queue.Dequeue();
            var read = _pending[c];
            _pending.Remove(c);
            done.Add((read.Index, c, read.From));
            if (c == context)
            {
                break;
            }
        }

        LastPendingContext = _queue.Count > 0 ? LastPendingContext : 0;
        return done;
    }

    /// <summary>Every pending request, oldest first.</summary>
    public IEnumerable<(ulong Context, ulong From)> Pending()
    {
        foreach (var c in _queue)
        {
            yield return (c, _pending[c].From);
        }
    }

    public void Reset()
    {
        _pending.Clear();
        _queue.Clear();
        LastPendingContext = 0;
    }

    private sealed record PendingRead(ulong Index, ulong From, HashSet<ulong> Acks);
}
