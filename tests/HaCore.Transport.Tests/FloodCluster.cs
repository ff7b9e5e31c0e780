using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using HaCore.Raft;

namespace HaCore.Transport.Tests;

/// <summary>
/// Three Raft nodes (<see cref="RaftOverTransport"/>) over real <see cref="TcpRaftTransport"/>s on
/// 127.0.0.1 with a cluster secret, committing entries one after another while the flood tests attack
/// one node's port. Every node also knows a spare peer id (<see cref="SpareId"/>) that no process runs:
/// the authenticated attacker (a holder of the secret) connects as that id.
/// </summary>
internal sealed class FloodCluster : IAsyncDisposable
{
    public const ulong SpareId = 9;
    public const string ClusterId = "flood-cluster";
    public static readonly byte[] Secret = [.. Enumerable.Range(7, 32).Select(i => (byte)i)];

    private readonly ConcurrentDictionary<long, TaskCompletionSource> _waiting = new();
    private long _sequence;

    private FloodCluster()
    {
    }

    public Dictionary<ulong, TcpRaftTransport> Transports { get; } = [];

    public Dictionary<ulong, CapturingLogger> Loggers { get; } = [];

    public Dictionary<ulong, RaftOverTransport> Nodes { get; } = [];

    public Dictionary<ulong, TcpTransportOptions> Options { get; } = [];

    /// <summary>Starts the three nodes and waits for a leader. <paramref name="configure"/> may change a node's options.</summary>
    public static async Task<FloodCluster> StartAsync(Func<TcpTransportOptions, TcpTransportOptions>? configure = null)
    {
        var cluster = new FloodCluster();
        ulong[] ids = [1, 2, 3];
        try
        {
            foreach (var id in ids)
            {
                var options = new TcpTransportOptions
                {
                    NodeId = id,
                    ClusterId = ClusterId,
                    ClusterSecret = Secret,
                    ReconnectBackoffMin = TimeSpan.FromMilliseconds(10),
                    ReconnectBackoffMax = TimeSpan.FromMilliseconds(200),
                    RandomSeed = (int)id,
                };
                options = configure?.Invoke(options) ?? options;
                var logger = new CapturingLogger();
                var transport = new TcpRaftTransport(options, logger);
                var node = new RaftOverTransport(id, ids, transport);
                node.AppliedObserver = cluster.OnApplied;
                node.RetainHistory = false;
                await transport.StartAsync(node, TestContext.Current.CancellationToken);
                cluster.Options[id] = options;
                cluster.Transports[id] = transport;
                cluster.Loggers[id] = logger;
                cluster.Nodes[id] = node;
            }

            foreach (var id in ids)
            {
                cluster.Transports[id].SetPeers(cluster.PeersOf(id));
            }

            foreach (var node in cluster.Nodes.Values)
            {
                node.Start();
            }

            await cluster.LeaderAsync();
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <summary>The peers of node <paramref name="id"/>: the other two, and the spare id at an address where nothing listens.</summary>
    public IReadOnlyCollection<PeerAddress> PeersOf(ulong id)
    {
        List<PeerAddress> peers = [.. Transports.Keys.Where(p => p != id).Select(p => new PeerAddress(p, Transports[p].LocalEndPoint!))];
        peers.Add(new PeerAddress(SpareId, new IPEndPoint(IPAddress.Loopback, 1)));
        return peers;
    }

    /// <summary>The one node that says it leads (waits for it).</summary>
    public async Task<ulong> LeaderAsync(double seconds = 60)
    {
        ulong leader = 0;
        await Wait.UntilAsync(
            () =>
            {
                var leaders = Nodes.Where(n => n.Value.IsLeader).Select(n => n.Key).ToList();
                leader = leaders.Count == 1 ? leaders[0] : 0;
                return leader != 0;
            },
            "one leader",
            seconds);
        return leader;
    }

    /// <summary>Proposes one entry on the leader and waits until it is applied (committed); the time that took.
    /// Re-proposes on the current leader every few seconds if the entry was lost in a leader change;
    /// fails the test after <paramref name="seconds"/>.</summary>
    public async Task<TimeSpan> CommitAsync(double seconds = 30)
    {
        var sequence = Interlocked.Increment(ref _sequence);
        var data = new byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(data, sequence);
        var applied = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _waiting[sequence] = applied;
        var clock = Stopwatch.StartNew();
        try
        {
            while (!applied.Task.IsCompleted)
            {
                var remaining = TimeSpan.FromSeconds(seconds) - clock.Elapsed;
                if (remaining <= TimeSpan.Zero)
                {
                    Assert.Fail($"entry {sequence} was not committed within {seconds} s");
                }

                var leader = await LeaderAsync(remaining.TotalSeconds);
                Nodes[leader].Propose(data);
                try
                {
                    await applied.Task.WaitAsync(TimeSpan.FromSeconds(Math.Min(5, remaining.TotalSeconds)), TestContext.Current.CancellationToken);
                }
                catch (TimeoutException)
                {
                    // Lost with a leader change, or just slow: propose again (an entry applied twice is harmless here).
                }
            }

            return clock.Elapsed;
        }
        finally
        {
            _waiting.TryRemove(sequence, out _);
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var node in Nodes.Values)
        {
            await node.DisposeAsync();
        }

        foreach (var transport in Transports.Values)
        {
            await transport.DisposeAsync();
        }
    }

    private void OnApplied(byte[] data)
    {
        if (data.Length == 8 && _waiting.TryGetValue(BinaryPrimitives.ReadInt64LittleEndian(data), out var waiter))
        {
            waiter.TrySetResult();
        }
    }
}

/// <summary>What the process holds: managed heap, working set, open file descriptors (sockets included).</summary>
internal readonly record struct ResourceUse(long ManagedBytes, long WorkingSetBytes, int Handles)
{
    /// <summary>Now; with <paramref name="collect"/>, after a full blocking collection (what is still live).</summary>
    public static ResourceUse Measure(bool collect)
    {
        if (collect)
        {
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
            GC.WaitForPendingFinalizers();
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        }

        using var process = Process.GetCurrentProcess();
        var handles = Directory.Exists("/proc/self/fd") ? Directory.GetFileSystemEntries("/proc/self/fd").Length : process.HandleCount;
        return new ResourceUse(GC.GetTotalMemory(false), process.WorkingSet64, handles);
    }

    public static ResourceUse Max(ResourceUse a, ResourceUse b) =>
        new(Math.Max(a.ManagedBytes, b.ManagedBytes), Math.Max(a.WorkingSetBytes, b.WorkingSetBytes), Math.Max(a.Handles, b.Handles));

    public override string ToString() =>
        $"heap {ManagedBytes / (1 << 20)} MiB, working set {WorkingSetBytes / (1 << 20)} MiB, {Handles} fds";
}

/// <summary>Samples the flooded node's connection counts and the process's resources until disposed; keeps the maxima.</summary>
internal sealed class FloodSampler : IAsyncDisposable
{
    private readonly TcpRaftTransport _transport;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _run;

    public FloodSampler(TcpRaftTransport transport)
    {
        _transport = transport;
        Peak = ResourceUse.Measure(collect: false);
        _run = Task.Run(RunAsync);
    }

    public int MaxInboundConnections { get; private set; }

    public int MaxPendingHandshakes { get; private set; }

    public ResourceUse Peak { get; private set; }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _run;
        _stop.Dispose();
    }

    private async Task RunAsync()
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(20));
        var samples = 0;
        do
        {
            MaxInboundConnections = Math.Max(MaxInboundConnections, _transport.InboundConnections);
            MaxPendingHandshakes = Math.Max(MaxPendingHandshakes, _transport.PendingHandshakes);
            if (samples++ % 5 == 0)
            {
                Peak = ResourceUse.Max(Peak, ResourceUse.Measure(collect: false));
            }
        }
        while (await WaitAsync(timer));
    }

    private async Task<bool> WaitAsync(PeriodicTimer timer)
    {
        try
        {
            return await timer.WaitForNextTickAsync(_stop.Token);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
