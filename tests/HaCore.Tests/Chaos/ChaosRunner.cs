using System.Diagnostics;
using System.Text;
using HaCore.Testing.History;

namespace HaCore.Tests.Chaos;

/// <summary>What a chaos run found.</summary>
public sealed record ChaosVerdict(
    string Schedule,
    int Seed,
    IReadOnlyList<string> Faults,
    long Operations,
    string Workload,
    IReadOnlyList<string> Violations,
    int AcknowledgedLost,
    string Artifacts,
    TimeSpan Elapsed)
{
    public bool Passed => Violations.Count == 0;
}

/// <summary>
/// One chaos run: start the cluster (every node with <c>--power-cut</c>), run the workload in client processes, let the nemesis inject
/// faults for a while, heal everything, let the workload go on until it commits again, stop it, wait for the nodes
/// to converge, then check: the history is linearizable (lease reads included), every acknowledged write is on every
/// node, no list holds an element twice and no resent request got another answer (nothing applied twice), every
/// node has the same state hash, and no process crashed or logged an unhandled exception. Writes the history, the
/// node logs and a report under the results folder and names them.
/// </summary>
public sealed class ChaosRunner(ChaosSchedule schedule, int seed, TimeSpan faultPhase, Action<string> output)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    /// <summary>Where runs keep their files: $HACORE_TEST_RESULTS/chaos, else artifacts/chaos at the repository root.</summary>
    public static string ResultsRoot()
    {
        if (Environment.GetEnvironmentVariable("HACORE_TEST_RESULTS") is { Length: > 0 } results)
        {
            return Path.Combine(results, "chaos");
        }

        // tests/HaCore.Tests/bin/<Configuration>/net10.0 -> the repository root
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "HaCore.sln")))
        {
            dir = dir.Parent;
        }

        return Path.Combine(dir?.FullName ?? AppContext.BaseDirectory, "artifacts", "chaos");
    }

    public async Task<ChaosVerdict> RunAsync()
    {
        var started = Stopwatch.StartNew();
        var artifacts = Path.Combine(ResultsRoot(), $"{schedule.Name}-seed{seed}-{DateTime.UtcNow:yyyyMMdd-HHmmss}");
        Directory.CreateDirectory(artifacts);
        var random = new Random(seed);
        var violations = new List<string>();
        var lost = 0;
        output($"chaos run '{schedule.Name}' seed {seed}: {schedule.Nodes} nodes, faults from [{string.Join(", ", schedule.Faults)}], {faultPhase.TotalSeconds:F0}s of faults"
               + (schedule.NodeArgs is { Length: > 0 } extra ? $", node defects {string.Join(' ', extra)}" : string.Empty));
        output($"  replay: HACORE_CHAOS_SEED={seed} dotnet test tests/HaCore.Tests -c Release --filter \"FullyQualifiedName~Chaos\" (the '{schedule.Name}' case)");

        await using var cluster = new ChaosCluster(schedule.Nodes, seed, ["--power-cut", .. schedule.NodeArgs ?? []]);
        var nemesis = new Nemesis(cluster, schedule, random);
        await using var workload = new ChaosClients(cluster, seed, artifacts);
        ChaosSubscriber[] subscribers = [new(cluster, 1, seed * 17), new(cluster, 2, (seed * 17) + 1)];
        var subscriberSummary = "subscribers: not checked (the run did not get that far)";
        try
        {
            foreach (var id in cluster.Ids)
            {
                await cluster.StartAsync(id, nemesis.ClockArgs());
            }

            await cluster.LeaderAsync(Patience);
            workload.Start();
            foreach (var subscriber in subscribers)
            {
                subscriber.Start();
            }

            await workload.UntilAsync(() => workload.Acknowledged >= 100, Patience, "100 operations are acknowledged before the faults");

            await nemesis.RunAsync(faultPhase, CancellationToken.None);

            // Heal, and the cluster must commit again.
            await cluster.HealAllAsync();
            var atHeal = workload.Acknowledged;
            await workload.UntilAsync(() => workload.Acknowledged >= atHeal + 100, Patience, "100 more operations are acknowledged after healing");
            await workload.StopAsync();
            await cluster.ConvergedAsync(Patience);
            foreach (var subscriber in subscribers)
            {
                await subscriber.StopAsync();
            }

            subscriberSummary = await CheckSubscribersAsync(cluster, subscribers, violations);
        }
        catch (TimeoutException ex)
        {
            violations.Add($"liveness: {ex.Message}");
            await workload.StopAsync().WaitAsync(TimeSpan.FromSeconds(90)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        try
        {
            // Even without convergence: what each node holds tells which acknowledged writes are gone.
            foreach (var id in cluster.Ids.Where(id => !cluster.IsRunning(id)))
            {
                await cluster.StartAsync(id);
            }

            // After a failed convergence the applied indexes are not waited for long: the run has failed already.
            var converged = !violations.Any(v => v.StartsWith("liveness:", StringComparison.Ordinal));
            await CheckStatesAsync(cluster, workload, violations, n => lost = n, converged ? Patience : TimeSpan.FromSeconds(5));
        }
        catch (Exception ex) when (ex is IOException or TimeoutException)
        {
            violations.Add($"liveness: the final state checks failed: {ex.Message}");
        }

        // The history, judged whatever happened above.
        var historyPath = Path.Combine(artifacts, "history.jsonl");
        var history = workload.History;
        HistoryJson.WriteFile(historyPath, history);
        var checker = new LinearizabilityChecker(new LinearizabilityCheckerOptions { TimeLimit = TimeSpan.FromSeconds(120) });
        var result = checker.Check(history);
        if (!result.IsLinearizable)
        {
            violations.Add($"linearizability: {result.Outcome} on key {result.Key}: {result.Explanation}");
        }

        violations.AddRange(workload.ExactlyOnceViolations.Select(v => "exactly-once: " + v));
        foreach (var line in cluster.LogLines.Where(l => l.Contains("UNHANDLED EXCEPTION", StringComparison.Ordinal)
                     || l.Contains("UNOBSERVED TASK EXCEPTION", StringComparison.Ordinal)
                     || l.Contains("stopped on an error", StringComparison.Ordinal)).Take(5))
        {
            violations.Add("crash: " + line.Trim());
        }

        violations.AddRange(cluster.UnexpectedExits.Select(e => "crash: " + e));
        violations.AddRange(workload.Crashes.Select(e => "crash: " + e));

        var logPath = Path.Combine(artifacts, "nodes.log");
        await File.WriteAllLinesAsync(logPath, cluster.LogLines);
        var verdict = new ChaosVerdict(schedule.Name, seed, nemesis.Faults, workload.Operations, workload.Summary, violations, lost, artifacts, started.Elapsed);
        var report = new StringBuilder();
        report.AppendLine($"faults injected ({nemesis.Injected}):");
        foreach (var f in nemesis.Faults)
        {
            report.AppendLine("  " + f);
        }

        report.AppendLine($"workload: {workload.Summary}");
        report.AppendLine(subscriberSummary);
        report.AppendLine($"history: {history.Count} events, {result.OperationCount} operations on {result.KeyCount} keys, checker: {result.Outcome} in {result.Steps} steps");
        report.AppendLine($"acknowledged writes lost: {lost}");
        report.AppendLine($"verdict: {(verdict.Passed ? "PASS" : $"FAIL, {violations.Count} violation(s)")} in {started.Elapsed.TotalSeconds:F0}s");
        foreach (var v in violations.Take(12))
        {
            report.AppendLine("  violation: " + (v.Length > 2000 ? v[..2000] + " ..." : v));
        }

        if (violations.Count > 12)
        {
            report.AppendLine($"  ... and {violations.Count - 12} more violation(s)");
        }

        report.AppendLine($"files: {historyPath}, {logPath}, {Path.Combine(artifacts, "report.txt")}");
        await File.WriteAllTextAsync(Path.Combine(artifacts, "report.txt"), report.ToString());
        foreach (var line in report.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            output("  " + line.TrimEnd());
        }

        return verdict;
    }

    /// <summary>Each subscriber's stream against one node's stream after healing; and no request in it twice.</summary>
    private static async Task<string> CheckSubscribersAsync(ChaosCluster cluster, ChaosSubscriber[] subscribers, List<string> violations)
    {
        var ranges = subscribers.Select(s => s.Range).Where(r => r.Last > 0).ToList();
        if (ranges.Count == 0)
        {
            violations.Add("subscribers: none received anything");
            return "subscribers: none received anything";
        }

        var reference = await ChaosSubscriber.ReadReferenceAsync(cluster, cluster.Ids.First(), ranges.Min(r => r.First), ranges.Max(r => r.Last));
        foreach (var subscriber in subscribers)
        {
            violations.AddRange(subscriber.Check(reference).Select(p => "subscription: " + p));
        }

        foreach (var twice in reference.GroupBy(e => e.Value.Split(' ')[0], StringComparer.Ordinal).Where(g => g.Count() > 1).Take(5))
        {
            violations.Add($"applied twice: request {twice.Key} is in the event stream at indexes {string.Join(", ", twice.Select(e => e.Key))}");
        }

        return $"subscribers: {subscribers.Length}, {subscribers.Sum(s => s.Received)} events received over {subscribers.Sum(s => s.Resumes)} resumes on other nodes, "
            + $"checked against node {cluster.Ids.First()}'s stream of {reference.Count} events (order, duplicates, gaps, contents)";
    }

    private static async Task CheckStatesAsync(ChaosCluster cluster, ChaosClients workload, List<string> violations, Action<int> reportLost, TimeSpan patience)
    {
        // Equal states: once every node has applied the same index, their hashes must match.
        var deadline = DateTime.UtcNow + patience;
        while (true)
        {
            var hashes = new List<(ulong Id, ulong Applied, string Hash)>();
            foreach (var id in cluster.Ids)
            {
                var (applied, hash) = await cluster.HashAsync(id);
                hashes.Add((id, applied, hash));
            }

            if (hashes.Select(h => h.Applied).Distinct().Count() == 1)
            {
                if (hashes.Select(h => h.Hash).Distinct().Count() != 1)
                {
                    violations.Add($"state hashes differ at applied index {hashes[0].Applied}: {string.Join(", ", hashes.Select(h => $"node {h.Id} {h.Hash[..16]}"))}");
                }

                break;
            }

            if (DateTime.UtcNow > deadline)
            {
                violations.Add($"liveness: applied indexes still differ: {string.Join(", ", hashes.Select(h => $"node {h.Id} {h.Applied}"))}");
                break;
            }

            await Task.Delay(100);
        }

        // Every acknowledged write on every node; nothing applied twice.
        var lostItems = new HashSet<string>(StringComparer.Ordinal);
        foreach (var id in cluster.Ids)
        {
            var state = await cluster.DumpAsync(id);
            foreach (var (key, value) in workload.AcknowledgedUnique)
            {
                if (!state.TryGetValue(key, out var actual) || actual != value)
                {
                    lostItems.Add($"{key}={value}");
                    if (lostItems.Count <= 5)
                    {
                        violations.Add($"lost: node {id} lacks acknowledged write {key}={value} (has {actual ?? "nothing"})");
                    }
                }
            }

            var lists = state.Where(kv => kv.Key.StartsWith('l')).ToDictionary(kv => kv.Key, kv => kv.Value.Split(','), StringComparer.Ordinal);
            foreach (var (list, element) in workload.AcknowledgedAppends)
            {
                if (!lists.TryGetValue(list, out var items) || !items.Contains(element, StringComparer.Ordinal))
                {
                    lostItems.Add($"{list}+{element}");
                    if (lostItems.Count <= 5)
                    {
                        violations.Add($"lost: node {id} lacks acknowledged append of {element} to {list}");
                    }
                }
            }

            foreach (var (list, items) in lists)
            {
                foreach (var twice in items.GroupBy(i => i, StringComparer.Ordinal).Where(g => g.Count() > 1).Take(3))
                {
                    violations.Add($"applied twice: node {id}: list {list} holds {twice.Key} {twice.Count()} times");
                }
            }
        }

        if (lostItems.Count > 5)
        {
            violations.Add($"lost: {lostItems.Count} acknowledged writes in all are missing on some node");
        }

        reportLost(lostItems.Count);
    }
}
