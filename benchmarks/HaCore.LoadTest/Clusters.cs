using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Grpc.Net.Client;
using HaCore.LoadTest.Etcd;

namespace HaCore.LoadTest;

/// <summary>A node's progress as the system reports it.</summary>
internal sealed record NodeProgress(bool Leader, ulong Term, ulong Commit, ulong Applied);

/// <summary>Three processes of one system on 127.0.0.1, each with its own data directory.</summary>
internal abstract class Cluster : IAsyncDisposable
{
    protected Cluster(int size, string root)
    {
        Size = size;
        Root = root;
        Nodes = new Child?[size];
    }

    public int Size { get; }

    protected string Root { get; }

    protected Child?[] Nodes { get; }

    public IEnumerable<int> Pids => Nodes.Where(n => n is { HasExited: false }).Select(n => n!.Pid);

    public bool IsRunning(int i) => Nodes[i] is { HasExited: false };

    public string Logs => string.Join("\n", Nodes.Where(n => n is not null).Select(n => n!.Tail));

    public abstract Task StartAsync(int i, CancellationToken ct);

    /// <summary>Status of node <paramref name="i"/>, or null when it does not answer within <paramref name="timeout"/>.</summary>
    public abstract Task<NodeProgress?> ProgressAsync(int i, TimeSpan timeout);

    public async Task StartAllAsync(CancellationToken ct)
    {
        await Task.WhenAll(Enumerable.Range(0, Size).Select(i => StartAsync(i, ct))).ConfigureAwait(false);
    }

    public void Kill(int i, CpuMeter? meter)
    {
        if (Nodes[i] is { } node)
        {
            meter?.Observe(node.Pid);
            node.Kill();
            Nodes[i] = null;
        }
    }

    /// <summary>kill -9 of node <paramref name="i"/>; returns the Stopwatch timestamp of the signal.</summary>
    public long KillNow(int i, CpuMeter meter)
    {
        var node = Nodes[i] ?? throw new InvalidOperationException($"node {i + 1} is not running");
        meter.Observe(node.Pid);
        Nodes[i] = null;
        return node.KillNow();
    }

    public void Pause(bool pause)
    {
        foreach (var n in Nodes)
        {
            n?.Signal(pause);
        }
    }

    /// <summary>
    /// The index of the node that leads: a node that says so in the highest term any node reports, and says so for
    /// <paramref name="settle"/> (the same node in the same term at every poll). A thawed cluster (SIGCONT after the
    /// harness froze it) needs the settling: a node reports its status from before the freeze until its loop has run,
    /// so the old leader still says "leader" for a moment although it is about to step down, and a step driven through
    /// it would measure a follower that forwards every proposal. Every wait has a deadline.
    /// </summary>
    public async Task<int> LeaderAsync(TimeSpan timeout, CancellationToken ct, TimeSpan settle = default)
    {
        var deadline = DateTime.UtcNow + timeout;
        (int Index, ulong Term, DateTime Since)? seen = null;
        NodeProgress?[] statuses = [];
        while (DateTime.UtcNow < deadline)
        {
            ct.ThrowIfCancellationRequested();
            statuses = await Task.WhenAll(Enumerable.Range(0, Size).Select(i => IsRunning(i) ? ProgressAsync(i, TimeSpan.FromMilliseconds(500)) : Task.FromResult<NodeProgress?>(null))).ConfigureAwait(false);
            var maxTerm = statuses.Max(s => s?.Term ?? 0);
            var leader = statuses.Select((s, i) => (s, i)).Where(x => x.s is { Leader: true } && x.s.Term == maxTerm).Select(x => (int?)x.i).FirstOrDefault();
            if (leader is not { } index)
            {
                seen = null;
            }
            else if (seen is not { } s || s.Index != index || s.Term != maxTerm)
            {
                seen = (index, maxTerm, DateTime.UtcNow);
            }

            if (seen is { } stable && DateTime.UtcNow - stable.Since >= settle)
            {
                return stable.Index;
            }

            await Task.Delay(20, ct).ConfigureAwait(false);
        }

        var last = string.Join(", ", statuses.Select((s, i) => s is null ? $"node {i + 1}: {(IsRunning(i) ? "no answer" : "not running")}" : $"node {i + 1}: {(s.Leader ? "leader" : "not leader")} term {s.Term} commit {s.Commit}"));
        throw new TimeoutException($"No leader that held for {settle.TotalMilliseconds:F0} ms within {timeout.TotalSeconds:F0} s (last poll: {last}).\n{Logs}");
    }

    /// <summary>The highest term any running node reports (leader changes in a step = its growth).</summary>
    public async Task<ulong> MaxTermAsync()
    {
        var statuses = await Task.WhenAll(Enumerable.Range(0, Size).Select(i => IsRunning(i) ? ProgressAsync(i, TimeSpan.FromSeconds(1)) : Task.FromResult<NodeProgress?>(null))).ConfigureAwait(false);
        return statuses.Max(s => s?.Term ?? 0);
    }

    public virtual ValueTask DisposeAsync()
    {
        for (var i = 0; i < Size; i++)
        {
            Kill(i, null);
        }

        return ValueTask.CompletedTask;
    }

    protected static int FreePort()
    {
        var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        var port = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }

    protected static string S(int v) => v.ToString(CultureInfo.InvariantCulture);
}

/// <summary>Three HaCore node processes (this executable's <c>node</c> role); hacore-embedded and hacore-network use the same cluster.</summary>
internal sealed class HaCoreCluster : Cluster
{
    private readonly int[] _raft;
    private readonly int[] _client;
    private readonly int[] _control;
    private readonly string _secretHex = Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
    private readonly RunOptions _options;
    private readonly Variant _variant;
    private readonly string _name;

    public HaCoreCluster(RunOptions options, string root, string variantKey = "")
        : base(options.Nodes, root)
    {
        _options = options;
        _variant = Variant.Parse(variantKey);
        // A file name: a dll=PATH token is named by the folder its build is in; anything else unusual becomes '_'.
        var label = string.Join("+", variantKey.Split('+', StringSplitOptions.RemoveEmptyEntries)
            .Select(t => t.StartsWith("dll=", StringComparison.Ordinal) ? "dll=" + Path.GetFileName(Path.GetDirectoryName(Path.GetFullPath(t[4..]))) : t));
        _name = variantKey.Length == 0 ? "hacore" : "hacore+" + new string([.. label.Select(c => char.IsAsciiLetterOrDigit(c) || c is '+' or '=' or '-' or '_' or '.' ? c : '_')]);
        _raft = [.. Enumerable.Range(0, Size).Select(_ => FreePort())];
        _client = [.. Enumerable.Range(0, Size).Select(_ => FreePort())];
        _control = [.. Enumerable.Range(0, Size).Select(_ => FreePort())];
    }

    public IReadOnlyDictionary<ulong, IPEndPoint> ClientEndPoints =>
        Enumerable.Range(0, Size).ToDictionary(i => (ulong)(i + 1), i => new IPEndPoint(IPAddress.Loopback, _client[i]));

    public override async Task StartAsync(int i, CancellationToken ct)
    {
        var (file, prefix) = _variant.Dll is { } dll ? ("dotnet", [dll]) : SelfCommand();
        var peers = string.Join(",", Enumerable.Range(0, Size).Select(j => $"{j + 1}=127.0.0.1:{_raft[j]}"));
        var args = prefix.Concat(
        [
            "node", "--id", S(i + 1), "--data", Path.Combine(Root, $"{_name}-{i + 1}"), "--log", Path.GetFullPath(Path.Combine(_options.Out, $"{_name}-{i + 1}.log")), "--raft-port", S(_raft[i]), "--client-port", S(_client[i]),
            "--control-port", S(_control[i]), "--peers", peers, "--keys", S(_options.Keys), "--heartbeat-ms", S(_options.HeartbeatMs),
            "--election-ms", S(_options.ElectionMs), "--snapshot-every", (_variant.SnapshotEvery ?? _options.SnapshotEvery).ToString(CultureInfo.InvariantCulture), "--reconnect-max-ms", S(_options.ReconnectMaxMs), "--parent-pid", S(Environment.ProcessId),
        ]);
        if (_variant.EntryCacheBytes is { } cache)
        {
            args = args.Concat(["--entry-cache-bytes", cache.ToString(CultureInfo.InvariantCulture)]);
        }

        if (_variant.RetainedCommands is { } retain)
        {
            args = args.Concat(["--retained-commands", S(retain)]);
        }

        var env = new Dictionary<string, string> { ["HACORE_CLUSTER_SECRET"] = _secretHex, ["DOTNET_gcServer"] = "0" };
        foreach (var (k, v) in _variant.Environment)
        {
            env[k] = v;
        }

        Nodes[i] = await Child.StartAsync($"{_name}-{i + 1}", file, args, env, l => l.Contains(" ready pid ", StringComparison.Ordinal), TimeSpan.FromSeconds(60), ct).ConfigureAwait(false);
    }

    /// <summary>This program as a command: the apphost, or <c>dotnet HaCore.LoadTest.dll</c>.</summary>
    public static (string File, string[] Prefix) SelfCommand()
    {
        var dll = typeof(HaCoreCluster).Assembly.Location;
        var process = Environment.ProcessPath ?? "dotnet";
        return Path.GetFileNameWithoutExtension(process) == "dotnet" || !Path.GetFileName(process).StartsWith("HaCore.LoadTest", StringComparison.Ordinal)
            ? ("dotnet", [dll])
            : (process, []);
    }

    /// <summary>Opens an authenticated control connection to node <paramref name="i"/>.</summary>
    public async Task<(TcpClient Tcp, StreamReader Reader, StreamWriter Writer)> ControlAsync(int i, CancellationToken ct)
    {
        var tcp = new TcpClient { NoDelay = true };
        try
        {
            await tcp.ConnectAsync(IPAddress.Loopback, _control[i], ct).ConfigureAwait(false);
            var stream = tcp.GetStream();
            var reader = new StreamReader(stream, Encoding.UTF8);
            var writer = new StreamWriter(stream, new UTF8Encoding(false)) { AutoFlush = true, NewLine = "\n" };
            await writer.WriteLineAsync("HELLO " + _secretHex).ConfigureAwait(false);
            return (tcp, reader, writer);
        }
        catch
        {
            tcp.Dispose();
            throw;
        }
    }

    public async Task<string> RequestAsync(int i, string line, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        var (tcp, reader, writer) = await ControlAsync(i, cts.Token).ConfigureAwait(false);
        using (tcp)
        {
            await writer.WriteLineAsync(line.AsMemory(), cts.Token).ConfigureAwait(false);
            return await reader.ReadLineAsync(cts.Token).ConfigureAwait(false) ?? throw new IOException($"node {i + 1} closed the control connection");
        }
    }

    public override async Task<NodeProgress?> ProgressAsync(int i, TimeSpan timeout)
    {
        try
        {
            var p = (await RequestAsync(i, "STATUS", timeout).ConfigureAwait(false)).Split(' ');
            if (p is not ["OK", var role, var term, _, var commit, var applied])
            {
                return null;
            }

            return new NodeProgress(role == "Leader", ulong.Parse(term, CultureInfo.InvariantCulture), ulong.Parse(commit, CultureInfo.InvariantCulture), ulong.Parse(applied, CultureInfo.InvariantCulture));
        }
        catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException)
        {
            return null;
        }
    }
}

/// <summary>Three etcd processes (/usr/bin/etcd, Debian's etcd-server), each with its own data directory.</summary>
internal sealed class EtcdCluster : Cluster
{
    private readonly int[] _clientPorts;
    private readonly int[] _peerPorts;
    private readonly RunOptions _options;
    private readonly GrpcChannel?[] _status;

    public EtcdCluster(RunOptions options, string root)
        : base(options.Nodes, root)
    {
        _options = options;
        _clientPorts = [.. Enumerable.Range(0, Size).Select(_ => FreePort())];
        _peerPorts = [.. Enumerable.Range(0, Size).Select(_ => FreePort())];
        _status = new GrpcChannel?[Size];
    }

    public IReadOnlyList<string> Endpoints => [.. _clientPorts.Select(p => $"http://127.0.0.1:{p}")];

    /// <summary>Installs Debian's etcd-server when /usr/bin/etcd is missing; throws with a clear message when that fails.</summary>
    public static async Task EnsureInstalledAsync(TextWriter log, CancellationToken ct)
    {
        if (File.Exists("/usr/bin/etcd"))
        {
            return;
        }

        log.WriteLine("etcd: /usr/bin/etcd is missing; installing Debian's etcd-server (apt-get install -y etcd-server)");
        foreach (var (file, args) in new[] { ("apt-get", "install -y etcd-server"), ("apt-get", "update"), ("apt-get", "install -y etcd-server") })
        {
            if (File.Exists("/usr/bin/etcd"))
            {
                break;
            }

            var info = new System.Diagnostics.ProcessStartInfo(file, args) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
            info.Environment["DEBIAN_FRONTEND"] = "noninteractive";
            try
            {
                using var p = System.Diagnostics.Process.Start(info)!;
                var output = p.StandardOutput.ReadToEndAsync(ct);
                var errors = p.StandardError.ReadToEndAsync(ct);
                await p.WaitForExitAsync(ct).WaitAsync(TimeSpan.FromMinutes(5), ct).ConfigureAwait(false);
                log.WriteLine($"etcd: {file} {args} exited {p.ExitCode}{(p.ExitCode != 0 ? ": " + (await errors).Trim() : string.Empty)}");
                _ = await output;
            }
            catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or TimeoutException)
            {
                log.WriteLine($"etcd: {file} {args} failed: {ex.Message}");
            }
        }

        if (!File.Exists("/usr/bin/etcd"))
        {
            throw new InvalidOperationException("etcd is not installed and `apt-get install -y etcd-server` did not install it (run it as root, with apt's sources reachable), so the etcd system cannot run.");
        }
    }

    public override async Task StartAsync(int i, CancellationToken ct)
    {
        var cluster = string.Join(",", Enumerable.Range(0, Size).Select(j => $"e{j + 1}=http://127.0.0.1:{_peerPorts[j]}"));
        string[] args =
        [
            "--name", $"e{i + 1}", "--data-dir", Path.Combine(Root, $"etcd-{i + 1}"),
            "--listen-client-urls", $"http://127.0.0.1:{_clientPorts[i]}", "--advertise-client-urls", $"http://127.0.0.1:{_clientPorts[i]}",
            "--listen-peer-urls", $"http://127.0.0.1:{_peerPorts[i]}", "--initial-advertise-peer-urls", $"http://127.0.0.1:{_peerPorts[i]}",
            "--initial-cluster", cluster, "--initial-cluster-state", "new", "--initial-cluster-token", "hacore-loadtest",
            "--heartbeat-interval", S(_options.HeartbeatMs), "--election-timeout", S(_options.ElectionMs),
            "--pre-vote=true", "--logger", "zap", "--log-level", "warn",
        ];
        var node = await Child.StartAsync($"etcd-{i + 1}", "/usr/bin/etcd", args, new Dictionary<string, string>(), null, TimeSpan.Zero, ct).ConfigureAwait(false);
        Nodes[i] = node;
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (await ProgressAsync(i, TimeSpan.FromMilliseconds(500)).ConfigureAwait(false) is null)
        {
            if (node.HasExited || DateTime.UtcNow > deadline)
            {
                var tail = node.Tail;
                Kill(i, null);
                throw new InvalidOperationException($"etcd-{i + 1} did not answer Maintenance.Status within 60 s{(node.HasExited ? " (it exited)" : string.Empty)}. Its output:\n{tail}");
            }

            await Task.Delay(50, ct).ConfigureAwait(false);
        }
    }

    public override async Task<NodeProgress?> ProgressAsync(int i, TimeSpan timeout)
    {
        var channel = _status[i] ??= EtcdKvClient.NewChannel(Endpoints[i]);
        try
        {
            var s = await new Maintenance.MaintenanceClient(channel).StatusAsync(new StatusRequest(), deadline: DateTime.UtcNow + timeout).ResponseAsync.ConfigureAwait(false);
            return new NodeProgress(s.Leader != 0 && s.Leader == s.Header.MemberId, s.RaftTerm, s.RaftIndex, s.RaftAppliedIndex);
        }
        catch (Grpc.Core.RpcException)
        {
            return null;
        }
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync().ConfigureAwait(false);
        foreach (var c in _status)
        {
            c?.Dispose();
        }
    }
}
