using HaCore.Raft;
using HaCore.Testing.History;

namespace HaCore.Testing.Simulation;

/// <summary>
/// A whole Raft cluster on one thread from one seed: simulated network, crashes that lose what was not
/// persisted, partitions, membership changes, leadership transfers, snapshots, and clients whose
/// operations are recorded as a history. Safety invariants are checked after every step; a failure
/// throws <see cref="SimulationFailureException"/> naming the seed.
/// </summary>
public sealed partial class ClusterSimulator
{
    private readonly SimulationOptions _options;
    private readonly DeterministicRandom _random;
    private readonly SortedDictionary<ulong, SimNode> _nodes = [];
    private readonly Queue<ulong> _spareIds = new();
    private readonly SafetyChecker _checker;
    private readonly ClientDriver _clients;
    private ConfState _membership;
    private ulong _membershipIndex;
    private long _now;
    private bool _faultsEnabled = true;

    /// <summary>Creates the cluster: voters 1..n bootstrapped, spare ids started empty.</summary>
    public ClusterSimulator(SimulationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _random = new DeterministicRandom(options.Seed);
        Network = new SimNetwork(options, new DeterministicRandom(options.Seed ^ 0x5EED_0F_0E7UL));
        _checker = new SafetyChecker(this);
        _clients = new ClientDriver(this, new DeterministicRandom(options.Seed ^ 0xC11E47UL));

        var voters = Enumerable.Range(1, options.InitialVoters).Select(i => (ulong)i).ToArray();
        _membership = new ConfState(voters, []);
        _membershipIndex = (ulong)voters.Length;
        foreach (var id in voters)
        {
            var node = new SimNode(id);
            RaftBootstrap.Bootstrap(node.Storage, voters);
            _nodes[id] = node;
            node.Start(NodeOptions(id));
        }

        for (var i = 1; i <= options.SpareNodes; i++)
        {
            var id = (ulong)(options.InitialVoters + i);
            _spareIds.Enqueue(id);
            var node = new SimNode(id);
            _nodes[id] = node;
            node.Start(NodeOptions(id));
        }
    }

    /// <summary>The options of this run.</summary>
    public SimulationOptions Options => _options;

    /// <summary>The simulated network.</summary>
    public SimNetwork Network { get; }

    /// <summary>Every node, by id.</summary>
    public IReadOnlyDictionary<ulong, SimNode> Nodes => _nodes;

    /// <summary>The membership as of the highest applied membership change.</summary>
    public ConfState Membership => _membership;

    /// <summary>The current simulated time.</summary>
    public long Now => _now;

    /// <summary>The client history recorded so far.</summary>
    public IReadOnlyList<HistoryEvent> History => _clients.History;

    /// <summary>Counters of what happened, for the test's output.</summary>
    public SimulationStats Stats { get; } = new();

    private RaftOptions NodeOptions(ulong id) => new()
    {
        Id = id,
        ElectionTick = _options.ElectionTick,
        HeartbeatTick = 1,
        RandomSeed = _options.Seed,
        MaxSizePerMessage = _options.MaxSizePerMessage,
        MaxInflightMessages = 16,
        MaxInflightBytes = Math.Max(64 * 1024, _options.MaxSizePerMessage),
        MaxUncommittedEntriesSize = 256 * 1024,
        UnsafeCommitOlderTerms = _options.UnsafeCommitOlderTerms,
    };

    /// <summary>Runs the whole scenario: faults and clients, then heal, converge and check everything.</summary>
    /// <exception cref="SimulationFailureException">An invariant or the liveness bound failed.</exception>
    public SimulationStats Run(Action<string>? progress = null)
    {
        try
        {
            for (var t = 0; t < _options.Duration; t++)
            {
                Step();
                if (progress is not null && (t + 1) % Math.Max(1, _options.Duration / 10) == 0)
                {
                    var leader = CurrentLeader();
                    progress($"t={_now,6}  leader={leader?.Id.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "-"} " +
                             $"term={leader?.Raft?.Term ?? 0,3} commit={leader?.Raft?.CommitIndex ?? 0,5}  {Stats}");
                }
            }

            progress?.Invoke($"t={_now,6}  healing the network, restarting crashed nodes, waiting for convergence");

            Converge();
            _checker.CheckFinal();
            CheckLinearizable();
            return Stats;
        }
        catch (SimulationFailureException)
        {
            throw;
        }
        catch (Exception ex)
        {
            throw new SimulationFailureException(_options.Seed, _now, $"unexpected {ex.GetType().Name}: {ex.Message}", ex);
        }
    }

    private void CheckLinearizable()
    {
        var history = History;
        var result = new LinearizabilityChecker().Check(history);
        if (result.Outcome == LinearizabilityOutcome.Linearizable)
        {
            return;
        }

        // Keep the history so that the failure can be judged again outside the test.
        var path = Path.Combine(Path.GetTempPath(), $"hacore-sim-{_options.Seed}-history.jsonl");
        HistoryJson.WriteFile(path, history);
        throw Fail($"client history is {result.Outcome}: {result.Explanation} (history written to {path})");
    }

    /// <summary>Fails the run with a message naming the seed.</summary>
    internal SimulationFailureException Fail(string message) => new(_options.Seed, _now, message);

    /// <summary>One unit of simulated time.</summary>
    public void Step()
    {
        _now++;
        foreach (var m in Network.Due(_now))
        {
            if (_nodes.TryGetValue(m.To, out var node) && node.Raft is { } raft)
            {
                raft.Step(m);
            }
        }

        foreach (var (leader, follower, delivered) in Network.SnapshotReports)
        {
            if (_nodes[leader].Raft is { } raft)
            {
                raft.ReportSnapshot(follower, delivered);
            }
        }

        Network.SnapshotReports.Clear();

        foreach (var node in _nodes.Values)
        {
            // Each node's clock has its own phase, so ticks do not line up across the cluster.
            if (node.Raft is { } raft && (_now + (long)node.Id * 3) % _options.TickInterval == 0)
            {
                raft.Tick();
            }
        }

        if (_faultsEnabled)
        {
            InjectFaults();
            _clients.MaybeIssue();
        }

        foreach (var node in _nodes.Values)
        {
            ProcessReady(node);
        }

        _clients.ExpireTimedOut();
        _checker.CheckStep();
    }

    private void ProcessReady(SimNode node)
    {
        for (var rounds = 0; node.Raft is { } raft && raft.HasReady; rounds++)
        {
            if (rounds > 1000)
            {
                throw Fail($"node {node.Id} produced Ready 1000 times in one step");
            }

            var ready = raft.GetReady();
            if (ready.SoftState is { Role: RaftRole.Leader })
            {
                Stats.Elections++;
                _checker.OnBecameLeader(node);
            }

            foreach (ref readonly var m in ready.Messages)
            {
                Network.Send(m, _now);
            }

            if (_faultsEnabled && _random.NextDouble() < _options.CrashMidReadyRate)
            {
                // Power loss after the leader's appends left but before anything was persisted.
                Stats.MidReadyCrashes++;
                CrashNode(node);
                return;
            }

            if (ready.Snapshot is { } snapshot)
            {
                node.Storage.ApplySnapshot(snapshot);
                node.Kv.Restore(snapshot.Data.Span);
                Stats.SnapshotsInstalled++;
            }

            node.Storage.Append(ready.Entries.Span);
            if (ready.HardState is { } hard)
            {
                node.Storage.SetHardState(hard);
            }

            foreach (ref readonly var m in ready.MessagesAfterPersist)
            {
                Network.Send(m, _now);
            }

            foreach (ref readonly var entry in ready.CommittedEntries.Span)
            {
                Apply(node, entry);
            }

            foreach (ref readonly var rs in ready.ReadStates)
            {
                if (node.PendingReads.ContainsKey(rs.Context))
                {
                    node.PendingReads[rs.Context] = rs.Index;
                }
            }

            foreach (var context in ready.RejectedReads)
            {
                if (node.PendingReads.Remove(context))
                {
                    _clients.CompleteRead(context, ok: false, value: null);
                }
            }

            raft.Advance();
            _clients.ServeReads(node);
            MaybeSnapshot(node);
        }
    }

    private void Apply(SimNode node, in Entry entry)
    {
        _checker.OnApplied(node, entry);
        var pending = node.PendingProposals.Remove(entry.Index, out var proposal);
        KvCommand? command = null;
        var tookEffect = false;
        if (entry.Type == EntryType.ConfChange)
        {
            node.Kv.Skip(entry.Index);
            PublishMembershipChange(entry);
        }
        else if (entry.Data.IsEmpty)
        {
            node.Kv.Skip(entry.Index);
        }
        else
        {
            command = KvCommand.Decode(entry.Data.Span);
            tookEffect = node.Kv.Apply(entry.Index, command);
        }

        if (command is not null && node.PendingForwards.Remove(command.OperationId))
        {
            _clients.CompleteWrite(command.OperationId, tookEffect ? ClientOutcome.Ok : ClientOutcome.Fail);
        }

        if (pending)
        {
            // The proposal this node accepted at this index either is this entry, or can never commit.
            var ours = command is not null && command.OperationId == proposal.OperationId;
            _clients.CompleteWrite(proposal.OperationId, ours && tookEffect ? ClientOutcome.Ok : ClientOutcome.Fail);
        }
    }

    private void PublishMembershipChange(in Entry entry)
    {
        if (entry.Index <= _membershipIndex)
        {
            return;
        }

        // Every replica applies the same committed changes: the first to apply one publishes it.
        _membershipIndex = entry.Index;
        var change = ConfChange.Decode(entry.Data.Span);
        if (_membership.Validate(change) is null)
        {
            _membership = _membership.Apply(change);
            Stats.MembershipChanges++;
            if (change.Type == ConfChangeType.Remove)
            {
                _nodes[change.NodeId].Removed = true;
            }
        }
    }

    private void MaybeSnapshot(SimNode node)
    {
        if (node.Raft is not { } raft)
        {
            return;
        }

        var applied = raft.AppliedIndex;
        if (applied < node.Storage.Snapshot.Metadata.Index + (ulong)_options.SnapshotEvery)
        {
            return;
        }

        node.Storage.CreateSnapshot(applied, raft.ConfState, node.Kv.Snapshot());

        // Keep a few entries behind the snapshot so a slightly lagging follower still gets appends.
        var keep = (ulong)_random.Next(20);
        if (applied > keep + 1)
        {
            node.Storage.Compact(applied - keep);
        }

        Stats.Snapshots++;
    }

    internal void CrashNode(SimNode node)
    {
        node.Crash();
        _clients.OnCrash(node);
        Stats.Crashes++;
    }

    internal void RestartNode(SimNode node)
    {
        node.Start(NodeOptions(node.Id));
        _checker.OnRestart(node);
        Stats.Restarts++;
    }

    /// <summary>The node that is leader with the highest term, if any.</summary>
    public SimNode? CurrentLeader()
    {
        SimNode? best = null;
        foreach (var node in _nodes.Values)
        {
            if (node.Raft is { Role: RaftRole.Leader } raft && (best is null || raft.Term > best.Raft!.Term))
            {
                best = node;
            }
        }

        return best;
    }

    private void Converge()
    {
        _faultsEnabled = false;
        Network.Heal();
        foreach (var node in _nodes.Values)
        {
            if (!node.Alive)
            {
                RestartNode(node);
            }
        }

        var deadline = _now + _options.ConvergeTimeout;
        while (_now < deadline)
        {
            Step();
            if (IsConverged())
            {
                _clients.ExpireAll();
                return;
            }
        }

        var leader = CurrentLeader();
        var states = string.Join("; ", _nodes.Values.Select(n =>
            $"{n.Id}:{n.Raft!.Role} t{n.Raft.Term} c{n.Raft.CommitIndex} a{n.Raft.AppliedIndex} l{n.Raft.LastIndex}{(n.Removed ? " removed" : string.Empty)}"));
        throw Fail($"no convergence within {_options.ConvergeTimeout} time units after healing (liveness); leader {leader?.Id}; membership {_membership}; {states}");
    }

    private bool IsConverged()
    {
        var leader = CurrentLeader();
        if (leader?.Raft is not { } lr || lr.CommitIndex != lr.LastIndex || _clients.HasPending)
        {
            return false;
        }

        foreach (var id in _membership.Voters.Concat(_membership.Learners))
        {
            var raft = _nodes[id].Raft!;
            if (raft.Leader != leader.Id || raft.AppliedIndex != lr.CommitIndex || raft.LastIndex != lr.LastIndex)
            {
                return false;
            }
        }

        return true;
    }
}

/// <summary>Counts of what a simulated run did.</summary>
public sealed class SimulationStats
{
    /// <summary>Times a node became leader.</summary>
    public int Elections { get; set; }

    /// <summary>Crashes, including those between a Ready's messages and its persistence.</summary>
    public int Crashes { get; set; }

    /// <summary>Crashes in the middle of handling a Ready.</summary>
    public int MidReadyCrashes { get; set; }

    /// <summary>Restarts from durable storage.</summary>
    public int Restarts { get; set; }

    /// <summary>Partitions started.</summary>
    public int Partitions { get; set; }

    /// <summary>Membership changes applied.</summary>
    public int MembershipChanges { get; set; }

    /// <summary>Leadership transfers requested.</summary>
    public int Transfers { get; set; }

    /// <summary>Snapshots taken.</summary>
    public int Snapshots { get; set; }

    /// <summary>Snapshots installed from a leader.</summary>
    public int SnapshotsInstalled { get; set; }

    /// <summary>Client operations that completed with ok.</summary>
    public int OkOperations { get; set; }

    /// <summary>Client operations invoked.</summary>
    public int Operations { get; set; }

    /// <inheritdoc />
    public override string ToString() =>
        $"ops={Operations} ok={OkOperations} elections={Elections} crashes={Crashes} (mid-ready {MidReadyCrashes}) restarts={Restarts} " +
        $"partitions={Partitions} membership={MembershipChanges} transfers={Transfers} snapshots={Snapshots} installed={SnapshotsInstalled}";
}
