using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using HaCore;
using HaCore.Testing.Runtime;
using HaCore.Transport;

// One node of a test cluster, in its own process, so that tests can kill -9 it.
//   --id N --data DIR --raft-port P --client-port Q --peers 1=127.0.0.1:P1,2=...  [--snapshot-every N]
// Environment: HACORE_CLUSTER_SECRET = the cluster secret in hex (required).
// Client protocol, one request per line, one answer per line:
//   SET <session-guid> <seq> <key> <value>   -> OK <previous value or ->
//   INC <session-guid> <seq> <key>           -> OK <new count>
//   GET <key> linearizable|stale             -> OK <value or ->
//   STATUS                                   -> OK <role> <term> <leader> <commit> <applied>
//   DUMP                                     -> OK <key>=<value>;...   (stale, this node's state)
// Errors: ERR <ExceptionType> <message>.
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
};
foreach (var (peer, endPoint) in peers)
{
    options.InitialVoters.Add(peer);
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
    options, sm, StringCodec.Instance, StringCodec.Instance, transport, new ConsoleLog());

var listener = new TcpListener(IPAddress.Loopback, clientPort);
listener.Start();
Console.WriteLine($"node {id} ready: raft 127.0.0.1:{raftPort}, clients 127.0.0.1:{clientPort}");
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
    using var stream = client.GetStream();
    using var reader = new StreamReader(stream, Encoding.UTF8);
    await using var writer = new StreamWriter(stream, new UTF8Encoding(false)) { AutoFlush = true, NewLine = "\n" };
    while (await reader.ReadLineAsync() is { } line)
    {
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

async Task<string> HandleAsync(string[] p)
{
    switch (p[0])
    {
        case "SET":
            return Dash(await node.ProposeAsync(Request(p), $"set {p[3]} {p[4]}"));
        case "INC":
            return await node.ProposeAsync(Request(p), $"inc {p[3]}");
        case "GET":
            var consistency = p.Length > 2 && p[2] == "stale" ? ReadConsistency.Stale : ReadConsistency.Linearizable;
            return Dash((await node.ReadAsync(s => s.Get(p[1]), consistency)).Value);
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
