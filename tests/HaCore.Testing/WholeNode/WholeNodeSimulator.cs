using HaCore.Raft;
using HaCore.Testing.Simulation;
using HaCore.Testing.Storage;

namespace HaCore.Testing.WholeNode;

/// <summary>
/// Whole nodes under deterministic simulation: N real node cores (sessions, reads, subscriptions, snapshots and
/// installs, transfer, expiry) over the real WAL and snapshot store on simulated devices with power-cut
/// semantics, a simulated network (loss, duplication, reordering, delay, one-way and two-way partitions that
/// leave a deposed leader running), one skewed and drifting clock per node, pauses that end in a burst of ticks,
/// crashes at any device operation, clients that retry on other nodes with the same request id, and subscribers
/// that resume on another node. One thread and one seed: a failing seed replays exactly.
/// </summary>
/// <remarks>
/// After every step: at most one leader per term, and every node applies the same command at the same index.
/// At the end (after healing and converging, and again after a power cut of every node at once): see
/// <see cref="WholeNodeChecks"/>.
/// </remarks>
public sealed partial class WholeNodeSimulator
{
    private readonly WholeNodeOptions _options;
    private readonly DeterministicRandom _random;
    private readonly DeterministicRandom _saveDelays;
    private readonly SortedDictionary<ulong, SimWholeNode> _nodes = [];
    private readonly HaCoreNodeOptions _template;
    private readonly Dictionary<ulong, ulong> _leaderOfTerm = [];
    private readonly SortedDictionary<ulong, string> _applied = [];
    private readonly Queue<string> _trace = new();
    private long _now;
    private bool _faults = true;
    private readonly Dictionary<ulong, (ulong Term, ulong Node)> _committedTerms = [];
    private readonly Dictionary<ulong, ulong> _committedChecked = [];

    /// <summary>Creates the cluster; nothing runs until <see cref="Run"/>.</summary>
    public WholeNodeSimulator(WholeNodeOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _random = new DeterministicRandom(options.Seed * 0x9E3779B97F4A7C15UL + 1);
        _saveDelays = new DeterministicRandom(options.Seed ^ 0x5A7E5UL);
        Network = new SimNetwork(
            new SimulationOptions { MinDelay = options.MinDelay, MaxDelay = options.MaxDelay, DropRate = options.DropRate, DuplicateRate = options.DuplicateRate, LinkCapacity = 512 },
            new DeterministicRandom(options.Seed ^ 0xBADC0FFEEUL));
        var sizes = new DeterministicRandom(options.Seed ^ 0xA99E4DUL);
        var maxAppend = options.MaxAppendBytes ?? (sizes.Next(3) == 0 ? 1 : 1 << 20);
        _template = SimWholeNode.Template(options, maxAppend, sizes.Next(2) == 0 ? 1 : 1 << 20); // 1: one entry applied per step
        for (var i = 1; i <= options.Voters; i++)
        {
            AddNode((ulong)i);
        }

        for (var i = options.Voters + 1; i <= options.Voters + options.Spares; i++)
        {
            _spares.Enqueue((ulong)i);
        }

        _clients = new WholeNodeClients(this, new DeterministicRandom(options.Seed ^ 0xC11E47UL));
    }

    private readonly WholeNodeClients _clients;
    private readonly Queue<ulong> _spares = new();

    private SimWholeNode AddNode(ulong id)
    {
        var node = new SimWholeNode(id, _options.Seed ^ (id << 56), Network, () => _now);
        node.Clock.SkewMs = _random.Next((2 * _options.MaxSkewMs) + 1) - _options.MaxSkewMs;
        node.Clock.Drift = (_random.NextDouble() * 2 - 1) * _options.MaxDrift;
        _nodes[id] = node;
        return node;
    }

    /// <summary>The nodes not removed from the membership: the ones that must converge and agree.</summary>
    internal IEnumerable<SimWholeNode> Members => _nodes.Values.Where(n => !n.Retired);

    /// <summary>The simulated network.</summary>
    public SimNetwork Network { get; }

    /// <summary>The options of this run.</summary>
    public WholeNodeOptions Options => _options;

    /// <summary>Simulated milliseconds since the start.</summary>
    public long Now => _now;

    /// <summary>The nodes by id.</summary>
    public IReadOnlyDictionary<ulong, SimWholeNode> Nodes => _nodes;

    /// <summary>Every command applied anywhere, by log index (all nodes must agree).</summary>
    public IReadOnlyDictionary<ulong, string> Applied => _applied;

    /// <summary>What happened, for the test's output.</summary>
    public WholeNodeStats Stats { get; } = new();

    internal WholeNodeClients Clients => _clients;

    internal TimeSpan ElectionTimeout => TimeSpan.FromMilliseconds(_options.TickMs * _options.ElectionTicks);

    internal TimeSpan ProposalTimeout => _template.ProposalTimeout;

    /// <summary>Runs faults and traffic, heals, converges, checks; then a power cut of every node, converges, checks.</summary>
    /// <exception cref="SimulationFailureException">A check failed; the message names the seed and ends with a trace.</exception>
    public WholeNodeStats Run()
    {
        try
        {
            foreach (var node in _nodes.Values)
            {
                StartNode(node);
            }

            for (var t = 0; t < _options.Duration; t++)
            {
                Step();
            }

            Converge("after the faults");
            WholeNodeChecks.CheckAll(this, "after the faults");
            if (_options.PowerCutAllAtEnd)
            {
                Trace("power cut of every node at once");
                foreach (var node in Members)
                {
                    node.Crash();
                }

                Stats.PowerCuts++;
                foreach (var node in Members)
                {
                    StartNode(node);
                }

                Converge("after the power cut of every node");
                WholeNodeChecks.CheckAll(this, "after the power cut of every node");
            }

            return Stats;
        }
        catch (SimulationFailureException)
        {
            throw;
        }
        catch (Exception ex)
        {
            throw Fail($"unexpected {ex.GetType().Name}: {ex.Message}\n{ex.StackTrace}");
        }
    }

    /// <summary>A failure naming the seed, the replay command and the last events.</summary>
    internal SimulationFailureException Fail(string message) =>
        new(_options.Seed, _now, $"{message}\n  replay: HACORE_WHOLE_SEED={_options.Seed} dotnet test tests/HaCore.Simulation.Tests -c Release --filter WholeNode\n  last events:\n    {string.Join("\n    ", _trace)}", replayVariable: "HACORE_WHOLE_SEED");

    internal void Trace(string line)
    {
        _trace.Enqueue($"t={_now} {line}");
        if (_trace.Count > 40)
        {
            _trace.Dequeue();
        }
    }

    internal void OnApply(ulong node, ulong index, string command)
    {
        if (_applied.TryGetValue(index, out var seen))
        {
            if (seen != command)
            {
                throw Fail($"state machine safety: node {node} applied '{command}' at index {index}, another node applied '{seen}' there");
            }
        }
        else
        {
            _applied[index] = command;
        }
    }

    private void StartNode(SimWholeNode node)
    {
        try
        {
            node.Start(_template, _options.Seed, OnApply, _options.PrepareStateMachine);
            Trace($"node {node.Id} started (incarnation {node.Incarnation})");
        }
        catch (SimulatedCrashException)
        {
            // An armed crash hit the restart itself; the node stays down and is restarted later.
            node.Crash();
            Trace($"node {node.Id} crashed while starting");
        }
    }

    /// <summary>One simulated millisecond.</summary>
    public void Step()
    {
        _now++;
        var touched = new HashSet<ulong>();
        foreach (var node in _nodes.Values)
        {
            if (node.MoreToApply && node.Core is not null)
            {
                // Like the driver: a node with committed entries still waiting goes round again without new input.
                node.MoreToApply = false;
                touched.Add(node.Id);
            }
        }

        foreach (var m in Network.Due(_now))
        {
            if (_nodes.TryGetValue(m.To, out var node) && node.Core is { } core)
            {
                if (node.PausedUntil > _now)
                {
                    node.Hold(m);
                    continue;
                }

                Guard(node, () => core.Step(m));
                touched.Add(node.Id);
            }
        }

        foreach (var (leader, follower, delivered) in Network.SnapshotReports)
        {
            if (_nodes[leader].Core is { } core)
            {
                Guard(_nodes[leader], () => core.ReportSnapshot(follower, delivered));
                touched.Add(leader);
            }
        }

        Network.SnapshotReports.Clear();
        FinishSaves();
        foreach (var node in _nodes.Values)
        {
            if (node.Core is null)
            {
                continue;
            }

            var tickDue = (_now + ((long)node.Id * 3)) % _options.TickMs == 0;
            if (node.PausedUntil > _now)
            {
                node.MissedTicks += tickDue ? 1 : 0;
                continue;
            }

            if (node.PausedUntil != 0)
            {
                Resume(node);
                touched.Add(node.Id);
            }

            if (tickDue)
            {
                Guard(node, node.Core.Tick);
                touched.Add(node.Id);
            }
        }

        if (_faults)
        {
            InjectFaults();
        }

        _clients.Step(touched);
        foreach (var id in touched)
        {
            var node = _nodes[id];
            if (node.Core is { } core && node.PausedUntil <= _now)
            {
                Process(node);
            }
        }

        _clients.Poll();
        CheckStep();
        if (_faults)
        {
            InjectLeaderFaults();
        }
    }

    private void Resume(SimWholeNode node)
    {
        // The driver's order after a stall: the messages that arrived first, then the burst of ticks.
        node.PausedUntil = 0;
        foreach (var m in node.TakeHeld())
        {
            Guard(node, () => node.Core!.Step(m));
        }

        for (; node.MissedTicks > 0 && node.Core is not null; node.MissedTicks--)
        {
            Guard(node, node.Core.Tick);
        }

        Trace($"node {node.Id} resumed");
    }

    /// <summary>Handles a node's Ready work, as its driver does after each batch of input.</summary>
    /// A local snapshot it starts to save is written some random milliseconds later, as the driver's background
    /// save would finish: meanwhile the node keeps stepping, installs snapshots and may crash.
    internal void Process(SimWholeNode node) => Guard(node, () =>
    {
        node.MoreToApply = node.Core!.Process();
        if (node.Core.TakeSnapshotToSave() is { } snapshot)
        {
            node.StartSaving(snapshot, _now + _saveDelays.Next(40));
        }
    });

    private void FinishSaves()
    {
        foreach (var node in _nodes.Values)
        {
            if (node.Core is not null && node.SaveDueAt <= _now && node.PausedUntil <= _now)
            {
                Guard(node, node.FinishSaving);
            }
        }
    }

    /// <summary>Runs one input on a node; a simulated device crash takes the node down (power cut).</summary>
    internal void Guard(SimWholeNode node, Action action)
    {
        if (node.Core is null)
        {
            return;
        }

        try
        {
            action();
        }
        catch (SimulatedCrashException)
        {
            Stats.DeviceCrashes++;
            Trace($"node {node.Id} crashed at a device operation");
            node.Crash();
        }
        catch (HaCore.Raft.RaftInvariantException ex)
        {
            // A follower sent a log that contradicts its committed entries has caught a log-safety violation itself.
            var kind = ex.Message.Contains("than this node's committed one", StringComparison.Ordinal) ? "log safety" : "invariant";
            throw Fail($"{kind}: node {node.Id}: {ex.Message}");
        }
    }

    private void CheckStep()
    {
        foreach (var node in _nodes.Values)
        {
            CheckCommittedLog(node);
            if (node.Status is { Role: RaftRole.Leader } status)
            {
                if (_leaderOfTerm.TryGetValue(status.Term, out var other) && other != node.Id)
                {
                    throw Fail($"election safety: nodes {other} and {node.Id} both lead term {status.Term}");
                }

                _leaderOfTerm[status.Term] = node.Id;
            }
        }
    }

    /// <summary>
    /// Log safety, checked as it happens: an index that any node counts as committed holds the same term on every
    /// node that counts it committed, whether or not its entry carries a command (leader no-ops too).
    /// </summary>
    private void CheckCommittedLog(SimWholeNode node)
    {
        if (node.Core is not { } core)
        {
            _committedChecked.Remove(node.Id);
            return;
        }

        var from = _committedChecked.GetValueOrDefault(node.Id);
        var commit = core.CommitIndex;
        for (var i = from + 1; i <= commit; i++)
        {
            var term = core.LogTermAt(i);
            if (term == 0)
            {
                continue; // compacted into a snapshot
            }

            if (_committedTerms.TryGetValue(i, out var seen))
            {
                if (seen.Term != term)
                {
                    throw Fail($"log safety: node {node.Id} committed index {i} at term {term}, node {seen.Node} committed it at term {seen.Term}");
                }
            }
            else
            {
                _committedTerms[i] = (term, node.Id);
            }
        }

        _committedChecked[node.Id] = Math.Max(from, commit);
    }

    /// <summary>Heals everything and steps until every node is up, caught up, and no client waits.</summary>
    private void Converge(string phase)
    {
        _faults = false;
        _clients.FinishAll();
        Network.Heal();
        foreach (var node in Members.Where(n => !n.Alive))
        {
            StartNode(node);
        }

        var deadline = _now + _options.ConvergeTimeout;
        while (_now < deadline)
        {
            Step();
            foreach (var node in Members.Where(n => !n.Alive))
            {
                StartNode(node);
            }

            MembershipStep(converging: true);
            if (Converged())
            {
                Trace($"converged {phase}");
                return;
            }
        }

        throw Fail($"liveness: no convergence {phase} within {_options.ConvergeTimeout} ms; statuses: {string.Join("; ", Members.Select(n => n.Status?.ToString() ?? $"node {n.Id} down"))}; clients: {_clients.Describe()}");
    }

    private bool Converged()
    {
        var statuses = Members.Select(n => n.Status).ToList();
        if (statuses.Any(s => s is null) || !statuses.Any(s => s!.Role == RaftRole.Leader) || !_clients.Idle)
        {
            return false;
        }

        var commit = statuses.Max(s => s!.CommitIndex);
        return statuses.All(s => s!.AppliedIndex == commit && s.CommitIndex == commit);
    }
}

/// <summary>Counters of one whole-node run.</summary>
public sealed class WholeNodeStats
{
    /// <summary>Faults injected.</summary>
    public int Crashes { get; set; }

    /// <inheritdoc cref="Crashes"/>
    public int DeviceCrashes { get; set; }

    /// <inheritdoc cref="Crashes"/>
    public int PowerCuts { get; set; }

    /// <summary>Final WAL records rotted after a power cut (see <see cref="WholeNodeOptions.RotFinalRecordChance"/>).</summary>
    public int Rots { get; set; }

    /// <inheritdoc cref="Crashes"/>
    public int Partitions { get; set; }

    /// <inheritdoc cref="Crashes"/>
    public int Pauses { get; set; }

    /// <inheritdoc cref="Crashes"/>
    public int Transfers { get; set; }

    /// <summary>Membership changes proposed.</summary>
    public int MembershipChanges { get; set; }

    /// <summary>Membership changes whose caller saw them applied.</summary>
    public int MembershipApplied { get; set; }

    /// <summary>Applied removals of the leader that proposed them.</summary>
    public int LeaderRemovals { get; set; }

    /// <summary>Client operations that completed, and retries.</summary>
    public int Writes { get; set; }

    /// <inheritdoc cref="Writes"/>
    public int Reads { get; set; }

    /// <inheritdoc cref="Writes"/>
    public int PipelineAcks { get; set; }

    /// <inheritdoc cref="Writes"/>
    public int Retries { get; set; }

    /// <summary>Subscriber items received and resumes.</summary>
    public long SubscriberItems { get; set; }

    /// <inheritdoc cref="SubscriberItems"/>
    public int Resumes { get; set; }

    /// <inheritdoc />
    public override string ToString() =>
        $"crashes={Crashes} rotted-tails={Rots} device-crashes={DeviceCrashes} power-cuts={PowerCuts} partitions={Partitions} pauses={Pauses} transfers={Transfers} membership-changes={MembershipChanges}/{MembershipApplied} applied, leader-removals={LeaderRemovals} " +
        $"writes={Writes} reads={Reads} pipeline-acks={PipelineAcks} retries={Retries} subscriber-items={SubscriberItems} resumes={Resumes}";
}
