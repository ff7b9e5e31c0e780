using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using HaCore.Testing.Chaos;

namespace HaCore.Tests.Chaos;

/// <summary>
/// Nodes of tests/HaCore.TestHost as separate processes on 127.0.0.1 with real data directories, every Raft link
/// through a <see cref="LinkProxy"/> owned by the test, with the nemesis's levers: cut, delay and drop links,
/// SIGSTOP/SIGCONT, kill -9 (a power cut: the nodes run with <c>--power-cut</c>), restart with other clock and disk
/// settings, and fsync delays changed while running.
/// </summary>
public sealed class ChaosCluster : IChaosTargets, IAsyncDisposable
{
    private readonly string _dataRoot = Path.Combine(Path.GetTempPath(), $"hacore-chaos-{Guid.NewGuid():N}");
    private readonly int[] _raftPorts;
    private readonly int[] _clientPorts;
    private readonly Process?[] _processes;
    private readonly bool[] _paused;
    private readonly bool[] _joined;
    private readonly Dictionary<(ulong From, ulong To), LinkProxy> _links = [];
    private readonly ConcurrentQueue<string> _log = new();
    private readonly ConcurrentBag<string> _unexpectedExits = [];
    private readonly string _secretHex = Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
    private readonly Stopwatch _clock = Stopwatch.StartNew();

    public ChaosCluster(int size, int seed, IReadOnlyList<string> commonArgs)
    {
        Size = size;
        CommonArgs = commonArgs;
        _raftPorts = [.. Enumerable.Range(0, size).Select(_ => FreePort())];
        _clientPorts = [.. Enumerable.Range(0, size).Select(_ => FreePort())];
        _processes = new Process?[size + 1];
        _paused = new bool[size + 1];
        _joined = new bool[size + 1];
        foreach (var from in Ids)
        {
            foreach (var to in Ids.Where(to => to != from))
            {
                _links[(from, to)] = new LinkProxy(from, to, new IPEndPoint(IPAddress.Loopback, _raftPorts[to - 1]), seed * 31 + (int)(from * 7 + to));
            }
        }

        Directory.CreateDirectory(_dataRoot);
        WriteTargets();
    }

    /// <summary>The cluster secret every node has, in hex.</summary>
    public string SecretHex => _secretHex;

    /// <summary>The file of node ids and client ports that client processes read (<see cref="TargetsFile"/>).</summary>
    public string TargetsPath => Path.Combine(_dataRoot, "client-ports.txt");

    private void WriteTargets() => TargetsFile.Write(TargetsPath, Ids.Select(id => (id, _clientPorts[id - 1])));

    public int Size { get; }

    /// <summary>Arguments every node starts with (e.g. --power-cut and a deliberate defect).</summary>
    public IReadOnlyList<string> CommonArgs { get; }

    public IEnumerable<ulong> Ids => Enumerable.Range(1, Size).Select(i => (ulong)i);

    public TimeSpan Elapsed => _clock.Elapsed;

    /// <summary>Processes that ended without the test killing them (a crash: unhandled exception, failed assertion).</summary>
    public IReadOnlyCollection<string> UnexpectedExits => _unexpectedExits;

    public LinkProxy Link(ulong from, ulong to) => _links[(from, to)];

    public IEnumerable<LinkProxy> Links => _links.Values;

    public string[] LogLines => [.. _log];

    public bool IsRunning(ulong id)
    {
        var process = Volatile.Read(ref _processes[id]);
        try
        {
            return process is { HasExited: false };
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    /// <summary>Running and not stopped by SIGSTOP.</summary>
    public bool IsAvailable(ulong id) => IsRunning(id) && !Volatile.Read(ref _paused[id]);

    public void Note(string line) => _log.Enqueue($"{_clock.Elapsed.TotalSeconds,8:F3} [test] {line}");

    /// <summary>A line of another process of the run (a client process) into the run's log.</summary>
    public void Note(string source, string line) => _log.Enqueue($"{_clock.Elapsed.TotalSeconds,8:F3} [{source}] {line}");

    internal static string HostPath()
    {
        var here = AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar);
        var framework = Path.GetFileName(here);
        var configuration = Path.GetFileName(Path.GetDirectoryName(here)!);
        var tests = Path.GetDirectoryName(Path.GetDirectoryName(Path.GetDirectoryName(Path.GetDirectoryName(here)!)!)!)!;
        var path = Path.Combine(tests, "HaCore.TestHost", "bin", configuration, framework, "HaCore.TestHost.dll");
        return File.Exists(path) ? path : throw new FileNotFoundException($"The test host was not built: {path}");
    }

    /// <summary>Starts (or restarts) node <paramref name="id"/> from its data directory. A start that fails because
    /// another process took one of the node's ports meanwhile (the machine is shared) is retried on new ports: the
    /// peers reach the node through the proxies, which follow it.</summary>
    public async Task StartAsync(ulong id, IReadOnlyList<string>? extraArgs = null)
    {
        for (var attempt = 1; ; attempt++)
        {
            var (started, lines) = await TryStartAsync(id, extraArgs);
            if (started)
            {
                return;
            }

            if (attempt < 5 && lines.Any(l => l.Contains("Address already in use", StringComparison.Ordinal)))
            {
                Note($"node {id} could not bind its ports (another process took one); restarting it on new ports");
                _raftPorts[id - 1] = FreePort();
                _clientPorts[id - 1] = FreePort();
                WriteTargets();
                foreach (var link in _links.Values.Where(l => l.To == id))
                {
                    link.Target = new IPEndPoint(IPAddress.Loopback, _raftPorts[id - 1]);
                }

                continue;
            }

            throw new TimeoutException($"node {id} did not start:\n{string.Join("\n", lines.TakeLast(30))}");
        }
    }

    private async Task<(bool Started, IReadOnlyList<string> Lines)> TryStartAsync(ulong id, IReadOnlyList<string>? extraArgs)
    {
        // Every peer through the proxy of this direction; the node's own address is its real port.
        var peers = string.Join(",", Ids.Select(i => i == id
            ? $"{i}=127.0.0.1:{_raftPorts[i - 1]}"
            : $"{i}=127.0.0.1:{_links[(id, i)].Port}"));
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.Environment["HACORE_CLUSTER_SECRET"] = _secretHex;
        foreach (var arg in new[]
                 {
                     HostPath(), "--id", id.ToString(CultureInfo.InvariantCulture), "--data", Path.Combine(_dataRoot, $"node-{id}"),
                     "--raft-port", _raftPorts[id - 1].ToString(CultureInfo.InvariantCulture),
                     "--client-port", _clientPorts[id - 1].ToString(CultureInfo.InvariantCulture), "--peers", peers,
                 }.Concat(CommonArgs).Concat(Volatile.Read(ref _joined[id]) ? ["--join"] : []).Concat(extraArgs ?? []))
        {
            info.ArgumentList.Add(arg);
        }

        var ready = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        var lines = new ConcurrentQueue<string>();
        var isReady = false;
        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        void OnLine(string? line)
        {
            if (line is null)
            {
                return;
            }

            lines.Enqueue(line);
            if (!Volatile.Read(ref isReady) && line.Contains("Address already in use", StringComparison.Ordinal))
            {
                // A start that failed to bind: the start is retried on other ports; not a crash of the node.
                _log.Enqueue($"{_clock.Elapsed.TotalSeconds,8:F3} [node {id} start] port taken: {line[..Math.Min(line.Length, 120)]}");
                return;
            }

            _log.Enqueue($"{_clock.Elapsed.TotalSeconds,8:F3} [node {id}] {line}");
            if (line.Contains(" ready:", StringComparison.Ordinal))
            {
                Volatile.Write(ref isReady, true);
                ready.TrySetResult(true);
            }
        }

        process.OutputDataReceived += (_, e) => OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => OnLine(e.Data);
        process.Exited += (_, _) =>
        {
            if (!Volatile.Read(ref isReady))
            {
                ready.TrySetResult(false);
                return;
            }

            if (ReferenceEquals(Volatile.Read(ref _processes[id]), process))
            {
                var code = -1;
                try
                {
                    code = process.ExitCode;
                }
                catch (InvalidOperationException)
                {
                }

                _unexpectedExits.Add($"node {id} exited by itself with code {code} at {_clock.Elapsed.TotalSeconds:F1}s");
            }
        };
        Volatile.Write(ref _paused[id], false);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        Volatile.Write(ref _processes[id], process);
        bool started;
        try
        {
            started = await ready.Task.WaitAsync(TimeSpan.FromSeconds(90));
        }
        catch (TimeoutException)
        {
            started = false;
        }

        if (!started)
        {
            // Wait for its exit and the end of its output (WaitForExitAsync waits for both), then forget it.
            Interlocked.CompareExchange(ref _processes[id], null, process);
            try
            {
                process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
            }

            using var drained = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await process.WaitForExitAsync(drained.Token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            process.Dispose();
        }

        return (started, [.. lines]);
    }

    /// <summary>kill -9: no flush, no close; with --power-cut the unsynced writes die with the process.</summary>
    public void Kill(ulong id)
    {
        if (Interlocked.Exchange(ref _processes[id], null) is { } process)
        {
            try
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit(TimeSpan.FromSeconds(30));
            }
            catch (InvalidOperationException)
            {
            }

            process.Dispose();
        }

        Volatile.Write(ref _paused[id], false);
    }

    /// <summary>Kills the node and deletes its data directory: from now on it starts with <c>--join</c>, as a new
    /// member that waits to be added (a replaced disk, or a machine rebuilt under the same id).</summary>
    public void Wipe(ulong id)
    {
        Kill(id);
        var dir = Path.Combine(_dataRoot, $"node-{id}");
        if (Directory.Exists(dir))
        {
            Directory.Delete(dir, recursive: true);
        }

        Volatile.Write(ref _joined[id], true);
    }

    /// <summary>The node's own Raft address (not a proxy's).</summary>
    public string RaftAddress(ulong id) => $"127.0.0.1:{_raftPorts[id - 1]}";

    /// <summary>The membership as <paramref name="id"/> sees it, or null when it does not answer.</summary>
    public async Task<(ulong[] Voters, ulong[] Learners)?> MembersAsync(ulong id)
    {
        try
        {
            var answer = await SendAsync(id, "MEMBERS", TimeSpan.FromSeconds(2));
            var p = answer.Split(' ');
            if (p is not ["OK", "voters", var voters, "learners", var learners])
            {
                return null;
            }

            static ulong[] Parse(string ids) => ids == "-" ? [] : [.. ids.Split(',').Select(i => ulong.Parse(i, CultureInfo.InvariantCulture))];
            return (Parse(voters), Parse(learners));
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>SIGSTOP: the process keeps its sockets and state and does nothing.</summary>
    public async Task PauseAsync(ulong id)
    {
        if (Volatile.Read(ref _processes[id]) is { } process && !Volatile.Read(ref _paused[id]))
        {
            await SignalAsync(process.Id, "STOP");
            Volatile.Write(ref _paused[id], true);
        }
    }

    /// <summary>SIGCONT.</summary>
    public async Task ResumeAsync(ulong id)
    {
        if (Volatile.Read(ref _processes[id]) is { } process && Volatile.Read(ref _paused[id]))
        {
            await SignalAsync(process.Id, "CONT");
            Volatile.Write(ref _paused[id], false);
        }
    }

    private static async Task SignalAsync(int pid, string signal)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill", ["-" + signal, pid.ToString(CultureInfo.InvariantCulture)]) { UseShellExecute = false })
            ?? throw new InvalidOperationException("could not run kill");
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await kill.WaitForExitAsync(cts.Token);
    }

    /// <summary>Ends every fault: every link healed, every paused node resumed, every stopped node started.</summary>
    public async Task HealAllAsync()
    {
        HealNetwork();
        foreach (var id in Ids)
        {
            await ResumeAsync(id);
            if (!IsRunning(id))
            {
                await StartAsync(id);
            }
        }

        Note("healed");
    }

    /// <summary>Heals every link.</summary>
    public void HealNetwork()
    {
        foreach (var link in _links.Values)
        {
            link.Heal();
        }
    }

    /// <summary>Cuts both directions between <paramref name="node"/> and every other node.</summary>
    public void Isolate(ulong node)
    {
        foreach (var link in _links.Values.Where(l => l.From == node || l.To == node))
        {
            link.Cut = true;
        }
    }

    /// <summary>One request line to a node's client port on a fresh connection; the answer line.</summary>
    /// <exception cref="IOException">No answer in time.</exception>
    public async Task<string> SendAsync(ulong id, string request, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(5));
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(IPAddress.Loopback, _clientPorts[id - 1], cts.Token);
            await using var stream = client.GetStream();
            await stream.WriteAsync(Encoding.UTF8.GetBytes(request + "\n"), cts.Token);
            using var reader = new StreamReader(stream, Encoding.UTF8);
            return await reader.ReadLineAsync(cts.Token) ?? throw new IOException($"node {id} closed the connection");
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException)
        {
            throw new IOException($"node {id}: {ex.Message}", ex);
        }
    }

    /// <summary>Node <paramref name="id"/>'s client port (it changes only when a start had to move to new ports).</summary>
    public int ClientPort(ulong id) => _clientPorts[id - 1];

    /// <summary>A connection to one node's client port that keeps being reused (one request at a time).</summary>
    public LineConnection Connect(ulong id) => new(() => _clientPorts[id - 1], id);

    public async Task<(string Role, ulong Term, ulong Leader, ulong Commit, ulong Applied)?> StatusAsync(ulong id)
    {
        if (!IsAvailable(id))
        {
            return null;
        }

        try
        {
            var p = (await SendAsync(id, "STATUS", TimeSpan.FromSeconds(3))).Split(' ');
            ulong U(int i) => ulong.Parse(p[i], CultureInfo.InvariantCulture);
            return p[0] == "OK" ? (p[1], U(2), U(3), U(4), U(5)) : null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>The leader with the highest term among the available nodes, or 0.</summary>
    public async Task<ulong> CurrentLeaderAsync()
    {
        ulong best = 0, bestTerm = 0;
        foreach (var id in Ids)
        {
            if (await StatusAsync(id) is { Role: "Leader" } s && s.Term >= bestTerm)
            {
                (best, bestTerm) = (id, s.Term);
            }
        }

        return best;
    }

    public async Task<ulong> LeaderAsync(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (await CurrentLeaderAsync() is var leader and not 0)
            {
                return leader;
            }

            await Task.Delay(50);
        }

        throw new TimeoutException($"No leader within {timeout}.");
    }

    /// <summary>Waits until every node runs, one leads, and all have applied what the leader committed.</summary>
    public async Task ConvergedAsync(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            var statuses = new List<(string Role, ulong Term, ulong Leader, ulong Commit, ulong Applied)>();
            foreach (var id in Ids)
            {
                if (await StatusAsync(id) is { } s)
                {
                    statuses.Add(s);
                }
            }

            if (statuses.Count == Size && statuses.Count(s => s.Role == "Leader") == 1
                && statuses.All(s => s.Applied >= statuses.Max(x => x.Commit) && s.Term == statuses.Max(x => x.Term)))
            {
                return;
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"The nodes did not converge within {timeout}.");
    }

    public async Task<Dictionary<string, string>> DumpAsync(ulong id)
    {
        var answer = await SendAsync(id, "DUMP", TimeSpan.FromSeconds(20));
        if (!answer.StartsWith("OK", StringComparison.Ordinal))
        {
            throw new IOException($"node {id} DUMP: {answer}");
        }

        return answer.Length <= 3 ? [] : answer[3..].Split(';', StringSplitOptions.RemoveEmptyEntries)
            .Select(kv => kv.Split('=', 2)).ToDictionary(kv => kv[0], kv => kv[1], StringComparer.Ordinal);
    }

    /// <summary>(applied index, state hash) of one node.</summary>
    public async Task<(ulong Applied, string Hash)> HashAsync(ulong id)
    {
        var p = (await SendAsync(id, "HASH", TimeSpan.FromSeconds(20))).Split(' ');
        return p[0] == "OK" ? (ulong.Parse(p[1], CultureInfo.InvariantCulture), p[2]) : throw new IOException($"node {id} HASH: {string.Join(' ', p)}");
    }

    /// <summary>A port that is free now, below the usual ephemeral range (32768 and up), so that the outgoing
    /// connections of this machine's tests are less likely to take it before the node binds it.</summary>
    internal static int FreePort()
    {
        for (var attempt = 0; ; attempt++)
        {
            var port = Random.Shared.Next(20_000, 32_000);
            try
            {
                using var listener = new TcpListener(IPAddress.Loopback, attempt < 100 ? port : 0);
                listener.Start();
                return ((IPEndPoint)listener.LocalEndpoint).Port;
            }
            catch (SocketException)
            {
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var id in Ids)
        {
            Kill(id);
        }

        foreach (var link in _links.Values)
        {
            await link.DisposeAsync();
        }

        try
        {
            Directory.Delete(_dataRoot, recursive: true);
        }
        catch (IOException)
        {
        }

    }
}
