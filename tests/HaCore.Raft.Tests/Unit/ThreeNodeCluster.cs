namespace HaCore.Raft.Tests.Unit;

/// <summary>Three <see cref="RawNode"/>s (check-quorum and pre-vote on) over memory storage, with messages delivered by
/// hand: each Ready is handled and every message delivered until nothing moves.</summary>
internal sealed class ThreeNodeCluster
{
    private readonly Dictionary<ulong, (RawNode Node, MemoryRaftStorage Storage)> _nodes = [];
    private readonly List<Message> _inFlight = [];

    public ThreeNodeCluster()
    {
        foreach (ulong id in new ulong[] { 1, 2, 3 })
        {
            var storage = new MemoryRaftStorage();
            RaftBootstrap.Bootstrap(storage, [1, 2, 3]);
            _nodes[id] = (new RawNode(new RaftOptions { Id = id, RandomSeed = id, CheckQuorum = true, PreVote = true }, storage), storage);
        }
    }

    public RawNode this[ulong id] => _nodes[id].Node;

    /// <summary>Messages not delivered: a cut link or a message the test loses.</summary>
    public Func<Message, bool> Drop { get; set; } = _ => false;

    public List<ReadState> Reads { get; } = [];

    /// <summary>Handles every Ready and delivers every message until nothing moves.</summary>
    public void Stabilize()
    {
        for (var round = 0; round < 1_000; round++)
        {
            var moved = false;
            foreach (var (node, storage) in _nodes.Values)
            {
                while (node.HasReady)
                {
                    moved = true;
                    var ready = node.GetReady();
                    _inFlight.AddRange(ready.Messages.ToArray());
                    storage.Append(ready.Entries.Span);
                    if (ready.HardState is { } hs)
                    {
                        storage.SetHardState(hs);
                    }

                    Reads.AddRange(ready.ReadStates.ToArray());
                    _inFlight.AddRange(ready.MessagesAfterPersist.ToArray());
                    node.Advance();
                }
            }

            var deliver = _inFlight.ToList();
            _inFlight.Clear();
            foreach (var m in deliver)
            {
                moved = true;
                if (!Drop(m))
                {
                    _nodes[m.To].Node.Step(m);
                }
            }

            if (!moved)
            {
                return;
            }
        }

        throw new InvalidOperationException("the cluster did not settle");
    }

    public void Tick(ulong id, int ticks)
    {
        for (var i = 0; i < ticks; i++)
        {
            _nodes[id].Node.Tick();
            Stabilize();
        }
    }

    /// <summary>Whether a lease read on <paramref name="id"/> is answered before any heartbeat is delivered.</summary>
    public bool ServesLeaseReadAtOnce(ulong id, ulong context)
    {
        Reads.Clear();
        var drop = Drop;
        Drop = _ => true; // no heartbeat round may answer it
        _nodes[id].Node.ReadIndex(context, ReadOnlyOption.LeaseBased);
        Stabilize();
        Drop = drop;
        var answered = Reads.Any(r => r.Context == context);
        Stabilize();
        return answered;
    }
}
