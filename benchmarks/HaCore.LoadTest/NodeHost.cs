using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using HaCore.Raft;
using HaCore.Transport;

namespace HaCore.LoadTest;

/// <summary>
/// The <c>node</c> role: one HaCore node with the <see cref="KvStore"/> in this process, its binary client port
/// (hacore-network) and a line-based control port for the controller (STATUS, RUN for hacore-embedded, PRELOAD).
///   node --id N --data DIR --raft-port P --client-port Q --control-port R --peers 1=127.0.0.1:P1,...
///        [--keys 10000] [--heartbeat-ms 20] [--election-ms 200] [--snapshot-every 50000] [--reconnect-max-ms 5000] [--parent-pid PID] [--log FILE] [--entry-cache-bytes N] [--retained-commands N]
/// Environment: HACORE_CLUSTER_SECRET, the cluster secret in hex; the control port wants it as its first line.
/// </summary>
internal static class NodeHost
{
    public static async Task<int> RunAsync(string[] args)
    {
        string Arg(string name, string? fallback = null)
        {
            var i = Array.IndexOf(args, name);
            return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback ?? throw new ArgumentException($"node: missing {name}");
        }

        int Int(string name, string? fallback = null) => int.Parse(Arg(name, fallback), CultureInfo.InvariantCulture);

        var id = ulong.Parse(Arg("--id"), CultureInfo.InvariantCulture);
        var keys = Int("--keys", "10000");
        var heartbeatMs = Int("--heartbeat-ms", "20");
        var electionMs = Int("--election-ms", "200");
        var peers = Arg("--peers").Split(',').Select(p => p.Split('=')).ToDictionary(p => ulong.Parse(p[0], CultureInfo.InvariantCulture), p => IPEndPoint.Parse(p[1]));
        var secretHex = Environment.GetEnvironmentVariable("HACORE_CLUSTER_SECRET")
            ?? throw new InvalidOperationException("node: set HACORE_CLUSTER_SECRET to the cluster secret in hex.");
        var secret = Convert.FromHexString(secretHex);

        var options = new HaCoreNodeOptions
        {
            NodeId = id,
            ClusterId = 7,
            DataDirectory = Arg("--data"),
            TickInterval = TimeSpan.FromMilliseconds(heartbeatMs),
            HeartbeatTicks = 1,
            ElectionTicks = Math.Max(2, electionMs / heartbeatMs),
            ProposalTimeout = TimeSpan.FromSeconds(5),
            SnapshotEveryEntries = long.Parse(Arg("--snapshot-every", "50000"), CultureInfo.InvariantCulture),
            ListenEndPoint = new IPEndPoint(IPAddress.Loopback, Int("--raft-port")),
            Transport = new TcpTransportOptions
            {
                ClusterSecret = secret,
                ReconnectBackoffMax = TimeSpan.FromMilliseconds(double.Parse(Arg("--reconnect-max-ms", "5000"), CultureInfo.InvariantCulture)),
            },
        };
        if (args.Contains("--entry-cache-bytes"))
        {
            options.Storage = new HaCore.Storage.StorageOptions { EntryCacheBytes = long.Parse(Arg("--entry-cache-bytes"), CultureInfo.InvariantCulture) };
        }

        if (args.Contains("--retained-commands"))
        {
            options.RetainedCommands = Int("--retained-commands");
        }

        foreach (var (peer, endPoint) in peers)
        {
            options.InitialVoters.Add(peer);
            options.Peers[peer] = endPoint;
        }

        using var stop = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            stop.Cancel();
        };
        if (args.Contains("--parent-pid"))
        {
            _ = WatchParentAsync(Int("--parent-pid"), stop);
        }

        using var logFile = args.Contains("--log") ? new NodeLogFile(Arg("--log")) : null;
        await using var node = await ReplicatedStateMachine<KvStore, KvPut, long>.StartAsync(
            options, new KvStore(keys), KvPutCodec.Instance, Int64Codec.Instance, logFile, cancellationToken: stop.Token);
        var clientListener = new TcpListener(IPAddress.Loopback, Int("--client-port"));
        clientListener.Start(512);
        var controlListener = new TcpListener(IPAddress.Loopback, Int("--control-port"));
        controlListener.Start();
        var server = new ClientServer(node);
        var control = new ControlServer(node, secretHex, keys);
        Console.WriteLine($"node {id} ready pid {Environment.ProcessId}");
        Console.Out.Flush();
        var serving = Task.WhenAll(
            AcceptLoopAsync(clientListener, c => server.ServeAsync(c, stop.Token), stop.Token),
            AcceptLoopAsync(controlListener, c => control.ServeAsync(c, stop.Token), stop.Token));
        try
        {
            await serving;
        }
        catch (OperationCanceledException)
        {
        }

        clientListener.Stop();
        controlListener.Stop();
        return 0;
    }

    private static async Task WatchParentAsync(int parentPid, CancellationTokenSource stop)
    {
        // The controller kills its children on exit; this covers a controller that was itself killed with -9.
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

    private static async Task AcceptLoopAsync(TcpListener listener, Func<TcpClient, Task> serve, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            var client = await listener.AcceptTcpClientAsync(ct);
            client.NoDelay = true;
            _ = Task.Run(() => serve(client), CancellationToken.None);
        }
    }
}

/// <summary>
/// The binary client port (<see cref="Wire"/>): the leader serves requests, up to 4,096 in flight per connection
/// (the reader waits beyond that), a follower answers NOT_LEADER with its leader.
/// </summary>
internal sealed class ClientServer(ReplicatedStateMachine<KvStore, KvPut, long> node)
{
    private const int MaxInFlightPerConnection = 4096;
    private readonly SessionPool _sessions = new();

    public async Task ServeAsync(TcpClient client, CancellationToken stop)
    {
        using var tcp = client;
        using var connectionStop = CancellationTokenSource.CreateLinkedTokenSource(stop);
        var stream = client.GetStream();
        var outbox = Channel.CreateBounded<byte[]>(new BoundedChannelOptions(MaxInFlightPerConnection) { SingleReader = true });
        using var inFlight = new SemaphoreSlim(MaxInFlightPerConnection);
        var writer = WriteLoopAsync(stream, outbox.Reader, connectionStop.Token);
        var header = new byte[Wire.HeaderBytes];
        try
        {
            var input = new BufferedStream(stream, 64 << 10);
            while (!connectionStop.IsCancellationRequested)
            {
                var (id, op, body) = await Wire.ReadFrameAsync(input, header, connectionStop.Token);
                await inFlight.WaitAsync(connectionStop.Token);
                _ = HandleAsync(id, op, body, outbox.Writer, inFlight, connectionStop.Token);
            }
        }
        catch (Exception ex) when (ex is IOException or SocketException or EndOfStreamException or OperationCanceledException or InvalidDataException or ObjectDisposedException)
        {
        }
        finally
        {
            outbox.Writer.TryComplete();
            await connectionStop.CancelAsync();
            try
            {
                await writer;
            }
            catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
            {
            }
        }
    }

    private static async Task WriteLoopAsync(NetworkStream stream, ChannelReader<byte[]> outbox, CancellationToken ct)
    {
        var output = new BufferedStream(stream, 64 << 10);
        while (await outbox.WaitToReadAsync(ct))
        {
            while (outbox.TryRead(out var frame))
            {
                await output.WriteAsync(frame, ct);
            }

            await output.FlushAsync(ct);
        }
    }

    private async Task HandleAsync(ulong id, byte op, byte[] body, ChannelWriter<byte[]> outbox, SemaphoreSlim inFlight, CancellationToken ct)
    {
        byte[] answer;
        try
        {
            var status = node.Status;
            if (status.Role != RaftRole.Leader)
            {
                answer = new byte[Wire.HeaderBytes + 8];
                Wire.WriteHeader(answer, 8, id, Wire.StatusNotLeader);
                BinaryPrimitives.WriteUInt64LittleEndian(answer.AsSpan(Wire.HeaderBytes), status.Leader == node.NodeId ? 0 : status.Leader);
            }
            else if (op == Wire.OpPut && body.Length >= 4)
            {
                var request = _sessions.Next(out var session);
                try
                {
                    await node.ProposeAsync(request, new KvPut(BinaryPrimitives.ReadInt32LittleEndian(body), body[4..]), ct);
                }
                finally
                {
                    _sessions.Return(session);
                }
                answer = new byte[Wire.HeaderBytes];
                Wire.WriteHeader(answer, 0, id, Wire.StatusOk);
            }
            else if (op == Wire.OpGet && body.Length >= 5)
            {
                var key = BinaryPrimitives.ReadInt32LittleEndian(body);
                var consistency = body[4] == 1 ? ReadConsistency.Lease : ReadConsistency.Linearizable;
                var value = (await node.ReadAsync(s => s.Get(key), consistency, ct)).Value;
                var length = value?.Length ?? 0;
                answer = new byte[Wire.HeaderBytes + 4 + length];
                Wire.WriteHeader(answer, 4 + length, id, Wire.StatusOk);
                BinaryPrimitives.WriteInt32LittleEndian(answer.AsSpan(Wire.HeaderBytes), value?.Length ?? -1);
                value?.CopyTo(answer.AsSpan(Wire.HeaderBytes + 4));
            }
            else
            {
                answer = Error(id, Wire.ErrorOther, $"bad request op {op} with {body.Length} bytes");
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            inFlight.Release();
            return;
        }
        catch (Exception ex)
        {
            answer = Error(id, ex switch
            {
                TimeoutException => Wire.ErrorTimeout,
                NoQuorumException => Wire.ErrorNoQuorum,
                ProposalRejectedException => Wire.ErrorRejected,
                _ => Wire.ErrorOther,
            }, $"{ex.GetType().Name}: {ex.Message}");
        }

        try
        {
            await outbox.WriteAsync(answer, ct);
        }
        catch (Exception ex) when (ex is OperationCanceledException or ChannelClosedException)
        {
        }
        finally
        {
            inFlight.Release();
        }
    }

    private static byte[] Error(ulong id, byte code, string message)
    {
        var text = Encoding.UTF8.GetBytes(message.Length > 500 ? message[..500] : message);
        var answer = new byte[Wire.HeaderBytes + 1 + text.Length];
        Wire.WriteHeader(answer, 1 + text.Length, id, Wire.StatusError);
        answer[Wire.HeaderBytes] = code;
        text.CopyTo(answer.AsSpan(Wire.HeaderBytes + 1));
        return answer;
    }
}

/// <summary>The step the controller asks the leader to run inside its own process (hacore-embedded).</summary>
internal sealed record EmbeddedStep(string Profile, int Clients, double WarmupSeconds, double Seconds, int Keys, int ValueBytes, int OpDeadlineMs, ulong Seed);

/// <summary>
/// The control port, one request line and its answer lines per request, after a first line with the secret:
///   STATUS                 -> OK role term leader commit applied
///   PRELOAD n              -> OK n   (writes keys 0 .. n-1 through this node)
///   RUN {EmbeddedStep}     -> MEASURING (warmup over), SAMPLE {Sample} per second, MEASURED, RESULT {DriverResult}
/// Errors: ERR message.
/// </summary>
internal sealed class ControlServer(ReplicatedStateMachine<KvStore, KvPut, long> node, string secretHex, int keys)
{
    private readonly SemaphoreSlim _oneRun = new(1);

    public async Task ServeAsync(TcpClient client, CancellationToken stop)
    {
        using var tcp = client;
        try
        {
            var stream = client.GetStream();
            using var reader = new StreamReader(stream, Encoding.UTF8);
            await using var writer = new StreamWriter(stream, new UTF8Encoding(false)) { AutoFlush = true, NewLine = "\n" };
            using (var hello = CancellationTokenSource.CreateLinkedTokenSource(stop))
            {
                hello.CancelAfter(TimeSpan.FromSeconds(5));
                var first = await reader.ReadLineAsync(hello.Token);
                if (first is null || !System.Security.Cryptography.CryptographicOperations.FixedTimeEquals(
                        Encoding.ASCII.GetBytes(first), Encoding.ASCII.GetBytes("HELLO " + secretHex)))
                {
                    await writer.WriteLineAsync("ERR not authenticated");
                    return;
                }
            }

            while (await reader.ReadLineAsync(stop) is { } line)
            {
                try
                {
                    await HandleAsync(line, writer, stop);
                }
                catch (Exception ex) when (ex is not IOException and not SocketException)
                {
                    await writer.WriteLineAsync($"ERR {ex.GetType().Name}: {ex.Message.ReplaceLineEndings(" ")}");
                }
            }
        }
        catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
        }
    }

    private async Task HandleAsync(string line, StreamWriter writer, CancellationToken stop)
    {
        var space = line.IndexOf(' ', StringComparison.Ordinal);
        var verb = space < 0 ? line : line[..space];
        var rest = space < 0 ? string.Empty : line[(space + 1)..];
        switch (verb)
        {
            case "STATUS":
                var s = node.Status;
                await writer.WriteLineAsync($"OK {s.Role} {s.Term} {s.Leader} {s.CommitIndex} {s.AppliedIndex}");
                break;
            case "PRELOAD":
                var n = Math.Min(keys, int.Parse(rest, CultureInfo.InvariantCulture));
                await using (var client = new EmbeddedKvClient(node))
                {
                    using var deadline = CancellationTokenSource.CreateLinkedTokenSource(stop);
                    deadline.CancelAfter(TimeSpan.FromMinutes(2));
                    await ClosedLoopDriver.PreloadAsync(client, n, 256, 64, TimeSpan.FromSeconds(5), deadline.Token);
                }

                await writer.WriteLineAsync($"OK {n}");
                break;
            case "RUN":
                var step = JsonSerializer.Deserialize<EmbeddedStep>(rest, Json.Options) ?? throw new ArgumentException("RUN needs a step");
                if (!await _oneRun.WaitAsync(0, stop))
                {
                    throw new InvalidOperationException("a step is already running on this node");
                }

                try
                {
                    await using var client = new EmbeddedKvClient(node);
                    var spec = new DriverSpec(Workload.ForProfile(step.Profile, step.Keys, step.ValueBytes), step.Clients, step.WarmupSeconds, step.Seconds,
                        TimeSpan.FromMilliseconds(step.OpDeadlineMs), step.Seed);
                    var writeLock = new Lock();
                    void Send(string text)
                    {
                        lock (writeLock)
                        {
                            writer.WriteLine(text);
                        }
                    }

                    using var deadline = CancellationTokenSource.CreateLinkedTokenSource(stop);
                    deadline.CancelAfter(TimeSpan.FromSeconds(step.WarmupSeconds + step.Seconds + 60));
                    var result = await ClosedLoopDriver.RunAsync(client, spec,
                        () => Send("MEASURING"),
                        () => Send("MEASURED"),
                        sample => Send("SAMPLE " + JsonSerializer.Serialize(sample, Json.Options)),
                        null, deadline.Token);
                    Send("RESULT " + JsonSerializer.Serialize(result, Json.Options));
                }
                finally
                {
                    _oneRun.Release();
                }

                break;
            default:
                await writer.WriteLineAsync($"ERR unknown request {verb}");
                break;
        }
    }
}

/// <summary>
/// hacore-embedded: the driver calls the node's own API in its process. NoQuorumException and TimeoutException (an
/// election under way) are retried within the operation's deadline, as the network and etcd clients retry theirs; a
/// write is retried with the same request id, so HaCore applies it once.
/// </summary>
internal sealed class EmbeddedKvClient(ReplicatedStateMachine<KvStore, KvPut, long> node) : IKvClient
{
    private readonly SessionPool _sessions = new();
    private long _retries;

    public long Retries => Interlocked.Read(ref _retries);

    public async ValueTask PutAsync(int key, byte[] value, CancellationToken ct)
    {
        var request = _sessions.Next(out var session);
        try
        {
            while (true)
            {
                try
                {
                    await node.ProposeAsync(request, new KvPut(key, value), ct);
                    return;
                }
                catch (Exception ex) when (ex is NoQuorumException or TimeoutException && !ct.IsCancellationRequested)
                {
                    Interlocked.Increment(ref _retries);
                    await Task.Delay(10, ct);
                }
            }
        }
        finally
        {
            _sessions.Return(session);
        }
    }

    public async ValueTask<int> GetAsync(int key, ReadMode mode, CancellationToken ct)
    {
        while (true)
        {
            try
            {
                var read = await node.ReadAsync(s => s.Get(key), mode == ReadMode.Lease ? ReadConsistency.Lease : ReadConsistency.Linearizable, ct);
                return read.Value?.Length ?? -1;
            }
            catch (Exception ex) when (ex is NoQuorumException or TimeoutException && !ct.IsCancellationRequested)
            {
                Interlocked.Increment(ref _retries);
                await Task.Delay(10, ct);
            }
        }
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}

internal static class Json
{
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web) { NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals };
}
