using System.Globalization;
using HaCore.Testing.History;
using Xunit;

namespace HaCore.Simulation.Tests.History;

/// <summary>
/// Cross-checks the checker against a brute-force search over every order of small random histories
/// (linearizable or not), so the search's pruning cannot silently change verdicts.
/// </summary>
public sealed class LinearizabilityCrossCheckTests
{
    [Theory]
    [InlineData(false, false)]
    [InlineData(false, true)]
    [InlineData(true, false)]
    [InlineData(true, true)]
    public void AgreesWithBruteForceOnSmallRandomHistories(bool lists, bool uniqueValues)
    {
        var rng = new Random((lists ? 1000 : 2000) + (uniqueValues ? 1 : 0));
        var verdicts = new int[2];
        for (var iteration = 0; iteration < 1500; iteration++)
        {
            var history = RandomHistory(rng, lists, uniqueValues);
            var expected = BruteForce(HistoryOperation.Pair(history), lists);
            var actual = new LinearizabilityChecker().Check(history);
            Assert.NotEqual(LinearizabilityOutcome.Unknown, actual.Outcome);
            if (expected != actual.IsLinearizable)
            {
                Assert.Fail($"iteration {iteration}: brute force says {expected}, checker says {actual.Outcome}: {actual.Explanation}\n"
                    + string.Join('\n', history.Select(HistoryJson.ToJsonLine)));
            }

            verdicts[expected ? 1 : 0]++;
        }

        // Both verdicts must be well represented, or the comparison proves little.
        Assert.True(verdicts[0] > 150, $"only {verdicts[0]} non-linearizable histories");
        Assert.True(verdicts[1] > 150, $"only {verdicts[1]} linearizable histories");
    }

    private static List<HistoryEvent> RandomHistory(Random rng, bool lists, bool uniqueValues)
    {
        var events = new List<HistoryEvent>();
        var processes = new List<int> { 0, 1, 2 };
        var pending = new Dictionary<int, HistoryEvent>();
        var nextProcess = 3;
        var counter = 0;
        var operations = rng.Next(3, 8);
        var issued = 0;
        string[] pool = ["a", "b", "c"];
        while (issued < operations || pending.Count > 0)
        {
            var p = processes[rng.Next(processes.Count)];
            if (!pending.TryGetValue(p, out var invoke))
            {
                if (issued >= operations)
                {
                    continue;
                }

                issued++;
                var value = uniqueValues ? "v" + (counter++).ToString(CultureInfo.InvariantCulture) : pool[rng.Next(pool.Length)];
                invoke = (lists, rng.Next(3)) switch
                {
                    (_, 0) => HistoryEvent.Invoke(p, HistoryFunction.Read, "x"),
                    (true, _) => HistoryEvent.Invoke(p, HistoryFunction.Append, "x", value),
                    (false, 1) => HistoryEvent.Invoke(p, HistoryFunction.Write, "x", value),
                    _ => HistoryEvent.Invoke(p, HistoryFunction.Cas, "x", HistoryValue.CasPair(RandomSeen(), value)),
                };
                pending[p] = invoke;
                events.Add(invoke);
                continue;
            }

            pending.Remove(p);
            var roll = rng.Next(10);
            var type = roll < 7 ? HistoryEventType.Ok : roll < 8 ? HistoryEventType.Fail : HistoryEventType.Info;
            HistoryValue result = invoke.F != HistoryFunction.Read || type != HistoryEventType.Ok
                ? invoke.Value
                : lists ? RandomList() : HistoryValue.Of(RandomSeen());
            events.Add(invoke with { Type = type, Value = result });
            if (type == HistoryEventType.Info)
            {
                processes.Remove(p);
                processes.Add(nextProcess++);
            }
        }

        return events;

        // A value that was (or will be) written, or null.
        string? RandomSeen()
        {
            var written = events.Where(e => e.F != HistoryFunction.Read && e.Type == HistoryEventType.Invoke)
                .Select(e => e.F == HistoryFunction.Cas ? e.Value.Items[1] : e.Value.Text)
                .ToList();
            return written.Count == 0 || rng.Next(4) == 0 ? (uniqueValues ? null : pool[rng.Next(pool.Length)]) : written[rng.Next(written.Count)];
        }

        HistoryValue RandomList()
        {
            var appended = events.Where(e => e.F == HistoryFunction.Append && e.Type == HistoryEventType.Invoke).Select(e => e.Value.Text).ToList();
            var count = rng.Next(appended.Count + 1);
            if (count == 0 && rng.Next(2) == 0)
            {
                return HistoryValue.Null;
            }

            // Usually a prefix of the appends in invoke order, sometimes shuffled.
            var items = appended.Take(count).ToList();
            if (rng.Next(3) == 0)
            {
                items = items.OrderBy(_ => rng.Next()).ToList();
            }

            return HistoryValue.ListOf(items);
        }
    }

    /// <summary>Tries every order of every subset of the info operations.</summary>
    private static bool BruteForce(IReadOnlyList<HistoryOperation> all, bool lists)
    {
        var ops = all.Where(o => o.Status != HistoryEventType.Fail && !(o.F == HistoryFunction.Read && o.Status != HistoryEventType.Ok)).ToList();
        var placed = new bool[ops.Count];
        return Search(lists ? (object)new List<string?>() : null);

        bool Search(object? state)
        {
            if (ops.Select((o, i) => (o, i)).All(x => placed[x.i] || x.o.Status != HistoryEventType.Ok))
            {
                return true;
            }

            for (var i = 0; i < ops.Count; i++)
            {
                if (placed[i])
                {
                    continue;
                }

                // Real time: every ok operation that completed before this one was invoked comes first.
                var ready = true;
                for (var j = 0; j < ops.Count; j++)
                {
                    if (!placed[j] && j != i && ops[j].Status == HistoryEventType.Ok && ops[j].CompleteIndex < ops[i].InvokeIndex)
                    {
                        ready = false;
                    }
                }

                if (!ready || !Apply(ops[i], state, out var next))
                {
                    continue;
                }

                placed[i] = true;
                var found = Search(next);
                placed[i] = false;
                if (found)
                {
                    return true;
                }
            }

            return false;
        }

        static bool Apply(HistoryOperation o, object? state, out object? next)
        {
            next = state;
            switch (o.F)
            {
                case HistoryFunction.Read when state is List<string?> list:
                    return (o.Output ?? HistoryValue.Null).Items.SequenceEqual(list);
                case HistoryFunction.Read:
                    return (o.Output ?? HistoryValue.Null).Text == (string?)state;
                case HistoryFunction.Write:
                    next = o.Input.Text;
                    return true;
                case HistoryFunction.Cas:
                    next = o.Input.Items[1];
                    return o.Input.Items[0] == (string?)state;
                default:
                    next = new List<string?>((List<string?>)state!) { o.Input.Text };
                    return true;
            }
        }
    }
}
