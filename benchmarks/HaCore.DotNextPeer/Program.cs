using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using DotNext.Net.Cluster.Consensus.Raft;
using DotNext.Net.Cluster.Consensus.Raft.Membership;
using DotNext.Net.Cluster.Consensus.Raft.StateMachine;
using HaCore.DotNextPeer;

// One DotNext.Net.Cluster Raft node per process, started by the load harness (benchmarks/HaCore.LoadTest,
// DotNextCluster). See PeerOptions for the command line and docs/performance.md for the settings and what they mean.
PeerOptions options;
try
{
    options = PeerOptions.Parse(args);
}
catch (ArgumentException ex)
{
    Console.Error.WriteLine(ex.Message);
    Console.Error.WriteLine(PeerOptions.Usage);
    return 2;
}

using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stop.Cancel();
};
using var sigterm = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, context =>
{
    context.Cancel = true;
    stop.Cancel();
});
if (options.ParentPid is { } parentPid)
{
    _ = WatchParentAsync(parentPid, stop);
}

Directory.CreateDirectory(options.Data);
var stateMachine = new KvStateMachine(Directory.CreateDirectory(Path.Combine(options.Data, "snapshots")), options.Keys, options.SnapshotEvery);
await stateMachine.RestoreAsync(stop.Token); // before the WAL is built: it replays the log from the restored snapshot on
await using var wal = new WriteAheadLog(
    new WriteAheadLog.Options
    {
        Location = Path.Combine(options.Data, "wal"),
        // The most durable settings DotNext 6.12 has. Every commit waits for the flush of the log up to the committed
        // index (always on in 6.12: FlushOnCommit and FlushInterval are obsolete no-ops). SharedMemory (DotNext's
        // default) writes entries into memory-mapped chunk files and flushes them with msync(MS_SYNC), as durable at a
        // flush as PrivateMemory's O_DSYNC writes. Neither keeps what was not flushed: on restart the WAL ends at its
        // last checkpoint, which the flusher writes after each flush. CRC32 per entry, as HaCore's WAL checks its
        // records.
        MemoryManagement = WriteAheadLog.MemoryManagementStrategy.SharedMemory,
        HashAlgorithm = WriteAheadLog.IntegrityHashAlgorithm.Crc32,
    },
    stateMachine);

using var loggerFactory = new StderrLoggerFactory();
var configuration = new RaftCluster.TcpConfiguration(new IPEndPoint(IPAddress.Loopback, options.RaftPort))
{
    // Same timings as HaCore and etcd get from the harness: a heartbeat every --heartbeat-ms (DotNext's heartbeat is
    // LowerElectionTimeout x HeartbeatThreshold), an election timeout drawn from [election, 2 x election) ms as etcd's.
    LowerElectionTimeout = options.ElectionMs,
    UpperElectionTimeout = 2 * options.ElectionMs,
    HeartbeatThreshold = (double)options.HeartbeatMs / options.ElectionMs,
    RequestTimeout = TimeSpan.FromMilliseconds(options.ElectionMs),
    ConnectTimeout = TimeSpan.FromMilliseconds(options.ElectionMs),
    ColdStart = false, // the members are configured below, on every node
    IsLeaderLeaseEnabled = true,
    ConfigurationStorage = null!, // null: DotNext's in-memory configuration storage
    LoggerFactory = loggerFactory,
};
var storage = (InMemoryClusterConfigurationStorage<EndPoint>)configuration.ConfigurationStorage;
var members = storage.CreateInitialConfigurationBuilder();
foreach (var endPoint in options.Peers.Values)
{
    members.Add(endPoint);
}

members.Build();

await using var cluster = new RaftCluster(configuration) { AuditTrail = wal };
await cluster.StartAsync(stop.Token);

var clientListener = new TcpListener(IPAddress.Loopback, options.ClientPort);
clientListener.Start(512);
var controlListener = new TcpListener(IPAddress.Loopback, options.ControlPort);
controlListener.Start();
var node = new PeerNode(options, cluster, wal, stateMachine);
var clients = new ClientServer(node, TimeSpan.FromMilliseconds(options.DeadlineMs));
var control = new ControlServer(node);
Console.WriteLine($"dotnext node {options.Id} ready pid {Environment.ProcessId}");
Console.Out.Flush();
try
{
    await Task.WhenAll(
        AcceptLoopAsync(clientListener, c => clients.ServeAsync(c, stop.Token), stop.Token),
        AcceptLoopAsync(controlListener, c => control.ServeAsync(c, stop.Token), stop.Token));
}
catch (OperationCanceledException) when (stop.IsCancellationRequested)
{
}

clientListener.Stop();
controlListener.Stop();
using (var shutdown = new CancellationTokenSource(TimeSpan.FromSeconds(5)))
{
    await cluster.StopAsync(shutdown.Token);
}

return 0;

static async Task AcceptLoopAsync(TcpListener listener, Func<TcpClient, Task> serve, CancellationToken ct)
{
    while (!ct.IsCancellationRequested)
    {
        var client = await listener.AcceptTcpClientAsync(ct);
        client.NoDelay = true;
        _ = Task.Run(() => serve(client), CancellationToken.None);
    }
}

static async Task WatchParentAsync(int parentPid, CancellationTokenSource stop)
{
    // The harness kills its children on exit; this covers a harness that was itself killed with -9.
    while (!stop.IsCancellationRequested)
    {
        await Task.Delay(1000);
        try
        {
            using var parent = Process.GetProcessById(parentPid);
            if (parent.HasExited)
            {
                Environment.Exit(3);
            }
        }
        catch (ArgumentException)
        {
            Environment.Exit(3);
        }
    }
}
