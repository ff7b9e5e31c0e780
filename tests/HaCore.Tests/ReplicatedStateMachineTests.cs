using System.Net;
using HaCore.Raft;
using HaCore.Transport;

namespace HaCore.Tests;

/// <summary>The typed API over a real node loop, real storage and the in-memory transport.</summary>
public sealed class ReplicatedStateMachineTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Proposals_on_the_leader_and_on_followers_are_applied_everywhere_in_the_same_order()
    {
        await using var cluster = await TestCluster.StartAsync(3);
        var leader = await cluster.LeaderAsync();
        var follower = cluster.Nodes.Values.First(n => n != leader);

        Assert.Equal("", await leader.ProposeAsync("set a 1", cancellationToken: Ct));
        Assert.Equal("1", await follower.ProposeAsync("set a 2", cancellationToken: Ct)); // forwarded to the leader
        Assert.Equal("2", await leader.ProposeAsync("set a 3", cancellationToken: Ct));

        await Eventually.TrueAsync(() => cluster.StateMachines.Values.All(sm => sm.Get("a") == "3" && sm.Applied == 3), Wait, "every node applied all three");
    }

    [Fact]
    public async Task A_retried_request_is_applied_once_and_returns_the_first_result()
    {
        await using var cluster = await TestCluster.StartAsync(3);
        var leader = await cluster.LeaderAsync();
        var other = cluster.Nodes.Values.First(n => n != leader);
        var request = new ClientRequestId(Guid.NewGuid(), 1);

        Assert.Equal("", await leader.ProposeAsync(request, "set k first", cancellationToken: Ct));
        await leader.ProposeAsync("set k second", cancellationToken: Ct);

        // The same request again, on another node: the first result, and no second apply.
        Assert.Equal("", await other.ProposeAsync(request, "set k first", cancellationToken: Ct));
        var applied = cluster.StateMachines[leader.NodeId].Applied;
        Assert.Equal(2, applied);
        var read = await leader.ReadAsync(sm => sm.Get("k"), cancellationToken: Ct);
        Assert.Equal("second", read.Value);
    }

    [Fact]
    public async Task Reads_of_every_consistency_see_acknowledged_writes()
    {
        await using var cluster = await TestCluster.StartAsync(3);
        var leader = await cluster.LeaderAsync();
        var follower = cluster.Nodes.Values.First(n => n != leader);
        await leader.ProposeAsync("set x 42", cancellationToken: Ct);

        Assert.Equal("42", (await leader.ReadAsync(sm => sm.Get("x"), cancellationToken: Ct)).Value);
        Assert.Equal("42", (await follower.ReadAsync(sm => sm.Get("x"), ReadConsistency.Linearizable, cancellationToken: Ct)).Value);
        Assert.Equal("42", (await leader.ReadAsync(sm => sm.Get("x"), ReadConsistency.Lease, cancellationToken: Ct)).Value);

        var stale = await leader.ReadAsync(sm => sm.Get("x"), ReadConsistency.Stale, cancellationToken: Ct);
        Assert.Equal("42", stale.Value);
        Assert.True(stale.AppliedIndex >= 5);
    }

    [Fact]
    public async Task A_failing_query_fails_its_caller_and_the_node_carries_on()
    {
        await using var cluster = await TestCluster.StartAsync(1);
        var leader = await cluster.LeaderAsync();
        foreach (var consistency in new[] { ReadConsistency.Stale, ReadConsistency.Linearizable })
        {
            await Assert.ThrowsAsync<KeyNotFoundException>(async () =>
                await leader.ReadAsync<string>(_ => throw new KeyNotFoundException("no such call"), consistency, Ct));
        }

        Assert.Equal("", await leader.ProposeAsync("set still working", Ct));
        Assert.False(leader.Status.Faulted);
    }

    [Fact]
    public async Task Subscribers_resume_on_another_node_without_gap_or_duplicate()
    {
        await using var cluster = await TestCluster.StartAsync(3);
        var leader = await cluster.LeaderAsync();
        for (var i = 0; i < 10; i++)
        {
            await leader.ProposeAsync($"set k{i} v{i}", cancellationToken: Ct);
        }

        // Read the first four from the leader, then resume after the last seen on a follower.
        var seen = new List<AppliedCommand<string, string>>();
        using (var cts = CancellationTokenSource.CreateLinkedTokenSource(Ct))
        {
            cts.CancelAfter(Wait);
            await foreach (var item in leader.SubscribeAsync(1, cts.Token))
            {
                seen.Add(item);
                if (seen.Count == 4)
                {
                    break;
                }
            }
        }

        var follower = cluster.Nodes.Values.First(n => n != leader);
        using (var cts = CancellationTokenSource.CreateLinkedTokenSource(Ct))
        {
            cts.CancelAfter(Wait);
            await foreach (var item in follower.SubscribeAsync(seen[^1].Index + 1, cts.Token))
            {
                seen.Add(item);
                if (seen.Count == 10)
                {
                    break;
                }
            }
        }

        Assert.Equal(Enumerable.Range(0, 10).Select(i => $"set k{i} v{i}"), seen.Select(s => s.Command));
        Assert.Equal(seen.Select(s => s.Index).Order(), seen.Select(s => s.Index));
        Assert.Equal(10, seen.Select(s => s.Index).Distinct().Count());
    }

    [Fact]
    public async Task The_cluster_fails_over_and_a_retry_after_failover_applies_once()
    {
        await using var cluster = await TestCluster.StartAsync(3);
        var leader = await cluster.LeaderAsync();
        var request = new ClientRequestId(Guid.NewGuid(), 1);
        Assert.Equal("", await leader.ProposeAsync(request, "set f before", cancellationToken: Ct));

        await cluster.StopNodeAsync(leader.NodeId);
        var next = await cluster.LeaderAsync();
        Assert.NotEqual(leader.NodeId, next.NodeId);

        Assert.Equal("", await next.ProposeAsync(request, "set f before", cancellationToken: Ct)); // the first result, not applied again
        Assert.Equal("before", await next.ProposeAsync("set f after", cancellationToken: Ct));
        Assert.Equal(2, cluster.StateMachines[next.NodeId].Applied);

        // The old leader restarts from its data directory and catches up.
        await cluster.StartNodeAsync(leader.NodeId);
        await Eventually.TrueAsync(() => cluster.StateMachines[leader.NodeId].Get("f") == "after", Wait, "the restarted node caught up");
    }

    [Fact]
    public async Task Without_a_quorum_writes_fail_fast_and_stale_reads_still_work()
    {
        await using var cluster = await TestCluster.StartAsync(3);
        var leader = await cluster.LeaderAsync();
        await leader.ProposeAsync("set q 1", cancellationToken: Ct);
        var survivor = cluster.Nodes.Values.First(n => n != leader);
        foreach (var id in cluster.Nodes.Keys.Where(id => id != survivor.NodeId).ToList())
        {
            await cluster.StopNodeAsync(id);
        }

        var started = DateTime.UtcNow;
        await Assert.ThrowsAsync<NoQuorumException>(async () => await survivor.ProposeAsync("set q 2", cancellationToken: Ct));
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(5), "the write should fail within a few election timeouts");

        var stale = await survivor.ReadAsync(sm => sm.Get("q"), ReadConsistency.Stale, cancellationToken: Ct);
        Assert.Equal("1", stale.Value);
    }

    [Fact]
    public async Task A_follower_that_missed_a_compacted_range_catches_up_by_snapshot()
    {
        await using var cluster = await TestCluster.StartAsync(3, o =>
        {
            o.SnapshotEveryEntries = 20;
            o.CompactionMargin = 2;
        });
        var leader = await cluster.LeaderAsync();
        var lagging = cluster.Nodes.Keys.First(id => id != leader.NodeId);
        await cluster.StopNodeAsync(lagging);
        for (var i = 0; i < 60; i++)
        {
            await leader.ProposeAsync($"set s{i % 5} {i}", cancellationToken: Ct);
        }

        await cluster.StartNodeAsync(lagging);
        await Eventually.TrueAsync(() => cluster.StateMachines[lagging].Get("s4") == "59", Wait, "the lagging node caught up");
        Assert.Equal(60, cluster.StateMachines[lagging].Applied); // restored from a snapshot that counted the applied commands
    }

    [Fact]
    public async Task Snapshots_are_also_taken_by_applied_bytes()
    {
        await using var cluster = await TestCluster.StartAsync(1, o =>
        {
            o.SnapshotEveryEntries = 1_000_000;
            o.SnapshotEveryBytes = 4_000;
            o.CompactionMargin = 0;
        });
        var leader = await cluster.LeaderAsync();
        for (var i = 0; i < 40; i++)
        {
            await leader.ProposeAsync($"set big{i} {new string('x', 200)}", cancellationToken: Ct);
        }

        // Neither the entry count nor the age was reached: only the byte trigger can have written these.
        var snapshots = Path.Combine(cluster.OptionsFor(leader.NodeId).DataDirectory, "snap");
        Assert.NotEmpty(Directory.GetFiles(snapshots));

        // Restarting from the data directory restores the snapshot and replays the tail.
        await cluster.StopNodeAsync(leader.NodeId);
        await cluster.StartNodeAsync(leader.NodeId);
        await Eventually.TrueAsync(() => cluster.StateMachines[leader.NodeId].Get("big39") is not null, Wait, "the node restored");
        Assert.Equal(40, cluster.StateMachines[leader.NodeId].Applied);
    }

    [Fact]
    public async Task A_node_joins_as_learner_is_promoted_and_a_voter_is_removed()
    {
        await using var cluster = await TestCluster.StartAsync(3);
        var leader = await cluster.LeaderAsync();
        await leader.ProposeAsync("set m 1", cancellationToken: Ct);

        await cluster.StartNodeAsync(4); // empty, not among the initial voters: waits to be added
        await leader.AddLearnerAsync(4, new InMemoryEndPoint(4), cancellationToken: Ct);
        await Eventually.TrueAsync(() => cluster.StateMachines[4].Get("m") == "1", Wait, "the learner caught up");
        Assert.Contains(4UL, leader.Status.Members.Learners);

        await leader.PromoteAsync(4, cancellationToken: Ct);
        Assert.Contains(4UL, leader.Status.Members.Voters);

        var removed = cluster.Nodes.Keys.First(id => id != leader.NodeId && id != 4);
        await leader.RemoveMemberAsync(removed, cancellationToken: Ct);
        Assert.DoesNotContain(removed, leader.Status.Members.Voters);
        Assert.Equal("1", await leader.ProposeAsync("set m 2", cancellationToken: Ct));
    }

    [Fact]
    public async Task Leadership_moves_to_the_named_node()
    {
        await using var cluster = await TestCluster.StartAsync(3);
        var leader = await cluster.LeaderAsync();
        var token = leader.LeadershipToken;
        Assert.False(token.IsCancellationRequested);
        var target = cluster.Nodes.Keys.First(id => id != leader.NodeId);

        await leader.TransferLeadershipAsync(target, cancellationToken: Ct);
        await Eventually.TrueAsync(() => cluster.Nodes[target].Status.Role == RaftRole.Leader, Wait, "the target leads");
        await Eventually.TrueAsync(() => token.IsCancellationRequested, Wait, "the old leader's token is cancelled");
    }

    [Fact]
    public async Task Invalid_options_are_refused_at_start_with_the_setting_named()
    {
        var network = new InMemoryRaftNetwork();
        var options = new HaCoreNodeOptions { NodeId = 1, ClusterId = 1, DataDirectory = Path.GetTempPath(), ElectionTicks = 1 };
        var error = await Assert.ThrowsAsync<ArgumentException>(async () =>
            await ReplicatedStateMachine<KvStateMachine, string, string>.StartAsync(
                options, new KvStateMachine(), StringCodec.Instance, StringCodec.Instance, network.CreateTransport(1), cancellationToken: Ct));
        Assert.Contains("ElectionTicks", error.Message, StringComparison.Ordinal);

        options = new HaCoreNodeOptions { NodeId = 1, ClusterId = 1, DataDirectory = "" };
        network = new InMemoryRaftNetwork();
        error = await Assert.ThrowsAsync<ArgumentException>(async () =>
            await ReplicatedStateMachine<KvStateMachine, string, string>.StartAsync(
                options, new KvStateMachine(), StringCodec.Instance, StringCodec.Instance, network.CreateTransport(1), cancellationToken: Ct));
        Assert.Contains("DataDirectory", error.Message, StringComparison.Ordinal);
    }
}
