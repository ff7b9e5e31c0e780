using HaCore.Testing.WholeNode;

namespace HaCore.Simulation.Tests;

/// <summary>Targeted whole-node scenarios: each reproduces one runtime defect and pins its fix.</summary>
public sealed class WholeNodeScenarioTests(ITestOutputHelper output)
{
    private static WholeNodeOptions Quiet(ulong seed) => new()
    {
        Seed = seed,
        RegisterClients = 0,
        PipelineClients = 0,
        Subscribers = 0,
        DropRate = 0,
        DuplicateRate = 0,
        MaxSkewMs = 0,
        MaxDrift = 0,
    };

    /// <summary>
    /// A leader cut off from the others keeps running. Once the others have elected a new leader and committed a
    /// write, a lease read on the deposed leader must not return the old value: its lease ends before any
    /// follower can vote for someone else.
    /// </summary>
    [Fact]
    public async Task A_deposed_leader_behind_a_partition_serves_no_stale_lease_read()
    {
        var stale = new List<string>();
        for (ulong seed = 1; seed <= 40; seed++)
        {
            var sim = new WholeNodeSimulator(Quiet(seed));
            sim.StartScripted();
            Assert.True(sim.StepUntil(() => sim.Leader is { Status.CommitIndex: > 3 }, 5_000), "no leader");
            var old = sim.Leader!.Id;
            var session = Guid.NewGuid();
            var first = sim.Propose(old, new ClientRequestId(session, 1), "set k v1");
            Assert.True(sim.StepUntil(() => first.IsCompleted, 2_000));

            // Let the heartbeats of the last round land, then cut the leader off at a phase the seed picks.
            sim.StepUntil(() => false, (int)(seed % 10) * 3);
            sim.Isolate(old);
            Assert.True(sim.StepUntil(() => sim.Nodes.Values.Any(n => n.Id != old && n.Status?.Role == HaCore.Raft.RaftRole.Leader), 5_000), "no new leader");
            var next = sim.Nodes.Values.First(n => n.Id != old && n.Status?.Role == HaCore.Raft.RaftRole.Leader).Id;
            var second = sim.Propose(next, new ClientRequestId(session, 2), "set k v2");
            Assert.True(sim.StepUntil(() => second.IsCompleted, 2_000));
            Assert.True(second.IsCompletedSuccessfully);

            if (sim.Nodes[old].Status?.Role == HaCore.Raft.RaftRole.Leader)
            {
                var read = sim.Read(old, "k", ReadConsistency.Lease);
                sim.StepUntil(() => read.IsCompleted, 3_000);
                if (read.IsCompletedSuccessfully && await read == "v1")
                {
                    stale.Add($"seed {seed}: node {old} (deposed, isolated) served v1 under its lease after node {next} committed v2");
                }
            }
        }

        foreach (var line in stale)
        {
            output.WriteLine(line);
        }

        Assert.Empty(stale);
    }

    /// <summary>
    /// The regular seeds keep their teeth: with the Figure 8 commit-rule mutation, regular CI seeds (not scripted,
    /// not hostile) break log safety. They were found with <c>HACORE_WHOLE_UNSAFE_COMMIT=1</c>; the fault that
    /// exposes it is the cut of a leader whose commit just moved over entries of earlier terms. If a change to the
    /// simulator's schedules makes this fail, find new seeds with that switch rather than dropping the check.
    /// </summary>
    [Fact]
    public void Regular_seeds_catch_the_Figure_8_commit_rule()
    {
        var caught = new List<ulong>();
        foreach (var seed in new ulong[] { 28, 35, 70, 213 })
        {
            try
            {
                new WholeNodeSimulator(new WholeNodeOptions { Seed = seed, UnsafeCommitOlderTerms = true }).Run();
            }
            catch (HaCore.Testing.Simulation.SimulationFailureException ex) when (ex.Message.Contains("log safety", StringComparison.Ordinal))
            {
                caught.Add(seed);
            }
        }

        output.WriteLine($"caught by seeds {string.Join(", ", caught)}");
        Assert.NotEmpty(caught);
    }

    /// <summary>
    /// Figure 8 of the Raft paper on whole nodes, one entry per append message. Node <c>a</c> leads, appends P
    /// alone (isolated) and loses its leadership; <c>b</c> wins a later term with <c>c</c>'s vote and crashes
    /// before its first entry leaves; <c>a</c> wins again with <c>c</c> and copies P to <c>c</c>. A leader may count
    /// P committed only once an entry of its own term reaches a quorum: had it done so on <c>c</c>'s copy of P alone,
    /// <c>b</c> (whose last entry has a newer term than P) could now win with <c>c</c>'s vote and overwrite P.
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Figure_8_an_older_term_entry_counts_committed_only_with_an_entry_of_the_leaders_term(bool unsafeCommitRule)
    {
        var failures = new List<string>();
        var reproduced = 0;
        for (ulong seed = 1; seed <= 10; seed++)
        {
            var sim = new WholeNodeSimulator(Quiet(seed) with { MaxAppendBytes = 1, UnsafeCommitOlderTerms = unsafeCommitRule });
            try
            {
                RunFigure8(sim, () => reproduced++);
                sim.ConvergeAndCheck("after figure 8");
            }
            catch (HaCore.Testing.Simulation.SimulationFailureException ex)
            {
                failures.Add($"seed {seed}: {ex.Message.Split('\n')[0]}");
            }
        }

        foreach (var line in failures)
        {
            output.WriteLine(line);
        }

        output.WriteLine($"{reproduced} of 10 seeds reached the point where the commit rule decides");
        Assert.True(reproduced > 0, "the script never reached the point where the commit rule decides");
        if (unsafeCommitRule)
        {
            Assert.Contains(failures, f => f.Contains("log safety", StringComparison.Ordinal));
        }
        else
        {
            Assert.Empty(failures);
        }
    }

    /// <summary>Plays the script; calls <paramref name="decided"/> once P reached c while a leads a newer term.</summary>
    private static void RunFigure8(WholeNodeSimulator sim, Action decided)
    {
        sim.StartScripted();
        Assert.True(sim.StepUntil(() => sim.Leader is { Status.CommitIndex: > 1 }, 5_000), "no leader");
        var a = sim.Leader!.Id;
        sim.Isolate(a);
        _ = sim.Propose(a, new ClientRequestId(Guid.NewGuid(), 1), "set k p");
        var p = sim.LastIndex(a);
        var pTerm = sim.TermAt(a, p);

        // b wins a later term with c's vote; its first entry (at P's index) dies with it.
        Assert.True(sim.StepUntil(() => sim.Nodes.Values.Any(n => n.Id != a && n.Status?.Role == HaCore.Raft.RaftRole.Leader), 5_000), "no leader without a");
        var b = sim.Nodes.Values.First(n => n.Id != a && n.Status?.Role == HaCore.Raft.RaftRole.Leader).Id;
        var c = sim.Nodes.Keys.First(id => id != a && id != b);
        sim.Isolate(b);
        sim.Crash(b);
        if (sim.TermAt(c, p) != 0)
        {
            return; // c already holds b's entry: a cannot win c's vote, nothing to decide
        }

        // a wins again with c and copies P to c, one entry per message; cut a off the moment it counts P committed
        // or c holds a's own entry after P, whichever comes first.
        sim.Heal();
        sim.Isolate(b);
        Assert.True(sim.StepUntil(() => sim.Nodes[a].Status?.Role == HaCore.Raft.RaftRole.Leader && sim.Nodes[a].Status!.Term > pTerm, 5_000), "a did not lead again");
        Assert.True(sim.StepUntil(() => sim.CommitIndex(a) >= p || sim.TermAt(c, p + 1) != 0, 5_000), "P never reached c");
        decided();
        sim.Isolate(a);
        sim.Crash(a);

        // b comes back; if c holds nothing newer than P, c votes for b and b overwrites P.
        sim.Restart(b);
        sim.Heal();
        sim.Isolate(a);
        sim.StepUntil(() => sim.Leader is { } l && l.Id != a && sim.CommitIndex(l.Id) > p, 5_000);
        sim.Restart(a);
    }

    /// <summary>
    /// A follower whose clock runs two hours fast proposes many commands. Session expiry must follow the
    /// leader's clock, not the proposing node's: a retry of a request applied before must still be answered from
    /// the session table, not applied a second time.
    /// </summary>
    [Fact]
    public async Task A_follower_with_a_fast_clock_does_not_expire_sessions()
    {
        var sim = new WholeNodeSimulator(Quiet(1));
        sim.StartScripted();
        Assert.True(sim.StepUntil(() => sim.Leader is { Status.CommitIndex: > 1 }, 5_000), "no leader");
        var leader = sim.Leader!.Id;
        var follower = sim.Nodes.Keys.First(id => id != leader);
        var a = new ClientRequestId(Guid.NewGuid(), 1);
        var first = sim.Propose(leader, a, "inc c");
        Assert.True(sim.StepUntil(() => first.IsCompleted, 2_000));
        Assert.Equal("1", System.Text.Encoding.UTF8.GetString(await first));

        sim.Nodes[follower].Clock.SkewMs = (long)TimeSpan.FromHours(2).TotalMilliseconds;
        var b = Guid.NewGuid();
        for (ulong j = 1; j <= 1_100; j++)
        {
            var p = sim.Propose(follower, new ClientRequestId(b, j), $"set x {j}");
            Assert.True(sim.StepUntil(() => p.IsCompleted, 2_000), $"request {j} did not complete");
        }

        var retry = sim.Propose(leader, a, "inc c");
        Assert.True(sim.StepUntil(() => retry.IsCompleted, 2_000));
        Assert.True(retry.IsCompletedSuccessfully, retry.Exception?.ToString());
        Assert.Equal("1", System.Text.Encoding.UTF8.GetString(await retry));
        Assert.Equal("1", sim.Nodes[leader].Machine!.Kv.Get("c"));
    }
}
