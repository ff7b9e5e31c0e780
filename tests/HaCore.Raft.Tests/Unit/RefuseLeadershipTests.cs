namespace HaCore.Raft.Tests.Unit;

/// <summary>
/// A node the host says must not lead (DOMAIN invariant 13: its configuration differs from the committed one) neither
/// campaigns nor takes over on TimeoutNow; as leader it hands leadership to the best other voter, and it keeps voting.
/// </summary>
public sealed class RefuseLeadershipTests
{
    private static ThreeNodeCluster Elect1()
    {
        var c = new ThreeNodeCluster();
        c.Tick(2, 3); // past the vote guard of a fresh start
        c.Tick(3, 3);
        c[1].Campaign();
        c.Stabilize();
        Assert.Equal(RaftRole.Leader, c[1].Role);
        return c;
    }

    [Fact]
    public void A_refusing_follower_does_not_campaign_on_timeout_on_request_or_on_a_transfer_but_still_votes()
    {
        var c = Elect1();
        c[2].RefuseLeadership(true);
        c.Drop = m => m.From == 1 || m.To == 1; // the leader is cut off

        c.Tick(2, 100);
        c[2].Campaign();
        c[2].Step(new Message { Type = MessageType.TimeoutNow, From = 1, To = 2, Term = c[1].Term });
        c.Stabilize();
        Assert.Equal(RaftRole.Follower, c[2].Role);
        Assert.True(c[2].RefusesLeadership);

        // Node 3 times out and wins with node 2's vote.
        c.Tick(3, 100);
        Assert.Equal(RaftRole.Leader, c[3].Role);
        Assert.Equal(3UL, c[2].Leader);

        // Allowed again, node 2 campaigns once the new leader is cut off in turn.
        c[2].RefuseLeadership(false);
        c.Drop = m => m.From == 3 || m.To == 3 || m.From == 1 || m.To == 1;
        c.Tick(2, 100);
        Assert.NotEqual(RaftRole.Follower, c[2].Role);
    }

    [Fact]
    public void A_refusing_follower_votes_as_soon_as_its_leader_has_been_silent_for_an_election_timeout()
    {
        for (ulong seed = 0; seed < 20; seed++)
        {
            var c = Elect1();
            c[2].RefuseLeadership(true);
            c.Tick(2, (int)(seed % 7)); // some phase of its timer
            c.Drop = m => m.From == 1 || m.To == 1; // the leader is cut off

            // Both tick together: node 3 must win within about three election timeouts, each time, with node 2's vote.
            for (var i = 0; i < 30 && c[3].Role != RaftRole.Leader; i++)
            {
                c.Tick(2, 1);
                c.Tick(3, 1);
            }

            Assert.True(c[3].Role == RaftRole.Leader, $"phase {seed % 7}: node 3 did not win with the refusing node's vote");
        }
    }

    [Fact]
    public void A_refusing_leader_hands_leadership_to_the_most_up_to_date_voter()
    {
        var c = Elect1();

        // Node 2 misses two entries; node 3 has them.
        c.Drop = m => m.To == 2 || m.From == 2;
        c[1].Propose(new byte[] { 1 });
        c[1].Propose(new byte[] { 2 });
        c.Stabilize();
        c.Drop = _ => false;

        c[1].RefuseLeadership(true);
        c.Stabilize();
        Assert.Equal(RaftRole.Leader, c[3].Role);
        Assert.Equal(RaftRole.Follower, c[1].Role);

        // It does not come back, however long it waits, and it follows node 3.
        c.Tick(1, 100);
        Assert.Equal(RaftRole.Follower, c[1].Role);
        Assert.Equal(3UL, c[1].Leader);
    }

    [Fact]
    public void A_refusing_leader_whose_transfer_is_lost_tries_again_until_someone_takes_over()
    {
        var c = Elect1();
        var sent = 0;
        c.Drop = m => m.Type == MessageType.TimeoutNow && ++sent == 1; // the first one is lost
        c[1].RefuseLeadership(true);
        c.Stabilize();
        Assert.Equal(RaftRole.Leader, c[1].Role); // the first TimeoutNow was lost

        c.Tick(1, 30); // the transfer times out after an election timeout; the next heartbeat starts another
        Assert.Equal(2, sent);
        Assert.Equal(RaftRole.Follower, c[1].Role);
        Assert.Contains(c[1].Leader, new ulong[] { 2, 3 });
    }

    [Fact]
    public void The_only_voter_steps_down_and_stays_down_while_it_refuses()
    {
        var storage = new MemoryRaftStorage();
        RaftBootstrap.Bootstrap(storage, [1]);
        var node = new RawNode(new RaftOptions { Id = 1, RandomSeed = 3 }, storage);
        void Drain()
        {
            while (node.HasReady)
            {
                var ready = node.GetReady();
                storage.Append(ready.Entries.Span);
                if (ready.HardState is { } hs)
                {
                    storage.SetHardState(hs);
                }

                var toSelf = ready.MessagesAfterPersist.ToArray().Where(m => m.To == node.Id).ToList();
                node.Advance();
                foreach (var m in toSelf)
                {
                    node.Step(m);
                }
            }
        }

        Drain(); // applies the bootstrap membership
        node.Campaign();
        Drain();
        Assert.Equal(RaftRole.Leader, node.Role);

        node.RefuseLeadership(true);
        Drain();
        Assert.Equal(RaftRole.Follower, node.Role);
        for (var i = 0; i < 100; i++)
        {
            node.Tick();
            Drain();
        }

        Assert.Equal(RaftRole.Follower, node.Role);
        Assert.Equal(ProposeStatus.NotLeader, node.Propose(new byte[] { 1 }).Status);
    }
}
