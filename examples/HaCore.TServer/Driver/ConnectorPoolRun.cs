using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using HaCore.ConnectorPool;
using HaCore.TServer.Node;
using HaCore.TServer.Web;

namespace HaCore.TServer.Driver;

/// <summary>
/// The connector part of the failover run: three connector processes of <c>examples/HaCore.ConnectorPool</c> (c1-c3,
/// three DNs each); at half the run c1 is paused (SIGSTOP, a frozen process) and a new c1 started, which recovers c1's
/// calls (scenario 4a), then the paused one is resumed and its next write is refused for its stale epoch (4c, 11); at
/// two thirds c2 is killed (SIGKILL) and stays down, and a survivor takes its DNs and calls in one entry (4b).
/// </summary>
internal sealed class ConnectorPoolRun
{
    public const int Connectors = 3;
    public const int DnsEach = 3;
    private const int MaxReports = 10_000;
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly ConcurrentQueue<(TimeSpan At, int Instance, ConnectorReport Report)> _reports = new();
    private readonly List<(string Id, int Instance, Process Process)> _processes = [];
    private readonly ClientTokens _tokens;
    private readonly string _work;
    private readonly string _nodes;
    private readonly Stopwatch _clock;
    private int _instances;

    public ConnectorPoolRun(ClientTokens tokens, string work, IEnumerable<int> httpPorts, Stopwatch clock)
    {
        _tokens = tokens;
        _work = work;
        _nodes = string.Join(',', httpPorts.Select(p => $"http://127.0.0.1:{p}"));
        _clock = clock;
    }

    public TimeSpan? PausedAt { get; private set; }

    public TimeSpan? KilledAt { get; private set; }

    public bool Resumed { get; private set; }

    public List<(TimeSpan At, int Instance, ConnectorReport Report)> Reports => [.. _reports];

    public static string Id(int i) => "c" + (i + 1).ToString(CultureInfo.InvariantCulture);

    public static IEnumerable<string> DnsOf(int i) => Enumerable.Range(i * DnsEach, DnsEach).Select(TServerOptions.ConnectorDn);

    /// <summary>Starts the three connectors and waits until each is ready.</summary>
    public async Task StartAsync(TimeSpan timeout)
    {
        for (var i = 0; i < Connectors; i++)
        {
            Start(i);
        }

        await WaitForAsync(r => Reports.Count(x => x.Report.Kind == "ready") >= Connectors, timeout).ConfigureAwait(false);
    }

    /// <summary>Pauses c1 and starts a new c1.</summary>
    public void PauseAndRestartFirst()
    {
        var (_, _, old) = _processes.First(p => p.Id == Id(0));
        Signal(old, "STOP");
        PausedAt = _clock.Elapsed;
        Start(0);
    }

    /// <summary>Once the new c1 is ready (or after <paramref name="timeout"/>), resumes the paused one.</summary>
    public bool TryResumeFirst(TimeSpan timeout)
    {
        if (Resumed || PausedAt is null)
        {
            return Resumed;
        }

        var newInstance = _processes.Where(p => p.Id == Id(0)).Max(p => p.Instance);
        if (Reports.Any(r => r.Instance == newInstance && r.Report.Kind == "ready") || _clock.Elapsed - PausedAt > timeout)
        {
            Signal(_processes.First(p => p.Id == Id(0)).Process, "CONT");
            Resumed = true;
        }

        return Resumed;
    }

    /// <summary>Kills c2 (SIGKILL); it stays down.</summary>
    public async Task KillSecondAsync()
    {
        var (_, _, process) = _processes.First(p => p.Id == Id(1));
        process.Kill(entireProcessTree: true);
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        KilledAt = _clock.Elapsed;
    }

    /// <summary>Whether the scenario has played out: the paused c1 fenced, and c2's calls adopted.</summary>
    public bool Done => Reports.Any(r => r.Report.Kind == "fenced") && Reports.Any(r => r.Report.Kind == "adopted" && r.Report.From == Id(1));

    /// <summary>Stops the connectors still running (SIGTERM: each reports what it owns last and exits).</summary>
    public async Task<List<(string Id, int Instance, int? ExitCode)>> StopAsync()
    {
        var exits = new List<(string, int, int?)>();
        foreach (var (id, instance, process) in _processes)
        {
            if (!process.HasExited)
            {
                Signal(process, "CONT");
                Signal(process, "TERM");
            }

            try
            {
                await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(20)).ConfigureAwait(false);
                exits.Add((id, instance, process.ExitCode));
            }
            catch (TimeoutException)
            {
                process.Kill(entireProcessTree: true);
                exits.Add((id, instance, null));
            }
        }

        return exits;
    }

    public void KillAll()
    {
        foreach (var (_, _, process) in _processes)
        {
            try
            {
                if (!process.HasExited)
                {
                    process.Kill(entireProcessTree: true);
                }
            }
            catch (InvalidOperationException)
            {
            }

            process.Dispose();
        }
    }

    /// <summary>Checks the end state against the connectors' own last reports and writes the summary lines.</summary>
    public async Task SummarizeAsync(HttpClient http, int[] ports, List<(string Id, int Instance, int? ExitCode)> exits, List<string> failures)
    {
        ConnectorsView? state = null;
        foreach (var port in ports)
        {
            try
            {
                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                state = await http.GetFromJsonAsync<ConnectorsView>(new Uri($"http://127.0.0.1:{port}/api/connectors"), Json, cts.Token).ConfigureAwait(false);
                break;
            }
            catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException or JsonException)
            {
            }
        }

        if (state is null)
        {
            failures.Add("no node answered GET /api/connectors");
            return;
        }

        var reports = Reports;
        var ready = reports.Where(r => r.Report.Kind == "ready" && r.Instance <= Connectors).ToList();
        var voice = state.Calls.Count(c => !c.Im);
        Console.WriteLine($"  connectors             : {Connectors} processes ({string.Join(' ', Enumerable.Range(0, Connectors).Select(Id))}) owning DNs {TServerOptions.ConnectorDn(0)}-{TServerOptions.ConnectorDn((Connectors * DnsEach) - 1)} through the DN assignment, {state.Calls.Count} calls with HA records ({voice} voice, {state.Calls.Count - voice} IM); "
            + $"{Id(0)} paused (SIGSTOP) at {PausedAt?.TotalSeconds ?? 0:F1}s and a new {Id(0)} started, {Id(1)} killed (SIGKILL, stays down) at {KilledAt?.TotalSeconds ?? 0:F1}s");

        var firstRecords = ready.Where(r => r.Report.Connector == Id(0)).Select(r => r.Report.Keys?.Count ?? 0).FirstOrDefault();
        var recovered = reports.FirstOrDefault(r => r.Report.Kind == "recovered" && r.Report.Connector == Id(0)).Report;
        Console.WriteLine(recovered is null
            ? $"  connector recovery (4a): {Id(0)}'s new instance recovered nothing"
            : $"  connector recovery (4a): {recovered.Text} ({firstRecords} were its previous instance's)");
        if (recovered is null || recovered.Voice + recovered.Im != firstRecords || firstRecords == 0)
        {
            failures.Add($"connector {Id(0)}: the restarted instance did not recover its {firstRecords} calls");
        }

        var secondRecords = ready.Where(r => r.Report.Connector == Id(1)).Select(r => r.Report.Keys?.Count ?? 0).FirstOrDefault();
        var adopted = reports.Where(r => r.Report.Kind == "adopted" && r.Report.From == Id(1)).Select(r => r.Report).ToList();
        Console.WriteLine(adopted.Count == 0
            ? $"  connector adoption (4b): nobody adopted {Id(1)}'s calls"
            : $"  connector adoption (4b): {string.Join("; ", adopted.Select(a => a.Text))} ({secondRecords} were {Id(1)}'s)");
        if (adopted.Count != 1 || adopted[0].Voice + adopted[0].Im != secondRecords || secondRecords == 0)
        {
            failures.Add($"connector {Id(1)}: its {secondRecords} calls were not adopted in one entry ({adopted.Count} adoptions)");
        }

        var refusals = reports.Where(r => r.Report.Kind is "fenced" or "refused").Select(r => r.Report).ToList();
        Console.WriteLine($"  connector fence (4c,11): {refusals.Count} refused: " + (refusals.Count == 0 ? "none" : string.Join("; ", refusals.Select(r => r.Text))));
        if (!refusals.Any(r => r.Kind == "fenced" && r.Connector == Id(0) && r.Reason == "STALE_CONNECTOR_EPOCH"))
        {
            failures.Add($"the paused {Id(0)} instance was not fenced with STALE_CONNECTOR_EPOCH");
        }

        // The end state: every connector call live with exactly one record, owned by a connector still running, and
        // in the last report of exactly one running instance.
        var running = exits.Where(e => e.ExitCode == 0).ToList();
        var finals = reports.Where(r => r.Report.Kind == "final" && running.Any(e => e.Instance == r.Instance)).ToList();
        var believed = finals.SelectMany(f => (f.Report.Keys ?? []).Select(k => (Key: k, f.Report.Connector))).GroupBy(x => x.Key).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        int lost = 0, twice = 0;
        foreach (var call in state.Calls)
        {
            var records = state.Records.Where(r => r.ConnId == call.ConnId && r.Im == call.Im).ToList();
            if (!call.Live || records.Count == 0 || records.Any(r => !running.Any(e => e.Id == r.Owner)) || records.Any(r => believed.GetValueOrDefault(r.Key) == 0))
            {
                lost++;
            }
            else if (records.Count > 1 || records.Any(r => believed.GetValueOrDefault(r.Key) > 1))
            {
                twice++;
            }
        }

        var owners = state.Records.GroupBy(r => r.Owner).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Key} {g.Count()}");
        Console.WriteLine($"  connector calls        : {state.Calls.Count(c => c.Live)} live, {lost} lost, {twice} owned twice; records by owner at the end: {string.Join(", ", owners)}; exits: {string.Join(", ", exits.Select(e => $"{e.Id}#{e.Instance} {(e.ExitCode is { } c ? c.ToString(CultureInfo.InvariantCulture) : "killed")}"))}");
        if (lost != 0 || twice != 0 || state.Calls.Count != Connectors * DnsEach * 2)
        {
            failures.Add($"connector calls: {lost} lost, {twice} owned twice, {state.Calls.Count} of {Connectors * DnsEach * 2} reported");
        }
    }

    private void Start(int i)
    {
        var instance = ++_instances;
        var id = Id(i);
        var dll = Path.Combine(AppContext.BaseDirectory, "HaCore.ConnectorPool.dll");
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { dll, "--id", id, "--nodes", _nodes, "--dns", string.Join(',', DnsOf(i)), "--lease-ms", "3000", "--renew-ms", "1000", "--adopt-after-ms", "3000" })
        {
            info.ArgumentList.Add(a);
        }

        info.Environment["HACORE_CONNECTOR_TOKEN"] = _tokens.Issue(ConnectorProtocol.Subject(id), TimeSpan.FromHours(4));
        var process = Process.Start(info) ?? throw new InvalidOperationException("could not start connector " + id);
        var log = new StreamWriter(Path.Combine(_work, $"connector-{id}-{instance}.log"), append: true) { AutoFlush = true };
        void Report(string line)
        {
            if (line.StartsWith("@connector ", StringComparison.Ordinal) && _reports.Count < MaxReports)
            {
                try
                {
                    if (JsonSerializer.Deserialize<ConnectorReport>(line["@connector ".Length..], Json) is { } report)
                    {
                        _reports.Enqueue((_clock.Elapsed, instance, report));
                        if (report.Kind is "up" or "recovered" or "adopted" or "fenced" or "lost" or "refused")
                        {
                            Console.WriteLine($"[{_clock.Elapsed.TotalSeconds,6:F1}s] connector: {report.Text}");
                        }
                    }
                }
                catch (JsonException)
                {
                }
            }
        }

        FailoverRun.CopyOutput(process, log, Report);
        process.EnableRaisingEvents = true;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _processes.Add((id, instance, process));
    }

    private static void Signal(Process process, string signal)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill", ["-" + signal, process.Id.ToString(CultureInfo.InvariantCulture)]) { UseShellExecute = false })
            ?? throw new InvalidOperationException("could not run kill");
        kill.WaitForExit(5_000);
    }

    private async Task WaitForAsync(Func<object?, bool> condition, TimeSpan timeout)
    {
        var deadline = _clock.Elapsed + timeout;
        while (!condition(null))
        {
            if (_clock.Elapsed > deadline)
            {
                throw new TimeoutException($"the connectors were not ready within {timeout}");
            }

            await Task.Delay(100).ConfigureAwait(false);
        }
    }
}
