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

    /// <summary>The mean length of a connector's voice call in the run (churn: then the DN gets a new call).</summary>
    public const int VoiceCallMs = 5000;

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
        Console.WriteLine($"  connectors             : {Connectors} processes ({string.Join(' ', Enumerable.Range(0, Connectors).Select(Id))}) owning DNs {TServerOptions.ConnectorDn(0)}-{TServerOptions.ConnectorDn((Connectors * DnsEach) - 1)} through the DN assignment, a voice and an IM call with HA records on each DN at a time ({Connectors * DnsEach * 2}); voice calls last {VoiceCallMs / 2000.0:F1}-{VoiceCallMs * 1.5 / 1000:F1} s, IM interactions until the leader's release command ({new TServerOptions().ConnectorImIdle.TotalSeconds:F0} s idle); "
            + $"{Id(0)} paused (SIGSTOP) at {PausedAt?.TotalSeconds ?? 0:F1}s and a new {Id(0)} started, {Id(1)} killed (SIGKILL, stays down) at {KilledAt?.TotalSeconds ?? 0:F1}s");

        // With churn the previous instance's calls are those of its last report before the pause (a pause in the
        // middle of a release or a create, between the entry and its report, can make them differ by one).
        var firstInstance = ready.Where(r => r.Report.Connector == Id(0)).Select(r => r.Instance).FirstOrDefault();
        var firstRecords = reports.LastOrDefault(r => r.Instance == firstInstance && r.Report.Keys is not null && r.At <= (PausedAt ?? TimeSpan.MaxValue)).Report?.Keys?.Count ?? 0;
        var recovered = reports.FirstOrDefault(r => r.Report.Kind == "recovered" && r.Report.Connector == Id(0)).Report;
        Console.WriteLine(recovered is null
            ? $"  connector recovery (4a): {Id(0)}'s new instance recovered nothing"
            : $"  connector recovery (4a): {recovered.Text} ({firstRecords} were its previous instance's in its last report)");
        if (recovered is null || Math.Abs(recovered.Voice + recovered.Im - firstRecords) > 1 || firstRecords == 0)
        {
            failures.Add($"connector {Id(0)}: the restarted instance did not recover its {firstRecords} calls");
        }

        var secondInstance = ready.Where(r => r.Report.Connector == Id(1)).Select(r => r.Instance).FirstOrDefault();
        var secondRecords = reports.LastOrDefault(r => r.Instance == secondInstance && r.Report.Keys is not null).Report?.Keys?.Count ?? 0;
        var adopted = reports.Where(r => r.Report.Kind == "adopted" && r.Report.From == Id(1)).Select(r => r.Report).ToList();
        Console.WriteLine(adopted.Count == 0
            ? $"  connector adoption (4b): nobody adopted {Id(1)}'s calls"
            : $"  connector adoption (4b): {string.Join("; ", adopted.Select(a => a.Text))} ({secondRecords} were {Id(1)}'s in its last report)");
        // The entry moves every record the state says the peer owns (the model's DnsReassigned); with churn, a kill in
        // the middle of a release or a create can leave the last report one off. The end state below finds any call left.
        if (adopted.Count != 1 || Math.Abs(adopted[0].Voice + adopted[0].Im - secondRecords) > 1 || secondRecords == 0)
        {
            failures.Add($"connector {Id(1)}: its {secondRecords} calls were not adopted in one entry ({adopted.Count} adoptions)");
        }

        var refusals = reports.Where(r => r.Report.Kind is "fenced" or "refused").Select(r => r.Report).ToList();
        // By reason, with the first of each (with churn, a connector whose lease ran out while a node was paused or
        // killed has its writes refused until its next renewal: CONNECTOR_LEASE_EXPIRED, retried).
        Console.WriteLine($"  connector fence (4c,11): {refusals.Count} refused: " + (refusals.Count == 0 ? "none" : string.Join("; ", refusals.GroupBy(r => r.Kind == "fenced" ? "fenced" : r.Reason)
            .Select(g => $"{g.Count()} {g.Key}{(g.Key == "fenced" ? "" : $" (e.g. {g.First().Text})")}{(g.Key == "fenced" ? ": " + string.Join("; ", g.Select(r => r.Text)) : "")}"))));
        if (!refusals.Any(r => r.Kind == "fenced" && r.Connector == Id(0) && r.Reason == "STALE_CONNECTOR_EPOCH"))
        {
            failures.Add($"the paused {Id(0)} instance was not fenced with STALE_CONNECTOR_EPOCH");
        }

        // The end state. Each running connector reported the calls it owned last (final, from a linearizable read),
        // then released them; so every call a connector reported is released, no record is left, and no call was in
        // two running instances' last reports. A call still live (or a record left) is lost: no running connector
        // knew it; a call in two last reports (or with two records) owned twice.
        var running = exits.Where(e => e.ExitCode == 0).ToList();
        var finals = reports.Where(r => r.Report.Kind == "final" && running.Any(e => e.Instance == r.Instance)).ToList();
        var believed = finals.SelectMany(f => f.Report.Keys ?? []).GroupBy(k => k, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        var endReleases = reports.Where(r => r.Report.Kind == "released" && r.Report.Reason == "end").Select(r => r.Report).ToList();
        var live = state.Calls.Count(c => c.Live);
        var lost = live + state.Records.Count;
        var twice = believed.Count(p => p.Value > 1) + state.Records.GroupBy(r => r.ConnId).Count(g => g.Count() > 1);
        var voice = state.Calls.Count(c => !c.Im);
        var released = reports.Where(r => r.Report.Kind == "released").Select(r => r.Report).ToList();
        var byCaller = released.Count(r => r.Reason == "churn");
        var byCommand = released.Count(r => r.Reason == "command");
        var orphans = reports.Count(r => r.Report.Kind == "created" && r.Report.Reason == "orphan");
        var owners = finals.Where(f => (f.Report.Keys?.Count ?? 0) > 0).OrderBy(f => f.Report.Connector, StringComparer.Ordinal).Select(f => $"{f.Report.Connector} {f.Report.Keys!.Count}");
        Console.WriteLine($"  connector calls        : {state.Calls.Count} created ({voice} voice, {state.Calls.Count - voice} IM), {state.Calls.Count - live} released: {byCaller} voice by their callers (churn), {byCommand} IM by the leader's commands, {endReleases.Count} at the end"
            + $"{(orphans > 0 ? $", {orphans} reported but unrecorded by a dead instance recorded by the DN's next owner" : "")}; {live} live, {state.Records.Count} records left, {lost} lost, {twice} owned twice; owned before the end: {string.Join(", ", owners)}; exits: {string.Join(", ", exits.Select(e => $"{e.Id}#{e.Instance} {(e.ExitCode is { } c ? c.ToString(CultureInfo.InvariantCulture) : "killed")}"))}");
        if (lost != 0 || twice != 0 || state.Calls.Count < Connectors * DnsEach * 2 || byCaller == 0 || byCommand == 0)
        {
            failures.Add($"connector calls: {lost} lost, {twice} owned twice, {state.Calls.Count} reported (at least {Connectors * DnsEach * 2}), {byCaller} released by callers and {byCommand} by the leader's commands (both must be above 0)");
        }

        // Scenario 11 by term, from the connectors' side: an instance never acts on a command with a term below one it
        // acted on before (the stale-term refusals are in the split-brain line).
        foreach (var instance in reports.Select(r => r.Instance).Distinct())
        {
            ulong seen = 0;
            foreach (var r in reports.Where(r => r.Instance == instance && r.Report.Kind == "released" && r.Report.Reason == "command"))
            {
                if (r.Report.Term < seen)
                {
                    failures.Add($"connector instance {instance} acted on a command of term {r.Report.Term} after one of term {seen}");
                }

                seen = Math.Max(seen, r.Report.Term);
            }
        }
    }

    private void Start(int i)
    {
        var instance = ++_instances;
        var id = Id(i);
        var dll = Path.Combine(AppContext.BaseDirectory, "HaCore.ConnectorPool.dll");
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { dll, "--id", id, "--nodes", _nodes, "--dns", string.Join(',', DnsOf(i)), "--lease-ms", "3000", "--renew-ms", "1000", "--adopt-after-ms", "3000", "--voice-ms", VoiceCallMs.ToString(CultureInfo.InvariantCulture) })
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
                        if (report.Kind is "up" or "recovered" or "adopted" or "fenced" or "lost" or "refused" or "stale-term")
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

    internal static void Signal(Process process, string signal)
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
