using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using HaCore;
using HaCore.Testing.Chaos;
using HaCore.Testing.Runtime;
using HaCore.Transport;

// One node of a test cluster, in its own process, so that tests can kill -9 it.
//   --id N --data DIR --raft-port P --client-port Q --peers 1=127.0.0.1:P1,2=...  [--snapshot-every N]
// Chaos options (tests/HaCore.Tests/Chaos; the peers may be the test's per-link proxies):
//   --power-cut              keep file writes in memory until fsync, so kill -9 loses what a power cut loses
//   --join                   start with no initial voters: wait to be added (ADDLEARNER on the leader)
//   --fsync-delay-ms N       a slow disk: N ms added to every fsync (FSYNCDELAY changes it while running)
//   --clock-offset-ms N      this node's clock is N ms off real time ...
//   --clock-rate R           ... and runs R times as fast (ticks, leases and session times follow it)
// Deliberate defects, only here (never in production options), so the chaos suite can prove it catches them:
//   --unsafe-ack-before-fsync   with --power-cut: fsync returns at once, the data reaches the disk 400 ms later
//   --unsafe-lease-10x          leases ten times too long
//   --unsafe-apply-twice        no duplicate check: a retried request is applied again
//   --unsafe-read-without-quorum  linearizable reads skip the heartbeat round that confirms leadership
// Environment: HACORE_CLUSTER_SECRET = the cluster secret in hex (required).
// Client protocol, one request per line, one answer per line:
//   SET <session-guid> <seq> <key> <value>   -> OK <previous value or ->
//   INC <session-guid> <seq> <key>           -> OK <new count>
//   CAS <session-guid> <seq> <key> <expected or -> <new>  -> OK true|false
//   APPEND <session-guid> <seq> <key> <element>           -> OK <the list, comma-separated>
//   GET <key> linearizable|lease|stale       -> OK <value or ->
//   STATUS                                   -> OK <role> <term> <leader> <commit> <applied>
//   DUMP                                     -> OK <key>=<value>;...   (stale, this node's state)
//   HASH                                     -> OK <applied index> <SHA-256 of the state>   (stale)
//   FSYNCDELAY <ms>                          -> OK <ms>
//   TRANSFER <id>                            -> OK <id>   (leadership transfer, on the leader)
//   ADDLEARNER <id> <ip:port> | PROMOTE <id> | REMOVE <id>  -> OK <id>   (membership changes, on the leader)
//   MEMBERS                                  -> OK voters <ids or -> learners <ids or ->
//   SUBSCRIBE <from index>                   -> EV <index> <session>:<seq> <command>  ... one line per applied command
// Errors: ERR <ExceptionType> <message>.
AppDomain.CurrentDomain.UnhandledException += (_, e) =>
{
    Console.WriteLine($"UNHANDLED EXCEPTION: {e.ExceptionObject}".ReplaceLineEndings(" | "));
    Console.Out.Flush();
};
TaskScheduler.UnobservedTaskException += (_, e) => Console.WriteLine($"UNOBSERVED TASK EXCEPTION: {e.Exception}".ReplaceLineEndings(" | "));

string Arg(string name, string? fallback = null)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback ?? throw new ArgumentException($"missing {name}");
}

var id = ulong.Parse(Arg("--id"), CultureInfo.InvariantCulture);
var raftPort = int.Parse(Arg("--raft-port"), CultureInfo.InvariantCulture);
var clientPort = int.Parse(Arg("--client-port"), CultureInfo.InvariantCulture);
var peers = Arg("--peers").Split(',').Select(p => p.Split('=')).ToDictionary(p => ulong.Parse(p[0], CultureInfo.InvariantCulture), p => IPEndPoint.Parse(p[1]));

var options = new HaCoreNodeOptions
{
    NodeId = id,
    ClusterId = 99,
    DataDirectory = Arg("--data"),
    TickInterval = TimeSpan.FromMilliseconds(20),
    ElectionTicks = 10,
    SnapshotEveryEntries = long.Parse(Arg("--snapshot-every", "100000"), CultureInfo.InvariantCulture),
    CompactionMargin = long.Parse(Arg("--compaction-margin", "10"), CultureInfo.InvariantCulture),
    ProposalTimeout = TimeSpan.FromSeconds(5),
    UnsafeLeaseMultiplier = args.Contains("--unsafe-lease-10x") ? 10 : 1,
    UnsafeApplyRetriesTwice = args.Contains("--unsafe-apply-twice"),
    UnsafeReadIndexWithoutQuorum = args.Contains("--unsafe-read-without-quorum"),
};

var powerCut = args.Contains("--power-cut");
using var device = new PowerCutFileDevice(
    powerCut,
    TimeSpan.FromMilliseconds(double.Parse(Arg("--fsync-delay-ms", "0"), CultureInfo.InvariantCulture)),
    args.Contains("--unsafe-ack-before-fsync") ? TimeSpan.FromMilliseconds(400) : null);
options.StorageDevice = device;
var clock = new SkewedTimeProvider(
    TimeSpan.FromMilliseconds(double.Parse(Arg("--clock-offset-ms", "0"), CultureInfo.InvariantCulture)),
    double.Parse(Arg("--clock-rate", "1"), CultureInfo.InvariantCulture));
var join = args.Contains("--join");
foreach (var (peer, endPoint) in peers)
{
    if (!join)
    {
        options.InitialVoters.Add(peer);
    }

    options.Peers[peer] = endPoint;
}

// The cluster secret, hex, from the environment (ProcessCluster draws a random one per cluster), so
// that it is not visible in the process list.
var secretHex = Environment.GetEnvironmentVariable("HACORE_CLUSTER_SECRET")
    ?? throw new InvalidOperationException("Set HACORE_CLUSTER_SECRET to the cluster secret, in hex (at least 16 bytes).");
var transport = new TcpRaftTransport(new TcpTransportOptions
{
    NodeId = id,
    ClusterId = "hacore-process-tests",
    ListenEndPoint = new IPEndPoint(IPAddress.Loopback, raftPort),
    Peers = peers.Where(p => p.Key != id).Select(p => new PeerAddress(p.Key, p.Value)).ToArray(),
    ClusterSecret = Convert.FromHexString(secretHex),
});
var sm = new KvStateMachine();
await using var node = await ReplicatedStateMachine<KvStateMachine, string, string>.StartAsync(
    options, sm, StringCodec.Instance, StringCodec.Instance, transport, new ConsoleLog(), clock);

var listener = new TcpListener(IPAddress.Loopback, clientPort);
listener.Start();
Console.WriteLine($"node {id} ready: raft 127.0.0.1:{raftPort}, clients 127.0.0.1:{clientPort}, power-cut {powerCut}, fsync delay {device.FsyncDelay.TotalMilliseconds} ms, clock {clock.Offset.TotalMilliseconds:+0;-0} ms x{clock.Rate}"
    + (args.Where(a => a.StartsWith("--unsafe-", StringComparison.Ordinal)).ToList() is { Count: > 0 } unsafeFlags ? ", DEFECTS " + string.Join(" ", unsafeFlags) : string.Empty));
Console.Out.Flush();

using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stop.Cancel();
};

try
{
    while (!stop.IsCancellationRequested)
    {
        var client = await listener.AcceptTcpClientAsync(stop.Token);
        _ = Task.Run(() => ServeAsync(client));
    }
}
catch (OperationCanceledException)
{
}

async Task ServeAsync(TcpClient client)
{
    using var _ = client;
    try
    {
        using var stream = client.GetStream();
        using var reader = new StreamReader(stream, Encoding.UTF8);
        await using var writer = new StreamWriter(stream, new UTF8Encoding(false)) { AutoFlush = true, NewLine = "\n" };
        while (await reader.ReadLineAsync() is { } line)
        {
            if (line.StartsWith("SUBSCRIBE ", StringComparison.Ordinal))
            {
                await StreamAsync(writer, ulong.Parse(line["SUBSCRIBE ".Length..], CultureInfo.InvariantCulture));
                return;
            }

            string answer;
            try
            {
                answer = "OK " + await HandleAsync(line.Split(' '));
            }
            catch (Exception ex)
            {
                answer = $"ERR {ex.GetType().Name} {ex.Message.ReplaceLineEndings(" ")}";
            }

            await writer.WriteLineAsync(answer);
        }
    }
    catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException)
    {
        // The client went away (or the test reset its connection): nothing to answer.
    }
}

// SUBSCRIBE <from index>: one line per applied command, "EV <index> <session>:<sequence> <command>", until the
// subscription ends ("ERR <type> <message>", then the connection closes) or the client goes away.
async Task StreamAsync(StreamWriter writer, ulong from)
{
    string end;
    try
    {
        await foreach (var applied in node.SubscribeAsync(from, stop.Token))
        {
            await writer.WriteLineAsync($"EV {applied.Index} {applied.Request.Session}:{applied.Request.Sequence} {applied.Command}");
        }

        end = "ERR EndOfStream the subscription ended";
    }
    catch (Exception ex) when (ex is not IOException and not SocketException and not ObjectDisposedException)
    {
        end = $"ERR {ex.GetType().Name} {ex.Message.ReplaceLineEndings(" ")}";
    }

    await writer.WriteLineAsync(end);
}

async Task<string> HandleAsync(string[] p)
{
    switch (p[0])
    {
        case "SET":
            return Dash(await node.ProposeAsync(Request(p), $"set {p[3]} {p[4]}"));
        case "INC":
            return await node.ProposeAsync(Request(p), $"inc {p[3]}");
        case "CAS":
            return await node.ProposeAsync(Request(p), $"cas {p[3]} {p[4]} {p[5]}");
        case "APPEND":
            return Dash(await node.ProposeAsync(Request(p), $"append {p[3]} {p[4]}"));
        case "GET":
            var consistency = p.Length <= 2 ? ReadConsistency.Linearizable : p[2] switch
            {
                "stale" => ReadConsistency.Stale,
                "lease" => ReadConsistency.Lease,
                "linearizable" => ReadConsistency.Linearizable,
                _ => throw new ArgumentException($"unknown consistency {p[2]}"),
            };
            return Dash((await node.ReadAsync(s => s.Get(p[1]), consistency)).Value);
        case "HASH":
            var state = await node.ReadAsync(s => string.Join(";", s.Values.Select(kv => $"{kv.Key}={kv.Value}")), ReadConsistency.Stale);
            return $"{state.AppliedIndex} {Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(state.Value)))}";
        case "FSYNCDELAY":
            device.FsyncDelay = TimeSpan.FromMilliseconds(int.Parse(p[1], CultureInfo.InvariantCulture));
            return p[1];
        case "TRANSFER":
            using (var transferTimeout = new CancellationTokenSource(TimeSpan.FromSeconds(3)))
            {
                await node.TransferLeadershipAsync(ulong.Parse(p[1], CultureInfo.InvariantCulture), transferTimeout.Token);
            }

            return p[1];
        case "ADDLEARNER":
        case "PROMOTE":
        case "REMOVE":
            using (var changeTimeout = new CancellationTokenSource(TimeSpan.FromSeconds(5)))
            {
                var member = ulong.Parse(p[1], CultureInfo.InvariantCulture);
                await (p[0] switch
                {
                    "ADDLEARNER" => node.AddLearnerAsync(member, IPEndPoint.Parse(p[2]), changeTimeout.Token),
                    "PROMOTE" => node.PromoteAsync(member, changeTimeout.Token),
                    _ => node.RemoveMemberAsync(member, changeTimeout.Token),
                });
            }

            return p[1];
        case "MEMBERS":
            var members = node.Status.Members;
            return $"voters {Ids(members.Voters)} learners {Ids(members.Learners)}";
        case "STATUS":
            var st = node.Status;
            return $"{st.Role} {st.Term} {st.Leader} {st.CommitIndex} {st.AppliedIndex}";
        case "DUMP":
            return (await node.ReadAsync(s => string.Join(";", s.Values.Select(kv => $"{kv.Key}={kv.Value}")), ReadConsistency.Stale)).Value;
        default:
            throw new ArgumentException($"unknown request {p[0]}");
    }
}

static ClientRequestId Request(string[] p) => new(Guid.Parse(p[1]), ulong.Parse(p[2], CultureInfo.InvariantCulture));

static string Ids(IEnumerable<ulong> ids) => ids.Any() ? string.Join(",", ids) : "-";

static string Dash(string? value) => string.IsNullOrEmpty(value) ? "-" : value;

/// <summary>Writes the node's log lines to standard output, where the tests read them.</summary>
internal sealed class ConsoleLog : Microsoft.Extensions.Logging.ILoggerFactory, Microsoft.Extensions.Logging.ILogger
{
    public void AddProvider(Microsoft.Extensions.Logging.ILoggerProvider provider)
    {
    }

    public Microsoft.Extensions.Logging.ILogger CreateLogger(string categoryName) => this;

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(Microsoft.Extensions.Logging.LogLevel logLevel) => logLevel >= Microsoft.Extensions.Logging.LogLevel.Information;

    public void Log<TState>(Microsoft.Extensions.Logging.LogLevel logLevel, Microsoft.Extensions.Logging.EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (IsEnabled(logLevel))
        {
            Console.WriteLine($"{logLevel}: {formatter(state, exception)}{(exception is null ? string.Empty : " " + exception.Message)}");
        }
    }

    public void Dispose()
    {
    }
}
