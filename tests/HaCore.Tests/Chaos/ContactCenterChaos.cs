using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using HaCore.ContactCenter;
using HaCore.ContactCenter.Workload;

namespace HaCore.Tests.Chaos;

/// <summary>
/// The contact-center model under the nemesis: three test-host processes with <c>--model cc</c>, the workload
/// generator's stream (setup, then B1 traffic) proposed in order by one connector-like client that retries each
/// command with its request id until it is acknowledged (and resends one in ten on purpose), and agent desktops that follow their DN's events
/// (<see cref="DnSubscriptions"/>) on a random node and resume on another after each silence. Checks: no command is
/// rejected (a lost or doubled command would make the generator's stream invalid), no request id gets two log
/// indexes and no index two requests, every node has the same state hash, and each desktop's stream is exactly the
/// events of its DN in the acknowledged results, in order, with no gap and no duplicate across its resumes.
/// </summary>
public sealed class ContactCenterChaosRunner(int seed, TimeSpan faultPhase, Action<string> output, string[]? nodeArgs = null)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    public static ChaosSchedule Schedule { get; } =
        new("contact-center", 3, [FaultKind.KillLeader, FaultKind.IsolateLeader, FaultKind.PauseLeader, FaultKind.PowerCutOne, FaultKind.PowerCutAll, FaultKind.TransferStorm]);

    private readonly Dictionary<ulong, (ulong Sequence, CommandResult Result)> _byIndex = [];
    private readonly List<string> _violations = [];
    private long _retries;
    private long _resends;

    public async Task<ChaosVerdict> RunAsync()
    {
        var started = System.Diagnostics.Stopwatch.StartNew();
        var artifacts = Path.Combine(ChaosRunner.ResultsRoot(), $"{Schedule.Name}-seed{seed}-{DateTime.UtcNow:yyyyMMdd-HHmmss}");
        Directory.CreateDirectory(artifacts);
        var random = new Random(seed);
        output($"chaos run '{Schedule.Name}' seed {seed}: 3 nodes (--model cc), faults from [{string.Join(", ", Schedule.Faults)}], {faultPhase.TotalSeconds:F0}s of faults");
        output($"  replay: HACORE_CHAOS_SEED={seed} dotnet test tests/HaCore.Tests -c Release --filter \"FullyQualifiedName~ContactCenter\"");
        await using var cluster = new ChaosCluster(3, seed, ["--power-cut", "--model", "cc", .. nodeArgs ?? []]);
        var nemesis = new Nemesis(cluster, Schedule, random);
        using var stop = new CancellationTokenSource();
        var generator = new WorkloadGenerator(WorkloadProfile.B1.ScaledDown(100), (ulong)seed);
        var desktops = new List<Desktop>();
        long proposed = 0;
        Task? driver = null;
        try
        {
            foreach (var id in cluster.Ids)
            {
                await cluster.StartAsync(id);
            }

            await cluster.LeaderAsync(Patience);
            var session = Guid.NewGuid();
            var commands = generator.Setup().Select(g => g.Command).Concat(Traffic(generator, stop.Token));
            var clientRandom = new Random((seed * 7) + 1); // the nemesis has its own
            driver = Task.Run(async () =>
            {
                foreach (var command in commands)
                {
                    var sequence = (ulong)Interlocked.Increment(ref proposed);
                    var first = await ProposeUntilAcknowledgedAsync(cluster, clientRandom, session, sequence, command);
                    if (clientRandom.NextDouble() < 0.1)
                    {
                        // A deliberate resend with the same request id, as a client that missed the answer would: it
                        // must get the first answer back, not a second application.
                        Interlocked.Increment(ref _resends);
                        var again = await ProposeUntilAcknowledgedAsync(cluster, clientRandom, session, sequence, command);
                        if (again.AppliedIndex != first.AppliedIndex)
                        {
                            lock (_byIndex)
                            {
                                _violations.Add($"exactly-once: request {sequence} ({command.KindCase}) resent was answered from index {again.AppliedIndex}, first from {first.AppliedIndex}");
                            }
                        }
                    }
                }
            });
            await UntilAsync(() => Interlocked.Read(ref proposed) > generator.Setup().Count() + 200, "the setup and 200 traffic commands are acknowledged");

            // Desktops on the DNs with the most events so far, following from the start of the log.
            foreach (var dn in BusiestDns(3))
            {
                var desktop = new Desktop(cluster, dn, seed * 31 + desktops.Count);
                desktops.Add(desktop);
                desktop.Start();
            }

            await nemesis.RunAsync(faultPhase, CancellationToken.None);
            await cluster.HealAllAsync();
            var atHeal = Interlocked.Read(ref proposed);
            await UntilAsync(() => Interlocked.Read(ref proposed) > atHeal + 100, "100 more commands are acknowledged after healing");
            await stop.CancelAsync();
            await driver.WaitAsync(Patience);
            await cluster.ConvergedAsync(Patience);
            var hashes = new List<(ulong Applied, string Hash)>();
            foreach (var id in cluster.Ids)
            {
                hashes.Add(await cluster.HashAsync(id));
            }

            if (hashes.Select(h => h.Hash).Distinct().Count() != 1)
            {
                _violations.Add($"state: the nodes' hashes differ: {string.Join(", ", hashes.Select(h => $"{h.Applied}:{h.Hash[..12]}"))}");
            }

            ulong lastAcknowledged;
            lock (_byIndex)
            {
                lastAcknowledged = _byIndex.Keys.DefaultIfEmpty().Max();
            }

            await AuditLogAsync(cluster, session, lastAcknowledged);

            foreach (var desktop in desktops)
            {
                var expected = Expected(desktop.Dn);
                await desktop.StopAsync(expected.Count == 0 ? (0, 0) : (expected[^1].Index, expected[^1].Ordinal), Patience);
                CheckDesktop(desktop, expected);
            }
        }
        catch (TimeoutException ex)
        {
            _violations.Add($"liveness: {ex.Message}");
        }
        finally
        {
            await stop.CancelAsync();
            foreach (var desktop in desktops)
            {
                await desktop.StopAsync((0, 0), TimeSpan.Zero);
            }
        }

        if (driver is { IsFaulted: true })
        {
            _violations.Add($"driver: {driver.Exception!.GetBaseException().Message}");
        }

        foreach (var line in cluster.LogLines.Where(l => l.Contains("UNHANDLED EXCEPTION", StringComparison.Ordinal)
                     || l.Contains("stopped on an error", StringComparison.Ordinal)).Take(5))
        {
            _violations.Add("crash: " + line.Trim());
        }

        _violations.AddRange(cluster.UnexpectedExits.Select(e => "crash: " + e));
        var logPath = Path.Combine(artifacts, "nodes.log");
        await File.WriteAllLinesAsync(logPath, cluster.LogLines);
        var report = new StringBuilder();
        report.AppendLine($"faults injected ({nemesis.Injected}):");
        foreach (var f in nemesis.Faults)
        {
            report.AppendLine("  " + f);
        }

        var workload = $"{_byIndex.Count} contact-center commands acknowledged ({Interlocked.Read(ref _retries)} retries and {Interlocked.Read(ref _resends)} deliberate resends with the same request id), {_byIndex.Values.Sum(v => v.Result.Events.Count)} events";
        report.AppendLine("workload: " + workload);
        report.AppendLine($"desktops: {string.Join("; ", desktops.Select(d => $"DN {d.Dn.Number}: {d.Received.Count} events over {d.Resumes} resumes"))}");
        report.AppendLine($"verdict: {(_violations.Count == 0 ? "PASS" : $"FAIL, {_violations.Count} violation(s)")} in {started.Elapsed.TotalSeconds:F0}s");
        foreach (var v in _violations.Take(12))
        {
            report.AppendLine("  violation: " + (v.Length > 2000 ? v[..2000] + " ..." : v));
        }

        report.AppendLine($"files: {logPath}, {Path.Combine(artifacts, "report.txt")}");
        await File.WriteAllTextAsync(Path.Combine(artifacts, "report.txt"), report.ToString());
        foreach (var line in report.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            output("  " + line.TrimEnd());
        }

        return new ChaosVerdict(Schedule.Name, seed, nemesis.Faults, _byIndex.Count, workload, _violations, 0, artifacts, started.Elapsed);
    }

    /// <summary>
    /// Reads the whole applied log from one node: each acknowledged request is applied exactly once, at the index
    /// its answer named, and no request id is applied twice (the model itself refuses most repeated commands, so
    /// a double apply would otherwise hide behind a rejection nobody waits for).
    /// </summary>
    private async Task AuditLogAsync(ChaosCluster cluster, Guid session, ulong last)
    {
        var seen = new Dictionary<ulong, List<ulong>>();
        var node = cluster.Ids.First();
        using var client = new TcpClient { NoDelay = true };
        using var cts = new CancellationTokenSource(Patience);
        await client.ConnectAsync(IPAddress.Loopback, cluster.ClientPort(node), cts.Token);
        using var stream = client.GetStream();
        using var reader = new StreamReader(stream, Encoding.UTF8);
        await stream.WriteAsync(Encoding.UTF8.GetBytes("SUBSCRIBE 1\n"), cts.Token);
        ulong index = 0;
        while (index < last) // the last acknowledged command (entries after it may be no-ops, which the stream skips)
        {
            string? line;
            try
            {
                line = await reader.ReadLineAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                line = "(no line within the patience)";
            }

            if (line is null || !line.StartsWith("EV ", StringComparison.Ordinal))
            {
                _violations.Add($"audit: node {node}'s log stream ended at index {index} of {last}: {line}");
                return;
            }

            var p = line.Split(' ');
            index = ulong.Parse(p[1], CultureInfo.InvariantCulture);
            var request = p[2].Split(':');
            if (Guid.Parse(request[0]) == session)
            {
                var sequence = ulong.Parse(request[1], CultureInfo.InvariantCulture);
                if (!seen.TryGetValue(sequence, out var indexes))
                {
                    seen[sequence] = indexes = [];
                }

                indexes.Add(index);
            }
        }

        foreach (var (sequence, indexes) in seen.Where(s => s.Value.Count > 1).Take(5))
        {
            _violations.Add($"exactly-once: request {sequence} applied {indexes.Count} times, at {string.Join(", ", indexes)}");
        }

        lock (_byIndex)
        {
            foreach (var (at, (sequence, _)) in _byIndex)
            {
                if (!seen.TryGetValue(sequence, out var indexes) || !indexes.Contains(at))
                {
                    _violations.Add($"exactly-once: request {sequence} was acknowledged at index {at} but is not there in node {node}'s log");
                    break;
                }
            }
        }
    }

    private static IEnumerable<Command> Traffic(WorkloadGenerator generator, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            yield return generator.Next().Command;
        }
    }

    private static Task UntilAsync(Func<bool> condition, string what) => Eventually.TrueAsync(condition, Patience, what);

    /// <summary>One command, retried with the same request id on random running nodes until a node acknowledges it.</summary>
    private async Task<CommandResult> ProposeUntilAcknowledgedAsync(ChaosCluster cluster, Random random, Guid session, ulong sequence, Command command)
    {
        var line = $"CC {session} {sequence} {Convert.ToBase64String(Contract.Serialize(command))}";
        var deadline = DateTime.UtcNow + Patience;
        while (true)
        {
            var running = cluster.Ids.Where(cluster.IsAvailable).ToList();
            if (running.Count > 0)
            {
                string answer;
                try
                {
                    answer = await cluster.SendAsync(running[random.Next(running.Count)], line, TimeSpan.FromSeconds(6));
                }
                catch (IOException)
                {
                    answer = "ERR no answer";
                }

                if (answer.StartsWith("OK ", StringComparison.Ordinal))
                {
                    var result = Contract.Deserialize<CommandResult>(Convert.FromBase64String(answer[3..]));
                    Acknowledged(sequence, command, result);
                    return result;
                }
            }

            Interlocked.Increment(ref _retries);
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"command {sequence} ({command.KindCase}) was not acknowledged within {Patience.TotalSeconds:F0}s");
            }

            await Task.Delay(50);
        }
    }

    private void Acknowledged(ulong sequence, Command command, CommandResult result)
    {
        lock (_byIndex)
        {
            if (result.RejectReason != RejectReason.None)
            {
                _violations.Add($"model: command {sequence} ({command.KindCase}) was rejected at index {result.AppliedIndex}: {result.RejectReason} {result.Message} (a lost or doubled command breaks the stream)");
            }

            if (_byIndex.TryGetValue(result.AppliedIndex, out var other) && other.Sequence != sequence)
            {
                _violations.Add($"exactly-once: requests {other.Sequence} and {sequence} both acknowledged at index {result.AppliedIndex}");
            }

            _byIndex[result.AppliedIndex] = (sequence, result);
        }
    }

    private IEnumerable<DnId> BusiestDns(int count)
    {
        lock (_byIndex)
        {
            return _byIndex.Values.SelectMany(v => v.Result.Events).Where(e => e.ThisDn is not null)
                .GroupBy(e => (e.ThisDn!.SwitchName, e.ThisDn!.Number))
                .OrderByDescending(g => g.Count()).ThenBy(g => g.Key.Number, StringComparer.Ordinal)
                .Take(count).Select(g => new DnId { SwitchName = g.Key.SwitchName, Number = g.Key.Number }).ToList();
        }
    }

    /// <summary>The events of <paramref name="dn"/> in the acknowledged results, in log order.</summary>
    private List<(ulong Index, int Ordinal, string Kind)> Expected(DnId dn)
    {
        lock (_byIndex)
        {
            return [.. _byIndex.OrderBy(kv => kv.Key).SelectMany(kv => kv.Value.Result.Events
                .Select((e, i) => (Event: e, Ordinal: i))
                .Where(x => x.Event.ThisDn is { } d && d.SwitchName == dn.SwitchName && d.Number == dn.Number)
                .Select(x => (kv.Key, x.Ordinal, x.Event.Kind.ToString())))];
        }
    }

    /// <summary>The desktop's stream against the events of its DN in the acknowledged results.</summary>
    private void CheckDesktop(Desktop desktop, List<(ulong Index, int Ordinal, string Kind)> expected)
    {
        var got = desktop.Received;
        for (var i = 1; i < got.Count; i++)
        {
            if ((got[i].Index, got[i].Ordinal).CompareTo((got[i - 1].Index, got[i - 1].Ordinal)) <= 0)
            {
                _violations.Add($"desktop {desktop.Dn.Number}: event {got[i].Index}/{got[i].Ordinal} after {got[i - 1].Index}/{got[i - 1].Ordinal} (duplicate or out of order)");
                return;
            }
        }

        var missing = expected.Except(got).ToList();
        var extra = got.Except(expected).ToList();
        if (missing.Count > 0 || extra.Count > 0)
        {
            _violations.Add($"desktop {desktop.Dn.Number}: {missing.Count} events missing (first {string.Join(", ", missing.Take(3))}), {extra.Count} not in the acknowledged results (first {string.Join(", ", extra.Take(3))})");
        }
    }

    /// <summary>An agent desktop following one DN; after a silence or an error it resumes on another node.</summary>
    private sealed class Desktop(ChaosCluster cluster, DnId dn, int seed)
    {
        private readonly Random _random = new(seed);
        private readonly CancellationTokenSource _stop = new();
        private Task? _loop;

        public DnId Dn { get; } = dn;

        public List<(ulong Index, int Ordinal, string Kind)> Received { get; } = [];

        public int Resumes { get; private set; }

        public void Start() => _loop = Task.Run(LoopAsync);

        /// <summary>Waits until the desktop has read <paramref name="last"/> (or the patience runs out), then stops it.</summary>
        public async Task StopAsync((ulong Index, int Ordinal) last, TimeSpan patience)
        {
            var deadline = DateTime.UtcNow + patience;
            while (DateTime.UtcNow < deadline && LastPosition().CompareTo(last) < 0)
            {
                await Task.Delay(100);
            }

            await _stop.CancelAsync();
            if (_loop is not null)
            {
                await _loop.WaitAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }

        private (ulong Index, int Ordinal) LastPosition()
        {
            lock (Received)
            {
                return Received.Count == 0 ? (0, 0) : (Received[^1].Index, Received[^1].Ordinal);
            }
        }

        private async Task LoopAsync()
        {
            while (!_stop.IsCancellationRequested)
            {
                var running = cluster.Ids.Where(cluster.IsAvailable).ToList();
                if (running.Count > 0)
                {
                    await FollowAsync(running[_random.Next(running.Count)]);
                    Resumes++;
                }

                await Task.Delay(_random.Next(20, 100), CancellationToken.None);
            }
        }

        private async Task FollowAsync(ulong node)
        {
            try
            {
                using var client = new TcpClient { NoDelay = true };
                using (var connect = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token))
                {
                    connect.CancelAfter(TimeSpan.FromSeconds(2));
                    await client.ConnectAsync(IPAddress.Loopback, cluster.ClientPort(node), connect.Token);
                }

                using var stream = client.GetStream();
                using var reader = new StreamReader(stream, Encoding.UTF8);
                var (index, ordinal) = LastPosition();
                await stream.WriteAsync(Encoding.UTF8.GetBytes($"DNSUB {Dn.SwitchName} {Dn.Number} {index} {ordinal}\n"), _stop.Token);
                while (true)
                {
                    using var silence = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
                    silence.CancelAfter(TimeSpan.FromSeconds(1.5)); // a stopped or cut-off node: resume elsewhere
                    var line = await reader.ReadLineAsync(silence.Token);
                    if (line is null || !line.StartsWith("EV ", StringComparison.Ordinal))
                    {
                        return;
                    }

                    var p = line.Split(' ');
                    lock (Received)
                    {
                        Received.Add((ulong.Parse(p[1], CultureInfo.InvariantCulture), int.Parse(p[2], CultureInfo.InvariantCulture), p[3]));
                    }
                }
            }
            catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException)
            {
            }
        }
    }
}
