using System.Diagnostics;
using System.Globalization;
using HaCore.Testing.Simulation;

// A five-voter Raft cluster in the deterministic simulator: message loss, duplication and
// reordering, partitions, crashes (some in the middle of persisting), membership changes,
// leadership transfers and snapshots, with clients writing and reading registers. Every safety
// invariant is checked after every step; at the end the client history is checked for
// linearizability. Usage: dotnet run --project examples/HaCore.SimulatedCluster [seed] [duration]
var seed = args.Length > 0 ? ulong.Parse(args[0], CultureInfo.InvariantCulture) : 2026UL;
var duration = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 30_000;

var options = new SimulationOptions { Seed = seed, InitialVoters = 5, SpareNodes = 2, Duration = duration, Clients = 8 };
Console.WriteLine($"HaCore simulated cluster: seed {seed}, 5 voters + 2 spare nodes, {duration} time units ({duration / options.TickInterval} Raft ticks)");
var clock = Stopwatch.StartNew();
var sim = new ClusterSimulator(options);
try
{
    var stats = sim.Run(line => Console.WriteLine("  " + line));
    Console.WriteLine();
    Console.WriteLine($"done in {clock.Elapsed.TotalSeconds:F1} s of wall time");
    Console.WriteLine($"  {stats.Operations} client operations, {stats.OkOperations} acknowledged; history of {sim.History.Count} events is linearizable");
    Console.WriteLine($"  {stats.Elections} leader elections, {stats.Crashes} crashes ({stats.MidReadyCrashes} mid-persist), {stats.Partitions} partitions");
    Console.WriteLine($"  {stats.MembershipChanges} membership changes (final {sim.Membership}), {stats.Transfers} leadership transfers");
    Console.WriteLine($"  {stats.Snapshots} snapshots taken, {stats.SnapshotsInstalled} installed from a leader");
    Console.WriteLine($"  network: {sim.Network.Sent} messages sent, {sim.Network.Dropped} dropped, {sim.Network.Duplicated} duplicated");
    Console.WriteLine("  every safety invariant held after every step; all replicas converged to the same state");
    return 0;
}
catch (SimulationFailureException ex)
{
    Console.Error.WriteLine($"FAILED: {ex.Message}");
    return 1;
}
