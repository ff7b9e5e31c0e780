using System.Globalization;

namespace HaCore.Tests.Chaos;

/// <summary>The faults the nemesis draws from.</summary>
public enum FaultKind
{
    /// <summary>Cut both directions between the leader and everyone; it keeps running.</summary>
    IsolateLeader,

    /// <summary>Cut the leader's outgoing links only.</summary>
    LeaderOutboundCut,

    /// <summary>Cut the leader's incoming links only (it keeps sending heartbeats nobody answers).</summary>
    LeaderInboundCut,

    /// <summary>Cut one to three random directed links.</summary>
    CutRandomLinks,

    /// <summary>Delay every chunk on random links by 5-80 ms.</summary>
    DelayLinks,

    /// <summary>Random links reset their connection on 2-10 % of the chunks.</summary>
    DropLinks,

    /// <summary>SIGSTOP the leader for 0.6-2.5 s (election timeout 0.2-0.4 s), then SIGCONT.</summary>
    PauseLeader,

    /// <summary>SIGSTOP a random node.</summary>
    PauseRandom,

    /// <summary>Isolate the leader, SIGSTOP it while a new leader takes over, SIGCONT it still isolated, then heal:
    /// a deposed leader that wakes up believing it still leads.</summary>
    IsolateAndPauseLeader,

    /// <summary>kill -9 the leader (a power cut of it: unsynced writes are lost) and restart it.</summary>
    KillLeader,

    /// <summary>Power cut of one random node.</summary>
    PowerCutOne,

    /// <summary>Power cut of a random minority at once.</summary>
    PowerCutMinority,

    /// <summary>Power cut of a random majority at once.</summary>
    PowerCutMajority,

    /// <summary>Power cut of every node at once.</summary>
    PowerCutAll,

    /// <summary>Add 20-150 ms to every fsync of random nodes.</summary>
    SlowDisk,

    /// <summary>Power cut a node and restart it with a new clock offset (up to ±2 s) and rate (0.95-1.05).</summary>
    ClockRestart,

    /// <summary>An operator's leadership-transfer storm: 3-6 transfers 100-300 ms apart, each from the current leader
    /// to a random other node, while the clients keep writing and reading.</summary>
    TransferStorm,

    /// <summary>An operator replaces a member under load: remove a node (the leader half the time), wipe its data
    /// directory, start it afresh, add it back as a learner, and promote it once it has caught up.</summary>
    ReplaceMember,
}

/// <summary>A named fault schedule: the cluster size, the faults drawn from, and the node options.</summary>
/// <param name="Name">Replay name.</param>
/// <param name="Nodes">Cluster size.</param>
/// <param name="Faults">The faults the nemesis draws from (uniformly, from the seed).</param>
/// <param name="SkewClocks">Start every node with a random clock offset and rate.</param>
/// <param name="NodeArgs">Extra test-host arguments for every node (e.g. a deliberate defect).</param>
public sealed record ChaosSchedule(string Name, int Nodes, FaultKind[] Faults, bool SkewClocks = false, string[]? NodeArgs = null)
{
    public static IReadOnlyList<ChaosSchedule> All { get; } =
    [
        new("partitions", 3, [FaultKind.IsolateLeader, FaultKind.LeaderOutboundCut, FaultKind.LeaderInboundCut, FaultKind.CutRandomLinks, FaultKind.DelayLinks, FaultKind.DropLinks]),
        new("pauses", 3, [FaultKind.PauseLeader, FaultKind.PauseRandom, FaultKind.IsolateAndPauseLeader]),
        new("kills", 3, [FaultKind.KillLeader, FaultKind.PowerCutOne, FaultKind.PowerCutAll, FaultKind.TransferStorm, FaultKind.ReplaceMember]),
        new("power-cuts", 5, [FaultKind.PowerCutOne, FaultKind.PowerCutMinority, FaultKind.PowerCutMajority, FaultKind.PowerCutAll]),
        new("clocks-and-disks", 3, [FaultKind.SlowDisk, FaultKind.ClockRestart, FaultKind.IsolateLeader, FaultKind.PauseLeader], SkewClocks: true),
        new("mixed", 3, Enum.GetValues<FaultKind>(), SkewClocks: true),
        new("membership", 3, [FaultKind.ReplaceMember, FaultKind.ReplaceMember, FaultKind.TransferStorm, FaultKind.KillLeader, FaultKind.IsolateLeader]),
    ];

    /// <summary>Schedules with a deliberate defect switched on in every node (the suite must report a violation).</summary>
    public static IReadOnlyList<ChaosSchedule> Defects { get; } =
    [
        new("defect-ack-before-fsync", 3, [FaultKind.PowerCutAll], NodeArgs: ["--unsafe-ack-before-fsync"]),
        new("defect-apply-twice", 3, [FaultKind.KillLeader, FaultKind.IsolateLeader], NodeArgs: ["--unsafe-apply-twice"]),
    ];

    public static ChaosSchedule Named(string name) => All.Concat(Defects).Single(s => s.Name == name);
}

/// <summary>
/// Draws faults from a schedule with a seeded random source and applies them to a <see cref="ChaosCluster"/>: one
/// fault at a time, held for a while, then healed, then a quiet spell. The seed fixes which faults, on which nodes
/// (by role), with which durations; the threads and the kernel still decide the interleavings, so a replay repeats
/// the schedule, not the exact run.
/// </summary>
public sealed class Nemesis(ChaosCluster cluster, ChaosSchedule schedule, Random random)
{
    private readonly List<string> _faults = [];

    /// <summary>What was injected, with times.</summary>
    public IReadOnlyList<string> Faults => _faults;

    public int Injected { get; private set; }

    /// <summary>Test-host arguments for a node's clock, drawn from the seed (none when clocks are not skewed).</summary>
    public string[] ClockArgs()
    {
        if (!schedule.SkewClocks)
        {
            return [];
        }

        var offset = random.Next(-2000, 2001);
        var rate = 0.95 + (random.NextDouble() * 0.10);
        return ["--clock-offset-ms", offset.ToString(CultureInfo.InvariantCulture), "--clock-rate", rate.ToString("F3", CultureInfo.InvariantCulture)];
    }

    private void Record(string what)
    {
        Injected++;
        var line = $"{cluster.Elapsed.TotalSeconds,7:F1}s {what}";
        _faults.Add(line);
        cluster.Note("NEMESIS " + what);
    }

    private TimeSpan Between(double minSeconds, double maxSeconds) => TimeSpan.FromSeconds(minSeconds + (random.NextDouble() * (maxSeconds - minSeconds)));

    private async Task<ulong> LeaderOrRandomAsync()
    {
        var leader = await cluster.CurrentLeaderAsync();
        return leader != 0 ? leader : cluster.Ids.ElementAt(random.Next(cluster.Size));
    }

    private ulong[] RandomNodes(int count) => [.. cluster.Ids.OrderBy(_ => random.Next()).Take(count)];

    /// <summary>Injects faults until <paramref name="duration"/> has passed, healing each before the next.</summary>
    public async Task RunAsync(TimeSpan duration, CancellationToken cancellationToken)
    {
        var end = DateTime.UtcNow + duration;
        while (DateTime.UtcNow < end && !cancellationToken.IsCancellationRequested)
        {
            var fault = schedule.Faults[random.Next(schedule.Faults.Length)];
            await InjectAsync(fault);
            await Task.Delay(Between(0.5, 1.5), cancellationToken);
        }
    }

    private async Task InjectAsync(FaultKind fault)
    {
        var majority = (cluster.Size / 2) + 1;
        switch (fault)
        {
            case FaultKind.IsolateLeader:
            {
                var leader = await LeaderOrRandomAsync();
                var hold = Between(1, 3);
                Record($"isolate leader {leader} (both ways) for {hold.TotalSeconds:F1}s");
                cluster.Isolate(leader);
                await Task.Delay(hold);
                cluster.HealNetwork();
                break;
            }

            case FaultKind.LeaderOutboundCut:
            case FaultKind.LeaderInboundCut:
            {
                var leader = await LeaderOrRandomAsync();
                var outbound = fault == FaultKind.LeaderOutboundCut;
                var hold = Between(1, 3);
                Record($"cut the links {(outbound ? "from" : "to")} leader {leader} (one way) for {hold.TotalSeconds:F1}s");
                foreach (var link in cluster.Links.Where(l => outbound ? l.From == leader : l.To == leader))
                {
                    link.Cut = true;
                }

                await Task.Delay(hold);
                cluster.HealNetwork();
                break;
            }

            case FaultKind.CutRandomLinks:
            {
                var links = cluster.Links.OrderBy(_ => random.Next()).Take(random.Next(1, 4)).ToList();
                var hold = Between(1, 3);
                Record($"cut links {string.Join(", ", links.Select(l => $"{l.From}->{l.To}"))} for {hold.TotalSeconds:F1}s");
                foreach (var link in links)
                {
                    link.Cut = true;
                }

                await Task.Delay(hold);
                cluster.HealNetwork();
                break;
            }

            case FaultKind.DelayLinks:
            case FaultKind.DropLinks:
            {
                var links = cluster.Links.OrderBy(_ => random.Next()).Take(random.Next(1, cluster.Links.Count() + 1)).ToList();
                var hold = Between(1.5, 4);
                var delay = TimeSpan.FromMilliseconds(random.Next(5, 81));
                var drop = 0.02 + (random.NextDouble() * 0.08);
                Record(fault == FaultKind.DelayLinks
                    ? $"delay links {string.Join(", ", links.Select(l => $"{l.From}->{l.To}"))} by {delay.TotalMilliseconds} ms for {hold.TotalSeconds:F1}s"
                    : $"drop {drop:P0} of the chunks on links {string.Join(", ", links.Select(l => $"{l.From}->{l.To}"))} for {hold.TotalSeconds:F1}s");
                foreach (var link in links)
                {
                    if (fault == FaultKind.DelayLinks)
                    {
                        link.Delay = delay;
                    }
                    else
                    {
                        link.DropRate = drop;
                    }
                }

                await Task.Delay(hold);
                cluster.HealNetwork();
                break;
            }

            case FaultKind.PauseLeader:
            case FaultKind.PauseRandom:
            {
                var node = fault == FaultKind.PauseLeader ? await LeaderOrRandomAsync() : RandomNodes(1)[0];
                var hold = Between(0.6, 2.5);
                Record($"SIGSTOP {(fault == FaultKind.PauseLeader ? "leader" : "node")} {node} for {hold.TotalSeconds:F1}s");
                await cluster.PauseAsync(node);
                await Task.Delay(hold);
                await cluster.ResumeAsync(node);
                break;
            }

            case FaultKind.IsolateAndPauseLeader:
            {
                var leader = await LeaderOrRandomAsync();
                var pause = Between(1, 2.5);
                var awake = Between(0.5, 1.5);
                Record($"isolate leader {leader}, SIGSTOP it for {pause.TotalSeconds:F1}s, SIGCONT it still isolated for {awake.TotalSeconds:F1}s, heal");
                cluster.Isolate(leader);
                await cluster.PauseAsync(leader);
                await Task.Delay(pause);
                await cluster.ResumeAsync(leader);
                await Task.Delay(awake);
                cluster.HealNetwork();
                break;
            }

            case FaultKind.KillLeader:
            {
                var leader = await LeaderOrRandomAsync();
                await PowerCutAsync([leader], "kill -9 leader");
                break;
            }

            case FaultKind.PowerCutOne:
                await PowerCutAsync(RandomNodes(1), "power cut of one node:");
                break;
            case FaultKind.PowerCutMinority:
                await PowerCutAsync(RandomNodes(majority - 1), "power cut of a minority:");
                break;
            case FaultKind.PowerCutMajority:
                await PowerCutAsync(RandomNodes(majority), "power cut of a majority:");
                break;
            case FaultKind.PowerCutAll:
                await PowerCutAsync([.. cluster.Ids], "power cut of every node:");
                break;

            case FaultKind.SlowDisk:
            {
                var nodes = RandomNodes(random.Next(1, cluster.Size + 1));
                var delay = random.Next(20, 151);
                var hold = Between(1.5, 4);
                Record($"slow disk: +{delay} ms per fsync on {string.Join(", ", nodes)} for {hold.TotalSeconds:F1}s");
                foreach (var node in nodes.Where(cluster.IsAvailable))
                {
                    await SendQuietlyAsync(node, $"FSYNCDELAY {delay}");
                }

                await Task.Delay(hold);
                foreach (var node in nodes.Where(cluster.IsAvailable))
                {
                    await SendQuietlyAsync(node, "FSYNCDELAY 0");
                }

                break;
            }

            case FaultKind.TransferStorm:
            {
                var count = random.Next(3, 7);
                var moves = new List<string>();
                for (var i = 0; i < count; i++)
                {
                    var leader = await cluster.CurrentLeaderAsync();
                    if (leader == 0)
                    {
                        moves.Add("no leader");
                    }
                    else
                    {
                        var target = cluster.Ids.Where(id => id != leader).ElementAt(random.Next(cluster.Size - 1));
                        var answer = await AnswerQuietlyAsync(leader, $"TRANSFER {target}");
                        moves.Add($"{leader}->{target} {(answer.StartsWith("OK", StringComparison.Ordinal) ? "done" : "failed")}");
                    }

                    await Task.Delay(Between(0.1, 0.3));
                }

                Record($"transfer storm: {string.Join(", ", moves)}");
                break;
            }

            case FaultKind.ReplaceMember:
            {
                var leader = await cluster.CurrentLeaderAsync();
                var victim = leader != 0 && random.Next(2) == 0 ? leader : RandomNodes(1)[0];
                var steps = new List<string>();
                cluster.Note($"NEMESIS replacing member {victim}{(victim == leader ? " (the leader)" : string.Empty)}");
                if (await ChangeMembershipAsync($"REMOVE {victim}", m => !m.Voters.Contains(victim) && !m.Learners.Contains(victim), "removed", steps))
                {
                    cluster.Wipe(victim);
                    steps.Add("wiped");
                    await Task.Delay(Between(0.2, 1));
                    await cluster.StartAsync(victim, ClockArgs());
                    if (await ChangeMembershipAsync($"ADDLEARNER {victim} {cluster.RaftAddress(victim)}", m => m.Learners.Contains(victim) || m.Voters.Contains(victim), "added as learner", steps))
                    {
                        await ChangeMembershipAsync($"PROMOTE {victim}", m => m.Voters.Contains(victim), "promoted", steps);
                    }
                }

                Record($"replace member {victim}{(victim == leader ? " (the leader)" : string.Empty)}: {string.Join(", ", steps)}");
                break;
            }

            case FaultKind.ClockRestart:
            {
                var node = RandomNodes(1)[0];
                var clock = ClockArgs();
                Record($"power cut node {node}, restart it with clock {string.Join(' ', clock)}");
                cluster.Kill(node);
                await Task.Delay(Between(0.3, 1));
                await cluster.StartAsync(node, clock);
                break;
            }
        }
    }

    /// <summary>
    /// Sends a membership change to the current leader until the leader's membership shows it done, as an operator
    /// would: a change refused (another in flight, a learner still catching up) or cut off by a leader change is
    /// retried. Gives up after 30 s, leaving the cluster as it is (the run's convergence check then reports it).
    /// </summary>
    private async Task<bool> ChangeMembershipAsync(string command, Func<(ulong[] Voters, ulong[] Learners), bool> done, string what, List<string> steps)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        var attempts = 0;
        while (DateTime.UtcNow < deadline)
        {
            var leader = await cluster.CurrentLeaderAsync();
            if (leader != 0 && await cluster.MembersAsync(leader) is { } members)
            {
                if (done(members))
                {
                    steps.Add(attempts <= 1 ? what : $"{what} after {attempts} tries");
                    return true;
                }

                attempts++;
                var answer = await AnswerQuietlyAsync(leader, command);
                if (answer.StartsWith("OK", StringComparison.Ordinal))
                {
                    continue; // confirm on the leader's membership
                }
            }

            await Task.Delay(250);
        }

        steps.Add($"NOT {what} within 30 s ({attempts} tries)");
        return false;
    }

    /// <summary>The node's answer, or "ERR" when it gave none in time.</summary>
    private async Task<string> AnswerQuietlyAsync(ulong node, string line)
    {
        try
        {
            return await cluster.SendAsync(node, line, TimeSpan.FromSeconds(4));
        }
        catch (IOException ex)
        {
            return "ERR " + ex.Message;
        }
    }

    private async Task SendQuietlyAsync(ulong node, string line)
    {
        try
        {
            await cluster.SendAsync(node, line, TimeSpan.FromSeconds(3));
        }
        catch (IOException)
        {
        }
    }

    private async Task PowerCutAsync(ulong[] nodes, string what)
    {
        var down = Between(0.3, 2);
        Record($"{what} {string.Join(", ", nodes)} (kill -9, unsynced writes lost), restart after {down.TotalSeconds:F1}s");
        foreach (var node in nodes)
        {
            cluster.Kill(node);
        }

        await Task.Delay(down);
        foreach (var node in nodes)
        {
            await cluster.StartAsync(node, ClockArgs());
        }
    }
}
