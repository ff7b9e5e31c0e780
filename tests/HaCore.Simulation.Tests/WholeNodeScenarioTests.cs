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
    /// Protocol-aware recovery. A follower acknowledges entry x (the leader commits x with it, the third node being cut
    /// off), then loses power, and x's fsynced record rots on its disk. The leader dies. Had the follower treated the
    /// damage as a torn write, it would vote for the third node, which lacks x, and x would be lost although it was
    /// acknowledged. It must keep out of elections until the old leader returns and re-replicates x. The control run
    /// makes the damage look like a torn write (its footer zeroed, which is what the old rule assumed of every bad tail)
    /// and must lose x, proving the script reaches the decision.
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_follower_whose_acknowledged_final_record_rotted_keeps_out_of_elections(bool looksTorn)
    {
        var failures = new List<string>();
        var decisive = 0;
        for (ulong seed = 1; seed <= 8; seed++)
        {
            var sim = new WholeNodeSimulator(Quiet(seed) with { MaxAppendBytes = 1 });
            try
            {
                bool electedWithoutX = RunRottedTail(sim, looksTorn, () => decisive++);
                if (!looksTorn)
                {
                    Assert.False(electedWithoutX, $"seed {seed}: a leader was elected without the acknowledged entry while its other copy was down");
                }

                sim.ConvergeAndCheck("after the rotted tail");
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

        output.WriteLine($"{decisive} of 8 seeds left the acknowledged entry as the follower's final record");
        Assert.True(decisive > 0, "the script never left the acknowledged entry as the follower's final record");
        if (looksTorn)
        {
            Assert.NotEmpty(failures);
        }
        else
        {
            Assert.Empty(failures);
        }
    }

    /// <summary>Plays the script; calls <paramref name="decided"/> when x was the follower's final record (the case that
    /// decides). Returns true when b and c elected a leader without x.</summary>
    private static bool RunRottedTail(WholeNodeSimulator sim, bool looksTorn, Action decided)
    {
        sim.StartScripted();
        Assert.True(sim.StepUntil(() => sim.Leader is { Status.CommitIndex: > 1 }, 5_000), "no leader");
        var a = sim.Leader!.Id;
        var b = sim.Nodes.Keys.First(id => id != a);
        var c = sim.Nodes.Keys.First(id => id != a && id != b);

        // Let every node learn the commit index, so that x's append to b carries no new hard state.
        _ = sim.Propose(a, new ClientRequestId(Guid.NewGuid(), 1), "set k before");
        var before = sim.LastIndex(a);
        Assert.True(sim.StepUntil(() => sim.CommitIndex(b) >= before && sim.CommitIndex(c) >= before, 5_000), "no commit");
        sim.StepUntil(() => false, 200);

        sim.Isolate(c);
        var x = sim.Propose(a, new ClientRequestId(Guid.NewGuid(), 1), "set k x");
        var xIndex = sim.LastIndex(a);
        Assert.True(sim.StepUntil(() => sim.CommitIndex(a) >= xIndex, 5_000), "x was not committed");
        var xTerm = sim.TermAt(a, xIndex);
        sim.Crash(b);
        sim.Isolate(a);
        sim.Crash(a);

        var device = sim.Nodes[b].Device;
        if (HaCore.Testing.Storage.WalRecordInfo.Last(device, sim.Nodes[b].DataDirectory + "/wal") is { IsEntry: true } last && last.Index == xIndex)
        {
            decided();
            device.FlipBit(last.Path, last.Offset + 32 + 1, 2);
            if (looksTorn)
            {
                using var file = device.OpenFile(last.Path, HaCore.Storage.StorageFileMode.OpenExisting);
                file.Write(last.Offset + last.Size - 8, new byte[8]);
                file.Flush();
            }
        }

        // a stays down: b and c alone. b must not give c the vote that would let c lead without x.
        sim.Heal();
        sim.Isolate(a);
        sim.Restart(b);
        bool electedWithoutX = sim.StepUntil(() => sim.Leader is { } l && l.Id != a && sim.CommitIndex(l.Id) >= xIndex && sim.TermAt(l.Id, xIndex) != xTerm, 3_000);
        if (electedWithoutX)
        {
            // The new leader overwrites x's index; write there so that the loss shows in the history.
            _ = sim.Propose(sim.Leader!.Id, new ClientRequestId(Guid.NewGuid(), 1), "set k after");
            sim.StepUntil(() => false, 300);
        }

        sim.Restart(a);
        return electedWithoutX;
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

    /// <summary>
    /// The nodes of a cluster do not serialize their state at the same index: each waits a fraction of the snapshot
    /// threshold longer, drawn afresh from its seed after every snapshot, so a pause for a snapshot hits one node at a
    /// time rather than the leader and its quorum together.
    /// </summary>
    [Fact]
    public async Task Nodes_take_their_snapshots_at_different_indexes()
    {
        var sim = new WholeNodeSimulator(Quiet(3) with { SnapshotEvery = 40 });
        sim.StartScripted();
        Assert.True(sim.StepUntil(() => sim.Leader is not null, 5_000), "a leader is elected");
        var taken = sim.Nodes.Keys.ToDictionary(id => id, _ => new List<ulong>());
        var session = Guid.NewGuid();
        for (ulong i = 1; i <= 400; i++)
        {
            var done = sim.Propose(sim.Leader!.Id, new ClientRequestId(session, i), $"set k{i % 7} {i}");
            Assert.True(sim.StepUntil(() => done.IsCompleted, 5_000), $"write {i} completes");
            await done;
            foreach (var (id, node) in sim.Nodes)
            {
                if (node.SnapshotIndex != 0 && (taken[id].Count == 0 || taken[id][^1] != node.SnapshotIndex))
                {
                    taken[id].Add(node.SnapshotIndex);
                }
            }
        }

        foreach (var (id, indexes) in taken)
        {
            output.WriteLine($"node {id}: snapshots at {string.Join(", ", indexes)}");
            Assert.True(indexes.Count >= 5, $"node {id} took snapshots");
        }

        var shared = taken.Values.Select(l => l.ToHashSet()).Aggregate((a, b) => { a.IntersectWith(b); return a; });
        Assert.True(shared.Count <= 1, $"the nodes snapshotted together at {string.Join(", ", shared)}");
    }

    /// <summary>
    /// The load harness freezes a whole idle cluster (SIGSTOP of its three processes) while another system is measured,
    /// then thaws it. Every node wakes at once to the same burst of missed ticks: the leader finds no quorum and steps
    /// down, and the followers' election timers have run out many times over. The cluster must elect a leader and
    /// commit again within a few election timeouts, for short and long pauses and for any order of waking.
    /// </summary>
    [Fact]
    public void A_whole_cluster_frozen_and_thawed_elects_and_commits_again()
    {
        var slow = new List<string>();
        for (ulong seed = 1; seed <= 24; seed++)
        {
            var session = Guid.NewGuid(); // a new cluster each seed: a new client session
            ulong sequence = 0;
            var options = Quiet(seed);
            var sim = new WholeNodeSimulator(options);
            sim.StartScripted();
            Assert.True(sim.StepUntil(() => sim.Leader is { Status.CommitIndex: > 3 }, 5_000), $"seed {seed}: no leader");
            var before = sim.Propose(sim.Leader!.Id, new ClientRequestId(session, ++sequence), "set k before");
            Assert.True(sim.StepUntil(() => before.IsCompleted, 2_000));

            // Frozen mid-flight at a phase the seed picks, for 1 s or 60 s, thawed one process after another.
            sim.StepUntil(() => false, (int)(seed % 7) * 3);
            var inFlight = sim.Propose(sim.Leader!.Id, new ClientRequestId(session, ++sequence), "set k in-flight");
            var pause = seed % 2 == 0 ? 60_000 : 1_000;
            var order = sim.Nodes.Keys.OrderBy(id => (id * 7919 + seed) % 11).ToList();
            for (var i = 0; i < order.Count; i++)
            {
                sim.Pause(order[i], pause + (i * (int)(seed % 4)));
            }

            Assert.True(sim.StepUntil(() => sim.Nodes.Values.All(n => n.PausedUntil == 0), pause + 100));
            var budget = 10 * options.TickMs * options.ElectionTicks; // ten election timeouts
            var woke = sim.Now;
            if (!sim.StepUntil(() => sim.Leader is not null, budget))
            {
                slow.Add($"seed {seed} (pause {pause} ms): no leader {budget} ms after the thaw; roles: {string.Join(", ", sim.Nodes.Values.Select(n => $"{n.Id} {n.Status?.Role} term {n.Status?.Term}"))}");
                continue;
            }

            var after = sim.Propose(sim.Leader!.Id, new ClientRequestId(session, ++sequence), "set k after");
            if (!sim.StepUntil(() => after.IsCompleted, budget) || !after.IsCompletedSuccessfully)
            {
                slow.Add($"seed {seed} (pause {pause} ms): a leader {sim.Now - woke} ms after the thaw, but no commit within {budget} ms ({after.Status}: {after.Exception?.InnerException?.Message})");
                continue;
            }

            output.WriteLine($"seed {seed} (pause {pause} ms): committed {sim.Now - woke} ms after the thaw; the in-flight write {inFlight.Status}");
            sim.ConvergeAndCheck($"seed {seed}");
        }

        foreach (var line in slow)
        {
            output.WriteLine(line);
        }

        Assert.Empty(slow);
    }

    /// <summary>
    /// DOMAIN invariant 13 under the simulator's clock: a node whose committed configuration differs from its own
    /// (<see cref="ILeadershipGate"/>) restarts alone, replays its log and must not campaign at all, not even a pre-vote,
    /// for fifty election timeouts; once the others are back it follows the leader they elect. (The runtime test
    /// of the same case has to sample the role over five real election timeouts; here every millisecond is checked.)
    /// </summary>
    [Fact]
    public void A_node_whose_configuration_drifted_never_campaigns_even_alone()
    {
        for (ulong seed = 1; seed <= 8; seed++)
        {
            var options = Quiet(seed) with
            {
                PrepareStateMachine = (id, kv) =>
                {
                    var local = id == 1 ? "B" : "A";
                    kv.Gate = s => s.Get("config") is { } committed && committed != local ? $"local config {local}, committed {committed}" : null;
                },
            };
            var sim = new WholeNodeSimulator(options);
            sim.StartScripted();
            Assert.True(sim.StepUntil(() => sim.Leader is { Status.CommitIndex: > 3 }, 5_000), $"seed {seed}: no leader");
            var set = sim.Propose(sim.Leader!.Id, new ClientRequestId(Guid.NewGuid(), 1), "set config A");
            Assert.True(sim.StepUntil(() => set.IsCompleted && sim.Nodes[1].Status?.LeadershipRefusal is not null, 3_000), $"seed {seed}: node 1 did not apply the configuration");
            Assert.True(sim.StepUntil(() => sim.Nodes[1].Status?.Role != HaCore.Raft.RaftRole.Leader, 3_000), $"seed {seed}: node 1 kept leading");

            // Alone and restarted: with no refusal it would turn pre-candidate at its first election timeout.
            sim.Crash(1);
            sim.Isolate(1);
            sim.Restart(1);
            var term = sim.Nodes[1].Status!.Term;
            var timeouts = 50 * options.TickMs * options.ElectionTicks;
            for (var ms = 0; ms < timeouts; ms++)
            {
                sim.Step();
                var status = sim.Nodes[1].Status!;
                Assert.True(status.Role == HaCore.Raft.RaftRole.Follower, $"seed {seed}: node 1 became {status.Role} {ms} ms after its restart, alone, while refusing leadership");
                Assert.Equal(term, status.Term);
            }

            Assert.Equal("local config B, committed A", sim.Nodes[1].Status!.LeadershipRefusal);
            sim.Heal();
            Assert.True(sim.StepUntil(() => sim.Leader is { Id: not 1 } && sim.Nodes[1].Status!.Leader == sim.Leader.Id, 5_000), $"seed {seed}: node 1 does not follow a leader after the heal");
            sim.ConvergeAndCheck($"seed {seed}");
        }
    }
}
