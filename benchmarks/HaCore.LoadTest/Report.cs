using System.Globalization;
using System.Text;
using ScottPlot;

namespace HaCore.LoadTest;

/// <summary>results.md (tables, with the HaCore systems' ratios to each peer) and the charts (PNG and SVG).</summary>
internal static class Report
{
    private static string Ms(double us) => double.IsFinite(us) ? (us / 1000).ToString("F2", CultureInfo.InvariantCulture) : "n/a";

    public static void Write(RunOptions options, IReadOnlyList<StepRow> rows, TextWriter log)
    {
        var md = new StringBuilder();
        md.AppendLine(CultureInfo.InvariantCulture, $"# Load test {rows.FirstOrDefault()?.Run}");
        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"Command: `HaCore.LoadTest {options.CommandLine}`. {Environment.ProcessorCount} CPUs; {options.Nodes} nodes per system on 127.0.0.1, fsync on; " +
            $"heartbeat {options.HeartbeatMs} ms, election timeout {options.ElectionMs} ms; {options.Keys} keys, {options.ValueBytes}-byte values; warmup {options.Warmup} s per step.");
        md.AppendLine();
        md.AppendLine("CPU columns: µs of CPU per operation (utime + stime from /proc) of the system's processes and of the driver; " +
            "other = CPU % (of one core) used by every other process of the machine during the step. hacore-embedded runs its driver inside the leader, so its system CPU includes the driver.");
        md.AppendLine();
        foreach (var profile in rows.Select(r => r.Profile).Distinct())
        {
            var of = rows.Where(r => r.Profile == profile).ToList();
            md.AppendLine(CultureInfo.InvariantCulture, $"## {profile}");
            md.AppendLine();
            md.AppendLine("| system | C | ops/s | p50 ms | p90 ms | p99 ms | p99.9 ms | max ms | system CPU µs/op | driver CPU µs/op | alloc B/op | gen0/1k ops | leader changes | errors | other CPU % |");
            md.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|");
            foreach (var r in of)
            {
                var errors = r.ErrorCount == 0 ? "0" : string.Join(", ", r.Errors.Select(e => $"{e.Key} {e.Value}"));
                md.AppendLine(CultureInfo.InvariantCulture,
                    $"| {r.System} | {r.Clients} | {r.OpsPerSec:N0} | {Ms(r.Latency.P50)} | {Ms(r.Latency.P90)} | {Ms(r.Latency.P99)} | {Ms(r.Latency.P999)} | {Ms(r.Latency.Max)} | " +
                    $"{r.SystemCpuUsPerOp:F0} | {(r.DriverCpuUsPerOp is { } d ? d.ToString("F0", CultureInfo.InvariantCulture) : "in leader")} | {r.AllocBytesPerOp:F0} | {r.Gen0Per1kOps:F2} | " +
                    $"{(r.LeaderChanges?.ToString(CultureInfo.InvariantCulture) ?? "n/a")} | {errors} | {r.OtherCpuPercent:F0} |");
            }

            md.AppendLine();
            var peers = of.Select(r => r.System).Distinct().Where(s => !s.StartsWith("hacore", StringComparison.Ordinal)).ToList();
            var ours = of.Select(r => r.System).Distinct().Where(s => s.StartsWith("hacore", StringComparison.Ordinal)).ToList();
            if (peers.Count > 0 && ours.Count > 0 && profile != "failover")
            {
                md.AppendLine("Ratios (HaCore ÷ peer): throughput higher is better; p99 and CPU per op lower is better.");
                md.AppendLine();
                md.AppendLine("| HaCore system | peer | C | throughput | p50 | p99 | system CPU/op |");
                md.AppendLine("|---|---|---:|---:|---:|---:|---:|");
                foreach (var c in of.Select(r => r.Clients).Distinct())
                {
                    foreach (var o in ours)
                    {
                        foreach (var p in peers)
                        {
                            if (of.FirstOrDefault(r => r.System == o && r.Clients == c) is { } a && of.FirstOrDefault(r => r.System == p && r.Clients == c) is { } b)
                            {
                                static string R(double x, double y) => y > 0 && double.IsFinite(x / y) ? (x / y).ToString("F2", CultureInfo.InvariantCulture) + "×" : "n/a";
                                md.AppendLine(CultureInfo.InvariantCulture,
                                    $"| {o} | {p} | {c} | {R(a.OpsPerSec, b.OpsPerSec)} | {R(a.Latency.P50, b.Latency.P50)} | {R(a.Latency.P99, b.Latency.P99)} | {R(a.SystemCpuUsPerOp, b.SystemCpuUsPerOp)} |");
                            }
                        }
                    }
                }

                md.AppendLine();
            }

            if (profile == "failover")
            {
                md.AppendLine("| system | C | kills | recovery median ms | p99 ms | max ms | not recovered | restart ready median ms | catch-up median ms | catch-up max ms |");
                md.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
                foreach (var r in of.Where(r => r.Failover is not null))
                {
                    var f = r.Failover!;
                    md.AppendLine(CultureInfo.InvariantCulture,
                        $"| {r.System} | {r.Clients} | {f.Kills} | {Stats.F(f.RecoveryMedianMs)} | {Stats.F(f.RecoveryP99Ms)} | {Stats.F(f.RecoveryMaxMs)} | {f.NotRecovered} | " +
                        $"{Stats.F(Stats.Median(f.RestartReadyMs))} | {Stats.F(f.CatchUpMedianMs)} | {Stats.F(f.CatchUpMaxMs)} |");
                }

                md.AppendLine();
                md.AppendLine("Recovery: from the kill -9 of the leader to the first acknowledged write that was issued after the kill. Catch-up: from starting the killed node again to its applied index reaching the leader's commit index of that moment (process start included).");
                md.AppendLine();
            }

            foreach (var chart in Charts(options.Out, profile, of))
            {
                md.AppendLine(CultureInfo.InvariantCulture, $"![{chart}]({chart})");
            }

            md.AppendLine();
        }

        var path = Path.Combine(options.Out, "results.md");
        File.WriteAllText(path, md.ToString());
        log.WriteLine($"results: {Path.GetFullPath(Path.Combine(options.Out, "results.jsonl"))}, {Path.GetFullPath(path)} and charts");
    }

    /// <summary>Writes the profile's charts (PNG and SVG) and returns the PNG file names.</summary>
    private static List<string> Charts(string dir, string profile, IReadOnlyList<StepRow> rows)
    {
        var written = new List<string>();
        var systems = rows.Select(r => r.System).Distinct().ToList();

        // Throughput and latency over time: each system's steps one after the other, per-second samples.
        foreach (var (kind, title, label) in new[] { ("throughput", "Throughput", "ops/s"), ("latency", "p99 latency per sample", "p99 ms") })
        {
            var plot = new Plot();
            var boundaries = new List<double>();
            foreach (var system in systems)
            {
                var xs = new List<double>();
                var ys = new List<double>();
                var offset = 0.0;
                foreach (var r in rows.Where(r => r.System == system))
                {
                    foreach (var s in r.Samples)
                    {
                        xs.Add(offset + s.T);
                        ys.Add(kind == "throughput" ? s.Ops / Math.Max(0.001, Math.Min(1, s.T - (r.Samples.IndexOf(s) > 0 ? r.Samples[r.Samples.IndexOf(s) - 1].T : 0))) : s.P99Us / 1000);
                    }

                    if (r.Failover is { } f)
                    {
                        foreach (var k in f.KillTimesS)
                        {
                            var line = plot.Add.VerticalLine(offset + k);
                            line.LineWidth = 1;
                            line.LinePattern = LinePattern.Dashed;
                            line.Color = ColorOf(system).WithAlpha(0.7);
                        }
                    }

                    offset += r.Seconds;
                    if (system == systems[0])
                    {
                        boundaries.Add(offset);
                    }
                }

                if (xs.Count > 0)
                {
                    var scatter = plot.Add.Scatter(xs.ToArray(), ys.ToArray());
                    scatter.LegendText = system;
                    scatter.Color = ColorOf(system);
                    scatter.MarkerSize = profile == "failover" ? 0 : 3;
                }
            }

            var clients = string.Join(", ", rows.Select(r => r.Clients).Distinct());
            plot.Title($"{title}: {profile} (C = {clients}){(profile == "failover" ? ", 100 ms samples, leader kills as dashed lines" : ", 1 s samples, steps in order of C")}");
            plot.XLabel("measured seconds (steps concatenated)");
            plot.YLabel(label);
            plot.ShowLegend();
            written.Add(Save(plot, dir, $"{kind}-{profile}"));
        }

        // p99 against the number of concurrent writers (callers), per system.
        if (profile != "failover" && rows.Select(r => r.Clients).Distinct().Count() > 1)
        {
            var plot = new Plot();
            foreach (var system in systems)
            {
                var of = rows.Where(r => r.System == system && double.IsFinite(r.Latency.P99)).OrderBy(r => r.Clients).ToList();
                var scatter = plot.Add.Scatter(of.Select(r => Math.Log2(r.Clients)).ToArray(), of.Select(r => r.Latency.P99 / 1000).ToArray());
                scatter.LegendText = system;
                scatter.Color = ColorOf(system);
            }

            var cs = rows.Select(r => r.Clients).Distinct().Order().ToArray();
            plot.Axes.Bottom.SetTicks([.. cs.Select(c => Math.Log2(c))], [.. cs.Select(c => c.ToString(CultureInfo.InvariantCulture))]);
            plot.Title($"p99 latency against concurrent callers: {profile}");
            plot.XLabel("concurrent callers C (log scale)");
            plot.YLabel("p99 ms");
            plot.ShowLegend();
            written.Add(Save(plot, dir, $"p99-vs-clients-{profile}"));
        }

        return written;
    }

    private static Color ColorOf(string system) => system switch
    {
        "hacore-embedded" => Colors.Blue,
        "hacore-network" => Colors.DarkOrange,
        "etcd" => Colors.Green,
        "dotnext" => Colors.Magenta,
        _ when system.StartsWith("hacore-embedded+", StringComparison.Ordinal) => Colors.Purple,
        _ when system.StartsWith("hacore-network+", StringComparison.Ordinal) => Colors.Red,
        _ => Colors.Gray,
    };

    private static string Save(Plot plot, string dir, string name)
    {
        plot.SavePng(Path.Combine(dir, name + ".png"), 1000, 500);
        plot.SaveSvg(Path.Combine(dir, name + ".svg"), 1000, 500);
        return name + ".png";
    }
}
