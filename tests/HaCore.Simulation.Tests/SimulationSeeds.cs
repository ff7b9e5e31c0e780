using System.Globalization;

namespace HaCore.Simulation.Tests;

/// <summary>
/// Which seeds a run covers. <c>HACORE_SIM_SEED=n</c> replays one seed; <c>HACORE_SIM_SEEDS=n</c>
/// sets how many (default 1,000); <c>HACORE_SOAK=1</c> runs 20,000 longer seeds.
/// </summary>
internal static class SimulationSeeds
{
    public static bool Soak => Environment.GetEnvironmentVariable("HACORE_SOAK") == "1";

    public static ulong? Replay =>
        ulong.TryParse(Environment.GetEnvironmentVariable("HACORE_SIM_SEED"), NumberStyles.None, CultureInfo.InvariantCulture, out var s) ? s : null;

    public static int Count =>
        int.TryParse(Environment.GetEnvironmentVariable("HACORE_SIM_SEEDS"), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n
        : Soak ? 20_000 : 1_000;

    /// <summary>The seeds of shard <paramref name="shard"/> of <paramref name="shards"/>.</summary>
    public static IEnumerable<ulong> Shard(int shard, int shards)
    {
        if (Replay is { } seed)
        {
            return shard == 0 ? [seed] : [];
        }

        return Enumerable.Range(0, Count).Where(i => i % shards == shard).Select(i => (ulong)i + 1);
    }
}
