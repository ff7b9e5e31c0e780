using HaCore.Raft;
using HaCore.Testing.Runtime;
using HaCore.Transport;

namespace HaCore.Tests;

/// <summary>Several nodes in this process over the in-memory transport, each with its own data directory.</summary>
public sealed class TestCluster : IAsyncDisposable
{
    private readonly InMemoryRaftNetwork _network = new();
    private readonly string _root = Path.Combine(Path.GetTempPath(), $"hacore-tests-{Guid.NewGuid():N}");
    private readonly Action<HaCoreNodeOptions>? _configure;

    public TestCluster(Action<HaCoreNodeOptions>? configure = null) => _configure = configure;

    /// <summary>Called with each node's state machine before the node starts (and again on a restart).</summary>
    public Action<ulong, KvStateMachine>? PrepareStateMachine { get; set; }

    public Dictionary<ulong, ReplicatedStateMachine<KvStateMachine, string, string>> Nodes { get; } = [];

    public Dictionary<ulong, KvStateMachine> StateMachines { get; } = [];

    public InMemoryRaftNetwork Network => _network;

    public IReadOnlyList<ulong> InitialVoters { get; private set; } = [];

    public HaCoreNodeOptions OptionsFor(ulong id)
    {
        var options = new HaCoreNodeOptions
        {
            NodeId = id,
            ClusterId = 7,
            DataDirectory = Path.Combine(_root, $"node-{id}"),
            TickInterval = TimeSpan.FromMilliseconds(20),
            ElectionTicks = 10,
            RandomSeed = id * 7919,
            ProposalTimeout = TimeSpan.FromSeconds(10),
            AddressResolver = address => new InMemoryEndPoint(ulong.Parse(address["inmemory:".Length..], System.Globalization.CultureInfo.InvariantCulture)),
        };
        options.Storage = new Storage.StorageOptions { SegmentSizeBytes = 1 << 20, MaxRecordBytes = 256 << 10, ZeroFillSegments = false };
        foreach (var v in InitialVoters)
        {
            options.InitialVoters.Add(v);
            options.Peers[v] = new InMemoryEndPoint(v);
        }

        _configure?.Invoke(options);
        return options;
    }

    public static async Task<TestCluster> StartAsync(int voters, Action<HaCoreNodeOptions>? configure = null, Action<ulong, KvStateMachine>? prepareStateMachine = null)
    {
        var cluster = new TestCluster(configure) { InitialVoters = Enumerable.Range(1, voters).Select(i => (ulong)i).ToArray(), PrepareStateMachine = prepareStateMachine };
        foreach (var id in cluster.InitialVoters)
        {
            await cluster.StartNodeAsync(id);
        }

        return cluster;
    }

    public async Task<ReplicatedStateMachine<KvStateMachine, string, string>> StartNodeAsync(ulong id)
    {
        var sm = new KvStateMachine();
        PrepareStateMachine?.Invoke(id, sm);
        var node = await ReplicatedStateMachine<KvStateMachine, string, string>.StartAsync(
            OptionsFor(id), sm, StringCodec.Instance, StringCodec.Instance, _network.CreateTransport(id));
        Nodes[id] = node;
        StateMachines[id] = sm;
        return node;
    }

    public async Task StopNodeAsync(ulong id)
    {
        await Nodes[id].DisposeAsync();
        Nodes.Remove(id);
    }

    /// <summary>Waits until a running node leads, and returns it.</summary>
    public async Task<ReplicatedStateMachine<KvStateMachine, string, string>> LeaderAsync(TimeSpan? timeout = null)
    {
        ReplicatedStateMachine<KvStateMachine, string, string>? leader = null;
        await Eventually.TrueAsync(() =>
        {
            leader = Nodes.Values.Where(n => n.Status.Role == RaftRole.Leader).MaxBy(n => n.Status.Term);
            return leader is not null;
        }, timeout ?? TimeSpan.FromSeconds(20), "a leader is elected");
        return leader!;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var node in Nodes.Values)
        {
            await node.DisposeAsync();
        }

        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

