using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using HaCore.Testing.Chaos;
using HaCore.Testing.History;
using HaCore.Testing.Runtime;

namespace HaCore.Tests.Chaos;

/// <summary>
/// The chaos workload in several client processes (<c>HaCore.TestHost client</c>, ChaosClientMode.cs), each with
/// its own clients, sessions and connections, against the nodes' client ports: what a real deployment's clients
/// are. Their progress comes in on standard output; at the end each writes its history, acknowledged writes and
/// exactly-once findings into its folder under the run's artifacts, and the histories are merged by time (one
/// monotonic clock for every process of the machine).
/// </summary>
public sealed class ChaosClients : IAsyncDisposable
{
    private static readonly TimeSpan StopPatience = TimeSpan.FromSeconds(90);
    private readonly ChaosCluster _cluster;
    private readonly int _seed;
    private readonly string _artifacts;
    private readonly Process?[] _processes;
    private readonly long[] _acknowledged;
    private readonly long[] _operations;
    private readonly ConcurrentQueue<string> _crashes = new();
    private volatile bool _stopping;

    public ChaosClients(ChaosCluster cluster, int seed, string artifacts, int processes = 3, int clientsPerProcess = 4)
    {
        _cluster = cluster;
        _seed = seed;
        _artifacts = artifacts;
        ClientsPerProcess = clientsPerProcess;
        _processes = new Process?[processes];
        _acknowledged = new long[processes];
        _operations = new long[processes];
    }

    public int ClientsPerProcess { get; }

    public int Processes => _processes.Length;

    public long Acknowledged => _acknowledged.Sum();

    public long Operations => _operations.Sum();

    /// <summary>The merged history, after <see cref="StopAsync"/>.</summary>
    public IReadOnlyList<HistoryEvent> History { get; private set; } = [];

    /// <summary>Acknowledged writes of unique keys, after <see cref="StopAsync"/>.</summary>
    public Dictionary<string, string> AcknowledgedUnique { get; } = new(StringComparer.Ordinal);

    /// <summary>Acknowledged appends, after <see cref="StopAsync"/>.</summary>
    public List<(string List, string Element)> AcknowledgedAppends { get; } = [];

    public List<string> ExactlyOnceViolations { get; } = [];

    /// <summary>Client processes that exited on their own, or did not stop and report in time.</summary>
    public IReadOnlyCollection<string> Crashes => _crashes;

    public WorkloadCounters? Counters { get; private set; }

    public string Summary => Counters is { } counters
        ? $"{Processes} client processes x {ClientsPerProcess} clients: {counters}"
        : $"{Processes} client processes x {ClientsPerProcess} clients: {Operations} operations ({Acknowledged} ok) so far";

    public void Start()
    {
        for (var k = 0; k < _processes.Length; k++)
        {
            var index = k;
            var info = new ProcessStartInfo("dotnet") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var arg in new[]
                     {
                         ChaosCluster.HostPath(), "client", "--targets", _cluster.TargetsPath, "--out", Folder(k), "--seed", _seed.ToString(CultureInfo.InvariantCulture),
                         "--clients", ClientsPerProcess.ToString(CultureInfo.InvariantCulture), "--first-client", (k * ClientsPerProcess).ToString(CultureInfo.InvariantCulture),
                     })
            {
                info.ArgumentList.Add(arg);
            }

            var process = new Process { StartInfo = info, EnableRaisingEvents = true };
            process.OutputDataReceived += (_, e) => OnLine(index, e.Data);
            process.ErrorDataReceived += (_, e) => OnLine(index, e.Data);
            process.Exited += (_, _) =>
            {
                if (!_stopping)
                {
                    _crashes.Enqueue($"client process {index} exited by itself with code {process.ExitCode} at {_cluster.Elapsed.TotalSeconds:F1}s");
                }
            };
            process.Start();
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            _processes[k] = process;
        }
    }

    /// <summary>Waits for a condition on the clients' progress, with a deadline.</summary>
    public async Task UntilAsync(Func<bool> condition, TimeSpan timeout, string what)
    {
        try
        {
            await Eventually.TrueAsync(() => condition() || !_crashes.IsEmpty, timeout, what);
        }
        catch (TimeoutException ex)
        {
            throw new TimeoutException($"{ex.Message} ({Summary})", ex);
        }

        if (!_crashes.IsEmpty)
        {
            throw new TimeoutException($"{what}: a client process ended ({string.Join("; ", _crashes)})");
        }
    }

    /// <summary>Tells every client process to stop, waits for their reports and reads them.</summary>
    public async Task StopAsync()
    {
        if (_stopping)
        {
            return;
        }

        _stopping = true;
        foreach (var process in _processes.OfType<Process>().Where(p => !p.HasExited))
        {
            await process.StandardInput.WriteLineAsync("STOP");
            await process.StandardInput.FlushAsync();
        }

        var events = new List<(HistoryEvent Event, int Process, int Order)>();
        WorkloadCounters? counters = null;
        for (var k = 0; k < _processes.Length; k++)
        {
            if (_processes[k] is not { } process)
            {
                continue;
            }

            using var deadline = new CancellationTokenSource(StopPatience);
            try
            {
                await process.WaitForExitAsync(deadline.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                _crashes.Enqueue($"client process {k} did not stop within {StopPatience.TotalSeconds:F0}s");
                continue;
            }

            var folder = Folder(k);
            if (process.ExitCode != 0 || !File.Exists(Path.Combine(folder, "counters.json")))
            {
                _crashes.Enqueue($"client process {k} ended with code {process.ExitCode} without its report");
                continue;
            }

            var history = HistoryJson.ReadFile(Path.Combine(folder, "history.jsonl"));
            events.AddRange(history.Select((e, i) => (e, k, i)));
            foreach (var line in await File.ReadAllLinesAsync(Path.Combine(folder, "acknowledged.txt")))
            {
                var p = line.Split(' ');
                if (p[0] == "U")
                {
                    AcknowledgedUnique[p[1]] = p[2];
                }
                else
                {
                    AcknowledgedAppends.Add((p[1], p[2]));
                }
            }

            ExactlyOnceViolations.AddRange(await File.ReadAllLinesAsync(Path.Combine(folder, "exactly-once.txt")));
            var mine = JsonSerializer.Deserialize<WorkloadCounters>(await File.ReadAllTextAsync(Path.Combine(folder, "counters.json")))!;
            counters = counters is null ? mine : counters + mine;
        }

        // One history in real-time order: every process stamped its events with the same monotonic clock.
        History = [.. events.OrderBy(e => e.Event.Time).ThenBy(e => e.Process).ThenBy(e => e.Order).Select(e => e.Event)];
        Counters = counters;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var process in _processes.OfType<Process>())
        {
            try
            {
                if (!process.HasExited)
                {
                    process.Kill(entireProcessTree: true);
                    await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
                }
            }
            catch (Exception ex) when (ex is InvalidOperationException or TimeoutException)
            {
            }

            process.Dispose();
        }
    }

    private string Folder(int k) => Path.Combine(_artifacts, $"client-{k}");

    private void OnLine(int k, string? line)
    {
        if (line is null)
        {
            return;
        }

        if (line.StartsWith("PROGRESS ", StringComparison.Ordinal))
        {
            var p = line.Split(' ');
            Interlocked.Exchange(ref _acknowledged[k], long.Parse(p[1], CultureInfo.InvariantCulture));
            Interlocked.Exchange(ref _operations[k], long.Parse(p[2], CultureInfo.InvariantCulture));
            return;
        }

        _cluster.Note($"client {k}", line);
    }
}
