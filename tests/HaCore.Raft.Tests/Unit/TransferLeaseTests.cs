namespace HaCore.Raft.Tests.Unit;

/// <summary>
/// A leader that has sent TimeoutNow holds no lease for the rest of its term, even once the transfer has been given
/// up: the TimeoutNow may still arrive, and the transferee then wins at once, past the other followers' stickiness.
/// </summary>
public sealed class TransferLeaseTests
{
    [Fact]
    public void A_leader_whose_transfer_sent_TimeoutNow_and_then_gave_up_serves_no_lease_read_for_the_rest_of_its_term()
    {
        var c = new ThreeNodeCluster();
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
