using System.Diagnostics;
using System.Globalization;
using HaCore.Testing.Simulation;
using HaCore.Testing.WholeNode;

namespace HaCore.Simulation.Tests;

/// <summary>
/// Whole nodes (the runtime's node core over the real WAL and snapshot store on simulated disks) under seeded
/// faults. <c>HACORE_WHOLE_SEED=n</c> replays one seed; <c>HACORE_WHOLE_SEEDS=n</c> sets how many per shard set
/// (default 1,000); <c>HACORE_SOAK=1</c> runs 100,000.
/// </summary>
public sealed class WholeNodeSimulationTests(ITestOutputHelper output)
{
    public static TheoryData<int> Shards => [0, 1, 2, 3];

    private static ulong? Replay =>
        ulong.TryParse(Environment.GetEnvironmentVariable("HACORE_WHOLE_SEED"), NumberStyles.None, CultureInfo.InvariantCulture, out var s) ? s : null;

    private static int Count =>
        int.TryParse(Environment.GetEnvironmentVariable("HACORE_WHOLE_SEEDS"), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n
        : SimulationSeeds.Soak ? 100_000 : 1_000;

    /// <summary><c>HACORE_WHOLE_UNSAFE_COMMIT=1</c> runs the regular seeds with the Figure 8 commit-rule mutation, which
    /// they must catch (a mutation check, never set in CI).</summary>
    private static bool UnsafeCommitRule => Environment.GetEnvironmentVariable("HACORE_WHOLE_UNSAFE_COMMIT") == "1";

    [Theory]
    [MemberData(nameof(Shards))]
    public void WholeNode_seeds_keep_every_guarantee(int shard)
    {
        var seeds = Replay is { } one ? (shard == 0 ? [one] : []) : Enumerable.Range(0, Count).Where(i => i % 4 == shard).Select(i => (ulong)i + 1).ToList();
        RunSeeds(seeds, seed => new WholeNodeOptions { Seed = seed, UnsafeCommitOlderTerms = UnsafeCommitRule });
    }

    [Fact]
    public void WholeNode_hostile_seeds_keep_every_guarantee()
    {
        var seeds = Replay is { } one ? [one] : Enumerable.Range(0, SimulationSeeds.Soak ? 10_000 : 100).Select(i => (ulong)i + 1_000_001).ToList();
        RunSeeds(seeds, seed => new WholeNodeOptions
        {
            Seed = seed,
            Duration = 4_000,
            DropRate = 0.05,
            DuplicateRate = 0.03,
            CrashRate = 0.0015,
            DeviceCrashRate = 0.001,
            PartitionRate = 0.0015,
            PauseRate = 0.0008,
            TransferRate = 0.001,
            MaxSkewMs = 2_000,
            MaxDrift = 0.002,
            SnapshotEvery = 30,
        });
    }

    private void RunSeeds(IReadOnlyList<ulong> seeds, Func<ulong, WholeNodeOptions> options)
    {
        var started = Stopwatch.GetTimestamp();
        var total = new WholeNodeStats();
        foreach (var seed in seeds)
        {
            var stats = new WholeNodeSimulator(options(seed)).Run();
            total.Writes += stats.Writes;
            total.Reads += stats.Reads;
            total.PipelineAcks += stats.PipelineAcks;
            total.Crashes += stats.Crashes;
            total.PowerCuts += stats.PowerCuts;
            total.Rots += stats.Rots;
            total.DeviceCrashes += stats.DeviceCrashes;
            total.Partitions += stats.Partitions;
            total.Pauses += stats.Pauses;
            total.Transfers += stats.Transfers;
            total.MembershipChanges += stats.MembershipChanges;
            total.MembershipApplied += stats.MembershipApplied;
            total.LeaderRemovals += stats.LeaderRemovals;
            total.Resumes += stats.Resumes;
            total.SubscriberItems += stats.SubscriberItems;
            total.Retries += stats.Retries;
        }

        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        output.WriteLine($"{seeds.Count} seeds in {seconds:F1} s ({seeds.Count / Math.Max(seconds, 0.001):F1} seeds/s): {total}");
    }
}
