using System.Collections.Concurrent;
using HaCore.Testing.History;

namespace HaCore.Tests;

/// <summary>
/// Nodes as separate processes on 127.0.0.1 with real disks: kill -9 the leader under load, kill all
/// nodes at once, restart a follower that missed a compacted range, retry a request across a
/// failover. Each run records its client history (../shared/HISTORY_FORMAT.md) to a file named in the
/// test output and checks it for linearizability.
/// </summary>
[Collection(nameof(ProcessClusterTests))]
public sealed class ProcessClusterTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Killing_the_leader_under_load_loses_no_acknowledged_write()
    {
        await using var cluster = new ProcessCluster(3);
        await cluster.StartAllAsync();
        var leader = await cluster.LeaderAsync(Patience);
        using var load = new Workload(cluster, clients: 4);

        await load.UntilAsync(() => load.Acknowledged.Count >= 100, Patience, "100 writes are acknowledged");
        cluster.Kill(leader);
        var atKill = load.Acknowledged.Count;
        output.WriteLine($"killed leader {leader} after {atKill} acknowledged writes");
        await load.UntilAsync(() => load.Acknowledged.Count >= atKill + 100, Patience, "a new leader commits 100 more writes");
        await load.StopAsync();

        await cluster.StartAsync(leader);
        await cluster.ConvergedAsync(Patience);
        await AssertEveryAcknowledgedWriteIsEverywhereAsync(cluster, load);
        CheckHistory(load, "kill-leader");
    }

    [Fact]
    public async Task Killing_every_node_at_once_loses_no_acknowledged_write()
    {
        await using var cluster = new ProcessCluster(3);
        await cluster.StartAllAsync();
        await cluster.LeaderAsync(Patience);
        using var load = new Workload(cluster, clients: 4);
        await load.UntilAsync(() => load.Acknowledged.Count >= 150, Patience, "150 writes are acknowledged");

        // Power loss everywhere: no node gets to flush or close anything.
        foreach (var id in cluster.Ids)
        {
            cluster.Kill(id);
        }

        await load.StopAsync();
        await cluster.StartAllAsync();
        await cluster.ConvergedAsync(Patience);
        await AssertEveryAcknowledgedWriteIsEverywhereAsync(cluster, load);
        CheckHistory(load, "kill-all");
    }

    [Fact]
    public async Task A_follower_that_missed_a_compacted_range_catches_up_by_snapshot()
    {
        await using var cluster = new ProcessCluster(3, "--snapshot-every", "40", "--compaction-margin", "5");
        await cluster.StartAllAsync();
        var leader = await cluster.LeaderAsync(Patience);
        var follower = cluster.Ids.First(id => id != leader);
        cluster.Kill(follower);

        using var load = new Workload(cluster, clients: 2);
        await load.UntilAsync(() => load.Acknowledged.Count >= 300, Patience, "300 writes are acknowledged");
        await load.StopAsync();

        await cluster.StartAsync(follower);
        await cluster.ConvergedAsync(Patience);
        await AssertEveryAcknowledgedWriteIsEverywhereAsync(cluster, load);
        Assert.Contains($"[node {follower}]", cluster.Log, StringComparison.Ordinal);
        Assert.Contains($"Node {follower} installed a snapshot", cluster.Log, StringComparison.Ordinal);
        CheckHistory(load, "snapshot-catch-up");
    }

    [Fact]
    public async Task A_request_retried_across_a_failover_is_applied_once()
    {
        await using var cluster = new ProcessCluster(3);
        await cluster.StartAllAsync();
        var leader = await cluster.LeaderAsync(Patience);
        var session = Guid.NewGuid();
        Assert.Equal("OK 1", await cluster.SendAsync(leader, $"INC {session} 1 counter"));

        cluster.Kill(leader);
        var other = cluster.Ids.First(id => id != leader);
        Assert.Equal("OK 1", await RetryAsync(() => cluster.SendAsync(other, $"INC {session} 1 counter"))); // the first result again
        Assert.Equal("OK 2", await RetryAsync(() => cluster.SendAsync(other, $"INC {session} 2 counter")));

        await cluster.StartAsync(leader);
        await cluster.ConvergedAsync(Patience);
        foreach (var id in cluster.Ids)
        {
            Assert.Equal("2", (await cluster.DumpAsync(id))["counter"]);
        }
    }

    [Fact]
    public async Task A_rogue_peer_without_the_secret_is_refused_while_the_cluster_keeps_committing()
    {
        await using var cluster = new ProcessCluster(3);
        await cluster.StartAllAsync();
        var leader = await cluster.LeaderAsync(Patience);
        using var load = new Workload(cluster, clients: 4);
        await load.UntilAsync(() => load.Acknowledged.Count >= 50, Patience, "50 writes are acknowledged");

        // The rogue impersonates a follower that is down (so its id is free) towards the other follower.
        var followers = cluster.Ids.Where(id => id != leader).ToArray();
        var (impersonated, target) = (followers[0], followers[1]);
        cluster.Kill(impersonated);
        var before = load.Acknowledged.Count;
        var forged = new HaCore.Raft.Message { Type = HaCore.Raft.MessageType.Append, From = impersonated, To = target, Term = 1000 };
        var frame = new byte[256];
        var length = HaCore.Transport.RaftMessageCodec.Encode(forged, frame);
        foreach (var secret in new[] { null, System.Security.Cryptography.RandomNumberGenerator.GetBytes(32) })
        {
            var outcome = await RogueHandshakeAsync(cluster.RaftEndPoint(target), impersonated, target, secret, frame.AsMemory(0, length));
            output.WriteLine($"rogue with {(secret is null ? "no secret" : "a wrong secret")}: {outcome}");
            Assert.NotEqual("Accepted", outcome);
        }

        await load.UntilAsync(() => load.Acknowledged.Count >= before + 100, Patience, "the cluster commits 100 more writes");
        await load.StopAsync();
        var status = await cluster.StatusAsync(target);
        Assert.True(status is { Term: < 1000 }, $"the forged term did not reach node {target}: {status}");
    }

    /// <summary>Connects as node <paramref name="from"/> with the cluster's id and a wrong or no secret and
    /// writes a forged message whatever the answer (after the hello without a secret, after the proof
    /// with one); the acceptor's last answer.</summary>
    private static async Task<string> RogueHandshakeAsync(System.Net.IPEndPoint endPoint, ulong from, ulong to, byte[]? secret, ReadOnlyMemory<byte> forged)
    {
        using var client = new System.Net.Sockets.TcpClient();
        await client.ConnectAsync(endPoint, Ct);
        var stream = client.GetStream();
        var nonce = System.Security.Cryptography.RandomNumberGenerator.GetBytes(HaCore.Transport.ControlFrames.NonceBytes);
        var buffer = new byte[512];
        try
        {
            var hello = new HaCore.Transport.Hello(HaCore.Transport.ControlFrames.Magic, HaCore.Transport.ControlFrames.ProtocolVersion, "hacore-process-tests", from, to)
            {
                HasSecret = secret is not null,
                Nonce = nonce,
                Instance = 1,
            };
            var n = HaCore.Transport.ControlFrames.EncodeHello(hello, buffer);
            await stream.WriteAsync(buffer.AsMemory(0, n), Ct);
            if (secret is null)
            {
                await stream.WriteAsync(forged, Ct); // no proof to wait for: the forged message right away
            }

            var reply = await ReadFrameAsync(stream);
            if (!HaCore.Transport.ControlFrames.IsChallenge(reply))
            {
                return HaCore.Transport.ControlFrames.DecodeHelloReply(reply).Status.ToString();
            }

            var challenge = HaCore.Transport.ControlFrames.DecodeChallenge(reply);
            var context = new HaCore.Transport.ProofContext(nonce, challenge.Nonce, 1, "hacore-process-tests", from, to);
            var proof = HaCore.Transport.ClusterSecretProof.Compute(secret!, HaCore.Transport.ProofDirection.Dialer, context);
            n = HaCore.Transport.ControlFrames.EncodeProof(proof, buffer);
            await stream.WriteAsync(buffer.AsMemory(0, n), Ct);
            await stream.WriteAsync(forged, Ct);
            return HaCore.Transport.ControlFrames.DecodeHelloReply(await ReadFrameAsync(stream)).Status.ToString();
        }
        catch (Exception ex) when (ex is IOException or EndOfStreamException)
        {
            return "closed: " + ex.Message;
        }

        static async Task<byte[]> ReadFrameAsync(System.Net.Sockets.NetworkStream stream)
        {
            var header = new byte[4];
            await stream.ReadExactlyAsync(header, Ct);
            var frame = new byte[System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(header) + 4];
            header.CopyTo(frame, 0);
            await stream.ReadExactlyAsync(frame.AsMemory(4), Ct);
            return HaCore.Transport.RaftMessageCodec.ValidateFrame(frame, 1024, out _).ToArray();
        }
    }

    private static async Task<string> RetryAsync(Func<Task<string>> send)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (true)
        {
            try
            {
                var answer = await send();
                if (answer.StartsWith("OK", StringComparison.Ordinal) || DateTime.UtcNow > deadline)
                {
                    return answer;
                }
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
            }
        }
    }

    private async Task AssertEveryAcknowledgedWriteIsEverywhereAsync(ProcessCluster cluster, Workload load)
    {
        foreach (var id in cluster.Ids)
        {
            var state = await cluster.DumpAsync(id);
            foreach (var (key, value) in load.Acknowledged)
            {
                Assert.True(state.TryGetValue(key, out var actual) && actual == value,
                    $"node {id} lacks acknowledged write {key}={value} (has {(actual ?? "nothing")})");
            }
        }

        output.WriteLine($"{load.Acknowledged.Count} acknowledged writes present on all {cluster.Size} nodes");
    }

    private void CheckHistory(Workload load, string name)
    {
        var path = Path.Combine(Path.GetTempPath(), $"hacore-{name}-{Guid.NewGuid():N}.jsonl");
        var history = load.History.Snapshot();
        HistoryJson.WriteFile(path, history);
        output.WriteLine($"client history ({history.Count} events) written to {path}");
        var result = new LinearizabilityChecker().Check(history);
        Assert.True(result.Outcome == LinearizabilityOutcome.Linearizable, $"{result.Outcome}: {result.Explanation} (history in {path})");
    }

    /// <summary>
    /// Clients that write unique keys (each acknowledged one must survive), write and read a few shared
    /// registers (for the linearizability check), on random running nodes.
    /// </summary>
    private sealed class Workload : IDisposable
    {
        private readonly ProcessCluster _cluster;
        private readonly CancellationTokenSource _stop = new();
        private readonly Task[] _clients;
        private int _nextProcess;

        public Workload(ProcessCluster cluster, int clients)
        {
            _cluster = cluster;
            _clients = [.. Enumerable.Range(0, clients).Select(c => Task.Run(() => ClientAsync(c)))];
        }

        public HistoryRecorder History { get; } = new(null, () => System.Diagnostics.Stopwatch.GetTimestamp());

        public ConcurrentDictionary<string, string> Acknowledged { get; } = new();

        public async Task UntilAsync(Func<bool> condition, TimeSpan timeout, string what)
        {
            var deadline = DateTime.UtcNow + timeout;
            using var poll = new PeriodicTimer(TimeSpan.FromMilliseconds(20));
            while (!condition())
            {
                Assert.True(DateTime.UtcNow < deadline, $"timed out waiting until {what}\n{_cluster.Log}");
                await poll.WaitForNextTickAsync();
            }
        }

        public async Task StopAsync()
        {
            _stop.Cancel();
            await Task.WhenAll(_clients);
        }

        private async Task ClientAsync(int client)
        {
            var random = new Random(client);
            var process = Interlocked.Increment(ref _nextProcess);
            var session = Guid.NewGuid();
            ulong sequence = 0;
            while (!_stop.IsCancellationRequested)
            {
                var running = _cluster.Ids.Where(_cluster.IsRunning).ToList();
                if (running.Count == 0)
                {
                    await Task.Yield();
                    continue;
                }

                var node = running[random.Next(running.Count)];
                var dice = random.Next(10);
                if (dice < 7)
                {
                    // Half unique keys, half shared registers.
                    var key = dice < 4 ? $"u{client}-{sequence + 1}" : $"shared{random.Next(3)}";
                    var value = $"c{client}-{sequence + 1}";
                    History.Invoke(process, HistoryFunction.Write, key, value);
                    string answer;
                    try
                    {
                        answer = await _cluster.SendAsync(node, $"SET {session} {++sequence} {key} {value}");
                    }
                    catch (IOException)
                    {
                        answer = "ERR unreachable";
                    }

                    if (answer.StartsWith("OK", StringComparison.Ordinal))
                    {
                        History.Ok(process, HistoryFunction.Write, key, value);
                        if (key.StartsWith('u'))
                        {
                            Acknowledged[key] = value;
                        }
                    }
                    else
                    {
                        // The outcome is unknown: this process issues nothing more.
                        History.Info(process, HistoryFunction.Write, key, value);
                        process = Interlocked.Increment(ref _nextProcess);
                    }
                }
                else
                {
                    var key = $"shared{random.Next(3)}";
                    History.Invoke(process, HistoryFunction.Read, key);
                    try
                    {
                        var answer = await _cluster.SendAsync(node, $"GET {key} linearizable");
                        if (answer.StartsWith("OK", StringComparison.Ordinal))
                        {
                            var value = answer[3..];
                            History.Ok(process, HistoryFunction.Read, key, value == "-" ? HistoryValue.Null : value);
                            continue;
                        }
                    }
                    catch (IOException)
                    {
                    }

                    History.Fail(process, HistoryFunction.Read, key);
                }
            }
        }

        public void Dispose()
        {
            _stop.Cancel();
            _stop.Dispose();
        }
    }
}
