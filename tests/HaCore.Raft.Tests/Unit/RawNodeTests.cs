namespace HaCore.Raft.Tests.Unit;

/// <summary>Rules of the Raft paper and of the RawNode contract, one small cluster at a time.</summary>
public sealed class RawNodeTests
{
    private static RawNode Bootstrapped(ulong id, ulong[] voters, out MemoryRaftStorage storage, Action<RaftOptions>? configure = null)
    {
        storage = new MemoryRaftStorage();
        RaftBootstrap.Bootstrap(storage, voters);
        var options = new RaftOptions { Id = id, RandomSeed = 1 };
        configure?.Invoke(options);
        var node = new RawNode(options, storage);
        Drain(node, storage);
        return node;
    }

    /// <summary>Handles Ready until there is none, persisting and discarding messages.</summary>
    private static List<Message> Drain(RawNode node, MemoryRaftStorage storage)
    {
        var sent = new List<Message>();
        while (node.HasReady)
        {
            var ready = node.GetReady();
            sent.AddRange(ready.Messages.ToArray());
            storage.Append(ready.Entries.Span);
            if (ready.HardState is { } hs)
            {
                storage.SetHardState(hs);
            }

            sent.AddRange(ready.MessagesAfterPersist.ToArray());
            node.Advance();
        }

        return sent;
    }

    [Fact]
    public void A_single_voter_commits_only_after_its_own_write_is_persisted()
    {
        var node = Bootstrapped(1, [1], out var storage);
        node.Campaign();
        Drain(node, storage);
        Assert.Equal(RaftRole.Leader, node.Role);

        var result = node.Propose("cmd"u8.ToArray());
        Assert.True(result.IsAccepted);
        var ready = node.GetReady();
        Assert.Equal(1, ready.Entries.Length);
        Assert.True(ready.CommittedEntries.IsEmpty); // not persisted yet, so not committed
        storage.Append(ready.Entries.Span);
        node.Advance();

        Assert.Equal(result.Index, node.CommitIndex);
        ready = node.GetReady();
        Assert.Equal(result.Index, ready.CommittedEntries.Span[^1].Index);
        node.Advance();
    }

    [Fact]
    public void A_follower_forwards_proposals_to_the_leader()
    {
        var node = Bootstrapped(2, [1, 2, 3], out var storage);
        node.Step(new Message { Type = MessageType.Heartbeat, From = 1, To = 2, Term = 5, Commit = 3 });
        Drain(node, storage);
        var result = node.Propose("x"u8.ToArray());
        Assert.Equal(ProposeStatus.Forwarded, result.Status);
        Assert.Equal(1UL, result.LeaderHint);
        var forwarded = Assert.Single(Drain(node, storage));
        Assert.Equal(MessageType.Propose, forwarded.Type);
        Assert.Equal(1UL, forwarded.To);
        Assert.Equal("x"u8.ToArray(), forwarded.Entries.Span[0].Data.ToArray());
    }

    [Fact]
    public void A_leader_appends_a_forwarded_proposal()
    {
        var node = Bootstrapped(1, [1], out var storage);
        node.Campaign();
        Drain(node, storage);
        var last = node.LastIndex;
        node.Step(new Message { Type = MessageType.Propose, From = 2, To = 1, Term = node.Term, Entries = new[] { new Entry(0, 0, "y"u8.ToArray()) } });
        Drain(node, storage);
        Assert.Equal(last + 1, node.LastIndex);
        Assert.Equal(node.LastIndex, node.CommitIndex);
    }

    [Fact]
    public void A_follower_refuses_proposals_when_forwarding_is_disabled_and_names_the_leader()
    {
        var node = Bootstrapped(2, [1, 2, 3], out var storage, o => o.DisableProposalForwarding = true);
        node.Step(new Message { Type = MessageType.Heartbeat, From = 1, To = 2, Term = 5, Commit = 3 });
        Drain(node, storage);
        var result = node.Propose("x"u8.ToArray());
        Assert.Equal(ProposeStatus.NotLeader, result.Status);
        Assert.Equal(1UL, result.LeaderHint);
        Assert.Empty(Drain(node, storage));
    }

    [Fact]
    public void A_vote_is_granted_once_per_term_and_only_to_an_up_to_date_log()
    {
        var node = Bootstrapped(3, [1, 2, 3], out var storage, o => o.CheckQuorum = false);

        // Candidate 1's log (term 1, index 3) is as up to date as ours: granted, and persisted first.
        node.Step(new Message { Type = MessageType.Vote, From = 1, To = 3, Term = 2, Index = 3, LogTerm = 1 });
        var ready = node.GetReady();
        Assert.Equal(new HardState(2, 1, 3), ready.HardState);
        Assert.Empty(ready.Messages.ToArray());
        var answer = Assert.Single(ready.MessagesAfterPersist.ToArray());
        Assert.False(answer.Reject);
        storage.SetHardState(ready.HardState!.Value);
        node.Advance();

        // Another candidate in the same term is refused.
        node.Step(new Message { Type = MessageType.Vote, From = 2, To = 3, Term = 2, Index = 3, LogTerm = 1 });
        Assert.True(Assert.Single(Drain(node, storage)).Reject);

        // A later term but a shorter log is refused too (§5.4.1).
        node.Step(new Message { Type = MessageType.Vote, From = 2, To = 3, Term = 3, Index = 2, LogTerm = 1 });
        Assert.True(Assert.Single(Drain(node, storage)).Reject);
        Assert.Equal(3UL, node.Term);
    }

    [Fact]
    public void Proposals_over_the_uncommitted_limit_are_dropped_with_a_typed_result()
    {
        var node = Bootstrapped(1, [1, 2, 3], out var storage, o => o.MaxUncommittedEntriesSize = 100);
        node.Campaign();
        Drain(node, storage);
        node.Step(new Message { Type = MessageType.PreVoteResponse, From = 2, To = 1, Term = 2 });
        Drain(node, storage);
        node.Step(new Message { Type = MessageType.VoteResponse, From = 2, To = 1, Term = 2 });
        Drain(node, storage);
        Assert.Equal(RaftRole.Leader, node.Role);

        Assert.True(node.Propose(new byte[60]).IsAccepted);
        Assert.True(node.Propose(new byte[40]).IsAccepted);
        Assert.Equal(ProposeStatus.UncommittedLimitExceeded, node.Propose(new byte[1]).Status);
    }

    [Fact]
    public void Using_the_node_between_GetReady_and_Advance_is_refused()
    {
        var node = Bootstrapped(1, [1], out _);
        node.Campaign();
        node.GetReady();
        Assert.Throws<InvalidOperationException>(() => node.Tick());
        Assert.Throws<InvalidOperationException>(() => node.GetReady());
        node.Advance();
        Assert.Throws<InvalidOperationException>(() => node.Advance());
    }

    [Fact]
    public void Messages_from_an_older_term_are_answered_with_the_current_term()
    {
        var node = Bootstrapped(2, [1, 2, 3], out var storage);
        node.Step(new Message { Type = MessageType.Heartbeat, From = 1, To = 2, Term = 7 });
        Drain(node, storage);
        node.Step(new Message { Type = MessageType.Append, From = 3, To = 2, Term = 4, Index = 3, LogTerm = 1 });
        var answer = Assert.Single(Drain(node, storage));
        Assert.Equal(MessageType.AppendResponse, answer.Type);
        Assert.Equal(7UL, answer.Term);
        Assert.Equal(1UL, node.Leader);
    }

    [Theory]
    [InlineData(0UL, 10, 1, "Id")]
    [InlineData(1UL, 1, 1, "ElectionTick")]
    [InlineData(1UL, 10, 0, "HeartbeatTick")]
    public void Invalid_options_are_refused_with_a_message_naming_the_setting(ulong id, int election, int heartbeat, string setting)
    {
        var options = new RaftOptions { Id = id, ElectionTick = election, HeartbeatTick = heartbeat };
        var error = Assert.Throws<ArgumentException>(() => new RawNode(options, new MemoryRaftStorage()));
        Assert.Contains(setting, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Lease_reads_require_check_quorum()
    {
        var options = new RaftOptions { Id = 1, CheckQuorum = false, ReadOnlyOption = ReadOnlyOption.LeaseBased };
        Assert.Throws<ArgumentException>(options.Validate);
    }

    [Fact]
    public void A_second_membership_change_is_refused_while_one_is_in_flight()
    {
        var node = Bootstrapped(1, [1], out var storage);
        node.Campaign();
        Drain(node, storage);
        Assert.Equal(RaftRole.Leader, node.Role);

        var first = node.ProposeConfChange(new ConfChange(ConfChangeType.AddLearner, 2));
        Assert.Equal(ProposeStatus.Accepted, first.Status);
        var second = node.ProposeConfChange(new ConfChange(ConfChangeType.AddLearner, 3));
        Assert.Equal(ProposeStatus.ConfChangeInProgress, second.Status);

        Drain(node, storage); // the first commits and is applied
        Assert.Contains(2UL, node.ConfState.Learners.ToArray());
        var third = node.ProposeConfChange(new ConfChange(ConfChangeType.AddLearner, 3));
        Assert.Equal(ProposeStatus.Accepted, third.Status);
    }
}
