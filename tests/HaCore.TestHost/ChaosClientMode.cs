using System.Globalization;
using System.Text.Json;
using HaCore.Testing.Chaos;
using HaCore.Testing.History;

/// <summary>
/// <c>HaCore.TestHost client</c>: chaos clients in a process of their own (tests/HaCore.Tests/Chaos/ChaosClients.cs
/// starts several). They run <see cref="ChaosWorkload"/> against the nodes named in a targets file, print
/// <c>PROGRESS &lt;acknowledged&gt; &lt;operations&gt;</c> every 200 ms, and stop at a line (or the end) of standard input.
/// They then write, into the output folder, their history (history.jsonl, times on the machine's monotonic clock,
/// which every process shares), their acknowledged writes (acknowledged.txt: <c>U key value</c> and
/// <c>A list element</c>), the resends answered differently (exactly-once.txt) and their counters (counters.json),
/// and print <c>DONE</c>.
/// </summary>
internal static class ChaosClientMode
{
    //   client --targets FILE --out DIR --seed S [--clients N] [--first-client K]
    public static async Task<int> RunAsync(string[] args)
    {
        string Arg(string name, string? fallback = null)
        {
            var i = Array.IndexOf(args, name);
            return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback ?? throw new ArgumentException($"missing {name}");
        }

        var output = Arg("--out");
        Directory.CreateDirectory(output);
        var clients = int.Parse(Arg("--clients", "4"), CultureInfo.InvariantCulture);
        var first = int.Parse(Arg("--first-client", "0"), CultureInfo.InvariantCulture);
        var workload = new ChaosWorkload(new TargetsFile(Arg("--targets")), int.Parse(Arg("--seed"), CultureInfo.InvariantCulture), clients, firstClient: first);
        workload.Start();
        Console.WriteLine($"client process ready: clients {first}-{first + clients - 1}, pid {Environment.ProcessId}");
        var stop = Task.Run(Console.In.ReadLine);
        while (!stop.IsCompleted)
        {
            Console.WriteLine(FormattableString.Invariant($"PROGRESS {workload.Acknowledged} {workload.Operations}"));
            await Task.WhenAny(stop, Task.Delay(200));
        }

        await workload.StopAsync();
        HistoryJson.WriteFile(Path.Combine(output, "history.jsonl"), workload.History.Snapshot());
        await File.WriteAllLinesAsync(
            Path.Combine(output, "acknowledged.txt"),
            workload.AcknowledgedUnique.Select(kv => $"U {kv.Key} {kv.Value}").Concat(workload.AcknowledgedAppends.Select(a => $"A {a.List} {a.Element}")));
        await File.WriteAllLinesAsync(Path.Combine(output, "exactly-once.txt"), workload.ExactlyOnceViolations);
        await File.WriteAllTextAsync(Path.Combine(output, "counters.json"), JsonSerializer.Serialize(workload.Counters));
        Console.WriteLine($"DONE {workload.Summary}");
        return 0;
    }
}
