using System.Buffers;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using HaCore.Raft;

namespace HaCore.Transport;

/// <summary>
/// A node's side of its connection to one peer: the bounded queue, the snapshot being streamed, and
/// the sender task that (re)connects and drains both.
/// </summary>
internal sealed class OutboundPeer
{
    private const int BatchBytes = 64 << 10;
    private readonly TcpRaftTransport _transport;
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _snapshotGate = new();
    private Task _run = Task.CompletedTask;
    private SnapshotTransfer? _snapshot;
    private CancellationTokenSource? _connection;

    // Set while the sender waits out a reconnect backoff; RetryNow ends the wait.
    private TaskCompletionSource? _backoffWake;
    private long _snapshotBytesSent;
    private long _lastFailureReport;
    private int _unreportedFailures;
    private long _lastResumeOffset = -1;

    public OutboundPeer(TcpRaftTransport transport, ulong id, EndPoint endPoint)
    {
        _transport = transport;
        Id = id;
        EndPoint = endPoint;
        Queue = new OutboundQueue(transport.Options.PeerQueueBytesLimit);
    }

    public ulong Id { get; }

    public EndPoint EndPoint { get; }

    public OutboundQueue Queue { get; }

    /// <summary>Test hook: snapshot payload bytes written so far, over all connections.</summary>
    public long SnapshotBytesSent => Interlocked.Read(ref _snapshotBytesSent);

    /// <summary>Test hook: the offset the last connection resumed the snapshot from (-1 before any).</summary>
    public long LastResumeOffset => Interlocked.Read(ref _lastResumeOffset);

    public void Start(CancellationToken transportToken)
    {
        var linked = CancellationTokenSource.CreateLinkedTokenSource(transportToken, _stop.Token);
        _run = Task.Run(async () =>
        {
            using (linked)
            {
                await RunAsync(linked.Token).ConfigureAwait(false);
            }
        }, CancellationToken.None);
    }

    public async Task StopAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _run.ConfigureAwait(false);
        Queue.Clear();
        FinishSnapshot(null, delivered: false);
    }

    /// <summary>Test hook: drops the current connection as if the network failed.</summary>
    public void AbortConnection()
    {
        try
        {
            Volatile.Read(ref _connection)?.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The connection ended on its own meanwhile.
        }
    }

    public bool TrySend(in Message message)
    {
        var options = _transport.Options;
        if (message.Type == MessageType.Snapshot && message.Snapshot is not null)
        {
            return TrySendSnapshot(message);
        }

        var length = RaftMessageCodec.GetEncodedLength(message);
        if (length > options.MaxFrameBytes)
        {
            _transport.Metrics.Dropped.Add(1);
            Log.OversizedOutbound(_transport.Logger, _transport.LocalId, Id, message.Type, length, options.MaxFrameBytes);
            return false;
        }

        var frame = PooledFrame.Allocate(length);
        RaftMessageCodec.Encode(message, frame.Buffer);
        if (!Queue.TryEnqueue(frame))
        {
            frame.Return();
            _transport.Metrics.Dropped.Add(1);
            _transport.Sink.OnUnreachable(Id);
            return false;
        }

        return true;
    }

    private bool TrySendSnapshot(in Message message)
    {
        var options = _transport.Options;
        var snapshot = message.Snapshot!;
        var header = new byte[RaftMessageCodec.GetBodyLength(message, includeSnapshotData: false)];
        RaftMessageCodec.WriteBody(message, header, includeSnapshotData: false);
        if (snapshot.Data.Length > options.MaxSnapshotBytes
            || ControlFrames.ChunkFrameLength(header.Length, options.SnapshotChunkBytes) > options.MaxFrameBytes)
        {
            _transport.Metrics.Dropped.Add(1);
            Log.OversizedOutbound(_transport.Logger, _transport.LocalId, Id, message.Type, snapshot.Data.Length + header.Length, options.MaxFrameBytes);
            _transport.Sink.OnSnapshotStatus(Id, false);
            return false;
        }

        SnapshotTransfer? replaced = null;
        lock (_snapshotGate)
        {
            var meta = snapshot.Metadata;
            if (_snapshot is { } current && current.Index == meta.Index && current.Term == meta.Term && current.Data.Length == snapshot.Data.Length)
            {
                // The same snapshot again (Raft re-sent it): keep the progress made so far; the new
                // header replaces the reference (arrays are never written after creation).
                current.Header = header;
            }
            else
            {
                replaced = _snapshot;

                // The payload is referenced, not copied: snapshot data is immutable once handed out.
                _snapshot = new SnapshotTransfer(meta.Index, meta.Term, snapshot.Data, header);
            }
        }

        if (replaced is not null)
        {
            _transport.Sink.OnSnapshotStatus(Id, false);
        }

        Queue.Signal();
        return true;
    }

    private async Task RunAsync(CancellationToken ct)
    {
        var attempt = 0;
        while (!ct.IsCancellationRequested)
        {
            Exception? error = null;
            try
            {
                var stream = await _transport.ConnectAsync(this, ct).ConfigureAwait(false);
                await using (stream.ConfigureAwait(false))
                {
                    attempt = 0;
                    Log.Connected(_transport.Logger, _transport.LocalId, Id, EndPoint);
                    await PumpAsync(stream, ct).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                error = ex;
            }

            if (ct.IsCancellationRequested)
            {
                break;
            }

            OnConnectionLost();
            _transport.Metrics.Reconnects.Add(1);
            _transport.Sink.OnUnreachable(Id);
            var delay = _transport.NextBackoff(attempt++);
            ReportFailure(error, delay, reconnected: attempt == 1);

            var wake = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            Volatile.Write(ref _backoffWake, wake);
            using (var wait = CancellationTokenSource.CreateLinkedTokenSource(ct))
            {
                await Task.WhenAny(Task.Delay(delay, wait.Token), wake.Task).ConfigureAwait(false);
                Interlocked.CompareExchange(ref _backoffWake, null, wake);
                await wait.CancelAsync().ConfigureAwait(false);
            }

            if (ct.IsCancellationRequested)
            {
                break;
            }
        }
    }

    /// <summary>
    /// The peer just proved it is up (it dialled us and passed the handshake): if the sender is waiting out a reconnect
    /// backoff, it dials now. A restarted node is otherwise reached only when the backoff that its absence grew (up
    /// to <see cref="TcpTransportOptions.ReconnectBackoffMax"/>) runs out, and meanwhile it hears from no leader.
    /// </summary>
    public void RetryNow() => Interlocked.Exchange(ref _backoffWake, null)?.TrySetResult();

    /// <summary>How often a peer that stays unreachable is reported again.</summary>
    private static readonly TimeSpan FailureReportInterval = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Logs a failed or lost connection. The network failures expected of a peer that is down or restarting (refused,
    /// reset, timed out, closed) are one line without a stack trace: the first after a working connection, then one
    /// every 30 s with the number of failures in between. Anything else is logged every time with its exception.
    /// </summary>
    private void ReportFailure(Exception? error, TimeSpan delay, bool reconnected)
    {
        if (error is HandshakeRefusedException)
        {
            return; // logged where the refusal was read, with its reason
        }

        if (error is not (IOException or SocketException or TimeoutException or null))
        {
            Log.ConnectionFailed(_transport.Logger, _transport.LocalId, Id, EndPoint, (long)delay.TotalMilliseconds, error);
            return;
        }

        var now = Stopwatch.GetTimestamp();
        if (!reconnected && _lastFailureReport != 0 && Stopwatch.GetElapsedTime(_lastFailureReport, now) < FailureReportInterval)
        {
            _unreportedFailures++;
            return;
        }

        var reason = error switch
        {
            null => "the connection closed",
            SocketException socket => socket.SocketErrorCode.ToString(),
            { InnerException: SocketException socket } => socket.SocketErrorCode.ToString(),
            _ => error.Message,
        };
        Log.PeerUnreachable(_transport.Logger, _transport.LocalId, Id, EndPoint, reason, (long)delay.TotalMilliseconds, _unreportedFailures);
        _lastFailureReport = now;
        _unreportedFailures = 0;
    }

    private async Task PumpAsync(Stream stream, CancellationToken ct)
    {
        using var connection = CancellationTokenSource.CreateLinkedTokenSource(ct);
        Volatile.Write(ref _connection, connection);
        ResumeSnapshot();
        var acks = ReadAcksAsync(stream, connection);
        var batch = ArrayPool<byte>.Shared.Rent(BatchBytes);
        try
        {
            while (true)
            {
                var used = 0;
                while (Queue.TryDequeue(out var frame))
                {
                    try
                    {
                        if (frame.Length > batch.Length - used && used > 0)
                        {
                            await WriteAsync(stream, batch.AsMemory(0, used), connection.Token).ConfigureAwait(false);
                            used = 0;
                        }

                        if (frame.Length > batch.Length)
                        {
                            await WriteAsync(stream, frame.Memory, connection.Token).ConfigureAwait(false);
                        }
                        else
                        {
                            frame.Memory.CopyTo(batch.AsMemory(used));
                            used += frame.Length;
                        }
                    }
                    finally
                    {
                        frame.Return();
                    }

                    _transport.Metrics.FramesSent.Add(1);
                }

                if (used > 0)
                {
                    await WriteAsync(stream, batch.AsMemory(0, used), connection.Token).ConfigureAwait(false);
                }

                while (TryNextChunk(out var chunk))
                {
                    try
                    {
                        await WriteAsync(stream, chunk.Memory, connection.Token).ConfigureAwait(false);
                    }
                    finally
                    {
                        chunk.Return();
                    }

                    _transport.Metrics.FramesSent.Add(1);
                }

                await Queue.WaitAsync(connection.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            var reason = acks.IsCompleted ? acks.Exception?.InnerException : null;
            throw new IOException($"The connection to peer {Id} was closed.", reason);
        }
        finally
        {
            Volatile.Write(ref _connection, null);
            await connection.CancelAsync().ConfigureAwait(false);
            await stream.DisposeAsync().ConfigureAwait(false);
            try
            {
                await acks.ConfigureAwait(false);
            }
            catch (Exception)
            {
                // Already reported through the connection's cancellation.
            }

            ArrayPool<byte>.Shared.Return(batch);
        }
    }

    private async ValueTask WriteAsync(Stream stream, ReadOnlyMemory<byte> bytes, CancellationToken ct)
    {
        await stream.WriteAsync(bytes, ct).ConfigureAwait(false);
        _transport.Metrics.BytesSent.Add(bytes.Length);
    }

    /// <summary>Reads snapshot acknowledgements; any end (close, error, bad frame) cancels the connection.</summary>
    private async Task ReadAcksAsync(Stream stream, CancellationTokenSource connection)
    {
        await Task.Yield();
        using var reader = new FrameReader(stream, ControlFrames.MaxHandshakeFrameBytes);
        try
        {
            while (await reader.ReadAsync(connection.Token).ConfigureAwait(false) is { } frame)
            {
                _transport.Metrics.FramesReceived.Add(1);
                _transport.Metrics.BytesReceived.Add(frame.Length);
                if (frame.Kind != FrameKind.SnapshotAck)
                {
                    throw new RaftFrameException($"Unexpected frame kind {frame.Kind} on an outbound connection.");
                }

                OnAck(ControlFrames.DecodeAck(frame.Payload.Span));
            }

            throw new EndOfStreamException($"Peer {Id} closed the connection.");
        }
        finally
        {
            await connection.CancelAsync().ConfigureAwait(false);
        }
    }

    private void OnAck(in SnapshotAck ack)
    {
        var rewind = false;
        bool? finished = null;
        lock (_snapshotGate)
        {
            if (_snapshot is not { } s || s.Index != ack.Index || s.Term != ack.Term)
            {
                return;
            }

            switch (ack.Status)
            {
                case SnapshotAckStatus.Progress when ack.Received > s.Acked:
                    s.Acked = ack.Received;
                    s.Sent = Math.Max(s.Sent, s.Acked); // the receiver already held more than we resent
                    s.Failures = 0;
                    break;
                case SnapshotAckStatus.Rewind:
                    s.Acked = Math.Min(ack.Received, s.Data.Length);
                    rewind = true;
                    break;
                case SnapshotAckStatus.Delivered:
                    finished = true;
                    break;
                case SnapshotAckStatus.Rejected:
                    finished = false;
                    break;
            }
        }

        _transport.SnapshotAckObserved?.Invoke(Id, ack.Received);
        if (finished is { } delivered)
        {
            FinishSnapshot(ack, delivered);
        }

        if (rewind)
        {
            // Chunks already on the wire are beyond the receiver's gap: start over on a new connection.
            throw new IOException($"Peer {Id} asked to resume the snapshot from byte {ack.Received}.");
        }

        Queue.Signal();
    }

    private void FinishSnapshot(SnapshotAck? ack, bool delivered)
    {
        SnapshotTransfer? done;
        lock (_snapshotGate)
        {
            done = _snapshot;
            if (done is null || (ack is { } a && (a.Index != done.Index || a.Term != done.Term)))
            {
                return;
            }

            _snapshot = null;
        }

        Log.SnapshotFinished(_transport.Logger, _transport.LocalId, Id, done.Term, done.Index, delivered);
        _transport.Sink.OnSnapshotStatus(Id, delivered);
    }

    private void ResumeSnapshot()
    {
        lock (_snapshotGate)
        {
            if (_snapshot is not { } s)
            {
                return;
            }

            if (s.Sent > 0)
            {
                Log.SnapshotResumed(_transport.Logger, _transport.LocalId, Id, s.Term, s.Index, s.Acked, s.Data.Length);
            }

            s.Sent = s.Acked;
            s.SentAny = false;
            Interlocked.Exchange(ref _lastResumeOffset, s.Acked);
        }
    }

    private void OnConnectionLost()
    {
        SnapshotTransfer? failed = null;
        lock (_snapshotGate)
        {
            if (_snapshot is { } s && ++s.Failures >= _transport.Options.MaxSnapshotAttempts)
            {
                failed = s;
            }
        }

        if (failed is not null)
        {
            Log.SnapshotGaveUp(_transport.Logger, _transport.LocalId, Id, failed.Term, failed.Index, failed.Failures);
            FinishSnapshot(new SnapshotAck(failed.Index, failed.Term, 0, SnapshotAckStatus.Rejected), delivered: false);
        }
    }

    private bool TryNextChunk(out PooledFrame chunk)
    {
        chunk = default;
        var options = _transport.Options;
        long offset;
        int n;
        byte[] header;
        ReadOnlyMemory<byte> data;
        lock (_snapshotGate)
        {
            if (_snapshot is not { } s)
            {
                return false;
            }

            long total = s.Data.Length;
            if ((s.Sent >= total && (total > 0 || s.SentAny)) || s.Sent - s.Acked >= (long)options.SnapshotWindowChunks * options.SnapshotChunkBytes)
            {
                return false;
            }

            offset = s.Sent;
            n = (int)Math.Min(options.SnapshotChunkBytes, total - s.Sent);
            header = s.Header;
            data = s.Data;
            s.Sent += n;
            s.SentAny = true;
        }

        // Encoded (copy and checksum) outside the lock, so TrySend on the node's loop never waits on it:
        // the payload and header arrays are immutable once handed over.
        var length = ControlFrames.ChunkFrameLength(header.Length, n);
        var buffer = ArrayPool<byte>.Shared.Rent(length);
        ControlFrames.EncodeSnapshotChunk(data.Length, offset, header, data.Span.Slice((int)offset, n), buffer);
        chunk = new PooledFrame(buffer, length);
        Interlocked.Add(ref _snapshotBytesSent, n);
        return true;
    }

    /// <summary>A snapshot being streamed to the peer. Guarded by the peer's snapshot lock.</summary>
    private sealed class SnapshotTransfer(ulong index, ulong term, ReadOnlyMemory<byte> data, byte[] header)
    {
        public ulong Index { get; } = index;

        public ulong Term { get; } = term;

        public ReadOnlyMemory<byte> Data { get; } = data;

        /// <summary>The snapshot message without its data, sent with every chunk.</summary>
        public byte[] Header { get; set; } = header;

        // Invariant: Acked <= Sent <= Data.Length within one connection; Sent rewinds to Acked on reconnect.
        public long Sent { get; set; }

        public long Acked { get; set; }

        public bool SentAny { get; set; }

        public int Failures { get; set; }
    }
}
