using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text.Json;
using HaCore.TServer.Node;
using HaCore.TServer.Web;

namespace HaCore.TServer.Driver;

/// <summary>The failover run's settings.</summary>
public sealed record FailoverRunOptions
{
    /// <summary>Seconds of traffic (the leader is killed at a third, the killed node restarts at two thirds).</summary>
    public int Seconds { get; init; } = 60;

    /// <summary>Calls per second.</summary>
    public double Rate { get; init; } = 5;

    /// <summary>Call duration after answer (sipp's -d).</summary>
    public int CallMs { get; init; } = 2000;

    /// <summary>Agents and desktops.</summary>
    public int Agents { get; init; } = 50;

    /// <summary>"sipp" or "builtin".</summary>
    public string Uac { get; init; } = "sipp";

    /// <summary>The nodes' base port (0: pick a free range).</summary>
    public int BasePort { get; init; }

    /// <summary>Where data directories and logs go.</summary>
    public string WorkDirectory { get; init; } = "";

    /// <summary>When set, headless Chromium follows the supervisor page and saves screenshots here.</summary>
    public string BrowserDirectory { get; init; } = "";

    /// <summary>Reads <c>--seconds --rate --call-ms --agents --uac --base-port --work</c>.</summary>
    /// <param name="a">The arguments.</param>
    /// <returns>The options.</returns>
    internal static FailoverRunOptions From(Arguments a) => new()
    {
        Seconds = int.Parse(a.Get("seconds", "60"), CultureInfo.InvariantCulture),
        Rate = double.Parse(a.Get("rate", "5"), CultureInfo.InvariantCulture),
        CallMs = int.Parse(a.Get("call-ms", "2000"), CultureInfo.InvariantCulture),
        Agents = int.Parse(a.Get("agents", "50"), CultureInfo.InvariantCulture),
        Uac = a.Get("uac", "sipp"),
        BasePort = int.Parse(a.Get("base-port", "0"), CultureInfo.InvariantCulture),
        WorkDirectory = a.Get("work", ""),
        BrowserDirectory = a.Get("browser", ""),
    };

    /// <summary>Checks the values.</summary>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(Seconds, 6, nameof(Seconds));
        ArgumentOutOfRangeException.ThrowIfLessThan(Rate, 0.1, nameof(Rate));
        ArgumentOutOfRangeException.ThrowIfLessThan(CallMs, 0, nameof(CallMs));
        ArgumentOutOfRangeException.ThrowIfLessThan(Agents, 1, nameof(Agents));
        if (Uac is not ("sipp" or "builtin"))
        {
            throw new ArgumentException("Uac must be sipp or builtin", nameof(Uac));
        }
    }
}

/// <summary>
/// <c>HaCore.TServer run</c>: three node processes, the SIP relay, the desktops, and a caller (sipp's built-in
/// <c>uac</c> scenario, or <see cref="SimpleUac"/>) at a fixed rate; the leader is killed (SIGKILL) at a third of
/// the run and restarted from its data directory at two thirds. Then every node's log is audited against what the
/// desktops received. Exit code 0 only when no event or call was lost or duplicated.
/// </summary>
public static class FailoverRun
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>Runs it and prints the summary.</summary>
    /// <param name="o">The settings.</param>
    /// <returns>The exit code.</returns>
    public static async Task<int> RunAsync(FailoverRunOptions o)
    {
        o.Validate();
        var clock = Stopwatch.StartNew();
        void Say(string text) => Console.WriteLine($"[{clock.Elapsed.TotalSeconds,6:F1}s] {text}");
        var work = o.WorkDirectory.Length > 0 ? o.WorkDirectory : Path.Combine(Path.GetTempPath(), $"hacore-tserver-{Environment.ProcessId}");
        Directory.CreateDirectory(work);
        var basePort = o.BasePort != 0 ? o.BasePort : FindBasePort();
        var secret = Convert.ToHexString(RandomNumberGenerator.GetBytes(32));
        var layout = new TServerOptions { NodeId = 1, BasePort = basePort, DataDirectory = work, ClusterSecret = new byte[16], Agents = o.Agents };
        var ports = Enumerable.Range(1, 3).Select(i => layout.HttpPort((ulong)i)).ToArray();
        var uac = o.Uac == "sipp" && FindSipp() is null ? "builtin" : o.Uac;
        Say($"HaCore T-Server failover run: 3 nodes (ports {basePort}+), {o.Agents} desktops, {o.Rate} calls/s for {o.Seconds} s, {o.CallMs} ms each, caller {(uac == "sipp" ? "sipp -sn uac" : "built-in UAC (sipp not found)")}; work in {work}");
        var processes = new Process?[4];
        var tokens = new ClientTokens(Convert.FromHexString(secret));
        var pageToken = tokens.Issue("supervisor", TimeSpan.FromHours(1));
        using var http = new HttpClient(tokens.Handler("driver")) { Timeout = TimeSpan.FromSeconds(3) };
        using var streams = new HttpClient(tokens.Handler("desktops")) { Timeout = Timeout.InfiniteTimeSpan };
        var desktops = new List<Desktop>();
        SipBalancer? balancer = null;
        var failures = new List<string>();
        var pool = new ConnectorPoolRun(tokens, work, ports, clock);
        try
        {
            for (ulong id = 1; id <= 3; id++)
            {
                processes[id] = StartNode(id, basePort, o.Agents, work, secret);
            }

            var leader = await WaitForLeaderAsync(http, ports, TimeSpan.FromSeconds(30)).ConfigureAwait(false);
            Say($"node {leader} leads");
            await CheckAuthenticationAsync(ports[0], failures, Say).ConfigureAwait(false);
            balancer = new SipBalancer(0, Enumerable.Range(1, 3).Select(i => new IPEndPoint(IPAddress.Loopback, layout.SipPort((ulong)i))).ToArray());
            for (var i = 0; i < o.Agents; i++)
            {
                desktops.Add(new Desktop(i, ports, http, streams));
            }

            await Task.WhenAll(desktops.Select(d => d.StartAsync(TimeSpan.FromSeconds(60)))).ConfigureAwait(false);
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
            while (balancer.Leader < 0 && DateTime.UtcNow < deadline)
            {
                await Task.Delay(50).ConfigureAwait(false);
            }

            Say($"{desktops.Count} desktops logged in and ready; the SIP relay on {balancer.EndPoint} sends to node {balancer.Leader + 1}");
            await pool.StartAsync(TimeSpan.FromSeconds(60)).ConfigureAwait(false);
            Say($"{ConnectorPoolRun.Connectors} connector processes (examples/HaCore.ConnectorPool) own their DNs, each with a voice and an IM call per DN");

            BrowserCheck? browser = null;
            var browserNotes = new List<string>();
            if (o.BrowserDirectory.Length > 0)
            {
                if (BrowserCheck.Find() is { } chromium)
                {
                    Directory.CreateDirectory(o.BrowserDirectory);
                    browser = await BrowserCheck.StartAsync(chromium, new Uri($"http://127.0.0.1:{layout.HttpPort(leader)}/?{ClientTokens.QueryParameter}={pageToken}"), work).ConfigureAwait(false);
                    await Task.Delay(2500).ConfigureAwait(false);
                }
                else
                {
                    browserNotes.Add("not run: chromium is not installed");
                }
            }

            await using var browserScope = browser;

            // Traffic.
            var calls = (int)Math.Round(o.Rate * o.Seconds);
            var trafficStart = clock.Elapsed;
            var statsFile = Path.Combine(work, "sipp-stats.csv");
            Process? sipp = null;
            SimpleUac? builtin = null;
            Task? builtinRun = null;
            if (uac == "sipp")
            {
                sipp = StartSipp(FindSipp()!, balancer.EndPoint, o, calls, statsFile, work);
            }
            else
            {
                builtin = new SimpleUac(balancer.EndPoint);
                builtinRun = builtin.RunAsync(calls, o.Rate, TimeSpan.FromMilliseconds(o.CallMs), CancellationToken.None);
            }

            var killAt = trafficStart + TimeSpan.FromSeconds(o.Seconds / 3.0);
            var restartAt = trafficStart + TimeSpan.FromSeconds(o.Seconds * 2 / 3.0);
            var pauseConnectorAt = trafficStart + TimeSpan.FromSeconds(o.Seconds / 2.0);
            var killConnectorAt = restartAt;
            var endBy = trafficStart + TimeSpan.FromSeconds(o.Seconds + 90);
            ulong killed = 0;
            var restarted = false;
            var lastReport = TimeSpan.Zero;
            var shotBefore = false;
            var pageNode = "";
            var shotDuring = TimeSpan.Zero;
            while (clock.Elapsed < endBy)
            {
                var done = sipp is not null ? sipp.HasExited : builtinRun!.IsCompleted;
                // The connector scenario has its own deadline: 45 s after the connector kill.
                var connectorsDone = pool.Done || (pool.KilledAt is { } k && clock.Elapsed > k + TimeSpan.FromSeconds(45));
                if (done && (killed == 0 || restarted) && pool.KilledAt is not null && connectorsDone)
                {
                    break;
                }

                if (browser is not null && !shotBefore && clock.Elapsed >= killAt - TimeSpan.FromSeconds(1.5))
                {
                    shotBefore = true;
                    var view = await browser.ReadAsync().ConfigureAwait(false);
                    var current = await FindLeaderAsync(http, ports).ConfigureAwait(false);
                    var leaderPage = current == 0 ? "" : $"http://127.0.0.1:{layout.HttpPort(current)}";
                    if (leaderPage.Length > 0 && view.ConnectedTo != leaderPage)
                    {
                        // The leadership moved since the page was opened: follow the page from the node to be killed.
                        await browser.NavigateAsync(new Uri($"{leaderPage}/?{ClientTokens.QueryParameter}={pageToken}")).ConfigureAwait(false);
                        await Task.Delay(1500).ConfigureAwait(false);
                        view = await browser.ReadAsync().ConfigureAwait(false);
                    }

                    pageNode = view.ConnectedTo;
                    await browser.ScreenshotAsync(Path.Combine(o.BrowserDirectory, "supervisor-1-before.png")).ConfigureAwait(false);
                    browserNotes.Add($"before: connected to {view.ConnectedTo}, {view.Agents.Count} agents, {view.Calls.Count} calls, leader node {view.Nodes.FirstOrDefault(n => n.Value == "leader").Key}");
                }

                if (browser is not null && killed != 0 && shotDuring == TimeSpan.Zero && clock.Elapsed >= killAt + TimeSpan.FromSeconds(4))
                {
                    shotDuring = clock.Elapsed;
                    var view = await browser.ReadAsync().ConfigureAwait(false);
                    await browser.ScreenshotAsync(Path.Combine(o.BrowserDirectory, "supervisor-2-during.png")).ConfigureAwait(false);
                    var killedShown = view.Nodes.GetValueOrDefault(killed.ToString(CultureInfo.InvariantCulture), "missing");
                    browserNotes.Add($"during: {view.Reconnects} reconnections, now on {view.ConnectedTo}, node {killed} shown {killedShown}, leader node {view.Nodes.FirstOrDefault(n => n.Value == "leader").Key}");
                    var pageOnKilled = pageNode == $"http://127.0.0.1:{layout.HttpPort(killed)}";
                    if ((pageOnKilled && view.Reconnects < 1) || killedShown != "down")
                    {
                        failures.Add($"supervisor page after the kill: {view.Reconnects} reconnections (its node {(pageOnKilled ? "was" : "was not")} the one killed), node {killed} shown {killedShown}");
                    }
                }

                if (killed == 0 && clock.Elapsed >= killAt)
                {
                    killed = await FindLeaderAsync(http, ports).ConfigureAwait(false);
                    if (killed != 0)
                    {
                        Say($"killing the leader, node {killed} (SIGKILL, pid {processes[killed]!.Id})");
                        processes[killed]!.Kill(entireProcessTree: true);
                        await processes[killed]!.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
                        processes[killed]!.Dispose();
                        processes[killed] = null;
                    }
                }

                if (pool.PausedAt is null && clock.Elapsed >= pauseConnectorAt)
                {
                    pool.PauseAndRestartFirst();
                    Say($"pausing connector {ConnectorPoolRun.Id(0)} (SIGSTOP) and starting a new {ConnectorPoolRun.Id(0)} process: it recovers its calls; the paused one is resumed once it is ready");
                }

                if (pool.PausedAt is not null && !pool.Resumed && pool.TryResumeFirst(TimeSpan.FromSeconds(30)))
                {
                    Say($"resuming the paused {ConnectorPoolRun.Id(0)} (SIGCONT): its next write presents its old epoch");
                }

                if (pool.KilledAt is null && clock.Elapsed >= killConnectorAt)
                {
                    await pool.KillSecondAsync().ConfigureAwait(false);
                    Say($"killing connector {ConnectorPoolRun.Id(1)} (SIGKILL); it stays down: a survivor takes its DNs and calls once its lease has run out");
                }

                if (killed != 0 && !restarted && clock.Elapsed >= restartAt)
                {
                    Say($"restarting node {killed} from its data directory");
                    processes[killed] = StartNode(killed, basePort, o.Agents, work, secret);
                    restarted = true;
                }

                if (clock.Elapsed - lastReport >= TimeSpan.FromSeconds(5))
                {
                    lastReport = clock.Elapsed;
                    var statuses = await StatusesAsync(http, ports).ConfigureAwait(false);
                    Say(string.Join("  ", statuses.Select((s, i) => s is null ? $"n{i + 1}:down" : $"n{s.NodeId}:{s.Role} t{s.Term} a{s.Applied}")) +
                        $"  relay->n{balancer.Leader + 1}  answered {desktops.Sum(d => d.Answered)}");
                }

                await Task.Delay(100).ConfigureAwait(false);
            }

            // Results of the caller.
            long completed, failed, created;
            if (sipp is not null)
            {
                if (!sipp.HasExited)
                {
                    failures.Add("sipp did not finish in time");
                    sipp.Kill(entireProcessTree: true);
                }

                await sipp.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
                (created, completed, failed) = ReadSippStats(statsFile);
                Say($"sipp exited with {sipp.ExitCode}");
                sipp.Dispose();
            }
            else
            {
                await builtinRun!.WaitAsync(TimeSpan.FromSeconds(60)).ConfigureAwait(false);
                (created, completed, failed) = (builtin!.Created, builtin.Completed, builtin.Failed);
                await builtin.DisposeAsync().ConfigureAwait(false);
            }

            var splitBrain = await SplitBrainAsync(http, ports, processes, pool, clock, Say, failures).ConfigureAwait(false);
            var exits = await pool.StopAsync().ConfigureAwait(false);

            // Quiesce: every live node at the same applied index, the desktops' streams caught up.
            await WaitForConvergenceAsync(http, ports, TimeSpan.FromSeconds(30)).ConfigureAwait(false);
            await Task.Delay(1500).ConfigureAwait(false);
            if (browser is not null)
            {
                await Task.Delay(1500).ConfigureAwait(false);
                var view = await browser.ReadAsync().ConfigureAwait(false);
                await browser.ScreenshotAsync(Path.Combine(o.BrowserDirectory, "supervisor-3-after.png")).ConfigureAwait(false);
                var port = ports[(int)(await FindLeaderAsync(http, ports).ConfigureAwait(false) is var l and > 0 ? l - 1 : 0)];
                var truth = (await http.GetFromJsonAsync<SupervisorView>(new Uri($"http://127.0.0.1:{port}/api/supervisor"), Json).ConfigureAwait(false))!;
                var agentsMatch = truth.Agents.Count == view.Agents.Count && truth.Agents.All(a => view.Agents.GetValueOrDefault(a.AgentId) == a.State);
                var callsMatch = truth.Calls.Select(c => c.ConnId.ToString(CultureInfo.InvariantCulture)).Order(StringComparer.Ordinal).SequenceEqual(view.Calls.Order(StringComparer.Ordinal));
                var rolesMatch = truth.Nodes.Select((n, i) => (Id: (i + 1).ToString(CultureInfo.InvariantCulture), Role: n?.Role ?? "down")).All(n => view.Nodes.GetValueOrDefault(n.Id) == n.Role);
                browserNotes.Add($"after: {view.Agents.Count} agents and {view.Calls.Count} calls shown, {(agentsMatch && callsMatch ? "the same as" : "NOT the same as")} the replicated state; node roles {(rolesMatch ? "match" : "DO NOT match")}");
                if (!agentsMatch || !callsMatch || !rolesMatch)
                {
                    failures.Add("the supervisor page differs from the replicated state after the failover");
                }
            }

            var dns = string.Join(',', desktops.Select(d => d.Dn));
            var audits = new List<AuditView>();
            foreach (var port in ports)
            {
                try
                {
                    using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
                    using var client = new HttpClient(tokens.Handler("driver")) { Timeout = TimeSpan.FromSeconds(30) };
                    audits.Add((await client.GetFromJsonAsync<AuditView>(new Uri($"http://127.0.0.1:{port}/api/audit?dns={dns}"), Json, cts.Token).ConfigureAwait(false))!);
                }
                catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException or JsonException)
                {
                    failures.Add($"node on HTTP port {port} did not answer the audit: {ex.GetType().Name}");
                }
            }

            if (audits.Count == 0)
            {
                failures.Add("no audit");
                return Finish(failures, Say);
            }

            var audit = audits[0];
            if (audits.Select(a => a.StateHash).Distinct().Count() != 1)
            {
                failures.Add("state hashes differ: " + string.Join(", ", audits.Select(a => $"n{a.ServedBy}@{a.Applied}:{a.StateHash[..12]}")));
            }

            // Desktops against the log.
            long gaps = 0, duplicates = 0, events = 0, echoesMissing = 0, echoesDoubled = 0;
            var missingByAction = new Dictionary<string, int>(StringComparer.Ordinal);
            var perDesktop = new List<int>();
            foreach (var d in desktops)
            {
                var received = d.Positions;
                var expected = audit.DnPositions.GetValueOrDefault(d.Dn) ?? [];
                var receivedSet = received.ToHashSet(StringComparer.Ordinal);
                gaps += expected.Count(p => !receivedSet.Contains(p));
                duplicates += d.Duplicates + received.Count(p => !expected.Contains(p));
                if (!expected.SequenceEqual(received))
                {
                    var firstDiff = expected.Zip(received).Select((pair, i) => (pair, i)).FirstOrDefault(x => x.pair.First != x.pair.Second);
                    if (gaps + duplicates == 0)
                    {
                        failures.Add($"desktop {d.Dn}: events out of order near {firstDiff.pair}");
                    }
                }

                events += received.Count;
                perDesktop.Add(received.Count);
                foreach (var (reference, action) in d.Accepted)
                {
                    var n = d.Echoes.GetValueOrDefault(reference);
                    if (action is "open" or "attach")
                    {
                        // SessionOpened has no DN; EventAttachedDataChanged is a call-level event without ThisDn in the
                        // model, so neither reaches a per-DN stream: their echo is the response's applied index.
                        continue;
                    }

                    if (n == 0)
                    {
                        echoesMissing++;
                        missingByAction[action] = missingByAction.GetValueOrDefault(action) + 1;
                    }
                    else if (action != "attach" && n > 1)
                    {
                        echoesDoubled++;
                    }
                }
            }

            var retried = desktops.Sum(d => d.Retried);
            var reconnects = desktops.Sum(d => d.Reconnects);
            if (gaps != 0 || duplicates != 0)
            {
                failures.Add($"desktop streams: {gaps} events lost, {duplicates} duplicated");
            }

            if (audit.DesktopRequestsAppliedTwice != 0)
            {
                failures.Add($"{audit.DesktopRequestsAppliedTwice} desktop requests applied twice");
            }

            if (echoesMissing != 0 || echoesDoubled != 0)
            {
                failures.Add($"ReferenceIDs: {echoesMissing} accepted requests without their event ({string.Join(", ", missingByAction.Select(p => p.Key + " " + p.Value))}), {echoesDoubled} echoed twice");
            }

            if (audit.SipCallIdsDuplicated != 0)
            {
                failures.Add($"{audit.SipCallIdsDuplicated} SIP calls created twice in the replicated state");
            }

            if (audit.LiveCalls != 0)
            {
                failures.Add($"{audit.LiveCalls} calls still live after the caller finished");
            }

            if (completed > audit.CallsCreated || completed + failed != created)
            {
                failures.Add($"caller: {created} calls, {completed} completed, {failed} failed; replicated state: {audit.CallsCreated} created");
            }

            if (failed != 0)
            {
                failures.Add($"{failed} calls failed at the caller");
            }

            var frontStats = await StatusesAsync(http, ports).ConfigureAwait(false);
            Console.WriteLine();
            Console.WriteLine("Summary");
            Console.WriteLine($"  SIP calls (caller)     : {created} placed, {completed} completed, {failed} failed ({(uac == "sipp" ? "sipp -sn uac" : "built-in UAC")}, {o.Rate}/s, {o.CallMs} ms)");
            Console.WriteLine($"  calls in replicated log: {audit.CallsCreated} created, {audit.CallsDeleted} released, {audit.LiveCalls} live, {audit.SipCallIdsDuplicated} created twice");
            Console.WriteLine($"  SIP front              : {balancer.ReRouted} requests answered 503 by a follower and re-sent to the leader, {frontStats.Where(s => s is not null).Sum(s => s!.SipRetransmissions)} retransmissions answered from the dialog state, {frontStats.Where(s => s is not null).Sum(s => s!.DialogsTakenOver)} dialogs taken over by the new leader");
            foreach (var (at, from, to, gap) in balancer.Failovers)
            {
                Console.WriteLine($"  failover (SIP front)   : at {at.TotalSeconds:F1}s of the relay, node {from + 1} -> node {to + 1}: {gap:F0} ms from the old leader's last 200 to the new leader's first");
            }

            if (balancer.Failovers.Count == 0)
            {
                Console.WriteLine("  failover (SIP front)   : none seen");
                failures.Add("the SIP relay saw no failover");
            }

            Console.WriteLine($"  desktops               : {desktops.Count}, {events} events ({(perDesktop.Count == 0 ? 0 : perDesktop.Min())}-{(perDesktop.Count == 0 ? 0 : perDesktop.Max())} per desktop), {gaps} gaps, {duplicates} duplicates, {reconnects} stream reconnections, {desktops.Sum(d => d.Answered)} calls answered");
            Console.WriteLine($"  desktop requests       : {audit.DesktopRequests} applied, {retried} retried after an unknown outcome, {audit.DesktopRequestsAppliedTwice} applied twice, {echoesMissing} without their ReferenceID event, {desktops.Sum(d => d.Rejected)} refused");
            Console.WriteLine($"  replicas               : {string.Join(", ", audits.Select(a => $"node {a.ServedBy} applied {a.Applied} hash {a.StateHash[..16]}"))}");
            if (o.BrowserDirectory.Length > 0)
            {
                Console.WriteLine($"  supervisor page        : {string.Join("; ", browserNotes)}{(browser is null ? "" : $" (screenshots in {o.BrowserDirectory})")}");
            }

            var resumed = frontStats.Where(s => s is not null).Sum(s => s!.TreatmentsResumed);
            Console.WriteLine(audit.TreatmentsApplied == 0
                ? "  treatments (scenario 5): none applied (an agent was always free; more calls than agents queue them, e.g. --agents 20 --call-ms 5000)"
                : $"  treatments (scenario 5): {audit.TreatmentsApplied} calls queued with music, {audit.TreatmentsEnded} treatments ended once (EventTreatmentEnd), {audit.TreatmentsAcrossTerms} applied under one leader and ended under the next, {resumed} in progress resumed by the new leader, {audit.TreatmentsEndedTwice} ended twice, {audit.TreatmentsStillActive} still active");
            if (audit.TreatmentsEndedTwice != 0 || audit.TreatmentsStillActive != 0)
            {
                failures.Add($"treatments: {audit.TreatmentsEndedTwice} ended twice, {audit.TreatmentsStillActive} never ended");
            }

            await pool.SummarizeAsync(http, ports, exits, failures).ConfigureAwait(false);
            var commandStats = frontStats.Where(s => s is not null).ToList();
            Console.WriteLine($"  connector commands     : the leaders sent {commandStats.Sum(s => s!.ConnectorCommandsSent)} release-IM commands (idle IM interactions) stamped with their term: {commandStats.Sum(s => s!.ConnectorCommandsActed)} acted on (once per decision), {commandStats.Sum(s => s!.ConnectorCommandsDuplicate)} answered as a decision already acted on, {commandStats.Sum(s => s!.ConnectorCommandsStaleTerm)} refused for a stale term (counts of the node processes now running; a restarted node counts from its restart)");
            Console.WriteLine($"  split brain (11)       : {splitBrain}");
            return Finish(failures, Say);
        }
        finally
        {
            foreach (var d in desktops)
            {
                await d.DisposeAsync().ConfigureAwait(false);
            }

            if (balancer is not null)
            {
                await balancer.DisposeAsync().ConfigureAwait(false);
            }

            pool.KillAll();
            foreach (var p in processes)
            {
                if (p is not null)
                {
                    try
                    {
                        p.Kill(entireProcessTree: true);
                        await p.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
                    }
                    catch (Exception ex) when (ex is InvalidOperationException or TimeoutException)
                    {
                    }

                    p.Dispose();
                }
            }
        }
    }

    /// <summary>DOMAIN scenario 11 on real processes, once the traffic is done: the leader is paused (SIGSTOP) while the
    /// others elect a new leader and the connectors go on with it (the new leader's commands, the nodes' answers carry
    /// the newer term); once an IM interaction the paused leader knows has passed its idle timeout, it is resumed
    /// (SIGCONT). Until it hears the newer term it still believes it leads, and its commands carry its old term: the
    /// connectors refuse them (STALE_RAFT_TERM). Whether it sends one before it hears the newer term is a race (its
    /// command round against the Raft messages waiting in its sockets); the line says what happened.</summary>
    private static async Task<string> SplitBrainAsync(HttpClient http, int[] ports, Process?[] processes, ConnectorPoolRun pool, Stopwatch clock, Action<string> say, List<string> failures)
    {
        var old = (await StatusesAsync(http, ports).ConfigureAwait(false)).FirstOrDefault(s => s?.Role == "leader");
        if (old is null || processes[old.NodeId] is not { } process)
        {
            failures.Add("split brain: no leader to pause");
            return "not run: no leader";
        }

        var oldTerm = old.Term;
        ConnectorPoolRun.Signal(process, "STOP");
        var pausedAt = clock.Elapsed;
        say($"split brain (scenario 11): pausing the leader, node {old.NodeId} (SIGSTOP, term {oldTerm}); the others elect a new leader and the connectors go on with it");
        NodeView? next = null;
        var idle = new TServerOptions().ConnectorImIdle + TimeSpan.FromSeconds(1);
        var deadline = pausedAt + TimeSpan.FromSeconds(30);
        while (clock.Elapsed < deadline)
        {
            next = (await StatusesAsync(http, ports).ConfigureAwait(false)).FirstOrDefault(s => s is not null && s.NodeId != old.NodeId && s.Role == "leader" && s.Term > oldTerm) ?? next;
            var actedNew = pool.Reports.Any(r => r.At > pausedAt && r.Report.Kind == "released" && r.Report.Reason == "command" && r.Report.Term > oldTerm);
            if (next is not null && actedNew && clock.Elapsed - pausedAt >= idle)
            {
                break;
            }

            await Task.Delay(200).ConfigureAwait(false);
        }

        ConnectorPoolRun.Signal(process, "CONT");
        var resumedAt = clock.Elapsed;
        say($"resuming node {old.NodeId} (SIGCONT) after {(resumedAt - pausedAt).TotalSeconds:F1} s; node {next?.NodeId ?? 0} leads in term {next?.Term ?? 0}: the resumed node's commands carry term {oldTerm} until it hears the newer term");
        NodeView? after = null;
        deadline = resumedAt + TimeSpan.FromSeconds(15);
        while (clock.Elapsed < deadline)
        {
            after = (await StatusesAsync(http, ports).ConfigureAwait(false))[(int)old.NodeId - 1];
            if (after is { Role: "follower" } && after.Term > oldTerm)
            {
                break;
            }

            await Task.Delay(200).ConfigureAwait(false);
        }

        // Its commands in flight when it stepped down are answered within a request's timeout.
        await Task.Delay(1000).ConfigureAwait(false);
        var fromOld = pool.Reports.Where(r => r.At >= resumedAt && r.Report.Node == old.NodeId && r.Report.Term == oldTerm).Select(r => r.Report).ToList();
        var stale = fromOld.Where(r => r.Kind == "stale-term").ToList();
        var acted = fromOld.Count(r => r.Kind == "released");
        var duplicates = fromOld.Count(r => r.Kind == "duplicate");
        if (next is null)
        {
            failures.Add($"split brain: no new leader while node {old.NodeId} was paused");
        }

        if (acted != 0)
        {
            failures.Add($"split brain: {acted} commands of the deposed leader's term {oldTerm} were acted on");
        }

        if (after is not { Role: "follower" } || after.Term <= oldTerm)
        {
            failures.Add($"split brain: node {old.NodeId} is not a follower of a newer term after it was resumed ({after?.Role ?? "down"}, term {after?.Term ?? 0})");
        }

        return $"node {old.NodeId} (leader, term {oldTerm}) paused (SIGSTOP) at {pausedAt.TotalSeconds:F1}s for {(resumedAt - pausedAt).TotalSeconds:F1} s; node {next?.NodeId ?? 0} elected in term {next?.Term ?? 0} meanwhile; "
            + $"once resumed it sent {fromOld.Count} connector commands with its old term {oldTerm}: {stale.Count} refused by the connectors ({ConnectorPool.ConnectorProtocol.StaleTerm}), {duplicates} answered as duplicates, {acted} acted on; then {after?.Role ?? "down"} in term {after?.Term ?? 0}"
            + (stale.Count == 0 ? " (no stale command this time: the resumed node heard the newer term before its next command round)" : $"; e.g. {stale[0].Text}");
    }

    private static int Finish(List<string> failures, Action<string> say)
    {
        Console.WriteLine(failures.Count == 0
            ? "  verified               : no event lost or duplicated on any desktop, no call lost or created twice, every retried request applied once, no connector call lost or owned twice"
            : "  FAILED                 : " + string.Join("; ", failures));
        return failures.Count == 0 ? 0 : 1;
    }

    /// <summary>Starts node <paramref name="id"/> as a process of this program.</summary>
    /// <summary>Issue 14: the nodes' HTTP API refuses a request with no token and one with a token of another secret.</summary>
    private static async Task CheckAuthenticationAsync(int port, List<string> failures, Action<string> say)
    {
        var forged = new ClientTokens(RandomNumberGenerator.GetBytes(32)).Issue("driver", TimeSpan.FromMinutes(5));
        using var anonymous = new HttpClient { Timeout = TimeSpan.FromSeconds(3) };
        foreach (var (what, token) in new[] { ("no token", (string?)null), ("a token of another secret", forged) })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri($"http://127.0.0.1:{port}/api/status"));
            if (token is not null)
            {
                request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
            }

            using var response = await anonymous.SendAsync(request).ConfigureAwait(false);
            if (response.StatusCode == HttpStatusCode.Unauthorized)
            {
                say($"HTTP API: a request with {what} is refused (401)");
            }
            else
            {
                failures.Add($"a request with {what} got {(int)response.StatusCode}, not 401");
            }
        }
    }

    internal static Process StartNode(ulong id, int basePort, int agents, string work, string secretHex)
    {
        var (file, prefix) = SelfCommand();
        var info = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in prefix.Concat(["node", "--id", id.ToString(CultureInfo.InvariantCulture), "--base-port", basePort.ToString(CultureInfo.InvariantCulture),
            "--agents", agents.ToString(CultureInfo.InvariantCulture), "--data", Path.Combine(work, $"node-{id}")]))
        {
            info.ArgumentList.Add(a);
        }

        info.Environment["HACORE_CLUSTER_SECRET"] = secretHex;
        var process = Process.Start(info) ?? throw new InvalidOperationException("could not start node " + id);
        var log = new StreamWriter(Path.Combine(work, $"node-{id}.log"), append: true) { AutoFlush = true };
        CopyOutput(process, log);
        process.EnableRaisingEvents = true;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    /// <summary>Copies a child's output lines into <paramref name="log"/> and closes it when the child exits. Output
    /// events can still arrive after Exited (the rest of the pipe): those lines are dropped, not written to the closed
    /// writer (that threw ObjectDisposedException on a thread-pool thread, an unhandled exception). Each line is also
    /// handed to <paramref name="onLine"/> when given.</summary>
    internal static void CopyOutput(Process process, StreamWriter log, Action<string>? onLine = null)
    {
        var gate = new Lock();
        var closed = false;
        void Write(string? line)
        {
            if (line is null)
            {
                return;
            }

            onLine?.Invoke(line);
            lock (gate)
            {
                if (!closed)
                {
                    log.WriteLine(line);
                }
            }
        }

        process.OutputDataReceived += (_, e) => Write(e.Data);
        process.ErrorDataReceived += (_, e) => Write(e.Data);
        process.Exited += (_, _) =>
        {
            lock (gate)
            {
                closed = true;
                log.Dispose();
            }
        };
    }

    private static (string File, string[] Prefix) SelfCommand()
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "HaCore.TServer.dll");
        var apphost = Path.Combine(AppContext.BaseDirectory, "HaCore.TServer");
        if (File.Exists(apphost))
        {
            return (apphost, []);
        }

        return ("dotnet", [dll]);
    }

    internal static string? FindSipp()
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            var path = Path.Combine(dir, "sipp");
            if (File.Exists(path))
            {
                return path;
            }
        }

        return null;
    }

    private static Process StartSipp(string sipp, IPEndPoint target, FailoverRunOptions o, int calls, string statsFile, string work)
    {
        var info = new ProcessStartInfo(sipp) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = work };
        string[] args =
        [
            "-sn", "uac", target.ToString(), "-i", "127.0.0.1", "-p", FreeUdpPort().ToString(CultureInfo.InvariantCulture),
            "-s", "800", "-r", o.Rate.ToString(CultureInfo.InvariantCulture), "-d", o.CallMs.ToString(CultureInfo.InvariantCulture),
            "-m", calls.ToString(CultureInfo.InvariantCulture), "-l", "200", "-recv_timeout", "30000",
            "-timeout", (o.Seconds + 80).ToString(CultureInfo.InvariantCulture) + "s", "-nostdin",
            "-trace_stat", "-stf", statsFile, "-fd", "1", "-trace_err", "-error_file", Path.Combine(work, "sipp-errors.log"),
        ];
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }

        var process = Process.Start(info) ?? throw new InvalidOperationException("could not start sipp");
        var log = new StreamWriter(Path.Combine(work, "sipp.log")) { AutoFlush = true };
        CopyOutput(process, log);
        process.EnableRaisingEvents = true;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    // sipp's statistics file: ';'-separated, a header line, then one line per dump; the last line has the totals.
    internal static (long Created, long Completed, long Failed) ReadSippStats(string file)
    {
        if (!File.Exists(file))
        {
            return (0, 0, 0);
        }

        var lines = File.ReadAllLines(file).Where(l => l.Length > 0).ToArray();
        if (lines.Length < 2)
        {
            return (0, 0, 0);
        }

        var header = lines[0].Split(';');
        var last = lines[^1].Split(';');
        long Column(string name)
        {
            var i = Array.IndexOf(header, name);
            return i >= 0 && i < last.Length && long.TryParse(last[i], NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : 0;
        }

        return (Column("OutgoingCall(C)"), Column("SuccessfulCall(C)"), Column("FailedCall(C)"));
    }

    private static async Task<List<NodeView?>> StatusesAsync(HttpClient http, int[] ports)
    {
        var list = new List<NodeView?>();
        foreach (var port in ports)
        {
            try
            {
                using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));
                list.Add(await http.GetFromJsonAsync<NodeView>(new Uri($"http://127.0.0.1:{port}/api/status"), Json, cts.Token).ConfigureAwait(false));
            }
            catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException or JsonException)
            {
                list.Add(null);
            }
        }

        return list;
    }

    private static async Task<ulong> FindLeaderAsync(HttpClient http, int[] ports) =>
        (await StatusesAsync(http, ports).ConfigureAwait(false)).FirstOrDefault(s => s?.Role == "leader")?.NodeId ?? 0;

    private static async Task<ulong> WaitForLeaderAsync(HttpClient http, int[] ports, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            var statuses = await StatusesAsync(http, ports).ConfigureAwait(false);
            if (statuses.FirstOrDefault(s => s?.Role == "leader") is { } leader && statuses.All(s => s is not null) && statuses.All(s => s!.Applied >= 2))
            {
                return leader.NodeId;
            }

            await Task.Delay(200).ConfigureAwait(false);
        }

        throw new TimeoutException("no leader with the configuration applied within " + timeout);
    }

    private static async Task WaitForConvergenceAsync(HttpClient http, int[] ports, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            var statuses = await StatusesAsync(http, ports).ConfigureAwait(false);
            var live = statuses.Where(s => s is not null).ToList();
            if (live.Count == ports.Length && live.Select(s => s!.Applied).Distinct().Count() == 1 && live.Any(s => s!.Role == "leader"))
            {
                return;
            }

            await Task.Delay(200).ConfigureAwait(false);
        }
    }

    /// <summary>A base port whose nine ports are free, below the ephemeral range (32768+) so that no outgoing connection takes one meanwhile.</summary>
    /// <returns>The base port.</returns>
    public static int FindBasePort()
    {
        for (var attempt = 0; attempt < 50; attempt++)
        {
            var candidate = 10_000 + (RandomNumberGenerator.GetInt32(0, 220) * 100);
            if (Enumerable.Range(1, 3).All(i => TcpFree(candidate + i) && TcpFree(candidate + 100 + i) && UdpFree(candidate + 200 + i)))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException("no free port range");
    }

    private static bool TcpFree(int port)
    {
        try
        {
            using var l = new TcpListener(IPAddress.Loopback, port);
            l.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static bool UdpFree(int port)
    {
        try
        {
            using var u = new UdpClient(new IPEndPoint(IPAddress.Loopback, port));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static int FreeUdpPort()
    {
        using var u = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)u.Client.LocalEndPoint!).Port;
    }
}
