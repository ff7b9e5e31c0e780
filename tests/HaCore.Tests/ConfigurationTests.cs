using System.Globalization;
using System.Net;
using System.Net.Sockets;
using HaCore.Raft;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace HaCore.Tests;

/// <summary>One options model: nodes configured from an IConfiguration section, each setting said once, over the TCP
/// transport the node builds from it.</summary>
public sealed class ConfigurationTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static int FreePort()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }

    private static Dictionary<string, string?> Settings(ulong id, int[] ports, string root, ulong clusterId = 7)
    {
        var settings = new Dictionary<string, string?>
        {
            ["HaCore:NodeId"] = id.ToString(CultureInfo.InvariantCulture),
            ["HaCore:ClusterId"] = clusterId.ToString(CultureInfo.InvariantCulture),
            ["HaCore:DataDirectory"] = Path.Combine(root, $"node-{id}"),
            ["HaCore:ListenEndPoint"] = $"127.0.0.1:{ports[id - 1]}",
            ["HaCore:TickInterval"] = "00:00:00.020",
            ["HaCore:ElectionTicks"] = "10",
            ["HaCore:ClusterSecret"] = new string('a', 64),
            ["HaCore:Storage:SegmentSizeBytes"] = (1 << 20).ToString(CultureInfo.InvariantCulture),
            ["HaCore:Storage:MaxRecordBytes"] = (64 << 10).ToString(CultureInfo.InvariantCulture),
            ["HaCore:Storage:ZeroFillSegments"] = "false",
        };
        for (var i = 1; i <= ports.Length; i++)
        {
            settings[$"HaCore:Members:{i}"] = $"127.0.0.1:{ports[i - 1]}";
        }

        return settings;
    }

    private static ServiceProvider Node(Dictionary<string, string?> settings, FakeLoggerProvider? logs = null)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection();
        services.AddLogging(b =>
        {
            if (logs is not null)
            {
                b.AddProvider(logs);
            }
        });
        services.AddHaCore<KvStateMachine, string, string>(configuration.GetSection("HaCore"), _ => new KvStateMachine(), StringCodec.Instance, StringCodec.Instance);
        return services.BuildServiceProvider();
    }

    [Fact]
    public async Task Three_nodes_configured_from_a_section_form_a_cluster_over_tcp_and_a_node_of_another_cluster_id_is_refused()
    {
        var root = Path.Combine(Path.GetTempPath(), $"hacore-config-{Guid.NewGuid():N}");
        int[] ports = [FreePort(), FreePort(), FreePort()];
        using var logs = new FakeLoggerProvider();

        // Node 3 is configured with cluster id 8: the others must refuse it in the handshake, naming both ids.
        var providers = new[] { Node(Settings(1, ports, root), logs), Node(Settings(2, ports, root), logs), Node(Settings(3, ports, root, clusterId: 8), logs) };
        var hosts = providers.Select(p => p.GetRequiredService<HaCoreNode<KvStateMachine, string, string>>()).ToArray();
        try
        {
            foreach (var host in hosts)
            {
                await host.StartAsync(Ct);
            }

            var leader = await hosts[0].Node.WaitForLeaderAsync(Wait, Ct);
            Assert.Contains(leader, new ulong[] { 1, 2 });
            var leaderNode = hosts[(int)leader - 1].Node;
            await leaderNode.ProposeAsync("set k v", Ct);
            await Eventually.TrueAsync(() => hosts[0].Node.Status.AppliedIndex == leaderNode.Status.AppliedIndex && hosts[1].Node.Status.AppliedIndex == leaderNode.Status.AppliedIndex, Wait, "nodes 1 and 2 apply the write");

            Assert.Equal(0UL, hosts[2].Node.Status.Leader);
            // The refusing side names both clusters; the refused side (node 3) logs that it was refused.
            static bool NamesBoth(string message) => message.Contains("cluster id '8' from node 3", StringComparison.Ordinal) && message.Contains("'7'", StringComparison.Ordinal);
            await Eventually.TrueAsync(() => logs.Collector.GetSnapshot().Any(r => NamesBoth(r.Message)), Wait, "a node of cluster 7 refuses node 3, naming both cluster ids");
            await Eventually.TrueAsync(
                () => logs.Collector.GetSnapshot().Any(r => r.Message.StartsWith("Node 3:", StringComparison.Ordinal) && r.Message.Contains("ClusterIdMismatch", StringComparison.Ordinal)),
                Wait,
                "node 3 logs that it was refused for its cluster id");
        }
        finally
        {
            foreach (var host in hosts)
            {
                await host.StopAsync(CancellationToken.None);
            }

            foreach (var provider in providers)
            {
                await provider.DisposeAsync();
            }

            Directory.Delete(root, recursive: true);
        }
    }

    [Theory]
    [InlineData("HaCore:ListenEndPoint", "localhost", "HaCore:ListenEndPoint")]
    [InlineData("HaCore:Members:x", "127.0.0.1:1", "HaCore:Members:x")]
    [InlineData("HaCore:ElectionTick", "10", "HaCore:ElectionTick")]
    [InlineData("HaCore:ClusterSecret", "not hex", "HaCore:ClusterSecret")]
    [InlineData("HaCore:Storage:SegmentSize", "1", "SegmentSize")]
    [InlineData("HaCore:ElectionTicks", "ten", "HaCore:ElectionTicks")]
    public void A_bad_key_or_value_is_refused_naming_its_path(string key, string value, string named)
    {
        var settings = Settings(1, [7001, 7002, 7003], Path.GetTempPath());
        settings[key] = value;
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var error = Assert.Throws<ArgumentException>(() => new ServiceCollection().AddHaCore<KvStateMachine, string, string>(
            configuration.GetSection("HaCore"), _ => new KvStateMachine(), StringCodec.Instance, StringCodec.Instance));
        Assert.Contains(named, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Members_are_the_initial_voters_unless_the_node_joins()
    {
        var settings = Settings(2, [7001, 7002, 7003], Path.GetTempPath());
        var options = new HaCoreNodeOptions();
        HaCoreConfiguration.Bind(options, new ConfigurationBuilder().AddInMemoryCollection(settings).Build().GetSection("HaCore"));
        Assert.Equal([1UL, 2, 3], options.InitialVoters);
        Assert.Equal(new IPEndPoint(IPAddress.Loopback, 7002), options.ListenEndPoint);
        Assert.Equal(3, options.Peers.Count);

        settings["HaCore:Join"] = "true";
        options = new HaCoreNodeOptions();
        HaCoreConfiguration.Bind(options, new ConfigurationBuilder().AddInMemoryCollection(settings).Build().GetSection("HaCore"));
        Assert.Empty(options.InitialVoters);
        Assert.Equal("7", options.ToTransportOptions().ClusterId);
    }
}
