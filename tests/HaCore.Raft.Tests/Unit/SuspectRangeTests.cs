namespace HaCore.Raft.Tests.Unit;

/// <summary>
/// A node whose storage may have lost acknowledged entries (a damaged final WAL record) keeps out of elections until
/// a leader's entries cover the suspect range again: it must not campaign, vote or pre-vote on a log that may lack an
/// entry a quorum counted with its acknowledgement.
/// </summary>
public sealed class SuspectRangeTests
{
    private static RawNode Start(ulong id, ulong suspectAfterLast, out MemoryRaftStorage storage)
    {
        storage = new MemoryRaftStorage();
        RaftBootstrap.Bootstrap(storage, [1, 2, 3]);
        storage.SetHardState(new HardState(3, 0, storage.LastIndex));
        storage.SuspectThroughIndex = suspectAfterLast == 0 ? 0 : storage.LastIndex + suspectAfterLast;
        var node = new RawNode(new RaftOptions { Id = id, RandomSeed = 7 }, storage);
        Drain(node, storage);
        return node;
    }

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

    private static Message VoteRequest(MessageType type, RawNode node, ulong term) =>
        new() { Type = type, From = 3, To = node.Id, Term = term, Index = node.LastIndex + 5, LogTerm = 3 };

    private static Entry[] LeaderEntries(ulong from, int count) =>
        Enumerable.Range(0, count).Select(i => new Entry(4, from + (ulong)i, EntryType.Normal, new byte[] { (byte)i })).ToArray();

    [Fact]
    public void A_suspect_node_does_not_campaign_on_timeout_on_request_or_on_a_transfer()
    {
        var node = Start(2, suspectAfterLast: 2, out var storage);
        for (int i = 0; i < 100; i++)
        {
            node.Tick();
        }

        node.Campaign();
        node.Step(new Message { Type = MessageType.TimeoutNow, From = 1, To = 2, Term = 3 });
        var sent = Drain(node, storage);
        Assert.DoesNotContain(sent, m => m.Type is MessageType.Vote or MessageType.PreVote);
        Assert.Equal(RaftRole.Follower, node.Role);
        Assert.Equal(3UL, node.Term);

        // The same node with nothing suspect campaigns.
        var healthy = Start(2, suspectAfterLast: 0, out var storage2);
        for (int i = 0; i < 100; i++)
        {
            healthy.Tick();
        }

        Assert.Contains(Drain(healthy, storage2), m => m.Type is MessageType.PreVote);
    }

    [Theory]
    [InlineData(MessageType.Vote)]
    [InlineData(MessageType.PreVote)]
    public void A_suspect_node_refuses_votes_until_a_leader_re_replicates_the_range(MessageType type)
    {
        var node = Start(2, suspectAfterLast: 2, out var storage);
        ulong last = node.LastIndex;
        for (int i = 0; i < 20; i++)
        {
            node.Tick();
        }

        node.Step(VoteRequest(type, node, 5));
        var answer = Assert.Single(Drain(node, storage), m => m.To == 3);
        Assert.True(answer.Reject, $"a suspect node granted a {type}");
        Assert.Equal(last + 2, node.GetStatus().SuspectThroughIndex);

        // A leader of term 6 sends one entry: not yet through the range.
        node.Step(new Message { Type = MessageType.Append, From = 1, To = 2, Term = 6, Index = last, LogTerm = 1, Entries = LeaderEntries(last + 1, 1), Commit = last });
        Drain(node, storage);
        Assert.Equal(last + 2, node.SuspectThroughIndex);

        node.Step(new Message { Type = MessageType.Append, From = 1, To = 2, Term = 6, Index = last + 1, LogTerm = 4, Entries = LeaderEntries(last + 2, 1), Commit = last });
        Drain(node, storage);
        Assert.Equal(0UL, node.SuspectThroughIndex);

        // The leader dies; a candidate with a longer log now gets the vote.
        for (int i = 0; i < 40; i++)
        {
            node.Tick();
        }

        Drain(node, storage);
        node.Step(VoteRequest(type, node, 9) with { LogTerm = 6 });
        answer = Assert.Single(Drain(node, storage), m => m.To == 3 && m.Type is MessageType.VoteResponse or MessageType.PreVoteResponse);
        Assert.False(answer.Reject);
    }

    [Fact]
    public void A_snapshot_through_the_range_repairs_it()
    {
        var node = Start(2, suspectAfterLast: 3, out var storage);
        ulong at = node.LastIndex + 10;
        var snapshot = new Snapshot(new SnapshotMetadata(at, 4, new ConfState([1, 2, 3], [])), new byte[] { 1 });
        node.Step(new Message { Type = MessageType.Snapshot, From = 1, To = 2, Term = 6, Snapshot = snapshot });
        Assert.Equal(0UL, node.SuspectThroughIndex);
    }

    [Fact]
    public void A_node_restarted_with_its_log_already_through_the_range_is_not_suspect()
    {
        var storage = new MemoryRaftStorage();
        RaftBootstrap.Bootstrap(storage, [1, 2, 3]);
        storage.SuspectThroughIndex = storage.LastIndex;
        var node = new RawNode(new RaftOptions { Id = 2, RandomSeed = 7 }, storage);
        Assert.Equal(0UL, node.SuspectThroughIndex);
    }
}
