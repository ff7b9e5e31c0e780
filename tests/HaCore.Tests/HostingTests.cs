using HaCore.Raft;
using HaCore.Transport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace HaCore.Tests;

/// <summary>The node as a .NET hosted service.</summary>
public sealed class HostingTests
{
    [Fact]
    public async Task AddHaCore_registers_a_node_the_host_starts_and_stops()
    {
        var ct = TestContext.Current.CancellationToken;
        var dir = Path.Combine(Path.GetTempPath(), $"hacore-hosting-{Guid.NewGuid():N}");
        var network = new InMemoryRaftNetwork();
        var services = new ServiceCollection();
        services.AddHaCore<KvStateMachine, string, string>(
            o =>
            {
                o.NodeId = 1;
                o.ClusterId = 1;
                o.DataDirectory = dir;
                o.InitialVoters.Add(1);
                o.TickInterval = TimeSpan.FromMilliseconds(10);
            },
            _ => new KvStateMachine(),
            StringCodec.Instance,
            StringCodec.Instance,
            _ => network.CreateTransport(1));
        await using var provider = services.BuildServiceProvider();
        var hosted = Assert.Single(provider.GetServices<IHostedService>());
        var node = provider.GetRequiredService<HaCoreNode<KvStateMachine, string, string>>();
        Assert.Throws<InvalidOperationException>(() => node.Node);

        await hosted.StartAsync(ct);
        await Eventually.TrueAsync(() => node.Node.Status.Role == RaftRole.Leader, TimeSpan.FromSeconds(20), "the single node leads");
        Assert.Equal("", await node.Node.ProposeAsync("set a 1", ct));
        await hosted.StopAsync(ct);
        Assert.Throws<InvalidOperationException>(() => node.Node);
        Directory.Delete(dir, recursive: true);
    }

    [Fact]
    public void AddHaCore_validates_the_options_at_registration()
    {
        var services = new ServiceCollection();
        var error = Assert.Throws<ArgumentException>(() => services.AddHaCore<KvStateMachine, string, string>(
            o => o.NodeId = 0, _ => new KvStateMachine(), StringCodec.Instance, StringCodec.Instance, _ => throw new InvalidOperationException()));
        Assert.Contains("NodeId", error.Message, StringComparison.Ordinal);
    }
}
