using System.Diagnostics.Metrics;
using HaCore.Raft;
using HaCore.Storage;
using HaCore.Testing.Storage;
using HaCore.Transport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;

namespace HaCore.Tests;

/// <summary>Waiting for a leader, following status changes, the health check and the node's meter.</summary>
public sealed class StatusAndHealthTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Every_node_waits_for_the_same_leader_and_a_watcher_sees_leadership_move()
    {
        await using var cluster = await TestCluster.StartAsync(3);
        var leaders = new List<ulong>();
        foreach (var node in cluster.Nodes.Values)
        {
            leaders.Add(await node.WaitForLeaderAsync(Wait, Ct));
        }

        // All nodes agree once the election settles (a node may have answered with an earlier term's leader).
        var leader = await cluster.LeaderAsync();
        await Eventually.TrueAsync(() => cluster.Nodes.Values.All(n => n.Status.Leader == leader.NodeId), Wait, "every node follows one leader");
        Assert.All(leaders, id => Assert.Contains(id, cluster.Nodes.Keys));

        var follower = cluster.Nodes.Values.First(n => n.NodeId != leader.NodeId);
        var target = cluster.Nodes.Keys.First(id => id != leader.NodeId && id != follower.NodeId);
        using var watching = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        watching.CancelAfter(Wait);
        var seen = new List<NodeStatus>();
        var watch = Task.Run(async () =>
        {
            await foreach (var status in follower.WatchStatusAsync(watching.Token))
            {
                seen.Add(status);
                if (status.Leader == target)
                {
                    return;
                }
            }
        }, Ct);
        await Eventually.TrueAsync(() => seen.Count > 0, Wait, "the watcher got the current status");
        await leader.TransferLeadershipAsync(target, cancellationToken: Ct);
        await watch;
        Assert.Equal(leader.NodeId, seen[0].Leader);
        Assert.Equal(target, seen[^1].Leader);
        Assert.True(seen[^1].Term > seen[0].Term, "the new leader's term is newer");
    }

    [Fact]
    public async Task Waiting_for_a_leader_without_a_quorum_times_out_naming_the_node()
    {
        var cluster = new TestCluster();
        await using var _ = cluster;
        var alone = await StartOneOfThreeAsync(cluster);
        var error = await Assert.ThrowsAsync<TimeoutException>(async () => await alone.WaitForLeaderAsync(TimeSpan.FromMilliseconds(600), Ct));
        Assert.Contains("Node 1 knew no leader", error.Message, StringComparison.Ordinal);
        Assert.Contains("no quorum", error.Message, StringComparison.Ordinal);

        // A watch ends when the node stops.
        var statuses = 0;
        var watch = Task.Run(async () =>
        {
            await foreach (var status in alone.WatchStatusAsync(Ct))
            {
                statuses++;
            }
        }, Ct);
        await Eventually.TrueAsync(() => statuses > 0, Wait, "the watcher got the current status");
        await cluster.StopNodeAsync(1);
        await watch.WaitAsync(Wait, Ct);
    }

    [Fact]
    public async Task The_health_check_is_healthy_with_a_leader_degraded_without_quorum_and_unhealthy_once_faulted()
    {
        var dir = Path.Combine(Path.GetTempPath(), $"hacore-health-{Guid.NewGuid():N}");
        var device = new SimulatedStorageDevice();
        var network = new InMemoryRaftNetwork();
        var services = new ServiceCollection();
        using var meters = new MeterCollector();
        services.AddMetrics();
        services.AddLogging();
        services.AddHaCore<KvStateMachine, string, string>(
            o =>
            {
                o.NodeId = 1;
                o.ClusterId = 1;
                o.DataDirectory = dir;
                o.InitialVoters.Add(1);
                o.TickInterval = TimeSpan.FromMilliseconds(10);
                o.StorageDevice = device;
                o.Storage = new StorageOptions { SegmentSizeBytes = 1 << 20, MaxRecordBytes = 64 << 10, ZeroFillSegments = false, PrepareSegmentsAhead = false };
            },
            _ => new KvStateMachine(),
            StringCodec.Instance,
            StringCodec.Instance,
            _ => network.CreateTransport(1))
            .AddHealthChecks(tags: ["ready"]);
        await using var provider = services.BuildServiceProvider();
        var health = provider.GetRequiredService<HealthCheckService>();
        Assert.Equal(HealthStatus.Unhealthy, (await health.CheckHealthAsync(Ct)).Status); // not started

        var hosted = Assert.Single(provider.GetServices<IHostedService>().OfType<HaCoreNode<KvStateMachine, string, string>>());
        await hosted.StartAsync(Ct);
        var node = provider.GetRequiredService<HaCoreNode<KvStateMachine, string, string>>().Node;
        Assert.Equal(1UL, await node.WaitForLeaderAsync(Wait, Ct));
        await node.ProposeAsync("set a 1", Ct);
        var report = await health.CheckHealthAsync(Ct);
        Assert.Equal(HealthStatus.Healthy, report.Status);
        Assert.Equal("Leader", report.Entries["hacore"].Data["role"]);

        // The meter came from the container's IMeterFactory, and every gauge carries the node tag.
        meters.Collect(provider.GetRequiredService<IMeterFactory>());
        Assert.Equal(3, meters.Value("hacore.role"));
        Assert.Equal(1, meters.Value("hacore.leader"));
        Assert.True(meters.Value("hacore.applied_index") >= 2);
        Assert.All(meters.Tags, tag => Assert.Equal(1UL, tag));

        // A failed disk stops the node: unhealthy, and waiting for a leader names the error.
        device.Crash();
        await Assert.ThrowsAnyAsync<Exception>(async () => await node.ProposeAsync("set b 2", Ct));
        await Eventually.TrueAsync(() => node.Status.Faulted, Wait, "the node faulted");
        Assert.Equal(HealthStatus.Unhealthy, (await health.CheckHealthAsync(Ct)).Status);
        await Assert.ThrowsAsync<HaCoreException>(async () => await node.WaitForLeaderAsync(Wait, Ct));
        await hosted.StopAsync(Ct);
    }

    [Fact]
    public async Task The_health_check_is_degraded_on_a_node_that_cannot_reach_a_quorum()
    {
        var cluster = new TestCluster();
        await using var _ = cluster;
        var alone = await StartOneOfThreeAsync(cluster);
        var check = new HaCoreHealthCheck<KvStateMachine, string, string>(() => alone, maxApplyLag: 10);
        var context = new HealthCheckContext { Registration = new HealthCheckRegistration("hacore", check, HealthStatus.Unhealthy, null) };
        var result = await check.CheckHealthAsync(context, Ct);
        Assert.Equal(HealthStatus.Degraded, result.Status);
        Assert.Contains("no quorum", result.Description, StringComparison.Ordinal);
    }

    private static async Task<ReplicatedStateMachine<KvStateMachine, string, string>> StartOneOfThreeAsync(TestCluster cluster)
    {
        // Node 1 of a three-voter cluster whose other members never start.
        var options = cluster.OptionsFor(1);
        foreach (var id in new ulong[] { 1, 2, 3 })
        {
            options.InitialVoters.Add(id);
            options.Peers[id] = new InMemoryEndPoint(id);
        }

        var node = await ReplicatedStateMachine<KvStateMachine, string, string>.StartAsync(
            options, new KvStateMachine(), StringCodec.Instance, StringCodec.Instance, cluster.Network.CreateTransport(1), cancellationToken: Ct);
        cluster.Nodes[1] = node;
        return node;
    }

    /// <summary>Reads the HaCore meter's gauges once.</summary>
    private sealed class MeterCollector : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly Dictionary<string, long> _values = [];
        private IMeterFactory? _factory;

        public List<object?> Tags { get; } = [];

        public void Collect(IMeterFactory factory)
        {
            _factory = factory;
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == "HaCore" && instrument.Meter.Scope == _factory)
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
            {
                _values[instrument.Name] = value;
                foreach (var tag in tags)
                {
                    if (tag.Key == "hacore.node_id")
                    {
                        Tags.Add(tag.Value);
                    }
                }
            });
            _listener.Start();
            _listener.RecordObservableInstruments();
        }

        public long Value(string name) => _values[name];

        public void Dispose() => _listener.Dispose();
    }
}
