using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using HaCore;
using HaCore.ContactCenter;
using HaCore.ContactCenter.Workload;
using HaCore.Raft;
using HaCore.Transport;
using Microsoft.Extensions.Logging;

// A three-node HaCore cluster on this machine (three nodes in this process, talking TCP over
// 127.0.0.1, each with its own data directory), driving the contact-center workload of DOMAIN.md §4
// through it. Midway the leader is killed; the clients fail over, retry with their request ids, and
// the killed node later restarts from its data directory and catches up. At the end every node's
// applied log is checked: every acknowledged command is there, once, and all states are identical.
//
// Usage: dotnet run -c Release --project examples/HaCore.ContactCenterDemo [--seconds 12] [--clients 64]
//        [--profile B1] [--data <dir>] [--seed 1]
var settings = DemoSettings.Parse(args);
var root = settings.DataDirectory ?? Path.Combine(Path.GetTempPath(), $"hacore-demo-{Environment.ProcessId}");
Console.WriteLine($"HaCore contact-center demo: 3 nodes on 127.0.0.1, profile {settings.Profile}, up to {settings.Clients} commands in flight, {settings.Seconds} s of traffic");
Console.WriteLine($"data in {root}");

using var loggerFactory = settings.Log
    ? Microsoft.Extensions.Logging.LoggerFactory.Create(b => b.AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss.fff "; }).SetMinimumLevel(Microsoft.Extensions.Logging.LogLevel.Information))
    : null;
var ports = Enumerable.Range(0, 3).Select(_ => FreePort()).ToArray();
var peers = Enumerable.Range(1, 3).ToDictionary(i => (ulong)i, i => (EndPoint)new IPEndPoint(IPAddress.Loopback, ports[i - 1]));
var nodes = new ReplicatedStateMachine<ContactCenterStateMachine, Command, CommandResult>?[4];
var machines = new ContactCenterStateMachine[4];

// The nodes authenticate each other with a cluster secret; a fresh random one per run of the demo.
var clusterSecret = System.Security.Cryptography.RandomNumberGenerator.GetBytes(32);

async Task StartAsync(ulong id)
{
    var options = new HaCoreNodeOptions
    {
        NodeId = id,
        ClusterId = 2026,
        DataDirectory = Path.Combine(root, $"node-{id}"),
        TickInterval = TimeSpan.FromMilliseconds(20),
        ElectionTicks = 10,
        SnapshotEveryEntries = 1_000_000,
        RetainedCommands = 2_000_000,
        SubscriberBuffer = 2_000_000,
    };
    foreach (var (peer, endPoint) in peers)
    {
        options.InitialVoters.Add(peer);
        options.Peers[peer] = endPoint;
    }

    var transport = new TcpRaftTransport(new TcpTransportOptions
    {
        NodeId = id,
        ClusterId = "hacore-demo",
        ListenEndPoint = (IPEndPoint)peers[id],
        Peers = peers.Where(p => p.Key != id).Select(p => new PeerAddress(p.Key, p.Value)).ToArray(),
        ClusterSecret = clusterSecret,
    });
    machines[id] = new ContactCenterStateMachine();
    nodes[id] = await ReplicatedStateMachine<ContactCenterStateMachine, Command, CommandResult>.StartAsync(
        options, machines[id], Contract.CommandCodec, Contract.ResultCodec, transport, loggerFactory);
}

for (ulong id = 1; id <= 3; id++)
{
    await StartAsync(id);
}

var clock = Stopwatch.StartNew();
var leader = await WaitForLeaderAsync(TimeSpan.FromSeconds(15));
Console.WriteLine($"[{clock.Elapsed.TotalSeconds,5:F1}s] node {leader} leads term {nodes[leader]!.Status.Term}");

var generator = new WorkloadGenerator(WorkloadProfile.ByName(settings.Profile), settings.Seed);
var source = new Queue<Command>(generator.Setup().Select(g => g.Command));
var setupCount = source.Count;
var gate = new object();
var acknowledged = new Dictionary<ClientRequestId, ulong>();
var latencies = new List<double>();
var rejections = 0L;
var retries = 0L;
var killedAt = TimeSpan.Zero;
var firstAckAfterKill = TimeSpan.Zero;
var gateway = leader;
var stop = new CancellationTokenSource();
var pending = new ConcurrentDictionary<ClientRequestId, (string Kind, TimeSpan Since)>();

Command? NextCommand()
{
    if (source.Count > 0)
    {
        return source.Dequeue();
    }

    return stop.IsCancellationRequested ? null : generator.Next().Command;
}

ulong PickGateway(ulong failed)
{
    // Prefer the leader a live node knows; otherwise any other live node.
    foreach (var n in nodes)
    {
        if (n is { } live && live.Status.Leader != 0 && nodes[live.Status.Leader] is not null)
        {
            return live.Status.Leader;
        }
    }

    return Enumerable.Range(1, 3).Select(i => (ulong)i).First(i => i != failed && nodes[i] is not null);
}

async Task<CommandResult> ProposeUntilDoneAsync(ClientRequestId request, Command command)
{
    while (true)
    {
        var target = Volatile.Read(ref gateway);
        try
        {
            return await (nodes[target] ?? throw new NoQuorumException("gateway down")).ProposeAsync(request, command);
        }
        catch (Exception ex) when (IsRetryable(ex))
        {
            Interlocked.Increment(ref retries);
            Interlocked.CompareExchange(ref gateway, PickGateway(target), target);
            await Task.Delay(ex is ProposalRejectedException ? 20 : 1);
        }
    }
}

void Record(ClientRequestId request, CommandResult result, TimeSpan started)
{
    var done = clock.Elapsed;
    pending.TryRemove(request, out _);
    lock (gate)
    {
        acknowledged[request] = result.AppliedIndex;
        latencies.Add((done - started).TotalMilliseconds);
        if (result.RejectReason != RejectReason.None)
        {
            rejections++;
        }

        if (killedAt != TimeSpan.Zero && firstAckAfterKill == TimeSpan.Zero && started > killedAt)
        {
            firstAckAfterKill = done;
        }
    }
}

// One ordered pipeline of proposals with up to --clients in flight: the workload's commands depend on
// each other (a call's parties need the call), so they must commit in the order generated. After a
// failure, the commands still in flight are retried one by one in that order, with their request ids:
// those that did commit answer with their first result, the others are appended after them.
async Task PipelineAsync()
{
    var session = Guid.NewGuid();
    ulong sequence = 0;
    var inflight = new Queue<(ClientRequestId Request, Command Command, Task<CommandResult> Task, TimeSpan Started)>();
    while (true)
    {
        while (inflight.Count < settings.Clients && NextCommand() is { } command)
        {
            var request = new ClientRequestId(session, ++sequence);
            var target = Volatile.Read(ref gateway);
            var task = nodes[target] is { } node
                ? node.ProposeAsync(request, command).AsTask()
                : Task.FromException<CommandResult>(new NoQuorumException("gateway down"));
            inflight.Enqueue((request, command, task, clock.Elapsed));
            pending[request] = (command.KindCase.ToString(), clock.Elapsed);
        }

        if (inflight.Count == 0)
        {
            return;
        }

        var head = inflight.Peek();
        try
        {
            Record(head.Request, await head.Task, head.Started);
            inflight.Dequeue();
        }
        catch (Exception ex) when (IsRetryable(ex))
        {
            Interlocked.Increment(ref retries);
            var failed = Volatile.Read(ref gateway);
            Interlocked.CompareExchange(ref gateway, PickGateway(failed), failed);
            foreach (var (request, command, task, started) in inflight)
            {
                _ = task.ContinueWith(t => t.Exception, TaskScheduler.Default); // observed: superseded by the retry
                Record(request, await ProposeUntilDoneAsync(request, command), started);
            }

            inflight.Clear();
        }
    }
}

var pipeline = Task.Run(PipelineAsync);

// Watchdog: while traffic runs, acknowledgements must keep coming. If none arrives for StallLimit (15
// election timeouts), the demo ends with a diagnosis and a non-zero exit instead of hanging.
var stallLimit = TimeSpan.FromSeconds(3);
_ = Task.Run(async () =>
{
    var lastCount = -1;
    var lastChange = clock.Elapsed;
    var appliedAtChange = 0UL;
    using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(100));
    while (!pipeline.IsCompleted && await timer.WaitForNextTickAsync())
    {
        int count;
        lock (gate)
        {
            count = acknowledged.Count;
        }

        var applied = nodes.Where(n => n is not null).Select(n => n!.Status.AppliedIndex).DefaultIfEmpty().Max();
        if (count != lastCount)
        {
            (lastCount, lastChange, appliedAtChange) = (count, clock.Elapsed, applied);
            continue;
        }

        if (clock.Elapsed - lastChange > stallLimit && !pipeline.IsCompleted)
        {
            Console.WriteLine();
            Console.WriteLine($"WATCHDOG: no command acknowledged for {(clock.Elapsed - lastChange).TotalSeconds:F1} s (stuck at {count}); " +
                $"the highest applied index moved from {appliedAtChange} to {applied} meanwhile");
            foreach (var n in nodes.Where(n => n is not null))
            {
                Console.WriteLine($"  node {n!.NodeId}: {n.Status}");
            }

            Console.WriteLine($"  {pending.Count} requests pending; the oldest:");
            foreach (var (request, (kind, since)) in pending.OrderBy(p => p.Value.Since).Take(10))
            {
                Console.WriteLine($"    request {request.Sequence} ({kind}) pending since {since.TotalSeconds:F1}s");
            }

            Environment.Exit(3);
        }
    }
});
var killTime = TimeSpan.FromSeconds(settings.Seconds / 2.0);
var endTime = TimeSpan.FromSeconds(settings.Seconds);
var killed = 0UL;
using (var progress = new PeriodicTimer(TimeSpan.FromSeconds(1)))
{
    while (clock.Elapsed < endTime && await progress.WaitForNextTickAsync())
    {
        int count;
        lock (gate)
        {
            count = acknowledged.Count;
        }

        var status = string.Join("  ", Enumerable.Range(1, 3).Select(i => nodes[i] is { } n ? $"n{i}:{Short(n.Status.Role)} a{n.Status.AppliedIndex}" : $"n{i}:down"));
        Console.WriteLine($"[{clock.Elapsed.TotalSeconds,5:F1}s] {count,7} commands acknowledged   {status}");
        if (killed == 0 && clock.Elapsed >= killTime && nodes.FirstOrDefault(n => n is { Status.Role: RaftRole.Leader }) is { } leaderNode)
        {
            killed = leaderNode.NodeId;
            lock (gate)
            {
                killedAt = clock.Elapsed;
            }

            Console.WriteLine($"[{clock.Elapsed.TotalSeconds,5:F1}s] killing the leader, node {killed}");
            var victim = nodes[killed]!;
            nodes[killed] = null;
            await victim.DisposeAsync();
        }
    }
}

stop.Cancel();
await pipeline;
var trafficTime = clock.Elapsed;
Console.WriteLine($"[{clock.Elapsed.TotalSeconds,5:F1}s] traffic stopped; restarting node {killed} from its data directory");
await StartAsync(killed);
var target = nodes.Where(n => n is not null).Max(n => n!.Status.CommitIndex);
using (var wait = new PeriodicTimer(TimeSpan.FromMilliseconds(50)))
{
    var deadline = clock.Elapsed + TimeSpan.FromSeconds(60);
    while (nodes.Skip(1).Any(n => n!.Status.AppliedIndex < target) && clock.Elapsed < deadline)
    {
        await wait.WaitForNextTickAsync();
    }
}

// Verification: every node's applied commands, from the first index, in order.
var failures = new List<string>();
for (ulong id = 1; id <= 3; id++)
{
    var node = nodes[id]!;
    var applied = node.Status.AppliedIndex;
    var seen = new Dictionary<ClientRequestId, ulong>();
    // The stream ends at the applied index, or, when the last entries are not commands (a new leader's
    // no-op), when nothing more arrives for two seconds.
    using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(2));
    try
    {
        await foreach (var item in node.SubscribeAsync(1, cts.Token))
        {
            cts.CancelAfter(TimeSpan.FromSeconds(2));
            if (!seen.TryAdd(item.Request, item.Index))
            {
                failures.Add($"node {id}: request {item.Request.Sequence} of session {item.Request.Session} applied twice (indexes {seen[item.Request]} and {item.Index})");
            }

            if (item.Index >= applied)
            {
                break;
            }
        }
    }
    catch (OperationCanceledException) when (cts.IsCancellationRequested)
    {
    }

    foreach (var (request, index) in acknowledged)
    {
        if (!seen.TryGetValue(request, out var at) || at != index)
        {
            failures.Add($"node {id}: acknowledged request {request.Sequence} (index {index}) is missing");
            break;
        }
    }
}

var hashes = Enumerable.Range(1, 3).Select(i => machines[i].ComputeStateHashHex()).Distinct().ToList();
if (hashes.Count != 1)
{
    failures.Add($"the nodes' states differ: {string.Join(", ", hashes)}");
}

latencies.Sort();
double Percentile(double p) => latencies.Count == 0 ? 0 : latencies[Math.Min(latencies.Count - 1, (int)(p * latencies.Count))];
Console.WriteLine();
Console.WriteLine("Summary");
Console.WriteLine($"  commands acknowledged : {acknowledged.Count} ({setupCount} setup + {acknowledged.Count - setupCount} traffic), {rejections} rejected by the state machine's invariants, {retries} client retries");
Console.WriteLine($"  throughput            : {acknowledged.Count / trafficTime.TotalSeconds:F0} commands/s over {trafficTime.TotalSeconds:F1} s, {settings.Clients} in flight");
Console.WriteLine($"  commit latency        : p50 {Percentile(0.50):F1} ms, p99 {Percentile(0.99):F1} ms, max {Percentile(1):F1} ms");
Console.WriteLine($"  failover              : leader {killed} killed at {killedAt.TotalSeconds:F1}s; first command proposed after that committed {(firstAckAfterKill - killedAt).TotalMilliseconds:F0} ms later");
Console.WriteLine($"  state hash            : {(hashes.Count == 1 ? hashes[0][..16] + "... identical on all 3 nodes" : "DIFFERS")}");
Console.WriteLine(failures.Count == 0
    ? "  verified              : every acknowledged command is applied exactly once on every node; none lost, none applied twice"
    : "  FAILED                : " + string.Join("; ", failures.Take(5)));

foreach (var node in nodes.Where(n => n is not null))
{
    await node!.DisposeAsync();
}

if (settings.DataDirectory is null)
{
    Directory.Delete(root, recursive: true);
}

return failures.Count == 0 ? 0 : 1;

async Task<ulong> WaitForLeaderAsync(TimeSpan timeout)
{
    using var poll = new PeriodicTimer(TimeSpan.FromMilliseconds(20));
    var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
    while (Stopwatch.GetTimestamp() < deadline)
    {
        foreach (var n in nodes)
        {
            if (n is { Status.Role: RaftRole.Leader })
            {
                return n.NodeId;
            }
        }

        await poll.WaitForNextTickAsync();
    }

    throw new TimeoutException("No leader was elected.");
}

// Retried with the same request id: outcomes the runtime documents as unknown or transient. A request the
// session table can no longer judge (RequestExpiredException) is not: retrying it could never succeed.
static bool IsRetryable(Exception ex) =>
    ex is not RequestExpiredException and (HaCoreException or TimeoutException or ObjectDisposedException);

static int FreePort()
{
    using var listener = new TcpListener(IPAddress.Loopback, 0);
    listener.Start();
    return ((IPEndPoint)listener.LocalEndpoint).Port;
}

static string Short(RaftRole role) => role switch
{
    RaftRole.Leader => "leader",
    RaftRole.Follower => "follower",
    _ => "candidate",
};

internal sealed record DemoSettings(int Seconds, int Clients, string Profile, string? DataDirectory, ulong Seed, bool Log)
{
    public static DemoSettings Parse(string[] args)
    {
        string? Value(string name)
        {
            var i = Array.IndexOf(args, name);
            return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
        }

        return new DemoSettings(
            int.Parse(Value("--seconds") ?? "12", CultureInfo.InvariantCulture),
            int.Parse(Value("--clients") ?? "64", CultureInfo.InvariantCulture),
            Value("--profile") ?? "B1",
            Value("--data"),
            ulong.Parse(Value("--seed") ?? "1", CultureInfo.InvariantCulture),
            args.Contains("--log"));
    }
}
