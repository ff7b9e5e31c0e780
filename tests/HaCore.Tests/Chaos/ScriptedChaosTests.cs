namespace HaCore.Tests.Chaos;

/// <summary>
/// Scripted faults on real processes, one hazard each, so that a defect shows the same way every run: a leader cut
/// off and stopped (SIGSTOP) while the others elect a new leader and commit, then woken (SIGCONT), must not answer
/// a lease read with the value the new leader has overwritten.
/// </summary>
[Collection(nameof(ProcessClusterTests))]
public sealed class ScriptedChaosTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    internal static async Task<string> StaleLeaseProbeAsync(IReadOnlyList<string> nodeArgs, Action<string> log)
    {
        await using var cluster = new ChaosCluster(3, 7, ["--power-cut", .. nodeArgs]);
        foreach (var id in cluster.Ids)
        {
            await cluster.StartAsync(id);
        }

        var old = await cluster.LeaderAsync(Patience);
        var session = Guid.NewGuid();
        Assert.StartsWith("OK", await cluster.SendAsync(old, $"SET {session} 1 x old"), StringComparison.Ordinal);
        Assert.Equal("OK old", await cluster.SendAsync(old, "GET x lease"));

        cluster.Isolate(old);
        await cluster.PauseAsync(old);
        log($"leader {old} isolated and stopped");
        var others = cluster.Ids.Where(id => id != old).ToArray();
        var deadline = DateTime.UtcNow + Patience;
        string written;
        while (true)
        {
            written = await cluster.SendAsync(others[0], $"SET {session} 2 x new", TimeSpan.FromSeconds(3)).ContinueWith(t => t.IsCompletedSuccessfully ? t.Result : "ERR " + t.Exception?.InnerException?.Message, TaskScheduler.Default);
            if (written.StartsWith("OK", StringComparison.Ordinal) || DateTime.UtcNow > deadline)
            {
                break;
            }
        }

        Assert.StartsWith("OK", written, StringComparison.Ordinal);
        log($"the majority committed x=new under leader {await cluster.CurrentLeaderAsync()}");

        // Asked after x=new was acknowledged, answered when the old leader wakes, still cut off.
        var read = cluster.SendAsync(old, "GET x lease", TimeSpan.FromSeconds(10));
        await Task.Delay(300); // let the request reach the stopped process's socket (not a synchronization)
        await cluster.ResumeAsync(old);
        string answer;
        try
        {
            answer = await read;
        }
        catch (IOException ex)
        {
            answer = "no answer: " + ex.Message;
        }

        log($"lease read on the woken old leader {old}: {answer}");
        cluster.HealNetwork();
        return answer;
    }

    [Fact]
    public async Task A_leader_woken_from_a_pause_behind_a_partition_serves_no_stale_lease_read()
    {
        var answer = await StaleLeaseProbeAsync([], output.WriteLine);
        Assert.NotEqual("OK old", answer);
    }

    [Fact]
    public async Task With_a_lease_ten_times_too_long_the_probe_reads_a_stale_value()
    {
        var answer = await StaleLeaseProbeAsync(["--unsafe-lease-10x"], output.WriteLine);
        Assert.Equal("OK old", answer);
    }
}
