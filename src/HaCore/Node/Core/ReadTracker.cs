namespace HaCore;

/// <summary>
/// Linearizable and lease reads between their request and their run.
/// </summary>
/// <remarks>
/// Invariants:
/// <list type="bullet">
/// <item>A read context is unique across the cluster and across this node's restarts: the node id fills the top
/// 16 bits, a random incarnation the next 16, and a counter the rest. A leader therefore never confuses two
/// nodes' reads, and an acknowledgement meant for an earlier life of this node confirms nothing now.</item>
/// <item>A confirmed read runs only once this node has applied its read index, so it sees every write that
/// completed before the read started.</item>
/// <item>Every read completes by its deadline: parked (no leader yet), pending (asked, not confirmed) or
/// confirmed (waiting for the apply to catch up) alike.</item>
/// </list>
/// </remarks>
internal sealed class ReadTracker<TStateMachine>
{
    private readonly Dictionary<ulong, PendingRead<TStateMachine>> _pending = [];
    private readonly List<(ulong Index, PendingRead<TStateMachine> Read)> _confirmed = [];
    private readonly List<PendingRead<TStateMachine>> _parked = [];
    private readonly ulong _contextBase;
    private uint _counter;

    public ReadTracker(ulong nodeId, ulong incarnation)
    {
        _contextBase = ((nodeId & 0xFFFF) << 48) | ((incarnation & 0xFFFF) << 32);
    }

    /// <summary>Reads waiting in any state.</summary>
    public int Count => _pending.Count + _confirmed.Count + _parked.Count;

    /// <summary>Reads that wait for a leader.</summary>
    public int ParkedCount => _parked.Count;

    /// <summary>Registers a read about to be asked of the leader; returns its context.</summary>
    public ulong Ask(PendingRead<TStateMachine> read)
    {
        var context = _contextBase | ++_counter;
        _pending[context] = read;
        return context;
    }

    /// <summary>The read waits until a leader is known.</summary>
    public void Park(PendingRead<TStateMachine> read) => _parked.Add(read);

    /// <summary>Removes and returns the parked reads, to ask again.</summary>
    public PendingRead<TStateMachine>[] TakeParked()
    {
        var parked = _parked.ToArray();
        _parked.Clear();
        return parked;
    }

    /// <summary>The leader confirmed read <paramref name="context"/> at <paramref name="index"/>.</summary>
    public void Confirm(ulong context, ulong index)
    {
        if (_pending.Remove(context, out var read))
        {
            _confirmed.Add((index, read));
        }
    }

    /// <summary>Raft refused read <paramref name="context"/> (no leader); returns it so that it can be parked.</summary>
    public PendingRead<TStateMachine>? Refused(ulong context) => _pending.Remove(context, out var read) ? read : null;

    /// <summary>Runs the confirmed reads whose index is applied, in the order they were confirmed.</summary>
    public void ServeApplied(ulong appliedIndex, Action<PendingRead<TStateMachine>> run)
    {
        if (_confirmed.Count == 0)
        {
            return;
        }

        var served = 0;
        for (var i = 0; i < _confirmed.Count; i++)
        {
            if (_confirmed[i].Index <= appliedIndex)
            {
                run(_confirmed[i].Read);
                served++;
            }
            else if (served > 0)
            {
                _confirmed[i - served] = _confirmed[i];
            }
        }

        _confirmed.RemoveRange(_confirmed.Count - served, served);
    }

    /// <summary>Fails reads past their deadline, and parked ones when no leader has been known for too long.</summary>
    public void Expire(DateTimeOffset now, bool leaderLostTooLong, TimeSpan proposalTimeout, ulong nodeId)
    {
        var timeout = new Func<PendingRead<TStateMachine>, bool>(r =>
        {
            if (r.Deadline > now)
            {
                return false;
            }

            r.Fail(new TimeoutException($"The read was not served within {proposalTimeout}."));
            return true;
        });
        _parked.RemoveAll(r =>
        {
            if (leaderLostTooLong)
            {
                r.Fail(new NoQuorumException($"Node {nodeId} knows no leader after an election timeout: the read cannot be confirmed."));
                return true;
            }

            return timeout(r);
        });
        _confirmed.RemoveAll(c => timeout(c.Read));
        if (_pending.Count > 0)
        {
            foreach (var (context, read) in _pending.Where(p => p.Value.Deadline <= now).ToList())
            {
                _pending.Remove(context);
                timeout(read);
            }
        }
    }

    /// <summary>Fails every read (the node stops).</summary>
    public void FailAll(Exception error)
    {
        foreach (var read in _pending.Values.Concat(_confirmed.Select(c => c.Read)).Concat(_parked))
        {
            read.Fail(error);
        }

        _pending.Clear();
        _confirmed.Clear();
        _parked.Clear();
    }
}
