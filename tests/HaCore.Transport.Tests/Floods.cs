using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using HaCore.Raft;

namespace HaCore.Transport.Tests;

/// <summary>What an attacker did and saw.</summary>
internal sealed class FloodStats
{
    private long _attempts;
    private long _connected;
    private long _closedByServer;
    private long _frames;
    private long _handshakes;

    /// <summary>Connection attempts started.</summary>
    public long Attempts => Interlocked.Read(ref _attempts);

    /// <summary>Attempts whose TCP connect succeeded.</summary>
    public long Connected => Interlocked.Read(ref _connected);

    /// <summary>Connections the node closed (EOF or reset seen by the attacker).</summary>
    public long ClosedByServer => Interlocked.Read(ref _closedByServer);

    /// <summary>Frames written (useless-frames flood).</summary>
    public long Frames => Interlocked.Read(ref _frames);

    /// <summary>Handshakes the node accepted (authenticated floods).</summary>
    public long Handshakes => Interlocked.Read(ref _handshakes);

    public void Attempt() => Interlocked.Increment(ref _attempts);

    public void Connect() => Interlocked.Increment(ref _connected);

    public void ServerClosed() => Interlocked.Increment(ref _closedByServer);

    public void Sent(int frames) => Interlocked.Add(ref _frames, frames);

    public void Handshake() => Interlocked.Increment(ref _handshakes);

    public override string ToString() =>
        $"{Attempts} attempts, {Connected} connected, {ClosedByServer} closed by the node, {Handshakes} handshakes, {Frames} frames";
}

/// <summary>
/// The floods of issue 14, as attacker clients on 127.0.0.1. Each runs until <c>stop</c> is cancelled;
/// every network wait has a deadline. The pacing delays of the slow-loris client are the attack itself
/// (a byte every so often), not synchronization.
/// </summary>
internal static class Floods
{
    private static readonly TimeSpan ConnectDeadline = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan CloseDeadline = TimeSpan.FromSeconds(15);

    /// <summary>(a) Open/close churn: <paramref name="parallel"/> workers connecting and dropping the
    /// connection as fast as they can: closed at once, reset, after a few garbage bytes, or after a hello
    /// for another cluster.</summary>
    public static Task ChurnAsync(IPEndPoint target, FloodStats stats, CancellationToken stop, int parallel = 8) =>
        Task.WhenAll(Enumerable.Range(0, parallel).Select(w => Task.Run(() => ChurnWorkerAsync(target, w, stats, stop))));

    /// <summary>(a) Held-open connections: keeps <paramref name="count"/> unauthenticated connections open,
    /// silent, reopening each as soon as the node closes it.</summary>
    public static Task HoldOpenAsync(IPEndPoint target, int count, FloodStats stats, CancellationToken stop) =>
        Task.WhenAll(Enumerable.Range(0, count).Select(_ => Task.Run(() => HoldOneOpenAsync(target, stats, stop))));

    /// <summary>(b) Slow-loris: <paramref name="count"/> connections each trickling a valid hello one byte
    /// per <paramref name="byteInterval"/>, so none finishes; each reopens when the node closes it.</summary>
    public static Task SlowLorisAsync(IPEndPoint target, ulong to, int count, TimeSpan byteInterval, FloodStats stats, CancellationToken stop) =>
        Task.WhenAll(Enumerable.Range(0, count).Select(_ => Task.Run(() => TrickleOneAsync(target, to, byteInterval, stats, stop))));

    /// <summary>(c) Frames announcing 4 GiB (length prefix 0xFFFFFFFF), before the handshake and, as an
    /// authenticated peer (<paramref name="secret"/>), after it; and, after it, frames announcing just under
    /// the frame limit of which only 64 KiB ever arrive.</summary>
    public static Task HugeFramesAsync(IPEndPoint target, ulong to, byte[] secret, int maxFrameBytes, FloodStats stats, CancellationToken stop, int parallel = 4) =>
        Task.WhenAll(Enumerable.Range(0, parallel).Select(w => Task.Run(() => HugeFramesWorkerAsync(target, to, secret, maxFrameBytes, w, stats, stop))));

    /// <summary>(d) As an authenticated peer (<see cref="FloodCluster.SpareId"/>), a stream of valid frames
    /// the node has no use for, as fast as it takes them: heartbeat and append responses from a node that
    /// is not a member, at the current term (<paramref name="term"/>), and heartbeats of an older term.</summary>
    public static async Task UselessFramesAsync(IPEndPoint target, ulong to, byte[] secret, Func<ulong> term, FloodStats stats, CancellationToken stop)
    {
        var batch = new byte[64 << 10];
        while (!stop.IsCancellationRequested)
        {
            stats.Attempt();
            try
            {
                using var client = await HandshakeAsync(target, FloodCluster.SpareId, to, secret, instance: 0x5eed, stop);
                stats.Handshake();
                var stream = client.GetStream();
                while (!stop.IsCancellationRequested)
                {
                    var current = term();
                    var n = 0;
                    var frames = 0;
                    for (var i = 0; n + 256 < batch.Length; i++, frames++)
                    {
                        var message = (i % 3) switch
                        {
                            0 => new Message { Type = MessageType.HeartbeatResponse, From = FloodCluster.SpareId, To = to, Term = current },
                            1 => new Message { Type = MessageType.AppendResponse, From = FloodCluster.SpareId, To = to, Term = current, Index = (ulong)i },
                            _ => new Message { Type = MessageType.Heartbeat, From = FloodCluster.SpareId, To = to, Term = Math.Max(1, current - 1), Commit = 0 },
                        };
                        n += RaftMessageCodec.Encode(message, batch.AsSpan(n));
                    }

                    await stream.WriteAsync(batch.AsMemory(0, n), stop);
                    stats.Sent(frames);
                }
            }
            catch (Exception ex) when (IsNetworkError(ex))
            {
                stats.ServerClosed();
            }
        }
    }

    /// <summary>Connects and passes the handshake as node <paramref name="from"/> with <paramref name="secret"/>;
    /// throws <see cref="IOException"/> when the node refuses.</summary>
    public static async Task<TcpClient> HandshakeAsync(IPEndPoint target, ulong from, ulong to, byte[] secret, ulong instance, CancellationToken ct)
    {
        var client = await ConnectAsync(target, ct);
        try
        {
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
            deadline.CancelAfter(CloseDeadline);
            var stream = client.GetStream();
            var nonce = RandomNumberGenerator.GetBytes(ControlFrames.NonceBytes);
            var buffer = new byte[512];
            var n = ControlFrames.EncodeHello(new Hello(ControlFrames.Magic, ControlFrames.ProtocolVersion, FloodCluster.ClusterId, from, to) { HasSecret = true, Nonce = nonce, Instance = instance }, buffer);
            await stream.WriteAsync(buffer.AsMemory(0, n), deadline.Token);
            var reply = await ReadFrameAsync(stream, deadline.Token);
            if (!ControlFrames.IsChallenge(reply))
            {
                throw new IOException($"handshake refused: {ControlFrames.DecodeHelloReply(reply).Status}");
            }

            var challenge = ControlFrames.DecodeChallenge(reply);
            var context = new ProofContext(nonce, challenge.Nonce, instance, FloodCluster.ClusterId, from, to);
            n = ControlFrames.EncodeProof(ClusterSecretProof.Compute(secret, ProofDirection.Dialer, context), buffer);
            await stream.WriteAsync(buffer.AsMemory(0, n), deadline.Token);
            var result = ControlFrames.DecodeHelloReply(await ReadFrameAsync(stream, deadline.Token));
            if (result.Status != HandshakeStatus.Accepted)
            {
                throw new IOException($"handshake refused: {result.Status}");
            }

            return client;
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    /// <summary>Waits (with a deadline) until the node closes <paramref name="client"/>; true when it did.</summary>
    public static async Task<bool> ClosedByServerAsync(TcpClient client, CancellationToken stop)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(stop);
        deadline.CancelAfter(CloseDeadline);
        var buffer = new byte[512];
        try
        {
            while (await client.GetStream().ReadAsync(buffer, deadline.Token) > 0)
            {
            }

            return true;
        }
        catch (IOException)
        {
            return true; // reset
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private static async Task ChurnWorkerAsync(IPEndPoint target, int worker, FloodStats stats, CancellationToken stop)
    {
        var garbage = new byte[] { 0x13, 0x37, 0xbe, 0xef, 0x00, 0x01 };
        var wrongCluster = new byte[512];
        var n = ControlFrames.EncodeHello(new Hello(ControlFrames.Magic, ControlFrames.ProtocolVersion, "another-cluster", 5, 1) { HasSecret = true, Nonce = new byte[ControlFrames.NonceBytes], Instance = 1 }, wrongCluster);
        for (var i = worker; !stop.IsCancellationRequested; i += 8)
        {
            stats.Attempt();
            try
            {
                using var client = await ConnectAsync(target, stop);
                stats.Connect();
                switch (i % 4)
                {
                    case 0:
                        break; // closed at once
                    case 1:
                        client.Client.LingerState = new LingerOption(true, 0); // reset
                        break;
                    case 2:
                        await client.GetStream().WriteAsync(garbage, stop);
                        break;
                    default:
                        await client.GetStream().WriteAsync(wrongCluster.AsMemory(0, n), stop);
                        if (await ClosedByServerAsync(client, stop))
                        {
                            stats.ServerClosed();
                        }

                        break;
                }
            }
            catch (Exception ex) when (IsNetworkError(ex))
            {
            }
        }
    }

    private static async Task HoldOneOpenAsync(IPEndPoint target, FloodStats stats, CancellationToken stop)
    {
        var buffer = new byte[64];
        while (!stop.IsCancellationRequested)
        {
            stats.Attempt();
            try
            {
                using var client = await ConnectAsync(target, stop);
                stats.Connect();

                // Silent until the node closes it (its handshake deadline or a limit) or the flood ends.
                while (await client.GetStream().ReadAsync(buffer, stop) > 0)
                {
                }

                stats.ServerClosed();
            }
            catch (Exception ex) when (IsNetworkError(ex))
            {
                if (!stop.IsCancellationRequested)
                {
                    stats.ServerClosed();
                }
            }
        }
    }

    private static async Task TrickleOneAsync(IPEndPoint target, ulong to, TimeSpan byteInterval, FloodStats stats, CancellationToken stop)
    {
        var hello = new byte[512];
        var n = ControlFrames.EncodeHello(new Hello(ControlFrames.Magic, ControlFrames.ProtocolVersion, FloodCluster.ClusterId, FloodCluster.SpareId, to) { HasSecret = true, Nonce = RandomNumberGenerator.GetBytes(ControlFrames.NonceBytes), Instance = 3 }, hello);
        while (!stop.IsCancellationRequested)
        {
            stats.Attempt();
            try
            {
                using var client = await ConnectAsync(target, stop);
                stats.Connect();
                var closed = ClosedByServerAsync(client, stop);

                // One byte at a time, never the last one: the hello is never complete. Reconnects as soon
                // as the node closes it (refused at accept, or at its deadline), as a real attacker would.
                for (var sent = 0; sent < n - 1 && !closed.IsCompleted; sent++)
                {
                    await client.GetStream().WriteAsync(hello.AsMemory(sent, 1), stop);
                    await Task.WhenAny(closed, Task.Delay(byteInterval, stop)); // the attack's pace
                }

                if (await closed)
                {
                    stats.ServerClosed();
                }
            }
            catch (Exception ex) when (IsNetworkError(ex))
            {
                if (!stop.IsCancellationRequested)
                {
                    stats.ServerClosed();
                }
            }
        }
    }

    private static async Task HugeFramesWorkerAsync(IPEndPoint target, ulong to, byte[] secret, int maxFrameBytes, int worker, FloodStats stats, CancellationToken stop)
    {
        var fourGiB = new byte[64];
        BinaryPrimitives.WriteUInt32LittleEndian(fourGiB, uint.MaxValue);
        fourGiB[4] = RaftMessageCodec.FormatVersion;
        fourGiB[5] = (byte)FrameKind.Message;
        var almostLimit = new byte[64 << 10];
        BinaryPrimitives.WriteUInt32LittleEndian(almostLimit, (uint)maxFrameBytes - 4);
        almostLimit[4] = RaftMessageCodec.FormatVersion;
        almostLimit[5] = (byte)FrameKind.Message;
        TcpClient? stalled = null;
        try
        {
            for (var i = worker; !stop.IsCancellationRequested; i += 4)
            {
                stats.Attempt();
                try
                {
                    switch (i % 3)
                    {
                        case 0:
                            {
                                // Before the handshake: the handshake's frame limit refuses it at the prefix.
                                using var client = await ConnectAsync(target, stop);
                                stats.Connect();
                                await client.GetStream().WriteAsync(fourGiB, stop);
                                if (await ClosedByServerAsync(client, stop))
                                {
                                    stats.ServerClosed();
                                }

                                break;
                            }

                        case 1:
                            {
                                // After the handshake: the frame limit refuses it at the prefix.
                                using var client = await HandshakeAsync(target, FloodCluster.SpareId, to, secret, instance: 0xb16, stop);
                                stats.Connect();
                                stats.Handshake();
                                await client.GetStream().WriteAsync(fourGiB, stop);
                                if (await ClosedByServerAsync(client, stop))
                                {
                                    stats.ServerClosed();
                                }

                                break;
                            }

                        default:
                            {
                                // After the handshake, a frame just under the limit whose bytes never all
                                // arrive; left open until this worker's next such connection replaces it.
                                var client = await HandshakeAsync(target, FloodCluster.SpareId, to, secret, instance: 0xb16, stop);
                                stats.Connect();
                                stats.Handshake();
                                stalled?.Dispose();
                                stalled = client;
                                await client.GetStream().WriteAsync(almostLimit, stop);
                                break;
                            }
                    }
                }
                catch (Exception ex) when (IsNetworkError(ex))
                {
                    if (!stop.IsCancellationRequested)
                    {
                        stats.ServerClosed();
                    }
                }
            }
        }
        finally
        {
            stalled?.Dispose();
        }
    }

    private static async Task<TcpClient> ConnectAsync(IPEndPoint target, CancellationToken stop)
    {
        var client = new TcpClient(AddressFamily.InterNetwork) { NoDelay = true };
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(stop);
        deadline.CancelAfter(ConnectDeadline);
        try
        {
            await client.ConnectAsync(target, deadline.Token);
            return client;
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    private static async Task<byte[]> ReadFrameAsync(NetworkStream stream, CancellationToken ct)
    {
        var header = new byte[4];
        await stream.ReadExactlyAsync(header, ct);
        var length = BinaryPrimitives.ReadUInt32LittleEndian(header);
        if (length > 1020)
        {
            throw new IOException($"handshake frame of {length} bytes");
        }

        var frame = new byte[length + 4];
        header.CopyTo(frame, 0);
        await stream.ReadExactlyAsync(frame.AsMemory(4), ct);
        return RaftMessageCodec.ValidateFrame(frame, 1024, out _).ToArray();
    }

    /// <summary>What a refused, reset or timed-out attacker connection throws (and the end of the flood).</summary>
    private static bool IsNetworkError(Exception ex) =>
        ex is IOException or SocketException or ObjectDisposedException or RaftFrameException or OperationCanceledException;
}
