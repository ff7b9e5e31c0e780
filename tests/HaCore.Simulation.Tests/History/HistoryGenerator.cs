using System.Globalization;
using HaCore.Testing.History;

namespace HaCore.Simulation.Tests.History;

/// <summary>
/// Generates histories that are linearizable by construction: simulated concurrent clients (one
/// seeded <see cref="Random"/>) run operations against a real sequential store; each operation takes
/// effect atomically at one step between its invoke and its completion. Some operations fail before
/// taking effect, some end in info (before or after taking effect), and then the client continues
/// under a new process id, as the format requires. Every written value and appended element is unique.
/// </summary>
internal static class HistoryGenerator
{
    public static IReadOnlyList<HistoryEvent> Registers(int seed, int clients, int keys, int operations, double infoRate = 0.02) =>
        Generate(seed, clients, keys, operations, infoRate, lists: false);

    public static IReadOnlyList<HistoryEvent> Lists(int seed, int clients, int keys, int operations, double infoRate = 0.02) =>
        Generate(seed, clients, keys, operations, infoRate, lists: true);

    private static IReadOnlyList<HistoryEvent> Generate(int seed, int clients, int keys, int operations, double infoRate, bool lists)
    {
        var rng = new Random(seed);
        var registers = new Dictionary<string, string?>(StringComparer.Ordinal);
        var listStore = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        var written = new List<string>();
        var events = new List<HistoryEvent>(operations * 2);
        var client = new Client[clients];
        var nextProcess = 0;
        for (var i = 0; i < clients; i++)
        {
            client[i] = new Client { Process = nextProcess++ };
        }

        var issued = 0;
        var counter = 0;
        while (issued < operations || client.Any(c => c.Invoke is not null))
        {
            var c = client[rng.Next(clients)];
            if (c.Invoke is null)
            {
                if (issued >= operations)
                {
                    continue;
                }

                issued++;
                var key = "k" + rng.Next(keys).ToString(CultureInfo.InvariantCulture);
                var fresh = "v" + (counter++).ToString(CultureInfo.InvariantCulture);
                HistoryEvent invoke;
                if (lists)
                {
                    invoke = rng.Next(2) == 0
                        ? HistoryEvent.Invoke(c.Process, HistoryFunction.Read, key)
                        : HistoryEvent.Invoke(c.Process, HistoryFunction.Append, key, fresh);
                }
                else
                {
                    switch (rng.Next(3))
                    {
                        case 0:
                            invoke = HistoryEvent.Invoke(c.Process, HistoryFunction.Read, key);
                            break;
                        case 1:
                            invoke = HistoryEvent.Invoke(c.Process, HistoryFunction.Write, key, fresh);
                            break;
                        default:
                            string? expected = rng.Next(2) == 0
                                ? registers.GetValueOrDefault(key)
                                : written.Count > 0 ? written[rng.Next(written.Count)] : null;
                            invoke = HistoryEvent.Invoke(c.Process, HistoryFunction.Cas, key, HistoryValue.CasPair(expected, fresh));
                            break;
                    }
                }

                c.Invoke = invoke;
                c.Executed = false;
                events.Add(invoke);
                continue;
            }

            var op = c.Invoke;
            if (!c.Executed)
            {
                var roll = rng.NextDouble();
                if (roll < infoRate / 2)
                {
                    // Timed out before taking effect.
                    events.Add(op with { Type = HistoryEventType.Info });
                    Restart(c);
                    continue;
                }

                if (roll < 0.03)
                {
                    // Rejected before being proposed (no leader).
                    events.Add(Completion(op, HistoryEventType.Fail, HistoryValue.Null));
                    c.Invoke = null;
                    continue;
                }

                c.Executed = true;
                (c.ResultType, c.Result) = Execute(op);
                continue;
            }

            events.Add(rng.NextDouble() < infoRate / 2
                ? Completion(op, HistoryEventType.Info, HistoryValue.Null)
                : Completion(op, c.ResultType, c.Result));
            if (events[^1].Type == HistoryEventType.Info)
            {
                Restart(c);
            }
            else
            {
                c.Invoke = null;
            }
        }

        return events;

        void Restart(Client c)
        {
            c.Invoke = null;
            c.Process = nextProcess++;
        }

        (HistoryEventType, HistoryValue) Execute(HistoryEvent op)
        {
            switch (op.F)
            {
                case HistoryFunction.Read when lists:
                    return (HistoryEventType.Ok, listStore.TryGetValue(op.Key, out var l) ? HistoryValue.ListOf(l) : HistoryValue.Null);
                case HistoryFunction.Read:
                    return (HistoryEventType.Ok, HistoryValue.Of(registers.GetValueOrDefault(op.Key)));
                case HistoryFunction.Write:
                    registers[op.Key] = op.Value.Text;
                    written.Add(op.Value.Text!);
                    return (HistoryEventType.Ok, op.Value);
                case HistoryFunction.Cas:
                    if (string.Equals(registers.GetValueOrDefault(op.Key), op.Value.Items[0], StringComparison.Ordinal))
                    {
                        registers[op.Key] = op.Value.Items[1];
                        written.Add(op.Value.Items[1]!);
                        return (HistoryEventType.Ok, op.Value);
                    }

                    return (HistoryEventType.Fail, op.Value);
                default:
                    if (!listStore.TryGetValue(op.Key, out var list))
                    {
                        list = [];
                        listStore.Add(op.Key, list);
                    }

                    list.Add(op.Value.Text!);
                    return (HistoryEventType.Ok, op.Value);
            }
        }
    }

    private static HistoryEvent Completion(HistoryEvent invoke, HistoryEventType type, HistoryValue value) =>
        invoke with { Type = type, Value = invoke.F == HistoryFunction.Read ? value : invoke.Value };

    private sealed class Client
    {
        public int Process { get; set; }

        public HistoryEvent? Invoke { get; set; }

        public bool Executed { get; set; }

        public HistoryEventType ResultType { get; set; }

        public HistoryValue Result { get; set; } = HistoryValue.Null;
    }
}
