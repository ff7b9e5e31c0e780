using HaCore.Raft;

namespace HaCore.Transport.Tests;

/// <summary>Per-node settings the contract tests vary.</summary>
public sealed record NodeSettings(long QueueBytes = 32L << 20, int SnapshotChunkBytes = 256 << 10);

/// <summary>
/// The contract every <see cref="IRaftTransport"/> meets; one subclass per implementation, so the
/// in-memory transport the runtime tests use cannot drift from TCP.
/// </summary>
public abstract class TransportContractTests : IAsyncLifetime
{
    private readonly Dictionary<ulong, (IRaftTransport Transport, RecordingSink Sink)> _nodes = [];

    /// <summary>Creates (does not start) the transport of node <paramref name="id"/>.</summary>
    private protected abstract IRaftTransport Create(ulong id, NodeSettings settings);

    /// <summary>The address of a started node.</summary>
    private protected abstract PeerAddress AddressOf(ulong id);

    /// <summary>An address where node <paramref name="id"/> would be, but nothing runs.</summary>
    private protected abstract PeerAddress AbsentAddress(ulong id);

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        foreach (var (transport, _) in _nodes.Values)
        {
            await transport.DisposeAsync();
        }

        GC.SuppressFinalize(this);
    }

    private protected IRaftTransport Transport(ulong id) => _nodes[id].Transport;

    private protected RecordingSink Sink(ulong id) => _nodes[id].Sink;

    private protected async Task<RecordingSink> StartAsync(ulong id, NodeSettings? settings = null)
    {
        var transport = Create(id, settings ?? new NodeSettings());
        var sink = new RecordingSink();
        await transport.StartAsync(sink, TestContext.Current.CancellationToken);
        _nodes[id] = (transport, sink);
        return sink;
    }

    /// <summary>Starts node <paramref name="id"/> delivering to <paramref name="sink"/> (its <see cref="Sink"/> stays empty).</summary>
    private protected async Task StartAsync(ulong id, IRaftMessageSink sink)
    {
        var transport = Create(id, new NodeSettings());
        await transport.StartAsync(sink, TestContext.Current.CancellationToken);
        _nodes[id] = (transport, new RecordingSink());
    }

    private protected async Task StopAllAsync()
    {
        foreach (var id in _nodes.Keys.ToArray())
        {
            await StopAsync(id);
        }
    }

    private protected async Task StopAsync(ulong id)
    {
        await _nodes[id].Transport.DisposeAsync();
        _nodes.Remove(id);
    }

    /// <summary>Makes every listed node a peer of every other.</summary>
    private protected void Connect(params ulong[] ids)
    {
        foreach (var id in ids)
        {
            Transport(id).SetPeers([.. ids.Where(p => p != id).Select(AddressOf)]);
        }
    }

    [Fact]
    public async Task Messages_arrive_in_order_per_peer()
    {
        await StartAsync(1);
        await StartAsync(2);
        await StartAsync(3);
        Connect(1, 2, 3);
        const int count = 300;
        for (ulong i = 1; i <= count; i++)
        {
            Assert.True(Transport(1).TrySend(Messages.Append(1, 2, i)));
            Assert.True(Transport(1).TrySend(Messages.Append(1, 3, i)));
            Assert.True(Transport(2).TrySend(Messages.Heartbeat(2, 1, i)));
        }

        await Wait.UntilAsync(() => Sink(2).Messages.Count == count && Sink(3).Messages.Count == count && Sink(1).Messages.Count == count, "all messages");
        Assert.Equal(Enumerable.Range(1, count).Select(i => (ulong)i), Sink(2).Messages.Select(m => m.Index));
        Assert.Equal(Enumerable.Range(1, count).Select(i => (ulong)i), Sink(3).Messages.Select(m => m.Index));
        Assert.Equal(Enumerable.Range(1, count).Select(i => (ulong)i), Sink(1).Messages.Select(m => m.Context));
        Assert.All(Sink(2).Messages, m => Assert.Equal(8, m.Entries.Span[0].Data.Length));
    }

    [Fact]
    public async Task The_callers_memory_may_be_reused_after_TrySend()
    {
        await StartAsync(1);
        await StartAsync(2);
        Connect(1, 2);
        var payload = new byte[] { 1, 2, 3, 4 };
        var message = Messages.Append(1, 2, 5) with { Entries = new[] { new Entry(1, 6, payload) } };
        Assert.True(Transport(1).TrySend(message));
        Array.Clear(payload);
        await Wait.UntilAsync(() => !Sink(2).Messages.IsEmpty, "the message");
        Assert.Equal(new byte[] { 1, 2, 3, 4 }, Sink(2).Messages.Single().Entries.Span[0].Data.ToArray());
    }

    [Fact]
    public async Task Sending_to_an_unknown_peer_returns_false()
    {
        await StartAsync(1);
        Assert.False(Transport(1).TrySend(Messages.Heartbeat(1, 9)));
    }

    [Fact]
    public async Task A_full_queue_drops_and_reports_the_peer_unreachable()
    {
        var sink = await StartAsync(1, new NodeSettings(QueueBytes: 64 << 10));
        Transport(1).SetPeers([AbsentAddress(2)]);
        var sent = 0;
        while (Transport(1).TrySend(Messages.Append(1, 2, (ulong)sent, payloadBytes: 1024)))
        {
            sent++;
            Assert.True(sent < 200, "the queue never filled");
        }

        Assert.InRange(sent, 40, 64);
        Assert.Contains(2ul, sink.Unreachable);
    }

    [Fact]
    public async Task A_peer_that_restarts_is_reconnected()
    {
        await StartAsync(1);
        await StartAsync(2);
        Connect(1, 2);
        Assert.True(Transport(1).TrySend(Messages.Heartbeat(1, 2, 1)));
        await Wait.UntilAsync(() => !Sink(2).Messages.IsEmpty, "first message");

        await StopAsync(2);
        var restarted = await StartAsync(2);
        Transport(2).SetPeers([AddressOf(1)]);
        ulong context = 100;
        await Wait.UntilAsync(
            () =>
            {
                Transport(1).TrySend(Messages.Heartbeat(1, 2, context++));
                return !restarted.Messages.IsEmpty;
            },
            "a message to the restarted peer");
        Assert.True(Transport(2).TrySend(Messages.Heartbeat(2, 1, 7)));
        await Wait.UntilAsync(() => Sink(1).Messages.Any(m => m.Context == 7), "a message from the restarted peer");
    }

    [Fact]
    public async Task A_snapshot_of_a_few_megabytes_arrives_whole_and_is_reported_delivered()
    {
        await StartAsync(1);
        await StartAsync(2);
        Connect(1, 2);
        var data = Messages.RandomBytes(3 << 20, seed: 7);
        Assert.True(Transport(1).TrySend(Messages.Snapshot(1, 2, data)));
        Assert.True(Transport(1).TrySend(Messages.Heartbeat(1, 2, 1)));

        await Wait.UntilAsync(() => Sink(1).SnapshotStatuses.Contains((2ul, true)), "snapshot delivered status");
        var received = Sink(2).Messages.Single(m => m.Type == MessageType.Snapshot);
        Assert.Equal(1000ul, received.Snapshot!.Metadata.Index);
        Assert.Equal(3ul, received.Snapshot.Metadata.Term);
        Assert.Equal(new ConfState([1, 2, 3], []), received.Snapshot.Metadata.ConfState);
        Assert.True(received.Snapshot.Data.Span.SequenceEqual(data));
        await Wait.UntilAsync(() => Sink(2).Messages.Any(m => m.Type == MessageType.Heartbeat), "the heartbeat");
    }

    [Fact]
    public async Task The_same_snapshot_sent_again_is_delivered_again()
    {
        await StartAsync(1);
        await StartAsync(2);
        Connect(1, 2);
        var data = Messages.RandomBytes(100_000, seed: 3);
        Assert.True(Transport(1).TrySend(Messages.Snapshot(1, 2, data)));
        await Wait.UntilAsync(() => Sink(1).SnapshotStatuses.Count == 1, "first status");
        Assert.True(Transport(1).TrySend(Messages.Snapshot(1, 2, data)));
        await Wait.UntilAsync(() => Sink(1).SnapshotStatuses.Count == 2, "second status");
        Assert.Equal([(2ul, true), (2ul, true)], Sink(1).SnapshotStatuses);
        Assert.Equal(2, Sink(2).Messages.Count(m => m.Type == MessageType.Snapshot));
    }

    [Fact]
    public async Task A_refused_snapshot_is_reported_not_delivered()
    {
        await StartAsync(1);
        var sink2 = await StartAsync(2);
        sink2.Filter = m => m.Type != MessageType.Snapshot;
        Connect(1, 2);
        Assert.True(Transport(1).TrySend(Messages.Snapshot(1, 2, Messages.RandomBytes(1000, 1))));
        await Wait.UntilAsync(() => Sink(1).SnapshotStatuses.Contains((2ul, false)), "snapshot refused status");
    }

    [Fact]
    public async Task A_removed_peer_is_no_longer_sent_to()
    {
        await StartAsync(1);
        await StartAsync(2);
        Connect(1, 2);
        Assert.True(Transport(1).TrySend(Messages.Heartbeat(1, 2, 1)));
        await Wait.UntilAsync(() => !Sink(2).Messages.IsEmpty, "first message");
        Transport(1).SetPeers([]);
        Assert.False(Transport(1).TrySend(Messages.Heartbeat(1, 2, 2)));
        Assert.True(Transport(2).TrySend(Messages.Heartbeat(2, 1, 3)), "the other direction is node 2's business");
    }

    [Fact]
    public async Task Three_raft_nodes_elect_a_leader_and_replicate_over_the_transport()
    {
        ulong[] ids = [1, 2, 3];
        var nodes = new Dictionary<ulong, RaftOverTransport>();
        try
        {
            foreach (var id in ids)
            {
                var transport = Create(id, new NodeSettings());
                var node = new RaftOverTransport(id, ids, transport);
                await transport.StartAsync(node, TestContext.Current.CancellationToken);
                _nodes[id] = (transport, new RecordingSink());
                nodes[id] = node;
            }

            Connect(ids);
            foreach (var node in nodes.Values)
            {
                node.Start();
            }

            await Wait.UntilAsync(() => nodes.Values.Count(n => n.IsLeader) == 1, "one leader");
            var leader = nodes.Values.Single(n => n.IsLeader);
            for (var i = 0; i < 50; i++)
            {
                leader.Propose([(byte)i, 1, 2, 3]);
            }

            await Wait.UntilAsync(() => nodes.Values.All(n => n.Applied.Count == 50), "every node applies the 50 entries");
            foreach (var node in nodes.Values)
            {
                Assert.Equal(Enumerable.Range(0, 50).Select(i => (byte)i), node.Applied.Select(a => a[0]));
            }
        }
        finally
        {
            foreach (var node in nodes.Values)
            {
                await node.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task Dispose_is_idempotent_and_sends_after_it_fail()
    {
        await StartAsync(1);
        await StartAsync(2);
        Connect(1, 2);
        var t = Transport(1);
        await StopAsync(1);
        await t.DisposeAsync();
        Assert.False(t.TrySend(Messages.Heartbeat(1, 2)));
    }
}

/// <summary>The contract over the in-memory network.</summary>
public sealed class InMemoryTransportContractTests : TransportContractTests
{
    private readonly InMemoryRaftNetwork _network = new();

    private protected override IRaftTransport Create(ulong id, NodeSettings settings) => _network.CreateTransport(id, settings.QueueBytes);

    private protected override PeerAddress AddressOf(ulong id) => InMemoryRaftNetwork.AddressOf(id);

    private protected override PeerAddress AbsentAddress(ulong id) => InMemoryRaftNetwork.AddressOf(id);

    [Fact]
    public async Task Messages_to_a_node_not_yet_started_wait_for_it()
    {
        await StartAsync(1);
        Transport(1).SetPeers([AddressOf(2)]);
        Assert.True(Transport(1).TrySend(Messages.Heartbeat(1, 2, 9)));
        var sink2 = await StartAsync(2);
        await Wait.UntilAsync(() => sink2.Messages.Any(m => m.Context == 9), "the waiting message");
    }

    [Fact]
    public async Task A_partition_loses_messages_until_healed()
    {
        await StartAsync(1);
        await StartAsync(2);
        Connect(1, 2);
        _network.Partition(1, 2);
        Assert.True(Transport(1).TrySend(Messages.Heartbeat(1, 2, 1)));
        _network.Heal();
        Assert.True(Transport(1).TrySend(Messages.Heartbeat(1, 2, 2)));
        await Wait.UntilAsync(() => Sink(2).Messages.Any(m => m.Context == 2), "message after heal");
        Assert.DoesNotContain(Sink(2).Messages, m => m.Context == 1);
    }
}
