using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace HaCore.Tests;

/// <summary>
/// Three HaCore nodes as separate processes (tests/HaCore.TestHost) on 127.0.0.1 with real disks, so
/// that tests can kill -9 them and restart them from their data directories.
/// </summary>
public sealed class ProcessCluster : IAsyncDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), $"hacore-process-{Guid.NewGuid():N}");
    private readonly int[] _raftPorts;
    private readonly int[] _clientPorts;
    private readonly Process?[] _processes;
    private readonly string[] _extraArgs;
    private readonly StringBuilder _log = new();
    private readonly string _secretHex = Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));

    public ProcessCluster(int size, params string[] extraArgs)
    {
        Size = size;
        _raftPorts = [.. Enumerable.Range(0, size).Select(_ => FreePort())];
        _clientPorts = [.. Enumerable.Range(0, size).Select(_ => FreePort())];
        _processes = new Process?[size + 1];
        _extraArgs = extraArgs;
    }

    public int Size { get; }

    /// <summary>The random cluster secret every node of this cluster is started with.</summary>
    public byte[] ClusterSecret => Convert.FromHexString(_secretHex);

    /// <summary>Where node <paramref name="id"/> listens for Raft peers.</summary>
    public IPEndPoint RaftEndPoint(ulong id) => new(IPAddress.Loopback, _raftPorts[id - 1]);

    public IEnumerable<ulong> Ids => Enumerable.Range(1, Size).Select(i => (ulong)i);

    public bool IsRunning(ulong id)
    {
        var process = Volatile.Read(ref _processes[id]);
        try
        {
            return process is { HasExited: false };
        }
        catch (InvalidOperationException)
        {
            return false; // killed and disposed meanwhile
        }
    }

    /// <summary>What the node processes printed, for a failing test's message.</summary>
    public string Log
    {
        get
        {
            lock (_log)
            {
                return _log.ToString();
            }
        }
    }

    private static string HostPath()
    {
        // tests/HaCore.Tests/bin/<Configuration>/net10.0 -> tests/HaCore.TestHost/bin/<Configuration>/net10.0
        var here = AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar);
        var framework = Path.GetFileName(here);
        var configuration = Path.GetFileName(Path.GetDirectoryName(here)!);
        var tests = Path.GetDirectoryName(Path.GetDirectoryName(Path.GetDirectoryName(Path.GetDirectoryName(here)!)!)!)!;
        var path = Path.Combine(tests, "HaCore.TestHost", "bin", configuration, framework, "HaCore.TestHost.dll");
        return File.Exists(path) ? path : throw new FileNotFoundException($"The test host was not built: {path}");
    }

    public async Task StartAsync(ulong id)
    {
        var peers = string.Join(",", Ids.Select(i => $"{i}=127.0.0.1:{_raftPorts[i - 1]}"));
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.Environment["HACORE_CLUSTER_SECRET"] = _secretHex;
        foreach (var arg in new[]
                 {
                     HostPath(), "--id", id.ToString(System.Globalization.CultureInfo.InvariantCulture), "--data", Path.Combine(_root, $"node-{id}"),
                     "--raft-port", _raftPorts[id - 1].ToString(System.Globalization.CultureInfo.InvariantCulture),
                     "--client-port", _clientPorts[id - 1].ToString(System.Globalization.CultureInfo.InvariantCulture), "--peers", peers,
                 }.Concat(_extraArgs))
        {
            info.ArgumentList.Add(arg);
        }

        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var process = new Process { StartInfo = info };
        void OnLine(string? line)
        {
            if (line is null)
            {
                return;
            }

            lock (_log)
            {
                _log.Append(CultureInfo.InvariantCulture, $"[node {id}] {line}\n");
            }

            if (line.Contains("ready", StringComparison.Ordinal))
            {
                ready.TrySetResult();
            }
        }

        process.OutputDataReceived += (_, e) => OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => OnLine(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _processes[id] = process;
        await ready.Task.WaitAsync(TimeSpan.FromSeconds(60));
    }

    public async Task StartAllAsync()
    {
        foreach (var id in Ids)
        {
            await StartAsync(id);
        }
    }

    /// <summary>kill -9: the process gets no chance to flush or close anything.</summary>
    public void Kill(ulong id)
    {
        if (Interlocked.Exchange(ref _processes[id], null) is { } process)
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            process.Dispose();
        }
    }

    /// <summary>Sends one request line to a node's client port and returns the answer line.</summary>
    /// <exception cref="IOException">The node did not answer (down, or too slow).</exception>
    public async Task<string> SendAsync(ulong id, string request, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(8));
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(IPAddress.Loopback, _clientPorts[id - 1], cts.Token);
            await using var stream = client.GetStream();
            var bytes = Encoding.UTF8.GetBytes(request + "\n");
            await stream.WriteAsync(bytes, cts.Token);
            using var reader = new StreamReader(stream, Encoding.UTF8);
            return await reader.ReadLineAsync(cts.Token) ?? throw new IOException($"node {id} closed the connection");
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException)
        {
            throw new IOException($"node {id}: {ex.Message}", ex);
        }
    }

    /// <summary>(role, term, leader, commit, applied) of a running node.</summary>
    public async Task<(string Role, ulong Term, ulong Leader, ulong Commit, ulong Applied)?> StatusAsync(ulong id)
    {
        try
        {
            var p = (await SendAsync(id, "STATUS", TimeSpan.FromSeconds(2))).Split(' ');
            var u = (int i) => ulong.Parse(p[i], System.Globalization.CultureInfo.InvariantCulture);
            return p[0] == "OK" ? (p[1], u(2), u(3), u(4), u(5)) : null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    public async Task<ulong> LeaderAsync(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        using var poll = new PeriodicTimer(TimeSpan.FromMilliseconds(50));
        while (DateTime.UtcNow < deadline)
        {
            foreach (var id in Ids.Where(IsRunning))
            {
                if (await StatusAsync(id) is { Role: "Leader" })
                {
                    return id;
                }
            }

            await poll.WaitForNextTickAsync();
        }

        throw new TimeoutException($"No leader within {timeout}.\n{Log}");
    }

    /// <summary>Waits until every running node has applied at least what the leader has committed.</summary>
    public async Task ConvergedAsync(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        using var poll = new PeriodicTimer(TimeSpan.FromMilliseconds(50));
        while (DateTime.UtcNow < deadline)
        {
            var statuses = new List<(string Role, ulong Term, ulong Leader, ulong Commit, ulong Applied)>();
            foreach (var id in Ids.Where(IsRunning))
            {
                if (await StatusAsync(id) is { } s)
                {
                    statuses.Add(s);
                }
            }

            if (statuses.Count == Ids.Count(IsRunning) && statuses.Any(s => s.Role == "Leader")
                && statuses.All(s => s.Applied >= statuses.Max(x => x.Commit)))
            {
                return;
            }

            await poll.WaitForNextTickAsync();
        }

        throw new TimeoutException($"The nodes did not converge within {timeout}.\n{Log}");
    }

    /// <summary>A node's whole state (a stale read of its own replica).</summary>
    public async Task<Dictionary<string, string>> DumpAsync(ulong id)
    {
        var answer = await SendAsync(id, "DUMP");
        Assert.StartsWith("OK", answer, StringComparison.Ordinal);
        return answer.Length <= 3 ? [] : answer[3..].Split(';', StringSplitOptions.RemoveEmptyEntries)
            .Select(kv => kv.Split('=', 2)).ToDictionary(kv => kv[0], kv => kv[1]);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var id in Ids)
        {
            Kill(id);
        }

        await Task.Yield();
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
