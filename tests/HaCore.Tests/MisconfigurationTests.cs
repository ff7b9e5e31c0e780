using System.Net;
using System.Net.Sockets;
using HaCore.Storage;
using HaCore.Transport;

namespace HaCore.Tests;

/// <summary>Misconfiguration is refused at start, with an error that names both sides, and loses nothing.</summary>
public sealed class MisconfigurationTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_node_started_on_another_nodes_data_directory_is_refused_naming_both_ids()
    {
        await using var cluster = await TestCluster.StartAsync(1);
        var leader = await cluster.LeaderAsync();
        await leader.ProposeAsync("set k v", cancellationToken: Ct);
        string directory = cluster.OptionsFor(1).DataDirectory;
        await cluster.StopNodeAsync(1);

        var options = cluster.OptionsFor(2);
        options.DataDirectory = directory;
        var error = await Assert.ThrowsAsync<StorageFormatException>(async () =>
            await ReplicatedStateMachine<KvStateMachine, string, string>.StartAsync(
                options, new KvStateMachine(), StringCodec.Instance, StringCodec.Instance, cluster.Network.CreateTransport(2), cancellationToken: Ct));
        Assert.Contains("belongs to node 1", error.Message, StringComparison.Ordinal);
        Assert.Contains("configured as node 2", error.Message, StringComparison.Ordinal);

        // Nothing was lost or rewritten: node 1 restarts on its directory with its write.
        var restarted = await cluster.StartNodeAsync(1);
        await Eventually.TrueAsync(() => cluster.StateMachines[1].Get("k") == "v", TimeSpan.FromSeconds(20), "node 1 has its write back");
        Assert.Equal(1UL, restarted.NodeId);
    }

    [Fact]
    public async Task A_port_in_use_fails_the_start_naming_the_endpoint_with_nothing_bootstrapped()
    {
        using var holder = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        holder.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        holder.Listen(1);
        var taken = (IPEndPoint)holder.LocalEndPoint!;
        string directory = Path.Combine(Path.GetTempPath(), $"hacore-port-{Guid.NewGuid():N}");
        var options = new HaCoreNodeOptions { NodeId = 1, ClusterId = 9, DataDirectory = directory };
        options.InitialVoters.Add(1);
        options.Storage = new StorageOptions { SegmentSizeBytes = 1 << 20, MaxRecordBytes = 256 << 10, ZeroFillSegments = false };
        var transport = new TcpRaftTransport(new TcpTransportOptions
        {
            NodeId = 1,
            ClusterId = "port-test",
            ClusterSecret = new byte[32],
            ListenEndPoint = taken,
        });
        try
        {
            var error = await Assert.ThrowsAsync<IOException>(async () =>
                await ReplicatedStateMachine<KvStateMachine, string, string>.StartAsync(
                    options, new KvStateMachine(), StringCodec.Instance, StringCodec.Instance, transport, cancellationToken: Ct));
            Assert.Contains(taken.ToString(), error.Message, StringComparison.Ordinal);
            Assert.Contains("in use", error.Message, StringComparison.Ordinal);
            Assert.IsType<SocketException>(error.InnerException);

            // The port is bound before the data directory is opened: nothing was written.
            Assert.False(Directory.Exists(directory), "the data directory was created although the port was in use");
        }
        finally
        {
            await transport.DisposeAsync();
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
    }

    [Fact]
    public async Task An_admin_port_in_use_fails_the_start_naming_the_option_with_nothing_written()
    {
        using var holder = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        holder.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        holder.Listen(1);
        var taken = (IPEndPoint)holder.LocalEndPoint!;
        string directory = Path.Combine(Path.GetTempPath(), $"hacore-admin-{Guid.NewGuid():N}");
        var options = new HaCoreNodeOptions { NodeId = 1, ClusterId = 9, DataDirectory = directory, AdminEndPoint = taken, AdminSecret = new byte[32] };
        options.InitialVoters.Add(1);
        var network = new InMemoryRaftNetwork();
        var error = await Assert.ThrowsAsync<IOException>(async () =>
            await ReplicatedStateMachine<KvStateMachine, string, string>.StartAsync(
                options, new KvStateMachine(), StringCodec.Instance, StringCodec.Instance, network.CreateTransport(1), cancellationToken: Ct));
        Assert.Contains("AdminEndPoint", error.Message, StringComparison.Ordinal);
        Assert.Contains(taken.ToString(), error.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(directory), "nothing was written");

        // And an admin endpoint without any secret is refused by validation.
        options.AdminSecret = null;
        var invalid = Assert.Throws<ArgumentException>(options.Validate);
        Assert.Contains("AdminSecret", invalid.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Invalid_storage_options_are_refused_before_anything_is_written()
    {
        string directory = Path.Combine(Path.GetTempPath(), $"hacore-opts-{Guid.NewGuid():N}");
        var options = new HaCoreNodeOptions { NodeId = 1, ClusterId = 9, DataDirectory = directory };
        options.Storage = new StorageOptions { SegmentSizeBytes = 1 << 20 };
        var network = new InMemoryRaftNetwork();
        var error = await Assert.ThrowsAsync<ArgumentException>(async () =>
            await ReplicatedStateMachine<KvStateMachine, string, string>.StartAsync(
                options, new KvStateMachine(), StringCodec.Instance, StringCodec.Instance, network.CreateTransport(1), cancellationToken: Ct));
        Assert.Contains("MaxRecordBytes", error.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(directory), "nothing was written");
    }

    [Fact]
    public async Task A_node_bootstrapped_with_other_voters_stops_naming_the_mismatch_and_the_cluster_carries_on()
    {
        // Nodes 1 and 2 are given voters {1,2,3}; node 3 is given {1,2,3,4}. Its bootstrap entries 1-3 match the
        // others', and its entry 4 (add voter 4, committed by its own bootstrap) does not.
        await using var cluster = new TestCluster(o =>
        {
            o.InitialVoters.Clear();
            foreach (var v in o.NodeId == 3 ? new ulong[] { 1, 2, 3, 4 } : [1, 2, 3])
            {
                o.InitialVoters.Add(v);
                o.Peers[v] = new InMemoryEndPoint(v);
            }
        });
        // Nodes 1 and 2 elect first, so node 3 (whose longer log would win it votes) finds a leader in place.
        await cluster.StartNodeAsync(1);
        await cluster.StartNodeAsync(2);
        var leader = await cluster.LeaderAsync();
        await cluster.StartNodeAsync(3);
        await leader.ProposeAsync("set k v", cancellationToken: Ct);
        var wrong = cluster.Nodes[3];
        await Eventually.TrueAsync(() => wrong.Status.Faulted, TimeSpan.FromSeconds(20), "node 3 stops on the mismatch");
        var error = await Assert.ThrowsAsync<HaCoreException>(async () => await wrong.WaitForLeaderAsync(TimeSpan.FromSeconds(5), Ct));
        Assert.Contains("does not belong to this cluster", error.Message, StringComparison.Ordinal);
        Assert.Contains("voters=(1,2,3,4)", error.Message, StringComparison.Ordinal);
        Assert.Contains("index 4", error.Message, StringComparison.Ordinal);

        // The two correctly configured nodes carry on.
        Assert.Equal("v", await leader.ProposeAsync("set k w", cancellationToken: Ct));
    }

    [Fact]
    public async Task When_the_node_with_other_voters_wins_the_others_log_an_error_naming_both_lists()
    {
        // Node 1 is given voters {1,2,3}, node 3 {1,2,3,4}, node 4 joins (no initial voters); node 2 never starts.
        // Only node 3 can win (its log is the longest and it reaches 3 of its 4 voters), and its bootstrap entry 4
        // (add voter 4) reaches node 1, which must say so.
        using var logs = new Microsoft.Extensions.Logging.Testing.FakeLoggerProvider();
        using var factory = Microsoft.Extensions.Logging.LoggerFactory.Create(b => Microsoft.Extensions.Logging.LoggingBuilderExtensions.AddProvider(b, logs));
        await using var cluster = new TestCluster(o =>
        {
            o.InitialVoters.Clear();
            foreach (var v in new ulong[] { 1, 2, 3, 4 })
            {
                o.Peers[v] = new InMemoryEndPoint(v);
            }

            foreach (var v in o.NodeId switch { 1 => new ulong[] { 1, 2, 3 }, 3 => [1, 2, 3, 4], _ => [] })
            {
                o.InitialVoters.Add(v);
            }
        });
        foreach (var id in new ulong[] { 1, 3, 4 })
        {
            cluster.Nodes[id] = await ReplicatedStateMachine<KvStateMachine, string, string>.StartAsync(
                cluster.OptionsFor(id), new KvStateMachine(), StringCodec.Instance, StringCodec.Instance, cluster.Network.CreateTransport(id),
                id == 1 ? factory : null, cancellationToken: Ct);
        }

        Assert.Equal(3UL, await cluster.Nodes[1].WaitForLeaderAsync(TimeSpan.FromSeconds(20), Ct));
        await Eventually.TrueAsync(
            () => logs.Collector.GetSnapshot().Any(r => r.Id.Id == 1016),
            TimeSpan.FromSeconds(20),
            "node 1 logs the bootstrap mismatch");
        var record = logs.Collector.GetSnapshot().First(r => r.Id.Id == 1016);
        Assert.Equal(Microsoft.Extensions.Logging.LogLevel.Error, record.Level);
        Assert.Contains("adds voter 4", record.Message, StringComparison.Ordinal);
        Assert.Contains("InitialVoters (1,2,3)", record.Message, StringComparison.Ordinal);
    }
}
