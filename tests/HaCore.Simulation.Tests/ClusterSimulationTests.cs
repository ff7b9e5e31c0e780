using HaCore.Testing.Simulation;

namespace HaCore.Simulation.Tests;

/// <summary>Whole clusters under faults, one seed at a time; any failure names the seed that replays it.</summary>
public sealed class ClusterSimulationTests(ITestOutputHelper output)
{
    public static TheoryData<int> Shards => [0, 1, 2, 3];

    private static SimulationOptions OptionsFor(ulong seed) => new()
    {
        Seed = seed,
        Duration = SimulationSeeds.Soak ? 12_000 : 3_000,

        // Every fourth seed runs a 5-voter cluster; the others start with 3.
        InitialVoters = seed % 4 == 0 ? 5 : 3,
    };

    /// <summary>Many more faults, short election timeouts and one entry per append message.</summary>
    private static SimulationOptions HostileOptionsFor(ulong seed) => OptionsFor(seed) with
    {
        CrashRate = 0.01,
        CrashMidReadyRate = 0.02,
        PartitionRate = 0.02,
        HealRate = 0.02,
        DropRate = 0.1,
        ClientRate = 0.2,
        ElectionTick = 4,
        MaxSizePerMessage = 1,
    };

    [Theory]
    [MemberData(nameof(Shards))]
    public void Seeds_keep_every_safety_invariant_and_converge(int shard) =>
        RunSeeds(SimulationSeeds.Shard(shard, 4), OptionsFor, $"shard {shard}");

    [Fact]
    public void Long_runs_keep_every_safety_invariant_and_converge() =>
        RunSeeds(
            SimulationSeeds.Replay is { } s ? [s] : Enumerable.Range(1, SimulationSeeds.Soak ? 200 : 8).Select(i => (ulong)i + 10_000),
            seed => OptionsFor(seed) with { Duration = 20_000, InitialVoters = 5, Clients = 8 },
            "long");

    [Fact]
    public void Hostile_seeds_keep_every_safety_invariant_and_converge() =>
        RunSeeds(SimulationSeeds.Replay is { } s ? [s] : Enumerable.Range(1, SimulationSeeds.Count / 2).Select(i => (ulong)i), HostileOptionsFor, "hostile");

    private void RunSeeds(IEnumerable<ulong> seeds, Func<ulong, SimulationOptions> options, string name)
    {
        var totals = new SimulationStats();
        var count = 0;
        foreach (var seed in seeds)
        {
            var stats = new ClusterSimulator(options(seed)).Run();
            count++;
            totals.Operations += stats.Operations;
            totals.OkOperations += stats.OkOperations;
            totals.Elections += stats.Elections;
            totals.Crashes += stats.Crashes;
            totals.MidReadyCrashes += stats.MidReadyCrashes;
            totals.Restarts += stats.Restarts;
            totals.Partitions += stats.Partitions;
            totals.MembershipChanges += stats.MembershipChanges;
            totals.Transfers += stats.Transfers;
            totals.Snapshots += stats.Snapshots;
            totals.SnapshotsInstalled += stats.SnapshotsInstalled;
        }

        output.WriteLine($"{name}: {count} seeds; {totals}");
        Assert.True(SimulationSeeds.Replay is not null || count > 0, "no seed ran");
    }

    [Fact]
    public void The_unsafe_commit_rule_of_Figure_8_is_caught()
    {
        // Counting replicas of an entry from an older term (instead of only the current term) is
        // the mistake Raft's Figure 8 shows. The simulator must find seeds where it loses data, and
        // the same seeds must pass with the correct rule.
        var caught = new List<ulong>();
        for (ulong seed = 1; seed <= 400 && caught.Count < 2; seed++)
        {
            try
            {
                new ClusterSimulator(HostileOptionsFor(seed) with { UnsafeCommitOlderTerms = true }).Run();
            }
            catch (SimulationFailureException ex)
            {
                output.WriteLine(ex.Message);
                caught.Add(seed);
            }
        }

        Assert.NotEmpty(caught);
        foreach (var seed in caught)
        {
            new ClusterSimulator(HostileOptionsFor(seed)).Run();
        }
    }

    [Fact]
    public void Stale_local_reads_are_caught_by_the_linearizability_check()
    {
        // Serving reads from whichever replica the client asked, without ReadIndex, returns stale
        // values from lagging followers and deposed leaders: the history check must reject it.
        SimulationFailureException? caught = null;
        for (ulong seed = 1; seed <= 50 && caught is null; seed++)
        {
            try
            {
                new ClusterSimulator(OptionsFor(seed) with { UnsafeLocalReads = true }).Run();
            }
            catch (SimulationFailureException ex)
            {
                caught = ex;
            }
        }

        Assert.NotNull(caught);
        output.WriteLine(caught.Message);
        Assert.Contains("client history is NotLinearizable", caught.Message, StringComparison.Ordinal);
    }
}
