using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Xunit;

namespace HaCore.LoadTest.Tests;

/// <summary>
/// Smoke tests of benchmarks/HaCore.LoadTest: each runs the built harness for a second or two per step, as a user
/// would, and checks what it wrote: JSONL rows with operations, no errors where no fault was injected, the Markdown
/// table and the charts, and for failover the kill count and finite recovery times. No timing assertions: the
/// machine is shared and noisy. The tests of one class run one after the other.
/// </summary>
public sealed class LoadTestSmokeTests
{
    private static string HarnessPath()
    {
        // tests/HaCore.LoadTest.Tests/bin/<Configuration>/<framework> -> benchmarks/HaCore.LoadTest/bin/<Configuration>/<framework>
        var here = AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar);
        var framework = Path.GetFileName(here);
        var configuration = Path.GetFileName(Path.GetDirectoryName(here)!);
        var repo = Path.GetDirectoryName(Path.GetDirectoryName(Path.GetDirectoryName(Path.GetDirectoryName(Path.GetDirectoryName(here)!)!)!)!)!;
        var path = Path.Combine(repo, "benchmarks", "HaCore.LoadTest", "bin", configuration, framework, "HaCore.LoadTest.dll");
        return File.Exists(path) ? path : throw new FileNotFoundException($"The load harness was not built: {path}");
    }

    /// <summary>Slower heartbeats and elections than the harness's default (20 / 200 ms) where no fault is injected: on a
    /// loaded CI machine a 200 ms election timeout can expire under load, and these tests are about structure.</summary>
    private static readonly string[] Calm = ["--heartbeat-ms", "50", "--election-ms", "1000"];

    private static async Task<(int ExitCode, string Output, string Out)> RunAsync(params string[] args)
    {
        var outDir = Path.Combine(Path.GetTempPath(), $"hacore-loadtest-smoke-{Guid.NewGuid():N}");
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(HarnessPath());
        foreach (var a in args.Concat(["--out", outDir]))
        {
            info.ArgumentList.Add(a);
        }

        var output = new StringBuilder();
        using var process = new Process { StartInfo = info };
        process.OutputDataReceived += (_, e) =>
        {
            lock (output)
            {
                output.AppendLine(e.Data);
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            lock (output)
            {
                output.AppendLine(e.Data);
            }
        };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromMinutes(3));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"the harness did not finish within 3 minutes:\n{output}");
        }

        process.WaitForExit(); // drain the output events
        lock (output)
        {
            return (process.ExitCode, output.ToString(), outDir);
        }
    }

    private static List<JsonElement> Rows(string outDir) =>
        [.. File.ReadAllLines(Path.Combine(outDir, "results.jsonl")).Where(l => l.Length > 0).Select(l => JsonDocument.Parse(l).RootElement)];

    private static void AssertCleanRows(string outDir, string output, string system, params string[] profiles)
    {
        var rows = Rows(outDir);
        foreach (var profile in profiles)
        {
            var of = rows.Where(r => r.GetProperty("system").GetString() == system && r.GetProperty("profile").GetString() == profile).ToList();
            Assert.True(of.Count > 0, $"no {system} {profile} row:\n{output}");
            foreach (var row in of)
            {
                Assert.True(row.GetProperty("ops").GetInt64() > 0, $"{system} {profile}: no operations:\n{output}");
                Assert.Equal(0, row.GetProperty("errorCount").GetInt64());
                Assert.True(row.GetProperty("latency").GetProperty("p99").GetDouble() > 0, $"{system} {profile}: no latency");
                Assert.True(row.GetProperty("systemCpuUsPerOp").GetDouble() > 0, $"{system} {profile}: no CPU measured for the system's processes");
                Assert.NotEmpty(row.GetProperty("samples").EnumerateArray());
                if (profile != "write")
                {
                    Assert.True(row.GetProperty("reads").GetInt64() > 0, $"{system} {profile}: no reads");
                }
            }

            var md = File.ReadAllText(Path.Combine(outDir, "results.md"));
            Assert.Contains($"## {profile}", md, StringComparison.Ordinal);
            Assert.Contains($"| {system} |", md, StringComparison.Ordinal);
            foreach (var chart in new[] { "throughput", "latency" })
            {
                Assert.True(new FileInfo(Path.Combine(outDir, $"{chart}-{profile}.png")).Length > 1000, $"{chart}-{profile}.png missing or empty");
                Assert.True(new FileInfo(Path.Combine(outDir, $"{chart}-{profile}.svg")).Length > 100, $"{chart}-{profile}.svg missing or empty");
            }
        }
    }

    [Fact]
    public async Task HaCoreEmbeddedWrite()
    {
        var (code, output, outDir) = await RunAsync([.. Calm, "--systems", "hacore-embedded", "--profile", "write", "--seconds", "1", "--warmup", "0", "--clients", "4"]);
        Assert.True(code == 0, $"exit {code}:\n{output}");
        AssertCleanRows(outDir, output, "hacore-embedded", "write");
        var row = Rows(outDir).Single();
        Assert.Equal("leader node process", row.GetProperty("loadProcess").GetString());
        Assert.True(row.GetProperty("allocBytesPerOp").GetDouble() > 0, "allocations are measured in the leader");
        Directory.Delete(outDir, true);
    }

    [Fact]
    public async Task HaCoreNetworkWriteReadAndMixed()
    {
        var (code, output, outDir) = await RunAsync([.. Calm, "--systems", "hacore-network", "--profile", "write,read-linearizable,mixed",
            "--seconds", "1", "--warmup", "0", "--clients", "4,8", "--keys", "500"]);
        Assert.True(code == 0, $"exit {code}:\n{output}");
        AssertCleanRows(outDir, output, "hacore-network", "write", "read-linearizable", "mixed");
        var rows = Rows(outDir);
        Assert.Equal(6, rows.Count); // three profiles, two client counts
        Assert.All(rows, r => Assert.True(r.GetProperty("ops").GetInt64() > 0 && r.GetProperty("errorCount").GetInt64() == 0, r.ToString()));
        var mixed = rows.Where(r => r.GetProperty("profile").GetString() == "mixed").ToList();
        Assert.All(mixed, r => Assert.True(r.GetProperty("reads").GetInt64() > 0 && r.GetProperty("writes").GetInt64() > 0, "mixed has reads and writes"));
        Assert.All(rows.Where(r => r.GetProperty("profile").GetString() == "read-linearizable"), r => Assert.Equal(0, r.GetProperty("writes").GetInt64()));
        Assert.True(File.Exists(Path.Combine(outDir, "p99-vs-clients-write.png")), "p99 against callers chart");
        Directory.Delete(outDir, true);
    }

    [Fact]
    public async Task EtcdWrite()
    {
        var (code, output, outDir) = await RunAsync([.. Calm, "--systems", "etcd", "--profile", "write", "--seconds", "1", "--warmup", "0", "--clients", "4"]);
        if (code != 0 && output.Contains("did not install it", StringComparison.Ordinal))
        {
            Assert.Skip($"etcd could not be installed on this machine:\n{output}");
        }

        Assert.True(code == 0, $"exit {code}:\n{output}");
        AssertCleanRows(outDir, output, "etcd", "write");
        Directory.Delete(outDir, true);
    }

    [Fact]
    public async Task DotNextWriteAndLeaseRead()
    {
        // benchmarks/HaCore.DotNextPeer, built with the harness: three DotNext.Net.Cluster processes behind the same
        // binary client protocol as hacore-network.
        var (code, output, outDir) = await RunAsync([.. Calm, "--systems", "dotnext", "--profile", "write,read-lease", "--seconds", "1", "--warmup", "0",
            "--clients", "4", "--keys", "500"]);
        Assert.True(code == 0, $"exit {code}:\n{output}");
        AssertCleanRows(outDir, output, "dotnext", "write", "read-lease");
        var rows = Rows(outDir);
        Assert.Equal(2, rows.Count);
        Assert.All(rows, r => Assert.Contains(r.GetProperty("notes").EnumerateArray(), n => n.GetString()!.Contains("not comparable on durability", StringComparison.Ordinal)));
        Directory.Delete(outDir, true);
    }

    [Fact]
    public async Task HaCoreNetworkFailoverTwoKills()
    {
        var (code, output, outDir) = await RunAsync("--systems", "hacore-network", "--profile", "failover", "--kills", "2", "--kill-every", "2.5",
            "--restart-after", "0.5", "--warmup", "0.5", "--clients", "4", "--heartbeat-ms", "25", "--election-ms", "500");
        Assert.True(code == 0, $"exit {code}:\n{output}");
        var row = Rows(outDir).Single();
        Assert.Equal("failover", row.GetProperty("profile").GetString());
        Assert.True(row.GetProperty("ops").GetInt64() > 0, output);
        var f = row.GetProperty("failover");
        Assert.Equal(2, f.GetProperty("kills").GetInt32());
        var recoveries = f.GetProperty("recoveryMs").EnumerateArray().Select(e => e.ValueKind == JsonValueKind.Number ? e.GetDouble() : double.NaN).ToList();
        Assert.Equal(2, recoveries.Count);
        Assert.All(recoveries, r => Assert.True(double.IsFinite(r) && r > 0, $"recovery {r} ms:\n{output}"));
        Assert.Equal(2, f.GetProperty("catchUpMs").GetArrayLength());
        Assert.True(row.GetProperty("leaderChanges").GetInt64() >= 2, "two kills of the leader mean at least two new terms");
        Assert.True(File.Exists(Path.Combine(outDir, "throughput-failover.png")));
        Assert.Contains("kills", File.ReadAllText(Path.Combine(outDir, "results.md")), StringComparison.Ordinal);
        Directory.Delete(outDir, true);
    }
}
