namespace HaCore.Raft.Tests.Unit;

/// <summary>
/// A committed entry always matches the leader's (Leader Completeness with Log Matching). A follower whose committed
/// entry the leader contradicts holds a log that never belonged to this cluster (most often other bootstrap voters):
/// it must stop with an error that says so, not answer with its commit index and leave the leader probing forever.
/// </summary>
public sealed class CommittedConflictTests
{
    [Fact]
    public void An_append_that_contradicts_a_committed_entry_stops_the_follower_naming_both_terms()
    {
        var storage = new MemoryRaftStorage();
        RaftBootstrap.Bootstrap(storage, [1, 2, 3, 4]); // the others were bootstrapped with {1,2,3}
        var node = new RawNode(new RaftOptions { Id = 3, RandomSeed = 7 }, storage);
        while (node.HasReady)
        {
            node.GetReady();
            node.Advance();
        }

        Assert.Equal(4UL, node.CommitIndex);
        var append = new Message { Type = MessageType.Append, From = 1, To = 3, Term = 2, Index = 4, LogTerm = 2, Commit = 5 };
        var error = Assert.Throws<RaftInvariantException>(() => node.Step(append));
        Assert.Contains("another entry at index 4", error.Message, StringComparison.Ordinal);
        Assert.Contains("term 1 here, term 2 at the leader", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_append_below_the_commit_index_is_answered_with_the_commit_index()
    {
        var storage = new MemoryRaftStorage();
        RaftBootstrap.Bootstrap(storage, [1, 2, 3]);
        var node = new RawNode(new RaftOptions { Id = 3, RandomSeed = 7 }, storage);
        while (node.HasReady)
        {
            node.GetReady();
            node.Advance();
        }

        node.Step(new Message { Type = MessageType.Append, From = 1, To = 3, Term = 2, Index = 1, LogTerm = 1, Commit = 3 });
        var ready = node.GetReady();
        var answer = Assert.Single(ready.Messages.ToArray().Concat(ready.MessagesAfterPersist.ToArray()), m => m.Type == MessageType.AppendResponse);
        Assert.False(answer.Reject);
        Assert.Equal(3UL, answer.Index);
    }
}
