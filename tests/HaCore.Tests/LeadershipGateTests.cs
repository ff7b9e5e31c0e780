using HaCore.Raft;
using HaCore.Testing.Runtime;

namespace HaCore.Tests;

/// <summary>
/// DOMAIN invariant 13 in the runtime: a node whose state machine says it must not lead (<see cref="ILeadershipGate"/>;
/// here: the committed "config" differs from the node's own) never leads: it does not win elections, does not take a
/// transfer, hands leadership over when the refusal starts while it leads, and says why in its status and health.
/// </summary>
public sealed class LeadershipGateTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Node 1 was started with configuration "B"; nodes 2 and 3 with "A".</summary>
    private static void Drifted(ulong id, KvStateMachine sm)
    {
        var local = id == 1 ? "B" : "A";
        sm.Gate = kv => kv.Get("config") is { } committed && committed != local ? $"local config {local}, committed {committed}" : null;
    }

    [Fact]
    public async Task A_leader_whose_configuration_differs_from_the_committed_one_hands_over_and_never_leads_again()
    {
        await using var cluster = await TestCluster.StartAsync(3, prepareStateMachine: Drifted);
        var leader = await cluster.LeaderAsync();
        if (leader.Status.NodeId != 1)
        {
            await leader.TransferLeadershipAsync(1, Ct);
        }

        Assert.Equal(RaftRole.Leader, cluster.Nodes[1].Status.Role);
        Assert.Null(cluster.Nodes[1].Status.LeadershipRefusal);

        // Configuration A is committed through node 1 itself: it must stop leading.
        await cluster.Nodes[1].ProposeAsync("set config A", Ct);
        await Eventually.TrueAsync(() => cluster.Nodes[1].Status.Role != RaftRole.Leader && cluster.Nodes.Values.Any(n => n.Status.Role == RaftRole.Leader), TimeSpan.FromSeconds(10), "node 1 hands leadership over");
        Assert.Equal("local config B, committed A", cluster.Nodes[1].Status.LeadershipRefusal);
        Assert.Null(cluster.Nodes[2].Status.LeadershipRefusal);
        var (health, description) = NodeHealth.Classify(cluster.Nodes[1].Status, 1_000);
        Assert.Equal(NodeHealth.Degraded, health);
        Assert.Contains("refuses leadership: local config B, committed A", description, StringComparison.Ordinal);

        // A transfer to it times out, and it stays a follower.
        var next = (await cluster.LeaderAsync()).Status.NodeId;
        await Assert.ThrowsAsync<TimeoutException>(async () => await cluster.Nodes[next].TransferLeadershipAsync(1, Ct));
        Assert.NotEqual(RaftRole.Leader, cluster.Nodes[1].Status.Role);

        // The current leader stops: of the two left, only the other may lead, and writes go on.
        await cluster.StopNodeAsync(next);
        var survivor = cluster.Nodes.Keys.Single(id => id != 1);
        await Eventually.TrueAsync(() => cluster.Nodes[survivor].Status.Role == RaftRole.Leader, TimeSpan.FromSeconds(10), $"node {survivor} leads");
        await cluster.Nodes[survivor].ProposeAsync("set k after", Ct);
        Assert.NotEqual(RaftRole.Leader, cluster.Nodes[1].Status.Role);

        // Its configuration is made equal (here: the committed one changes to B): it may lead again.
        await cluster.Nodes[survivor].ProposeAsync("set config B", Ct);
        await Eventually.TrueAsync(() => cluster.Nodes[1].Status.LeadershipRefusal is null, TimeSpan.FromSeconds(10), "node 1 may lead again");
        await cluster.Nodes[1].TransferLeadershipAsync(1, Ct);
        await cluster.Nodes[survivor].TransferLeadershipAsync(1, Ct);
        Assert.Equal(RaftRole.Leader, cluster.Nodes[1].Status.Role);
    }

    [Fact]
    public async Task A_node_restarted_with_a_drifted_configuration_refuses_leadership_from_its_first_tick()
    {
        await using var cluster = await TestCluster.StartAsync(3, prepareStateMachine: Drifted);
        var leader = await cluster.LeaderAsync();
        await leader.ProposeAsync("set config A", Ct);
        await Eventually.TrueAsync(() => cluster.Nodes.Values.All(n => n.Status.AppliedIndex >= leader.Status.CommitIndex), TimeSpan.FromSeconds(10), "every node applied the configuration");

        // Both others stop and node 1 restarts alone: with no quorum it campaigns on every election timeout, unless it refuses.
        foreach (var id in cluster.Nodes.Keys.ToList())
        {
            await cluster.StopNodeAsync(id);
        }

        var node1 = await cluster.StartNodeAsync(1);
        await Eventually.TrueAsync(() => node1.Status.LeadershipRefusal is not null, TimeSpan.FromSeconds(10), "node 1 refuses after replaying its log");
        Assert.Equal("local config B, committed A", node1.Status.LeadershipRefusal);
        Assert.Equal(RaftRole.Follower, node1.Status.Role);

        // That it then never campaigns, not even a pre-vote, is an absence: the whole-node simulator checks it at every
        // simulated millisecond of fifty election timeouts (WholeNodeScenarioTests.A_node_whose_configuration_drifted_never_campaigns_even_alone),
        // where a real-time wait here could only sample it.
    }
}
