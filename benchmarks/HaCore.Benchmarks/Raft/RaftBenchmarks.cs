using BenchmarkDotNet.Attributes;
using HaCore.Raft;
using HaCore.Raft.Tracker;

namespace HaCore.Benchmarks.Raft;

/// <summary>Quorum arithmetic: the commit index over 3, 5 and 7 voters.</summary>
[MemoryDiagnoser]
public class QuorumBenchmarks
{
    private ulong[] _matches = [];

    /// <summary>Voters in the configuration.</summary>
    [Params(3, 5, 7)]
    public int Voters { get; set; }

    /// <summary>Builds match indexes.</summary>
    [GlobalSetup]
    public void Setup() => _matches = [.. Enumerable.Range(0, Voters).Select(i => (ulong)(1000 + (i * 7919 % 13)))];

    /// <summary>The median of the match indexes.</summary>
    [Benchmark]
    public ulong CommittedIndex() => MajorityQuorum.CommittedIndex(_matches);
}

/// <summary>
/// A 3-node cluster in memory: messages are stepped into their recipients as soon as the sender's
/// Ready is handled, so this measures the protocol and the log, not a network.
/// </summary>
public sealed class InMemoryCluster
{
    private readonly RawNode[] _nodes;
    private readonly MemoryRaftStorage[] _storages;

    public InMemoryCluster(int size)
    {
        var voters = Enumerable.Range(1, size).Select(i => (ulong)i).ToArray();
        _nodes = new RawNode[size];
        _storages = new MemoryRaftStorage[size];
        for (var i = 0; i < size; i++)
        {
            _storages[i] = new MemoryRaftStorage();
            RaftBootstrap.Bootstrap(_storages[i], voters);
            _nodes[i] = new RawNode(new RaftOptions { Id = voters[i], RandomSeed = 7, MaxUncommittedEntriesSize = 0 }, _storages[i]);
        }

        Pump();
        Leader.Campaign();
        Pump();
        if (Leader.Role != RaftRole.Leader)
        {
            throw new InvalidOperationException("node 1 did not become leader");
        }
    }

    public RawNode Leader => _nodes[0];

    public long Applied { get; private set; }

    /// <summary>Handles Ready on every node until none has work.</summary>
    public void Pump()
    {
        bool any;
        do
        {
            any = false;
            for (var i = 0; i < _nodes.Length; i++)
            {
                var node = _nodes[i];
                if (!node.HasReady)
                {
                    continue;
                }

                any = true;
                var ready = node.GetReady();
                Deliver(ready.Messages);
                var storage = _storages[i];
                storage.Append(ready.Entries.Span);
                if (ready.HardState is { } hs)
                {
                    storage.SetHardState(hs);
                }

                Deliver(ready.MessagesAfterPersist);
                Applied += ready.CommittedEntries.Length;
                node.Advance();

                // Keep the in-memory log short, as snapshots would.
                var applied = node.AppliedIndex;
                if (applied > storage.FirstIndex + 4096)
                {
                    storage.Compact(applied - 1024);
                }
            }
        }
        while (any);
    }

    private void Deliver(ReadOnlySpan<Message> messages)
    {
        foreach (ref readonly var m in messages)
        {
            _nodes[(int)m.To - 1].Step(m);
        }
    }
}

/// <summary>The leader's hot paths: handling append responses, and a whole propose → commit → apply loop.</summary>
[MemoryDiagnoser]
public class RaftBenchmarks
{
    private static readonly byte[] Payload = new byte[256];
    private InMemoryCluster _cluster = null!;

    /// <summary>Entries proposed before the cluster is pumped: the batching a node loop achieves.</summary>
    [Params(1, 64)]
    public int Batch { get; set; }

    /// <summary>Forms the cluster.</summary>
    [GlobalSetup]
    public void Setup() => _cluster = new InMemoryCluster(3);

    /// <summary>
    /// 1,024 entries proposed in batches, each replicated to both followers, committed and applied
    /// on all three nodes. Reported per entry.
    /// </summary>
    [Benchmark(OperationsPerInvoke = 1024)]
    public long ProposeCommitApply3Nodes()
    {
        for (var done = 0; done < 1024; done += Batch)
        {
            for (var i = 0; i < Batch; i++)
            {
                _cluster.Leader.Propose(Payload);
            }

            _cluster.Pump();
        }

        return _cluster.Applied;
    }
}

/// <summary>The leader stepping append responses in steady state (each acknowledges one new entry).</summary>
[MemoryDiagnoser]
public class LeaderAppendResponseBenchmarks
{
    private static readonly byte[] Payload = new byte[64];
    private RawNode _leader = null!;
    private MemoryRaftStorage _storage = null!;

    /// <summary>A leader of three voters whose followers are caught up.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _storage = new MemoryRaftStorage();
        RaftBootstrap.Bootstrap(_storage, [1, 2, 3]);
        _leader = new RawNode(new RaftOptions { Id = 1, RandomSeed = 3, MaxUncommittedEntriesSize = 0, MaxInflightMessages = 4096 }, _storage);
        Drain();
        _leader.Campaign();
        Drain();
        _leader.Step(new Message { Type = MessageType.PreVoteResponse, From = 2, To = 1, Term = 2 });
        Drain();
        _leader.Step(new Message { Type = MessageType.VoteResponse, From = 2, To = 1, Term = 2 });
        Drain();
        Ack(_leader.LastIndex);
    }

    private void Drain()
    {
        while (_leader.HasReady)
        {
            var ready = _leader.GetReady();
            _storage.Append(ready.Entries.Span);
            if (ready.HardState is { } hs)
            {
                _storage.SetHardState(hs);
            }

            _leader.Advance();
        }

        if (_storage.LastIndex > _storage.FirstIndex + 4096)
        {
            _storage.Compact(_leader.AppliedIndex - 1024);
        }
    }

    private void Ack(ulong index)
    {
        _leader.Step(new Message { Type = MessageType.AppendResponse, From = 2, To = 1, Term = 2, Index = index });
        _leader.Step(new Message { Type = MessageType.AppendResponse, From = 3, To = 1, Term = 2, Index = index });
        Drain();
    }

    /// <summary>Propose one entry, persist it, and step two followers' acknowledgements; per entry.</summary>
    [Benchmark(OperationsPerInvoke = 1024)]
    public ulong ProposeAndAcknowledge()
    {
        for (var i = 0; i < 1024; i++)
        {
            var result = _leader.Propose(Payload);
            Drain();
            Ack(result.Index);
        }

        return _leader.CommitIndex;
    }
}
