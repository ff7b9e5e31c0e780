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

            // The directory holds no bootstrapped membership: fixing the port and starting again bootstraps afresh.
            using var storage = DurableRaftStorage.Open(new StorageOptions { DirectoryPath = directory, ClusterId = 9, SegmentSizeBytes = 1 << 20, MaxRecordBytes = 256 << 10, ZeroFillSegments = false });
            Assert.Empty(storage.GetInitialState().ConfState.Voters);
            Assert.Equal(0UL, storage.LastIndex);
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
}
