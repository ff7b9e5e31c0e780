using HaCore.Testing.History;

namespace HaCore.Testing.WholeNode;

/// <summary>
/// The end-of-run checks of the whole-node simulator, once the cluster has converged.
/// </summary>
/// <remarks>
/// What each proves:
/// <list type="bullet">
/// <item>Equal states on every node: replicas that applied the same log agree (and every node restarted from its
/// directory, since convergence needs every node up).</item>
/// <item>The register history is linearizable, linearizable and lease reads included (stale reads are not
/// recorded: they promise only a prefix).</item>
/// <item>Exactly-once: each pipeline's counter was incremented once per request (its final value equals the
/// requests issued, and the acknowledged results are exactly 1..N), though requests were retried on other nodes,
/// re-proposed after leader changes, and reached the log out of order. After the power cut of every node this
/// also proves that no acknowledged write was lost.</item>
/// <item>Each subscriber segment is an in-order, gap-free, duplicate-free run of the applied commands.</item>
/// </list>
/// </remarks>
internal static class WholeNodeChecks
{
    public static void CheckAll(WholeNodeSimulator sim, string phase)
    {
        CheckStates(sim, phase);
        CheckExactlyOnce(sim, phase);
        CheckSubscribers(sim, phase);
        CheckLinearizable(sim, phase);
    }

    private static void CheckStates(WholeNodeSimulator sim, string phase)
    {
        var states = sim.Members.Select(n => (n.Id, State: n.Machine!.StateText())).ToList();
        if (states.Select(s => s.State).Distinct().Count() != 1)
        {
            throw sim.Fail($"{phase}: the nodes' states differ: {string.Join(" | ", states.Select(s => $"node {s.Id}: {s.State.Replace('\n', ' ')}"))}");
        }
    }

    private static void CheckExactlyOnce(WholeNodeSimulator sim, string phase)
    {
        foreach (var pipeline in sim.Clients.Pipelines)
        {
            var issued = (long)pipeline.Issued;
            var results = pipeline.Results.Values.OrderBy(v => v).ToList();
            if (results.Count != issued || results.Where((v, i) => v != i + 1).Any())
            {
                throw sim.Fail($"{phase}: exactly-once: pipeline {pipeline.Id} issued {issued} increments, acknowledged results are not 1..{issued}: {string.Join(",", results.Take(30))}");
            }

            foreach (var node in sim.Members)
            {
                var value = node.Machine!.Kv.Get($"p{pipeline.Id}");
                if ((value ?? "0") != issued.ToString(System.Globalization.CultureInfo.InvariantCulture))
                {
                    throw sim.Fail($"{phase}: exactly-once: node {node.Id} has counter p{pipeline.Id} = {value ?? "absent"}, but {issued} increments were issued and acknowledged (applied twice, or an acknowledged one lost)");
                }
            }
        }
    }

    private static void CheckSubscribers(WholeNodeSimulator sim, string phase)
    {
        var applied = sim.Applied.Keys.ToList();
        foreach (var subscriber in sim.Clients.Subscribers)
        {
            foreach (var (start, indexes) in subscriber.Segments.Where(s => s.Indexes.Count > 0))
            {
                var expected = applied.SkipWhile(i => i < start).Take(indexes.Count).ToList();
                if (!expected.SequenceEqual(indexes))
                {
                    var at = expected.Zip(indexes).TakeWhile(p => p.First == p.Second).Count();
                    throw sim.Fail($"{phase}: subscriber {subscriber.Id} segment from {start}: item {at} is index {(at < indexes.Count ? indexes[at] : 0)}, the applied commands have {(at < expected.Count ? expected[at] : 0)} there (a gap or a duplicate); ends: {string.Join("; ", subscriber.Ends.TakeLast(5))}");
                }
            }
        }
    }

    private static void CheckLinearizable(WholeNodeSimulator sim, string phase)
    {
        var history = sim.Clients.History;
        var result = new LinearizabilityChecker().Check(history);
        if (result.Outcome == LinearizabilityOutcome.Linearizable)
        {
            return;
        }

        var path = Path.Combine(Path.GetTempPath(), $"hacore-whole-{sim.Options.Seed}-history.jsonl");
        HistoryJson.WriteFile(path, history);
        throw sim.Fail($"{phase}: client history is {result.Outcome}: {result.Explanation} (history written to {path})");
    }
}
