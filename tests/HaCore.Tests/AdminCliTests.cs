using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using HaCore.Tests.Chaos;

namespace HaCore.Tests;

/// <summary>
/// The <c>hacore</c> CLI end to end: three node processes of the test host, each with its admin endpoint open,
/// and the tool run as a process, as an operator would run it.
/// </summary>
public sealed class AdminCliTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task The_cli_shows_status_and_health_transfers_leadership_snapshots_and_changes_membership()
    {
        await using var cluster = new ChaosCluster(3, seed: 5, commonArgs: []);
        var admin = await StartWithAdminAsync(cluster);
        var leader = await cluster.LeaderAsync(Patience);
        for (var i = 1; i <= 20; i++)
        {
            Assert.StartsWith("OK", await cluster.SendAsync(leader, $"SET {Guid.NewGuid()} 1 k{i} v{i}"), StringComparison.Ordinal);
        }

        // status: one row per node, one leader that every node names.
        var (code, output, _) = await CliAsync(cluster, admin, "status", "--json");
        Assert.Equal(0, code);
        var rows = JsonNode.Parse(output)!.AsArray().Select(r => r!.AsObject()).ToList();
        Assert.Equal([1UL, 2UL, 3UL], rows.Select(r => (ulong)r["node"]!).Order());
        Assert.Single(rows, r => (string?)r["role"] == "Leader");
        Assert.All(rows, r => Assert.Equal(leader, (ulong)r["leader"]!));
        Assert.All(rows, r => Assert.Equal("[1,2,3]", r["voters"]!.ToJsonString()));

        (code, output, _) = await CliAsync(cluster, admin, "status");
        Assert.Equal(0, code);
        Assert.Contains("ROLE", output, StringComparison.Ordinal);
        Assert.Contains("Leader", output, StringComparison.Ordinal);

        (code, output, _) = await CliAsync(cluster, admin, "health");
        Assert.True(code == 0, output);
        Assert.Equal(3, output.Split('\n').Count(l => l.Contains(" healthy ", StringComparison.Ordinal)));

        // transfer: leadership moves, and the tool waits until it has.
        var target = cluster.Ids.First(id => id != leader);
        // A transfer that does not finish within its deadline (two election timeouts) is reported as a timeout, the
        // documented outcome under load (CI once hit it with two test assemblies on two cores); an operator runs it
        // again, and so does this test, at most three times, but only for that error.
        string errors = "";
        for (var attempt = 1; ; attempt++)
        {
            (code, output, errors) = await CliAsync(cluster, admin, "transfer", target.ToString(CultureInfo.InvariantCulture));
            if (code == 0 || attempt == 3 || !errors.Contains("TimeoutException", StringComparison.Ordinal))
            {
                break;
            }
        }

        Assert.True(code == 0, output + errors);
        Assert.Equal(target, await cluster.CurrentLeaderAsync());

        // snapshot: every node takes one at its applied index, on disk when the tool returns.
        (code, output, errors) = await CliAsync(cluster, admin, "snapshot", "--json");
        Assert.True(code == 0, output + errors);
        Assert.All(JsonNode.Parse(output)!.AsArray(), r => Assert.True((ulong)r!["index"]! >= 20, r.ToJsonString()));
        Assert.Contains(cluster.LogLines, l => l.Contains("took a snapshot", StringComparison.Ordinal));

        // members: remove a follower, list; replace its machine (a fresh data directory, started to join), add it as a
        // learner and promote it once it has caught up.
        var follower = cluster.Ids.First(id => id != target);
        (code, output, errors) = await CliAsync(cluster, admin, "members", "remove", follower.ToString(CultureInfo.InvariantCulture));
        Assert.True(code == 0, output + errors);
        (code, output, _) = await CliAsync(cluster, admin, "members", "list", "--json");
        Assert.Equal(0, code);
        Assert.Equal(string.Join(",", cluster.Ids.Where(id => id != follower).Order()), string.Join(",", JsonNode.Parse(output)!["voters"]!.AsArray().Select(v => (ulong)v!)));
        cluster.Wipe(follower);
        await cluster.StartAsync(follower, ["--admin-port", admin[follower - 1].ToString(CultureInfo.InvariantCulture)]);
        (code, output, errors) = await CliAsync(cluster, admin, "members", "add", follower.ToString(CultureInfo.InvariantCulture), cluster.RaftAddress(follower));
        Assert.True(code == 0, output + errors);
        // Promotion is refused while the learner lags: retried, as an operator would.
        var until = DateTime.UtcNow + Patience;
        while ((await CliAsync(cluster, admin, "members", "promote", follower.ToString(CultureInfo.InvariantCulture))).Code != 0)
        {
            Assert.True(DateTime.UtcNow < until, "the re-added learner was not promoted within a minute");
            await Task.Delay(200, TestContext.Current.CancellationToken);
        }

        (code, output, _) = await CliAsync(cluster, admin, "members", "list");
        Assert.Equal(0, code);
        Assert.Contains("voters:   1, 2, 3", output, StringComparison.Ordinal);

        // The new member holds the whole state: it answers a key written before it was added.
        until = DateTime.UtcNow + Patience;
        while (await cluster.SendAsync(follower, "GET k20 stale") != "OK v20")
        {
            Assert.True(DateTime.UtcNow < until, "the replacement node does not serve a key written before it joined");
            await Task.Delay(200, TestContext.Current.CancellationToken);
        }
        Assert.Contains(cluster.LogLines, l => l.Contains("admin request", StringComparison.Ordinal) && l.Contains("\"promote\"", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_wrong_secret_a_replayed_handshake_and_a_dead_endpoint_are_refused_and_named()
    {
        await using var cluster = new ChaosCluster(3, seed: 6, commonArgs: []);
        var admin = await StartWithAdminAsync(cluster);
        await cluster.LeaderAsync(Patience);

        // The wrong secret: no node answers, and each says whom it refused.
        var (code, output, _) = await CliAsync(cluster, admin, ["status"], secretHex: Convert.ToHexString(new byte[32]));
        Assert.Equal(2, code);
        Assert.Equal(3, output.Split('\n').Count(l => l.Contains("refused the admin secret", StringComparison.Ordinal)));
        await Eventually.TrueAsync(() => cluster.LogLines.Any(l => l.Contains("admin endpoint refused 127.0.0.1:", StringComparison.Ordinal) && l.Contains("wrong proof", StringComparison.Ordinal)), Patience, "the node logs the refusal");

        // A recorded handshake sent again: the node's fresh nonce makes the old proof worthless.
        var secret = Convert.FromHexString(cluster.SecretHex);
        string recorded;
        using (var first = await RawAdminAsync(admin[0]))
        {
            var hello = JsonNode.Parse(await first.Reader.ReadLineAsync(TestContext.Current.CancellationToken) ?? string.Empty)!;
            var clientNonce = AdminProtocol.NewNonce();
            var proof = AdminProtocol.ClientProof(secret, Convert.FromHexString((string)hello["nonce"]!), clientNonce, (ulong)hello["node"]!);
            recorded = new JsonObject { ["nonce"] = Convert.ToHexString(clientNonce), ["proof"] = Convert.ToHexString(proof) }.ToJsonString();
            await first.Writer.WriteLineAsync(recorded);
            Assert.True((bool)JsonNode.Parse(await first.Reader.ReadLineAsync(TestContext.Current.CancellationToken) ?? string.Empty)!["ok"]!, "the genuine handshake is accepted");
        }

        using (var replay = await RawAdminAsync(admin[0]))
        {
            await replay.Reader.ReadLineAsync(TestContext.Current.CancellationToken);
            await replay.Writer.WriteLineAsync(recorded);
            var answer = JsonNode.Parse(await replay.Reader.ReadLineAsync(TestContext.Current.CancellationToken) ?? string.Empty)!;
            Assert.False((bool)answer["ok"]!);
            Assert.Equal("AuthenticationFailed", (string?)answer["error"]);
        }

        // One endpoint nobody listens on: the others answer, the dead one is named, the exit code says so.
        var dead = ChaosCluster.FreePort();
        (code, output, _) = await CliAsync(cluster, [admin[0], dead], ["status"]);
        Assert.Equal(2, code);
        Assert.Contains("Leader", output.Replace("Follower", "Leader", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.Contains($"127.0.0.1:{dead}", output, StringComparison.Ordinal);
        Assert.Contains("unreachable", output, StringComparison.Ordinal);

        // Usage errors: exit code 3 and one line that says what is missing.
        (code, _, var errors) = await CliAsync(cluster, [], ["status"]);
        Assert.Equal(3, code);
        Assert.Contains("--endpoints", errors, StringComparison.Ordinal);
    }

    private static async Task<int[]> StartWithAdminAsync(ChaosCluster cluster)
    {
        var ports = cluster.Ids.Select(_ => ChaosCluster.FreePort()).ToArray();
        foreach (var id in cluster.Ids)
        {
            await cluster.StartAsync(id, ["--admin-port", ports[id - 1].ToString(CultureInfo.InvariantCulture)]);
        }

        return ports;
    }

    private static Task<(int Code, string Output, string Errors)> CliAsync(ChaosCluster cluster, int[] admin, params string[] args) =>
        CliAsync(cluster, admin, args, null);

    private static async Task<(int Code, string Output, string Errors)> CliAsync(ChaosCluster cluster, int[] admin, string[] args, string? secretHex)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(CliPath());
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        if (admin.Length > 0)
        {
            info.ArgumentList.Add("--endpoints");
            info.ArgumentList.Add(string.Join(",", admin.Select(p => $"127.0.0.1:{p}")));
        }

        info.Environment["HACORE_ADMIN_SECRET"] = secretHex ?? cluster.SecretHex;
        info.Environment.Remove("HACORE_ADMIN_ENDPOINTS");
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(Patience);
        await process.WaitForExitAsync(deadline.Token);
        return (process.ExitCode, await output, await errors);
    }

    private static async Task<RawConnection> RawAdminAsync(int port)
    {
        var client = new TcpClient();
        await client.ConnectAsync("127.0.0.1", port);
        return new RawConnection(client);
    }

    private static string CliPath()
    {
        var here = AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar);
        var framework = Path.GetFileName(here);
        var configuration = Path.GetFileName(Path.GetDirectoryName(here)!);
        var root = Path.GetDirectoryName(Path.GetDirectoryName(Path.GetDirectoryName(Path.GetDirectoryName(Path.GetDirectoryName(here)!)!)!)!)!;
        var path = Path.Combine(root, "src", "HaCore.Cli", "bin", configuration, framework, "HaCore.Cli.dll");
        return File.Exists(path) ? path : throw new FileNotFoundException($"The CLI was not built: {path}");
    }

    private sealed class RawConnection(TcpClient client) : IDisposable
    {
        public StreamReader Reader { get; } = new(client.GetStream(), Encoding.UTF8);

        public StreamWriter Writer { get; } = new(client.GetStream(), new UTF8Encoding(false)) { AutoFlush = true, NewLine = "\n" };

        public void Dispose()
        {
            Writer.Dispose();
            Reader.Dispose();
            client.Dispose();
        }
    }
}
