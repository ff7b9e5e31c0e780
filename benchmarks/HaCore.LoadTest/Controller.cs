using System.Diagnostics;
using HdrHistogram;
using System.Globalization;
using System.Text.Json;
using HaCore.LoadTest.Etcd;

namespace HaCore.LoadTest;

/// <summary>
/// The controller: starts the systems' clusters, runs every step with the systems alternating, injects the
/// failover faults, and writes the results. Every child process dies with it.
/// </summary>
internal sealed class Controller(RunOptions options, TextWriter log)
{
    private readonly string _run = DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
    private readonly List<StepRow> _rows = [];
    private readonly Dictionary<string, HaCoreCluster> _hacores = []; // by variant key ("" for the plain HaCore systems)
    private EtcdCluster? _etcd;
    private DotNextCluster? _dotnext;

    public IReadOnlyList<StepRow> Rows => _rows;

    public static async Task<int> MainAsync(string[] args)
    {
        RunOptions options;
        try
        {
            options = RunOptions.Parse(args);
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException)
        {
            Console.Error.WriteLine(ex.Message);
            Console.Error.WriteLine(RunOptions.Usage);
            return 2;
        }

        using var cts = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            cts.Cancel();
            ChildProcesses.KillAll();
        };
        try
        {
            await new Controller(options, Console.Out).RunAsync(cts.Token);
            return 0;
        }
        catch (OperationCanceledException) when (cts.IsCancellationRequested)
        {
            Console.Error.WriteLine("cancelled");
            return 130;
        }
        catch (Exception ex)
        {
            Console.Error.WriteLine($"load test failed: {ex}");
            return 1;
        }
        finally
        {
            ChildProcesses.KillAll();
        }
    }

    public async Task RunAsync(CancellationToken ct)
    {
        Directory.CreateDirectory(options.Out);
        var root = Path.Combine(Path.GetTempPath(), $"hacore-loadtest-{Guid.NewGuid():N}");
        Directory.CreateDirectory(root);
        log.WriteLine($"load test {_run}: profiles {string.Join(",", options.Profiles)}, systems {string.Join(",", options.Systems)}, clients {string.Join(",", options.Clients)}, " +
            $"{options.Seconds} s per step after {options.Warmup} s warmup; data under {root}; results to {Path.GetFullPath(options.Out)}");
        var jsonl = Path.Combine(options.Out, "results.jsonl");
        File.WriteAllText(jsonl, string.Empty);
        try
        {
            foreach (var key in options.Systems.Where(s => s.StartsWith("hacore", StringComparison.Ordinal)).Select(Variant.KeyOf).Distinct())
            {
                var hacore = _hacores[key] = new HaCoreCluster(options, root, key);
                await hacore.StartAllAsync(ct);
                var leader = await hacore.LeaderAsync(TimeSpan.FromSeconds(30), ct, Settle);
                log.WriteLine($"hacore{(key.Length > 0 ? "+" + key : string.Empty)}: {options.Nodes} nodes up (pids {string.Join(",", hacore.Pids)}), leader node {leader + 1}");
                hacore.Pause(options.PauseIdle); // the next cluster starts on a quiet machine
            }

            if (options.Systems.Contains("etcd"))
            {
                await EtcdCluster.EnsureInstalledAsync(log, ct);
                _etcd = new EtcdCluster(options, root);
                await _etcd.StartAllAsync(ct);
                var leader = await _etcd.LeaderAsync(TimeSpan.FromSeconds(30), ct, Settle);
                log.WriteLine($"etcd: {options.Nodes} members up (pids {string.Join(",", _etcd.Pids)}), leader e{leader + 1}");
            }

            if (options.Systems.Contains("dotnext"))
            {
                _dotnext = new DotNextCluster(options, root);
                await _dotnext.StartAllAsync(ct);
                var leader = await _dotnext.LeaderAsync(TimeSpan.FromSeconds(30), ct, Settle);
                log.WriteLine($"dotnext: {options.Nodes} DotNext.Net.Cluster nodes up (pids {string.Join(",", _dotnext.Pids)}), leader node {leader + 1}; {DotNextCluster.Note}");
            }

            PauseAllExcept(null);
            var preloaded = false;
            foreach (var profile in options.Profiles)
            {
                if (profile is "read-linearizable" or "read-lease" or "mixed" && !preloaded)
                {
                    await PreloadAsync(ct);
                    preloaded = true;
                }

                if (profile == "failover")
                {
                    foreach (var system in options.Systems)
                    {
                        if (RunOptions.BaseSystem(system) == "hacore-embedded")
                        {
                            log.WriteLine("failover: hacore-embedded skipped (its load runs inside the leader, the process that is killed)");
                            continue;
                        }

                        Append(jsonl, await FailoverStepAsync(system, options.Clients[0], ct));
                    }

                    continue;
                }

                foreach (var clients in options.Clients)
                {
                    foreach (var system in options.Systems)
                    {
                        Append(jsonl, await StepAsync(system, profile, clients, ct));
                    }
                }
            }

            Report.Write(options, _rows, log);
        }
        finally
        {
            foreach (var hacore in _hacores.Values)
            {
                hacore.Pause(false);
                await hacore.DisposeAsync();
            }

            if (_etcd is not null)
            {
                _etcd.Pause(false);
                await _etcd.DisposeAsync();
            }

            if (_dotnext is not null)
            {
                _dotnext.Pause(false);
                await _dotnext.DisposeAsync();
            }

            ChildProcesses.KillAll();
            if (!options.Keep)
            {
                try
                {
                    Directory.Delete(root, recursive: true);
                }
                catch (IOException ex)
                {
                    log.WriteLine($"could not remove {root}: {ex.Message}");
                }
            }
            else
            {
                log.WriteLine($"data directories kept under {root}");
            }
        }
    }

    private void Append(string jsonl, StepRow row)
    {
        _rows.Add(row);
        File.AppendAllText(jsonl, JsonSerializer.Serialize(row, Json.Options) + "\n");
    }

    /// <summary>How long a leader must hold before a step uses it: two election timeouts, by which a thawed old
    /// leader has stepped down (it counts the ticks of its freeze first) and a new one has been elected.</summary>
    private TimeSpan Settle => TimeSpan.FromMilliseconds(2 * options.ElectionMs);

    private Cluster ClusterOf(string system) => system switch { "etcd" => _etcd!, "dotnext" => _dotnext!, _ => HaCoreOf(system) };

    private HaCoreCluster HaCoreOf(string system) => _hacores[Variant.KeyOf(system)];

    private void PauseAllExcept(Cluster? active)
    {
        if (!options.PauseIdle)
        {
            return;
        }

        foreach (var c in _hacores.Values.Cast<Cluster?>().Append(_etcd).Append(_dotnext))
        {
            if (c is not null && !ReferenceEquals(c, active))
            {
                c.Pause(true);
            }
        }

        active?.Pause(false);
    }

    private async Task PreloadAsync(CancellationToken ct)
    {
        var sw = Stopwatch.StartNew();
        foreach (var hacore in _hacores.Values)
        {
            PauseAllExcept(hacore);
            var leader = await hacore.LeaderAsync(TimeSpan.FromSeconds(10), ct, Settle);
            var answer = await hacore.RequestAsync(leader, $"PRELOAD {options.Keys}", TimeSpan.FromMinutes(3));
            if (!answer.StartsWith("OK", StringComparison.Ordinal))
            {
                throw new InvalidOperationException($"hacore preload failed: {answer}");
            }

            log.WriteLine($"hacore: {options.Keys} keys written in {sw.Elapsed.TotalSeconds:F1} s");
        }

        if (_etcd is not null)
        {
            sw.Restart();
            PauseAllExcept(_etcd);
            var leader = await _etcd.LeaderAsync(TimeSpan.FromSeconds(10), ct, Settle);
            await using var client = new EtcdKvClient(_etcd.Endpoints, leader, options.Connections);
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
            deadline.CancelAfter(TimeSpan.FromMinutes(3));
            await ClosedLoopDriver.PreloadAsync(client, options.Keys, options.ValueBytes, 64, TimeSpan.FromMilliseconds(options.OpDeadlineMs), deadline.Token);
            log.WriteLine($"etcd: {options.Keys} keys written in {sw.Elapsed.TotalSeconds:F1} s");
        }

        if (_dotnext is not null)
        {
            sw.Restart();
            PauseAllExcept(_dotnext);
            var leader = await _dotnext.LeaderAsync(TimeSpan.FromSeconds(10), ct, Settle);
            await using var client = NewClient("dotnext", leader);
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
            deadline.CancelAfter(TimeSpan.FromMinutes(3));
            await ClosedLoopDriver.PreloadAsync(client, options.Keys, options.ValueBytes, 64, TimeSpan.FromMilliseconds(options.OpDeadlineMs), deadline.Token);
            log.WriteLine($"dotnext: {options.Keys} keys written in {sw.Elapsed.TotalSeconds:F1} s");
        }

        PauseAllExcept(null);
    }

    private IKvClient NewClient(string system, int leader) => RunOptions.BaseSystem(system) switch
    {
        "hacore-network" => new NetworkKvClient(HaCoreOf(system).ClientEndPoints, options.Connections) { Leader = (ulong)(leader + 1) },
        "etcd" => new EtcdKvClient(_etcd!.Endpoints, leader, options.Connections),
        "dotnext" => new NetworkKvClient(_dotnext!.ClientEndPoints, options.Connections) { Leader = (ulong)(leader + 1) },
        _ => throw new ArgumentException(system),
    };

    private DriverSpec Spec(string profile, int clients, double seconds, double sampleSeconds = 1) =>
        new(Workload.ForProfile(profile, options.Keys, options.ValueBytes), clients, options.Warmup, seconds, TimeSpan.FromMilliseconds(options.OpDeadlineMs),
            (ulong)Random.Shared.NextInt64(), sampleSeconds);

    /// <summary>A progress line per second (samples shorter than a second are summed into it).</summary>
    private Action<Sample> Progress(string system, string profile, int clients, Func<int>? kills = null)
    {
        var lastSecond = 0.0;
        long ops = 0, errors = 0;
        double p99 = 0, max = 0;
        return s =>
        {
            ops += s.Ops;
            errors += s.Errors;
            p99 = Math.Max(p99, s.P99Us);
            max = Math.Max(max, s.MaxUs);
            if (s.T - lastSecond < 0.95)
            {
                return;
            }

            var rate = ops / Math.Max(0.001, s.T - lastSecond);
            log.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"[{system} {profile} C={clients}] {s.T,5:F1} s  {rate,8:N0} ops/s  p99 {p99 / 1000,7:F2} ms  max {max / 1000,7:F1} ms  errors {errors}{(kills is { } k ? $"  kills {k()}" : string.Empty)}"));
            lastSecond = s.T;
            ops = errors = 0;
            p99 = max = 0;
        };
    }

    private async Task<StepRow> StepAsync(string system, string profile, int clients, CancellationToken ct)
    {
        var cluster = ClusterOf(system);
        PauseAllExcept(cluster);
        try
        {
            var leader = await cluster.LeaderAsync(TimeSpan.FromSeconds(10), ct, Settle);
            var term0 = await cluster.MaxTermAsync();
            var meter = new CpuMeter();
            DriverResult result;
            (long System, long Driver, long MachineBusy, long MachineTotal) cpu = default;
            if (RunOptions.BaseSystem(system) == "hacore-embedded")
            {
                (result, cpu) = await EmbeddedStepAsync(system, leader, profile, clients, meter, ct);
            }
            else
            {
                await using var client = NewClient(system, leader);
                result = await ClosedLoopDriver.RunAsync(client, Spec(profile, clients, options.Seconds),
                    () => meter.Start(cluster.Pids), () => cpu = meter.Stop(cluster.Pids), Progress(system, profile, clients), null, ct);
            }

            var term1 = await cluster.MaxTermAsync();
            var row = Row(system, profile, clients, result, cpu);
            row.LeaderChanges = term1 >= term0 ? (long)(term1 - term0) : null;
            return row;
        }
        finally
        {
            PauseAllExcept(null);
        }
    }

    private async Task<(DriverResult, (long, long, long, long))> EmbeddedStepAsync(string system, int leader, string profile, int clients, CpuMeter meter, CancellationToken ct)
    {
        var hacore = HaCoreOf(system);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(TimeSpan.FromSeconds(options.Warmup + options.Seconds + 60));
        var (tcp, reader, writer) = await hacore.ControlAsync(leader, deadline.Token);
        using (tcp)
        {
            var step = new EmbeddedStep(profile, clients, options.Warmup, options.Seconds, options.Keys, options.ValueBytes, options.OpDeadlineMs, (ulong)Random.Shared.NextInt64());
            await writer.WriteLineAsync(("RUN " + JsonSerializer.Serialize(step, Json.Options)).AsMemory(), deadline.Token);
            var progress = Progress(system, profile, clients);
            (long, long, long, long) cpu = default;
            while (await reader.ReadLineAsync(deadline.Token) is { } line)
            {
                if (line == "MEASURING")
                {
                    meter.Start(hacore.Pids);
                }
                else if (line == "MEASURED")
                {
                    cpu = meter.Stop(hacore.Pids);
                }
                else if (line.StartsWith("SAMPLE ", StringComparison.Ordinal))
                {
                    progress(JsonSerializer.Deserialize<Sample>(line[7..], Json.Options)!);
                }
                else if (line.StartsWith("RESULT ", StringComparison.Ordinal))
                {
                    return (JsonSerializer.Deserialize<DriverResult>(line[7..], Json.Options)!, cpu);
                }
                else
                {
                    throw new InvalidOperationException($"hacore-embedded step on node {leader + 1} failed: {line}");
                }
            }

            throw new IOException($"node {leader + 1} closed the control connection during the step.\n{hacore.Logs}");
        }
    }

    private StepRow Row(string system, string profile, int clients, DriverResult r, (long System, long Driver, long MachineBusy, long MachineTotal) cpu)
    {
        var h = r.Latency.ToHistogram();
        var ops = Math.Max(1, r.Ops);
        var embedded = RunOptions.BaseSystem(system) == "hacore-embedded";
        const double UsPerTick = 1e6 / ProcStats.TicksPerSecond;
        var seconds = Math.Max(1e-9, r.Seconds);
        double Pct(long ticks) => ticks * UsPerTick / 1e6 / seconds * 100; // percent of one core
        var row = new StepRow
        {
            Run = _run,
            System = system,
            Profile = profile,
            Clients = clients,
            WarmupSeconds = options.Warmup,
            Seconds = Math.Round(r.Seconds, 3),
            Ops = r.Ops,
            Writes = r.Writes,
            Reads = r.Reads,
            OpsPerSec = Math.Round(r.Ops / seconds, 1),
            Latency = new LatencyUs
            {
                P50 = Stats.Percentile(h, 50),
                P90 = Stats.Percentile(h, 90),
                P99 = Stats.Percentile(h, 99),
                P999 = Stats.Percentile(h, 99.9),
                Max = h.TotalCount > 0 ? h.GetMaxValue() : double.NaN,
                Mean = h.TotalCount > 0 ? Math.Round(HdrHistogram.HistogramExtensions.GetMean(h), 1) : double.NaN,
            },
            Errors = r.Errors,
            ErrorCount = r.Errors.Values.Sum(),
            Retries = r.Retries,
            LoadProcess = embedded ? "leader node process" : "controller process",
            SystemCpuUsPerOp = Math.Round(cpu.System * UsPerTick / ops, 1),
            SystemCpuPercent = Math.Round(Pct(cpu.System), 1),
            DriverCpuUsPerOp = embedded ? null : Math.Round(cpu.Driver * UsPerTick / ops, 1),
            DriverCpuPercent = embedded ? null : Math.Round(Pct(cpu.Driver), 1),
            OtherCpuPercent = Math.Round(Pct(Math.Max(0, cpu.MachineBusy - cpu.System - cpu.Driver)), 1),
            MachineBusyPercent = Math.Round(Pct(cpu.MachineBusy), 1),
            AllocBytesPerOp = Math.Round((double)r.AllocatedBytes / ops, 0),
            Gen0Per1kOps = Math.Round(r.Gen0 * 1000.0 / ops, 3),
            Gen1Per1kOps = Math.Round(r.Gen1 * 1000.0 / ops, 3),
            Gen2Per1kOps = Math.Round(r.Gen2 * 1000.0 / ops, 3),
            Samples = r.Samples,
        };
        if (embedded)
        {
            row.Notes.Add("load generated inside the leader: its CPU, allocations and GCs include the driver");
        }

        if (system == "etcd")
        {
            row.Notes.Add("allocations and GCs are the .NET driver's (etcd is Go)");
        }

        if (system == "dotnext")
        {
            row.Notes.Add(DotNextCluster.Note);
        }

        log.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"== {system} {profile} C={clients}: {row.OpsPerSec:N0} ops/s, p50 {row.Latency.P50 / 1000:F2} ms, p99 {row.Latency.P99 / 1000:F2} ms, p99.9 {row.Latency.P999 / 1000:F2} ms, " +
            $"system CPU {row.SystemCpuUsPerOp:F0} µs/op, errors {row.ErrorCount}, other CPU {row.OtherCpuPercent:F0} %"));
        return row;
    }

    private async Task<StepRow> FailoverStepAsync(string system, int clients, CancellationToken ct)
    {
        var cluster = ClusterOf(system);
        PauseAllExcept(cluster);
        try
        {
            var leader = await cluster.LeaderAsync(TimeSpan.FromSeconds(10), ct, Settle);
            var term0 = await cluster.MaxTermAsync();
            var meter = new CpuMeter();
            var tracker = new FailoverTracker();
            var failover = new FailoverResult { KillEverySeconds = options.KillEvery };
            var measuring = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var measureStart = 0L;
            (long, long, long, long) cpu = default;
            // Kills are planned every KillEvery s, later when a restart and its catch-up take longer; the load goes on
            // until KillEvery s after the last kill (at most three times the planned time).
            var planned = (options.Kills * options.KillEvery) + options.KillEvery;
            var loadUntil = planned;
            var loadEnded = false;
            var untilLock = new Lock();
            double Until()
            {
                // Called by the driver at every sample: once the load is over, no more kills (kill and end cannot cross).
                lock (untilLock)
                {
                    var limit = Math.Min(loadUntil, planned * 3);
                    if (measureStart != 0 && Stopwatch.GetElapsedTime(measureStart).TotalSeconds >= limit)
                    {
                        loadEnded = true;
                    }

                    return limit;
                }
            }

            using var faultsStop = CancellationTokenSource.CreateLinkedTokenSource(ct);
            await using var client = NewClient(system, leader);

            async Task FaultsAsync()
            {
                await measuring.Task.WaitAsync(faultsStop.Token);
                for (var k = 1; k <= options.Kills; k++)
                {
                    var at = measureStart + (long)(k * options.KillEvery * Stopwatch.Frequency);
                    if (Stopwatch.GetElapsedTime(measureStart).TotalSeconds + options.KillEvery > planned * 3)
                    {
                        log.WriteLine($"failover: kill {k} and later not done: the load would outlast three times its planned {planned} s");
                        break;
                    }

                    var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), at);
                    if (wait > TimeSpan.Zero)
                    {
                        await Task.Delay(wait, faultsStop.Token);
                    }

                    int victim;
                    try
                    {
                        victim = await cluster.LeaderAsync(TimeSpan.FromSeconds(5), faultsStop.Token);
                    }
                    catch (TimeoutException)
                    {
                        log.WriteLine($"failover: no leader before kill {k}; skipped");
                        continue;
                    }

                    lock (untilLock)
                    {
                        if (loadEnded)
                        {
                            log.WriteLine($"failover: kill {k} and later not done: the load ended");
                            break;
                        }

                        // The load goes on for KillEvery s after this kill.
                        loadUntil = Math.Max(loadUntil, Stopwatch.GetElapsedTime(measureStart).TotalSeconds + options.KillEvery);
                    }

                    var killTs = cluster.KillNow(victim, meter);
                    tracker.Killed(killTs);
                    failover.KillTimesS.Add(Math.Round(Stopwatch.GetElapsedTime(measureStart, killTs).TotalSeconds, 3));
                    failover.Kills++;
                    log.WriteLine($"failover: kill {k}: leader node {victim + 1} killed at {failover.KillTimesS[^1]:F1} s");
                    await Task.Delay(TimeSpan.FromSeconds(options.RestartAfter), faultsStop.Token);
                    var restartTs = Stopwatch.GetTimestamp();
                    await cluster.StartAsync(victim, faultsStop.Token);
                    var readyMs = Stopwatch.GetElapsedTime(restartTs).TotalMilliseconds;
                    foreach (var pid in cluster.Pids)
                    {
                        meter.Observe(pid);
                    }

                    var newLeader = await cluster.LeaderAsync(TimeSpan.FromSeconds(5), faultsStop.Token);
                    var target = (await cluster.ProgressAsync(newLeader, TimeSpan.FromSeconds(1)))?.Commit ?? 0;
                    var caught = double.NaN;
                    var until = DateTime.UtcNow + TimeSpan.FromSeconds(30);
                    while (DateTime.UtcNow < until)
                    {
                        if (await cluster.ProgressAsync(victim, TimeSpan.FromSeconds(1)) is { } p && p.Applied >= target)
                        {
                            caught = Stopwatch.GetElapsedTime(restartTs).TotalMilliseconds;
                            break;
                        }

                        await Task.Delay(20, faultsStop.Token);
                    }

                    failover.RestartReadyMs.Add(Math.Round(readyMs, 1));
                    failover.CatchUpMs.Add(Math.Round(caught, 1));
                    log.WriteLine($"failover: node {victim + 1} restarted: ready after {readyMs:F0} ms, applied index reached the leader's commit {target} after {caught:F0} ms");
                }
            }

            Task? faults = null;
            DriverResult result;
            try
            {
                faults = FaultsAsync();
                result = await ClosedLoopDriver.RunAsync(client, Spec("failover", clients, planned, 0.1) with { Until = Until },
                    () =>
                    {
                        meter.Start(cluster.Pids);
                        measureStart = Stopwatch.GetTimestamp();
                        measuring.TrySetResult();
                    },
                    () => cpu = meter.Stop(cluster.Pids),
                    Progress(system, "failover", clients, () => failover.Kills),
                    tracker.Acked, ct);
            }
            catch
            {
                await faultsStop.CancelAsync();
                throw;
            }
            finally
            {
                // The last restart and its catch-up may outlast the measured time: let them finish (with a deadline).
                if (faults is not null)
                {
                    try
                    {
                        await faults.WaitAsync(TimeSpan.FromSeconds(90), CancellationToken.None);
                    }
                    catch (TimeoutException)
                    {
                        log.WriteLine("failover: the fault loop did not finish within 90 s after the load; stopped");
                        await faultsStop.CancelAsync();
                    }
                    catch (OperationCanceledException) when (faultsStop.IsCancellationRequested)
                    {
                    }
                }
            }

            // Bring every node back for the next step.
            for (var i = 0; i < cluster.Size; i++)
            {
                if (!cluster.IsRunning(i))
                {
                    await cluster.StartAsync(i, ct);
                }
            }

            await cluster.LeaderAsync(TimeSpan.FromSeconds(10), ct, Settle);
            var term1 = await cluster.MaxTermAsync();
            failover.RecoveryMs = [.. tracker.Recoveries()];
            var finite = failover.RecoveryMs.Where(double.IsFinite).ToList();
            failover.NotRecovered = failover.RecoveryMs.Count - finite.Count;
            failover.RecoveryMedianMs = Math.Round(Stats.Median(finite), 1);
            failover.RecoveryP99Ms = Math.Round(Stats.PercentileOf(finite, 99), 1);
            failover.RecoveryMaxMs = finite.Count > 0 ? Math.Round(finite.Max(), 1) : double.NaN;
            var caughtUp = failover.CatchUpMs.Where(double.IsFinite).ToList();
            failover.CatchUpMedianMs = Math.Round(Stats.Median(caughtUp), 1);
            failover.CatchUpMaxMs = caughtUp.Count > 0 ? caughtUp.Max() : double.NaN;
            var row = Row(system, "failover", clients, result, cpu);
            row.LeaderChanges = term1 >= term0 ? (long)(term1 - term0) : null;
            row.Failover = failover;
            row.Notes.Add("recovery = kill to the first acknowledged write issued after it; errors include the writes in flight at each kill");
            row.Notes.Add("CPU of a killed process counts up to its kill; restarted processes count from their start");
            log.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"== {system} failover: {failover.Kills} kills, recovery median {failover.RecoveryMedianMs:F0} ms, p99 {failover.RecoveryP99Ms:F0} ms, max {failover.RecoveryMaxMs:F0} ms, " +
                $"not recovered {failover.NotRecovered}; restart catch-up median {failover.CatchUpMedianMs:F0} ms, max {failover.CatchUpMaxMs:F0} ms"));
            return row;
        }
        finally
        {
            PauseAllExcept(null);
        }
    }
}

/// <summary>For each kill, the time to the first acknowledged write that was issued after it.</summary>
internal sealed class FailoverTracker
{
    private readonly Lock _lock = new();
    private readonly List<double> _recoveries = [];
    private long _pendingKill;

    public void Killed(long timestamp)
    {
        lock (_lock)
        {
            if (Interlocked.Exchange(ref _pendingKill, timestamp) != 0)
            {
                _recoveries.Add(double.NaN); // the previous kill saw no write before this one
            }
        }
    }

    public void Acked(long start, long end)
    {
        var kill = Interlocked.Read(ref _pendingKill);
        if (kill != 0 && start >= kill && Interlocked.CompareExchange(ref _pendingKill, 0, kill) == kill)
        {
            lock (_lock)
            {
                _recoveries.Add(Math.Round(Stopwatch.GetElapsedTime(kill, end).TotalMilliseconds, 1));
            }
        }
    }

    public IReadOnlyList<double> Recoveries()
    {
        lock (_lock)
        {
            var all = new List<double>(_recoveries);
            if (Interlocked.Read(ref _pendingKill) != 0)
            {
                all.Add(double.NaN);
            }

            return all;
        }
    }
}
