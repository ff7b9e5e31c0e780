namespace HaCore.Raft.Tests.Unit;

/// <summary>
/// A leader that has sent TimeoutNow holds no lease for the rest of its term, even once the transfer has been given
/// up: the TimeoutNow may still arrive, and the transferee then wins at once, past the other followers' stickiness.
/// </summary>
public sealed class TransferLeaseTests
{
    private sealed class Cluster
    {
        private readonly Dictionary<ulong, (RawNode Node, MemoryRaftStorage Storage)> _nodes = [];
        private readonly List<Message> _inFlight = [];

        public Cluster()
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

    [Fact]
    public void A_leader_whose_transfer_sent_TimeoutNow_and_then_gave_up_serves_no_lease_read_for_the_rest_of_its_term()
    {
        var c = new Cluster();
        c.Tick(2, 3); // past the vote guard of a fresh start (VoteGuardTicksAfterStart), before anyone times out
        c.Tick(3, 3);
        c[1].Campaign();
        c.Stabilize();
        Assert.Equal(RaftRole.Leader, c[1].Role);
        c.Tick(1, 2); // a heartbeat round answered by a quorum
        Assert.True(c.ServesLeaseReadAtOnce(1, 1), "the control: a leader with a fresh quorum round holds a lease");

        // Node 3 falls behind, then a transfer to it starts: the leader first catches it up.
        c.Drop = m => m.To == 3 || m.From == 3;
        c[1].Propose(new byte[] { 1 });
        c.Stabilize();
        c[1].TransferLeadership(3);
        c.Stabilize();

        // Node 3 catches up, so the leader sends TimeoutNow, which is lost.
        c.Drop = m => m.Type == MessageType.TimeoutNow;
        c.Tick(1, 1);
        var term = c[1].Term;

        // The transfer times out (an election timeout), the leader stays, and a quorum answers new rounds.
        c.Tick(1, 12);
        Assert.Equal(RaftRole.Leader, c[1].Role);
        Assert.Equal(term, c[1].Term);
        Assert.Equal(0UL, c[1].GetStatus().LeadTransferee);
        Assert.False(c.ServesLeaseReadAtOnce(1, 2), "no lease for the rest of the term once TimeoutNow went out");
    }
}
