using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace HaCore.LoadTest;

/// <summary>
/// Three DotNext.Net.Cluster 6.12 nodes (benchmarks/HaCore.DotNextPeer, one process each), each with its own data
/// directory and DotNext's persistent WriteAheadLog. They serve this harness's binary client protocol, so
/// <see cref="NetworkKvClient"/> drives them as it drives hacore-network; STATUS on their control port answers as the
/// HaCore node host does. DotNext's followers acknowledge entries before they flush them (only the leader flushes
/// before it commits), so its figures are not comparable on durability: see docs/performance.md.
/// </summary>
internal sealed class DotNextCluster : Cluster
{
    /// <summary>The peer's build output, found as the HaCore node host is (next to this harness): see <see cref="PeerCommand"/>.</summary>
    public const string PeerEnvironmentVariable = "HACORE_DOTNEXT_PEER";

    public const string Note = "DotNext.Net.Cluster 6.12 followers acknowledge appended entries before they flush them (only the leader flushes before it commits), " +
        "so an acknowledged write is on one disk, not a majority's: not comparable on durability";

    private readonly int[] _raft;
    private readonly int[] _client;
    private readonly int[] _control;
    private readonly RunOptions _options;

    public DotNextCluster(RunOptions options, string root)
        : base(options.Nodes, root)
    {
        _options = options;
        _raft = [.. Enumerable.Range(0, Size).Select(_ => FreePort())];
        _client = [.. Enumerable.Range(0, Size).Select(_ => FreePort())];
        _control = [.. Enumerable.Range(0, Size).Select(_ => FreePort())];
    }

    public IReadOnlyDictionary<ulong, IPEndPoint> ClientEndPoints =>
        Enumerable.Range(0, Size).ToDictionary(i => (ulong)(i + 1), i => new IPEndPoint(IPAddress.Loopback, _client[i]));

    /// <summary>
    /// The peer as a command: <c>dotnet HaCore.DotNextPeer.dll</c> from $HACORE_DOTNEXT_PEER when set, else from the
    /// peer's build output beside this harness's (benchmarks/HaCore.LoadTest/bin/C/F →
    /// benchmarks/HaCore.DotNextPeer/bin/C/F; the harness's project references the peer's, so it is built with it).
    /// </summary>
    /// <exception cref="FileNotFoundException">The peer is not built.</exception>
    public static (string File, string[] Prefix) PeerCommand()
    {
        var dll = Environment.GetEnvironmentVariable(PeerEnvironmentVariable);
        if (string.IsNullOrEmpty(dll))
        {
            var here = Path.GetDirectoryName(typeof(DotNextCluster).Assembly.Location)!;
            var framework = Path.GetFileName(here);
            var configuration = Path.GetFileName(Path.GetDirectoryName(here)!);
            var benchmarks = Path.GetDirectoryName(Path.GetDirectoryName(Path.GetDirectoryName(Path.GetDirectoryName(here)!)!)!)!;
            dll = Path.Combine(benchmarks, "HaCore.DotNextPeer", "bin", configuration, framework, "HaCore.DotNextPeer.dll");
        }

        return File.Exists(dll)
            ? ("dotnet", [dll])
            : throw new FileNotFoundException($"The DotNext peer is not built: {dll} is missing (build benchmarks/HaCore.DotNextPeer, or set {PeerEnvironmentVariable} to its dll).", dll);
    }

    public override async Task StartAsync(int i, CancellationToken ct)
    {
        var (file, prefix) = PeerCommand();
        var peers = string.Join(",", Enumerable.Range(0, Size).Select(j => $"{j + 1}=127.0.0.1:{_raft[j]}"));
        var args = prefix.Concat(
        [
            "--id", S(i + 1), "--data", Path.Combine(Root, $"dotnext-{i + 1}"), "--raft-port", S(_raft[i]), "--client-port", S(_client[i]),
            "--control-port", S(_control[i]), "--peers", peers, "--keys", S(_options.Keys), "--heartbeat-ms", S(_options.HeartbeatMs),
            "--election-ms", S(_options.ElectionMs), "--snapshot-every", _options.SnapshotEvery.ToString(CultureInfo.InvariantCulture),
            "--deadline-ms", S(_options.OpDeadlineMs), "--parent-pid", S(Environment.ProcessId),
        ]);
        var env = new Dictionary<string, string> { ["DOTNET_gcServer"] = "0" };
        Nodes[i] = await Child.StartAsync($"dotnext-{i + 1}", file, args, env, l => l.Contains(" ready pid ", StringComparison.Ordinal), TimeSpan.FromSeconds(60), ct).ConfigureAwait(false);
    }

    public override async Task<NodeProgress?> ProgressAsync(int i, TimeSpan timeout)
    {
        try
        {
            using var cts = new CancellationTokenSource(timeout);
            using var tcp = new TcpClient { NoDelay = true };
            await tcp.ConnectAsync(IPAddress.Loopback, _control[i], cts.Token).ConfigureAwait(false);
            var stream = tcp.GetStream();
            using var reader = new StreamReader(stream, Encoding.UTF8);
            await using var writer = new StreamWriter(stream, new UTF8Encoding(false)) { AutoFlush = true, NewLine = "\n" };
            await writer.WriteLineAsync("STATUS".AsMemory(), cts.Token).ConfigureAwait(false);
            var line = await reader.ReadLineAsync(cts.Token).ConfigureAwait(false);
            if (line?.Split(' ') is not ["OK", var role, var term, _, var commit, var applied])
            {
                return null;
            }

            return new NodeProgress(role == "Leader", ulong.Parse(term, CultureInfo.InvariantCulture), ulong.Parse(commit, CultureInfo.InvariantCulture), ulong.Parse(applied, CultureInfo.InvariantCulture));
        }
        catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or FormatException)
        {
            return null;
        }
    }
}
