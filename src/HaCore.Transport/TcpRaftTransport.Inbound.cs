using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using HaCore.Raft;

namespace HaCore.Transport;

// The inbound side: the accept loop and its limits, one accepted connection from TLS and the handshake to its frames,
// and the pending-handshake slots (docs/security.md, "Floods").
public sealed partial class TcpRaftTransport
{
    private async Task AcceptLoopAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _listener!.AcceptAsync(ct).ConfigureAwait(false);
            }
            catch (Exception) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (SocketException ex)
            {
                // Transient accept errors (a connection reset before we took it) must not stop the node.
                Log.AcceptFailed(_logger, LocalId, ex);
                continue;
            }

            if (_inbound.Count >= _options.MaxInboundConnections)
            {
                // Bounded like everything else: a flood of connections cannot exhaust the node.
                CountRefusal("inbound_limit");
                if (MayLogRefusal("inbound_limit"))
                {
                    Log.InboundLimitReached(_logger, LocalId, RemoteOf(socket), _options.MaxInboundConnections);
                }

                socket.Dispose();
                continue;
            }

            // Every handshake slot taken: the oldest pending handshake makes room. A real peer's handshake
            // takes a few round trips, so slow or silent connections (slow-loris) are the ones that age;
            // refusing the newcomer instead would let a few of them keep every peer out for as long as
            // they reconnect.
            var remote = RemoteOf(socket);
            var entry = new PendingHandshake(remote, _options.HandshakeTimeout, ct);
            PendingHandshake? evicted = null;
            lock (_pendingGate)
            {
                if (_pending.Count >= _options.MaxPendingHandshakes)
                {
                    evicted = _pending.First!.Value;
                    _pending.RemoveFirst();
                    evicted.Node = null;
                }

                entry.Node = _pending.AddLast(entry);
            }

            if (evicted is not null)
            {
                CountRefusal("pending_evicted");
                if (MayLogRefusal("pending_evicted"))
                {
                    Log.PendingHandshakeEvicted(_logger, LocalId, evicted.Remote, _options.MaxPendingHandshakes, remote);
                }

                evicted.Evict();
            }

            var task = Task.Run(() => HandleInboundAsync(socket, entry, ct), CancellationToken.None);
            Track(_inbound, task);
        }
    }

    /// <summary>Frees the handshake slot of <paramref name="entry"/> (once; an evicted one was freed when evicted).</summary>
    private void ReleasePending(PendingHandshake entry)
    {
        lock (_pendingGate)
        {
            if (entry.Node is { } node)
            {
                _pending.Remove(node);
                entry.Node = null;
            }
        }
    }

    /// <summary>Keeps <paramref name="task"/> in <paramref name="set"/> until it ends, so disposal can wait for it.</summary>
    private static void Track(ConcurrentDictionary<Task, byte> set, Task task)
    {
        set.TryAdd(task, 0);
        _ = task.ContinueWith(static (t, state) => ((ConcurrentDictionary<Task, byte>)state!).TryRemove(t, out _), set, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    private Task HandleInboundAsync(Socket socket, PendingHandshake entry, CancellationToken ct) => ServeInboundAsync(
        () =>
        {
            ConfigureSocket(socket);
            return new NetworkStream(socket, ownsSocket: true);
        },
        socket.Dispose,
        entry,
        ct);

    /// <summary>
    /// Fuzzing: serves one inbound connection over <paramref name="stream"/> exactly as an accepted socket is served
    /// (TLS when configured, the handshake, then frames to <paramref name="sink"/>) and returns when it ends. The
    /// transport must come from <see cref="ForHandshakeFuzzing"/>; <see cref="UnexpectedInboundFailures"/> counts the
    /// connections that ended on an exception the handler does not expect.
    /// </summary>
    internal Task ServeInboundForFuzzingAsync(Stream stream, IRaftMessageSink sink, CancellationToken ct)
    {
        _sink ??= sink;
        _metrics ??= new TransportMetrics(_meterFactory, LocalId, QueuedBytes, QueuedFrames);
        var entry = new PendingHandshake(null, _options.HandshakeTimeout, ct);
        return ServeInboundAsync(() => stream, stream.Dispose, entry, ct);
    }

    /// <summary>Fuzzing and tests: inbound connections that ended on an exception the handler does not expect.</summary>
    internal long UnexpectedInboundFailures => Interlocked.Read(ref _unexpectedInboundFailures);

    private long _unexpectedInboundFailures;

    /// <summary>One inbound connection, from the stream <paramref name="open"/> gives (it may throw: a connection reset
    /// before it is served) to its end; <paramref name="dispose"/> closes what <paramref name="open"/> would have.</summary>
    private async Task ServeInboundAsync(Func<Stream> open, Action dispose, PendingHandshake entry, CancellationToken ct)
    {
        using var handshake = entry;
        var remote = entry.Remote;
        Stream? stream = null;
        FrameReader? reader = null;
        ulong peer = 0;
        using var connection = CancellationTokenSource.CreateLinkedTokenSource(ct);
        try
        {
            // Inside the try: a connection reset before we got here must still release its handshake slot.
            stream = open();
            {
                var timeout = entry.Deadline;
                try
                {
                    if (_options.UseTls)
                    {
                        var ssl = await AuthenticateInboundTlsAsync(stream, remote, timeout.Token).ConfigureAwait(false);
                        if (ssl is null)
                        {
                            return;
                        }

                        stream = ssl;
                    }

                    reader = new FrameReader(stream, ControlFrames.MaxHandshakeFrameBytes);
                    peer = await AcceptHandshakeAsync(stream, reader, remote, connection, timeout.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (timeout.IsCancellationRequested && !ct.IsCancellationRequested)
                {
                    if (entry.Evicted)
                    {
                        return; // made room for a newer connection; counted and logged by the accept loop
                    }

                    // The handshake deadline (slow or silent clients, slow-loris): a refusal, named in the log.
                    CountRefusal("handshake_timeout");
                    if (MayLogRefusal("handshake_timeout"))
                    {
                        Log.HandshakeTimedOut(_logger, LocalId, remote, (long)_options.HandshakeTimeout.TotalMilliseconds, reader?.BytesReceived ?? 0);
                    }

                    return;
                }

                if (peer == 0)
                {
                    CountRefusal("handshake_refused");
                    return;
                }
            }

            ReleasePending(entry);
            reader.MaxFrameBytes = _options.MaxFrameBytes;
            await ReceiveAsync(stream, reader, peer, connection.Token).ConfigureAwait(false);

            Log.InboundClosed(_logger, LocalId, remote, peer, null);
        }
        catch (RaftFrameException ex)
        {
            _metrics!.MalformedFrames.Add(1);
            if (peer == 0)
            {
                CountRefusal("malformed");
            }

            if (peer != 0 ? MayLogPeerError() : MayLogRefusal("malformed"))
            {
                Log.MalformedFrame(_logger, LocalId, remote, peer, ex);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        catch (Exception ex) when (peer == 0 && ex is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // Closed or reset before authenticating (a port scan, a connection flood): rate-limited like refusals.
            CountRefusal("closed_before_handshake");
            if (MayLogRefusal("closed_before_handshake"))
            {
                Log.ClosedBeforeHandshake(_logger, LocalId, remote, reader?.BytesReceived ?? 0, ex.Message);
            }
        }
        catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            Log.InboundClosed(_logger, LocalId, remote, peer, ex);
        }
#pragma warning disable CA1031 // One connection's failure, whatever it is, must not fault the transport.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            Interlocked.Increment(ref _unexpectedInboundFailures);
            if (peer != 0 ? MayLogPeerError() : MayLogRefusal("failed_before_handshake"))
            {
                Log.InboundFailed(_logger, LocalId, remote, peer, ex);
            }
        }
        finally
        {
            ReleasePending(entry);

            lock (_gate)
            {
                // By value: the handshake may have registered us before failing to send its reply.
                foreach (var (peerId, registered) in _inboundByPeer)
                {
                    if (ReferenceEquals(registered.Connection, connection))
                    {
                        _inboundByPeer.Remove(peerId);
                        break;
                    }
                }
            }

            reader?.Dispose();
            if (stream is not null)
            {
                await stream.DisposeAsync().ConfigureAwait(false);
            }
            else
            {
                dispose();
            }
        }
    }

    /// <summary>The remote end point of an accepted socket, or null when it is already gone.</summary>
    private static EndPoint? RemoteOf(Socket socket)
    {
        try
        {
            return socket.RemoteEndPoint;
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            return null;
        }
    }

    private async Task ReceiveAsync(Stream stream, FrameReader reader, ulong peer, CancellationToken ct)
    {
        var ackBuffer = new byte[64];
        using var gate = new RateGate(_options.MaxInboundFramesPerSecond);
        while (await reader.ReadAsync(ct).ConfigureAwait(false) is { } frame)
        {
            // At most MaxInboundFramesPerSecond per connection: beyond it this connection is read more slowly.
            if (await gate.WaitAsync(ct).ConfigureAwait(false))
            {
                _metrics!.Throttled.Add(1, InboundFramesLimit);
            }

            _metrics!.FramesReceived.Add(1);
            _metrics.BytesReceived.Add(frame.Length);
            switch (frame.Kind)
            {
                case FrameKind.Message:
                    // The copy is the message's own memory: the sink keeps it after this buffer is reused.
                    var message = RaftMessageCodec.ReadMessageBody(frame.Payload.ToArray());
                    if (message.From != peer || message.To != LocalId)
                    {
                        throw new RaftFrameException($"Message {message.From}->{message.To} on the connection from node {peer} to node {LocalId}.");
                    }

                    if (!_sink!.OnMessage(message))
                    {
                        _metrics.Dropped.Add(1);
                    }

                    break;
                case FrameKind.SnapshotChunk:
                    var ack = _assembler.OnChunk(peer, frame.Payload);
                    var n = ControlFrames.EncodeAck(ack, ackBuffer);
                    await stream.WriteAsync(ackBuffer.AsMemory(0, n), ct).ConfigureAwait(false);
                    break;
                default:
                    throw new RaftFrameException($"Unexpected frame kind {frame.Kind} on an inbound connection.");
            }
        }
    }
}

/// <summary>An accepted connection whose TLS and handshake have not finished: one of the
/// <see cref="TcpTransportOptions.MaxPendingHandshakes"/> slots, with its deadline.</summary>
internal sealed class PendingHandshake : IDisposable
{
    private volatile bool _evicted;

    public PendingHandshake(EndPoint? remote, TimeSpan timeout, CancellationToken transport)
    {
        Remote = remote;
        Deadline = CancellationTokenSource.CreateLinkedTokenSource(transport);
        Deadline.CancelAfter(timeout);
    }

    public EndPoint? Remote { get; }

    /// <summary>Cancelled at the handshake deadline, or when evicted.</summary>
    public CancellationTokenSource Deadline { get; }

    /// <summary>True once closed to make room for a newer connection.</summary>
    public bool Evicted => _evicted;

    /// <summary>Its place in the transport's list of pending handshakes; null once released. Guarded by the transport.</summary>
    public LinkedListNode<PendingHandshake>? Node { get; set; }

    public void Evict()
    {
        _evicted = true;
        try
        {
            Deadline.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // Its handshake already ended.
        }
    }

    public void Dispose() => Deadline.Dispose();
}

/// <summary>A handshaken inbound connection: its cancellation, the dialing transport instance, where it comes from.</summary>
internal sealed record InboundRegistration(CancellationTokenSource Connection, ulong Instance, EndPoint? Remote);
