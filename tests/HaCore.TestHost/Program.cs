using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using HaCore;
using HaCore.Testing.Chaos;
using HaCore.Testing.Runtime;
using HaCore.Transport;

// One node of a test cluster, in its own process, so that tests can kill -9 it. (Or, with `client` first, chaos
// clients in a process of their own: ChaosClientMode.cs.)
//   --id N --data DIR --raft-port P --client-port Q --peers 1=127.0.0.1:P1,2=...  [--snapshot-every N]
// Chaos options (tests/HaCore.Tests/Chaos; the peers may be the test's per-link proxies):
//   --power-cut              keep file writes in memory until fsync, so kill -9 loses what a power cut loses
//   --model kv|cc            the register store (default) or the contact-center model (HostedNodes.cs has their requests)
//   --join                   start with no initial voters: wait to be added (ADDLEARNER on the leader)
//   --admin-port N           open the admin endpoint (the hacore CLI's) on 127.0.0.1:N, with the cluster secret
//   --fsync-delay-ms N       a slow disk: N ms added to every fsync (FSYNCDELAY changes it while running)
//   --clock-offset-ms N      this node's clock is N ms off real time ...
//   --clock-rate R           ... and runs R times as fast (ticks, leases and session times follow it)
// Deliberate defects, only here (never in production options), so the chaos suite can prove it catches them:
//   --unsafe-ack-before-fsync   with --power-cut: fsync returns at once, the data reaches the disk 400 ms later
//   --unsafe-lease-10x          leases ten times too long
//   --unsafe-apply-twice        no duplicate check: a retried request is applied again
//   --unsafe-read-without-quorum  linearizable reads skip the heartbeat round that confirms leadership
// Environment: HACORE_CLUSTER_SECRET = the cluster secret in hex (required).
// Client protocol, one request per line, one answer per line. --model kv:
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
// --model cc:
//   CC <session-guid> <seq> <base64 Command> -> OK <base64 CommandResult>
//   HASH                                     -> OK <applied index> <state hash>   (stale)
//   SUBSCRIBE <from index>                   -> EV <index> <session>:<seq> <command kind> <reject reason>  ... per applied command
//   DNSUB <switch> <number> <after index> <after ordinal>  -> EV <index> <ordinal> <kind> <conn id> ... per event of the DN
// Both: STATUS, FSYNCDELAY, TRANSFER, ADDLEARNER, PROMOTE, REMOVE, MEMBERS.
// Errors: ERR <ExceptionType> <message>.
AppDomain.CurrentDomain.UnhandledException += (_, e) =>
{
    Console.WriteLine($"UNHANDLED EXCEPTION: {e.ExceptionObject}".ReplaceLineEndings(" | "));
    Console.Out.Flush();
};
TaskScheduler.UnobservedTaskException += (_, e) => Console.WriteLine($"UNOBSERVED TASK EXCEPTION: {e.Exception}".ReplaceLineEndings(" | "));
if (args is ["client", ..])
{
    return await ChaosClientMode.RunAsync(args[1..]);
}

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
if (args.Contains("--admin-port"))
{
    // The admin endpoint (the hacore CLI's), authenticated with the cluster secret.
    options.AdminEndPoint = new IPEndPoint(IPAddress.Loopback, int.Parse(Arg("--admin-port"), CultureInfo.InvariantCulture));
    options.AdminSecret = Convert.FromHexString(secretHex);
}

var transport = new TcpRaftTransport(new TcpTransportOptions
{
    NodeId = id,
    ClusterId = "hacore-process-tests",
    ListenEndPoint = new IPEndPoint(IPAddress.Loopback, raftPort),
    Peers = peers.Where(p => p.Key != id).Select(p => new PeerAddress(p.Key, p.Value)).ToArray(),
    ClusterSecret = Convert.FromHexString(secretHex),
});
var model = Arg("--model", "kv");
await using var node = model switch
{
    "kv" => await KvNode.StartAsync(options, transport, new ConsoleLog(), clock),
    "cc" => await ContactCenterNode.StartAsync(options, transport, new ConsoleLog(), clock),
    _ => throw new ArgumentException($"unknown --model {model} (kv or cc)"),
};

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

return 0;

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
            var request = line.Split(' ');
            if (node.IsStream(request))
            {
                await node.StreamAsync(writer, request, stop.Token);
                return;
            }

            string answer;
            try
            {
                answer = "OK " + await HandleAsync(request);
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

// The host's own request; everything else is the model's (HostedNodes.cs).
async Task<string> HandleAsync(string[] p)
{
    if (p[0] == "FSYNCDELAY")
    {
        device.FsyncDelay = TimeSpan.FromMilliseconds(int.Parse(p[1], CultureInfo.InvariantCulture));
        return p[1];
    }

    return await node.HandleAsync(p);
}

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
