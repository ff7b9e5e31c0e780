using System.Buffers.Binary;
using System.Net.Sockets;
using System.Text;
using System.Threading.Channels;
using DotNext.Net.Cluster.Consensus.Raft;
using HaCore.LoadTest;

namespace HaCore.DotNextPeer;

/// <summary>
/// The harness's binary client port (<see cref="Wire"/>), as the HaCore node host serves it: the leader serves
/// requests, up to 4,096 in flight per connection (the reader waits beyond that), a follower answers NOT_LEADER with
/// its leader. PUT = <c>ReplicateAsync</c> (DotNext returns once the entry is committed and applied on the leader);
/// GET 0 (linearizable) = <c>ApplyReadBarrierAsync</c> (strong: a round of replication, then the state machine has
/// applied the commit index); GET 1 (lease) = a valid <c>TryGetLeaseToken</c>, then wait until the commit index is
/// applied, falling back to the strong barrier when the leader holds no lease. Every request has a deadline.
/// </summary>
internal sealed class ClientServer(PeerNode node, TimeSpan deadline)
{
    private const int MaxInFlightPerConnection = 4096;

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
                var (id, op, body) = await Wire.ReadFrameAsync(input, header, connectionStop.Token).ConfigureAwait(false);
                await inFlight.WaitAsync(connectionStop.Token).ConfigureAwait(false);
                _ = HandleAsync(id, op, body, outbox.Writer, inFlight, connectionStop.Token);
            }
        }
        catch (Exception ex) when (ex is IOException or SocketException or EndOfStreamException or OperationCanceledException or InvalidDataException or ObjectDisposedException)
        {
        }
        finally
        {
            outbox.Writer.TryComplete();
            await connectionStop.CancelAsync().ConfigureAwait(false);
            try
            {
                await writer.ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
            {
            }
        }
    }

    private static async Task WriteLoopAsync(NetworkStream stream, ChannelReader<byte[]> outbox, CancellationToken ct)
    {
        var output = new BufferedStream(stream, 64 << 10);
        while (await outbox.WaitToReadAsync(ct).ConfigureAwait(false))
        {
            while (outbox.TryRead(out var frame))
            {
                await output.WriteAsync(frame, ct).ConfigureAwait(false);
            }

            await output.FlushAsync(ct).ConfigureAwait(false);
        }
    }

    private async Task HandleAsync(ulong id, byte op, byte[] body, ChannelWriter<byte[]> outbox, SemaphoreSlim inFlight, CancellationToken ct)
    {
        byte[] answer;
        using var request = CancellationTokenSource.CreateLinkedTokenSource(ct);
        request.CancelAfter(deadline);
        try
        {
            if (!node.IsLeader)
            {
                answer = NotLeader(id, node.LeaderId);
            }
            else if (op == Wire.OpPut && body.Length >= 4)
            {
                // The body is the harness's KvPut encoding (key, value): the log entry as it is.
                await node.Cluster.ReplicateAsync(body, null, request.Token).ConfigureAwait(false);
                answer = new byte[Wire.HeaderBytes];
                Wire.WriteHeader(answer, 0, id, Wire.StatusOk);
            }
            else if (op == Wire.OpGet && body.Length >= 5)
            {
                var key = BinaryPrimitives.ReadInt32LittleEndian(body);
                if (body[4] == 1 && node.Cluster.TryGetLeaseToken(out var lease) && !lease.IsCancellationRequested)
                {
                    await node.Wal.WaitForApplyAsync(node.Wal.LastCommittedEntryIndex, request.Token).ConfigureAwait(false);
                }
                else
                {
                    await node.Cluster.ApplyReadBarrierAsync(ReadBarrierType.Strong, request.Token).ConfigureAwait(false);
                }

                var value = node.Store.Get(key);
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
        catch (OperationCanceledException) when (request.IsCancellationRequested)
        {
            answer = Error(id, Wire.ErrorTimeout, $"no answer within {deadline.TotalMilliseconds:F0} ms");
        }
        catch (NotLeaderException)
        {
            answer = NotLeader(id, node.LeaderId);
        }
        catch (Exception ex)
        {
            answer = Error(id, ex is QuorumUnreachableException ? Wire.ErrorNoQuorum : Wire.ErrorOther, $"{ex.GetType().Name}: {ex.Message}");
        }

        try
        {
            await outbox.WriteAsync(answer, ct).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or ChannelClosedException)
        {
        }
        finally
        {
            inFlight.Release();
        }
    }

    private static byte[] NotLeader(ulong id, ulong leader)
    {
        var answer = new byte[Wire.HeaderBytes + 8];
        Wire.WriteHeader(answer, 8, id, Wire.StatusNotLeader);
        BinaryPrimitives.WriteUInt64LittleEndian(answer.AsSpan(Wire.HeaderBytes), leader);
        return answer;
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

/// <summary>
/// The control port for the harness: one request line, one answer line. <c>STATUS</c> answers
/// <c>OK role term leader commit applied</c>, the format of the HaCore node host. Read-only, so it needs no secret.
/// </summary>
internal sealed class ControlServer(PeerNode node)
{
    public async Task ServeAsync(TcpClient client, CancellationToken stop)
    {
        using var tcp = client;
        try
        {
            var stream = client.GetStream();
            using var reader = new StreamReader(stream, Encoding.UTF8);
            await using var writer = new StreamWriter(stream, new UTF8Encoding(false)) { AutoFlush = true, NewLine = "\n" };
            while (true)
            {
                using var idle = CancellationTokenSource.CreateLinkedTokenSource(stop);
                idle.CancelAfter(TimeSpan.FromSeconds(30));
                var line = await reader.ReadLineAsync(idle.Token).ConfigureAwait(false);
                if (line is null)
                {
                    return;
                }

                await writer.WriteLineAsync(line.Trim() == "STATUS" ? node.Status() : $"ERR unknown request '{(line.Length > 40 ? line[..40] : line)}'").ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
        }
    }
}
