using System.Diagnostics;
using HaCore.TServer.Driver;

namespace HaCore.Examples.Tests;

public sealed class FailoverRunTests
{
    // The short failover run: three node processes, ten desktops, calls for 12 s with the leader killed at 4 s and
    // restarted at 8 s;
    // connector c1 paused and replaced at 6 s, connector c2 killed at 8 s; after the traffic the leader is paused
    // (SIGSTOP) and resumed once another node leads (scenario 11). The caller is sipp's built-in uac scenario when sipp is installed (run-failover.sh installs
    // Debian's sip-tester), otherwise the built-in C# UAC; when chromium is installed, headless Chromium follows the
    // supervisor page through the failover and its DOM is compared with the replicated state. The output says which.
    [Fact]
    public async Task A_short_failover_run_loses_and_duplicates_nothing()
    {
        var uac = FailoverRun.FindSipp() is null ? "builtin" : "sipp";
        var browser = BrowserCheck.Find() is null ? "" : Path.Combine(Path.GetTempPath(), "hacore-tserver-e2e-shots-" + Guid.NewGuid().ToString("N")[..8]);
        var work = Path.Combine(Path.GetTempPath(), "hacore-tserver-e2e-" + Guid.NewGuid().ToString("N")[..8]);
        var output = new StringWriter();
        var original = Console.Out;
        Console.SetOut(TextWriter.Synchronized(output));
        int code;
        var clock = Stopwatch.StartNew();
        try
        {
            code = await FailoverRun.RunAsync(new FailoverRunOptions { Seconds = 12, Rate = 2, CallMs = 1000, Agents = 10, Uac = uac, WorkDirectory = work, BrowserDirectory = browser })
                .WaitAsync(TimeSpan.FromSeconds(150), TestContext.Current.CancellationToken);
        }
        finally
        {
            Console.SetOut(original);
        }

        var text = output.ToString();
        TestContext.Current.TestOutputHelper?.WriteLine($"caller: {uac}, supervisor page: {(browser.Length == 0 ? "not checked (chromium not installed)" : "checked in headless Chromium")}, {clock.Elapsed.TotalSeconds:F0} s");
        TestContext.Current.TestOutputHelper?.WriteLine(text);
        if (code != 0)
        {
            foreach (var log in Directory.GetFiles(work, "*.log"))
            {
                TestContext.Current.TestOutputHelper?.WriteLine($"--- {Path.GetFileName(log)} (tail)");
                TestContext.Current.TestOutputHelper?.WriteLine(string.Join('\n', File.ReadLines(log).TakeLast(30)));
            }
        }

        Assert.Equal(0, code);
        Assert.Contains("0 gaps, 0 duplicates", text, StringComparison.Ordinal);
        Assert.Contains("failover (SIP front)   : at", text, StringComparison.Ordinal);
        // The connector pool: c1 replaced (recovers its calls, the paused instance fenced), c2 killed (adopted).
        // With churn (voice calls end, the leader releases idle IM interactions) the counts at the restart and the kill
        // are those of the connector's last report (the run checks them, within one for an operation cut in half).
        Assert.Matches(@"connector recovery \(4a\): c1 epoch 2 recovered \d voice and \d IM calls", text);
        Assert.Matches(@"took c2's 3 DNs and adopted \d voice and \d IM calls in one entry", text);
        Assert.Contains("STALE_CONNECTOR_EPOCH", text, StringComparison.Ordinal);
        Assert.Contains(" live, 0 records left, 0 lost, 0 owned twice", text, StringComparison.Ordinal);
        Assert.Contains("  connector calls        : ", text, StringComparison.Ordinal);
        Assert.Matches(@"connector calls        : \d+ created .* released: [1-9]\d* voice by their callers \(churn\), [1-9]\d* IM by the leader's commands", text);
        // Scenario 11 by term on real processes: the paused and resumed leader's commands are never acted on.
        Assert.Matches(@"split brain \(11\)       : node \d \(leader, term \d+\) paused \(SIGSTOP\)", text);
        Assert.Contains(" 0 acted on; then follower", text, StringComparison.Ordinal);
        if (browser.Length > 0)
        {
            Assert.Contains("the same as the replicated state; node roles match", text, StringComparison.Ordinal);
            Assert.True(File.Exists(Path.Combine(browser, "supervisor-3-after.png")));
            Directory.Delete(browser, recursive: true);
        }

        Directory.Delete(work, recursive: true);
    }
}
