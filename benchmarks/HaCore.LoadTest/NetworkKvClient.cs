using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading.Channels;

namespace HaCore.LoadTest;

/// <summary>
/// hacore-network's client: a few pooled connections to the node it believes leads, each pipelined (many requests
/// in flight, answers matched by id). NOT_LEADER moves it to the named leader (or the next node when none is
/// named); a broken connection moves it to the next node; no-quorum and timeout answers are retried. It retries
/// until the operation's token ends.
/// </summary>
internal sealed class NetworkKvClient(IReadOnlyDictionary<ulong, IPEndPoint> nodes, int connectionsPerNode) : IKvClient
{
    private readonly ulong[] _ids = [.. nodes.Keys.Order()];
    private readonly ConcurrentDictionary<(ulong Node, int Slot), Lazy<Task<Connection>>> _connections = new();
    private long _leader;
    private long _next;
    private long _retries;

    public long Retries => Interlocked.Read(ref _retries);

    /// <summary>The node this client sends to first (it learns the leader from redirects).</summary>
    public ulong Leader
    {
        get => (ulong)Interlocked.Read(ref _leader) is var l && l != 0 ? l : _ids[0];
        set => Interlocked.Exchange(ref _leader, (long)value);
    }

    public async ValueTask PutAsync(int key, byte[] value, CancellationToken ct)
    {
        var body = new byte[4 + value.Length];
        BinaryPrimitives.WriteInt32LittleEndian(body, key);
        value.CopyTo(body, 4);
        await SendAsync(Wire.OpPut, body, ct).ConfigureAwait(false);
    }

    public async ValueTask<int> GetAsync(int key, ReadMode mode, CancellationToken ct)
    {
        var body = new byte[5];
        BinaryPrimitives.WriteInt32LittleEndian(body, key);
        body[4] = (byte)mode;
        var answer = await SendAsync(Wire.OpGet, body, ct).ConfigureAwait(false);
        return answer.Length >= 4 ? BinaryPrimitives.ReadInt32LittleEndian(answer) : -1;
    }

    private async Task<byte[]> SendAsync(byte op, byte[] body, CancellationToken ct)
    {
        while (true)
        {
            ct.ThrowIfCancellationRequested();
            var target = Leader;
            Connection connection;
            try
            {
                connection = await GetConnectionAsync(target, ct).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is SocketException or IOException)
            {
                MoveOn(target);
                await Task.Delay(10, ct).ConfigureAwait(false);
                continue;
            }

            (byte Status, byte[] Body) answer;
            try
            {
                answer = await connection.SendAsync(op, body, ct).ConfigureAwait(false);
            }
            catch (IOException)
            {
                Drop(target, connection);
                MoveOn(target);
                await Task.Delay(10, ct).ConfigureAwait(false);
                continue;
            }

            switch (answer.Status)
            {
                case Wire.StatusOk:
                    return answer.Body;
                case Wire.StatusNotLeader:
                    var hint = answer.Body.Length >= 8 ? BinaryPrimitives.ReadUInt64LittleEndian(answer.Body) : 0;
                    if (hint != 0 && nodes.ContainsKey(hint))
                    {
                        Interlocked.CompareExchange(ref _leader, (long)hint, (long)target);
                    }
                    else
                    {
                        MoveOn(target);
                        await Task.Delay(10, ct).ConfigureAwait(false); // an election is running: give it a moment
                    }

                    Interlocked.Increment(ref _retries);
                    continue;
                case Wire.StatusError when answer.Body.Length > 0 && answer.Body[0] is Wire.ErrorNoQuorum or Wire.ErrorTimeout:
                    // The leader lost its quorum or timed out (an election): retry within the deadline, as the etcd
                    // client does with etcd's "request timed out" / "leader changed".
                    Interlocked.Increment(ref _retries);
                    await Task.Delay(10, ct).ConfigureAwait(false);
                    continue;
                default:
                    var code = answer.Body.Length > 0 ? answer.Body[0] : Wire.ErrorOther;
                    var message = answer.Body.Length > 1 ? Encoding.UTF8.GetString(answer.Body, 1, answer.Body.Length - 1) : string.Empty;
                    throw new KvException(code switch
                    {
                        Wire.ErrorTimeout => "server-timeout",
                        Wire.ErrorNoQuorum => "no-quorum",
                        Wire.ErrorRejected => "rejected",
                        _ => "server-error",
                    }, message);
            }
        }
    }

    private void MoveOn(ulong failed)
    {
        Interlocked.Increment(ref _retries);
        var index = Array.IndexOf(_ids, failed);
        var next = _ids[(index + 1) % _ids.Length];
        Interlocked.CompareExchange(ref _leader, (long)next, (long)failed);
        if (Interlocked.Read(ref _leader) == 0)
        {
            Interlocked.Exchange(ref _leader, (long)next);
        }
    }

    private Task<Connection> GetConnectionAsync(ulong node, CancellationToken ct)
    {
        var slot = (int)((ulong)Interlocked.Increment(ref _next) % (ulong)connectionsPerNode);
        var lazy = _connections.GetOrAdd((node, slot), key => new Lazy<Task<Connection>>(() => Connection.OpenAsync(nodes[key.Node])));
        var task = lazy.Value;
        if (task.IsFaulted || (task.IsCompletedSuccessfully && task.Result.IsBroken))
        {
            _connections.TryRemove(new KeyValuePair<(ulong, int), Lazy<Task<Connection>>>((node, slot), lazy));
            if (task.IsCompletedSuccessfully)
            {
                _ = task.Result.DisposeAsync().AsTask();
            }

            return Task.FromException<Connection>(new IOException($"connection to node {node} is broken"));
        }

        return task.WaitAsync(ct);
    }

    private void Drop(ulong node, Connection connection)
    {
        foreach (var (key, lazy) in _connections)
        {
            if (key.Node == node && lazy.IsValueCreated && lazy.Value.IsCompletedSuccessfully && ReferenceEquals(lazy.Value.Result, connection))
            {
                _connections.TryRemove(new KeyValuePair<(ulong, int), Lazy<Task<Connection>>>(key, lazy));
            }
        }

        _ = connection.DisposeAsync().AsTask();
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var lazy in _connections.Values)
        {
            if (lazy.IsValueCreated && lazy.Value.IsCompletedSuccessfully)
            {
                await lazy.Value.Result.DisposeAsync().ConfigureAwait(false);
            }
        }

        _connections.Clear();
    }

    /// <summary>One pipelined connection: a writer loop that batches frames, a reader loop that completes requests by id.</summary>
    private sealed class Connection : IAsyncDisposable
    {
        private const int MaxInFlight = 8192;
        private readonly TcpClient _tcp;
        private readonly NetworkStream _stream;
        private readonly Channel<byte[]> _outbox = Channel.CreateBounded<byte[]>(new BoundedChannelOptions(MaxInFlight) { SingleReader = true });
        private readonly ConcurrentDictionary<ulong, TaskCompletionSource<(byte, byte[])>> _pending = new();
        private readonly CancellationTokenSource _closed = new();
        private readonly Task _writer;
        private readonly Task _reader;
        private long _nextId;
        private volatile bool _broken;

        private Connection(TcpClient tcp)
        {
            _tcp = tcp;
            _stream = tcp.GetStream();
            _writer = Task.Run(WriteLoopAsync);
            _reader = Task.Run(ReadLoopAsync);
        }

        public bool IsBroken => _broken;

        public static async Task<Connection> OpenAsync(IPEndPoint endPoint)
        {
            var tcp = new TcpClient { NoDelay = true };
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await tcp.ConnectAsync(endPoint, timeout.Token).ConfigureAwait(false);
                return new Connection(tcp);
            }
            catch (OperationCanceledException)
            {
                tcp.Dispose();
                throw new IOException($"connect to {endPoint} timed out");
            }
            catch
            {
                tcp.Dispose();
                throw;
            }
        }

        public async Task<(byte Status, byte[] Body)> SendAsync(byte op, byte[] body, CancellationToken ct)
        {
            if (_broken)
            {
                throw new IOException("connection broken");
            }

            var id = (ulong)Interlocked.Increment(ref _nextId);
            var frame = new byte[Wire.HeaderBytes + body.Length];
            Wire.WriteHeader(frame, body.Length, id, op);
            body.CopyTo(frame, Wire.HeaderBytes);
            var tcs = new TaskCompletionSource<(byte, byte[])>(TaskCreationOptions.RunContinuationsAsynchronously);
            _pending[id] = tcs;
            try
            {
                await _outbox.Writer.WriteAsync(frame, ct).ConfigureAwait(false);
                if (_broken)
                {
                    tcs.TrySetException(new IOException("connection broken"));
                }

                return await tcs.Task.WaitAsync(ct).ConfigureAwait(false);
            }
            catch (ChannelClosedException)
            {
                throw new IOException("connection broken");
            }
            finally
            {
                _pending.TryRemove(id, out _);
            }
        }

        private async Task WriteLoopAsync()
        {
            try
            {
                var output = new BufferedStream(_stream, 64 << 10);
                while (await _outbox.Reader.WaitToReadAsync(_closed.Token).ConfigureAwait(false))
                {
                    while (_outbox.Reader.TryRead(out var frame))
                    {
                        await output.WriteAsync(frame, _closed.Token).ConfigureAwait(false);
                    }

                    await output.FlushAsync(_closed.Token).ConfigureAwait(false);
                }
            }
            catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
            {
            }

            Break();
        }

        private async Task ReadLoopAsync()
        {
            var header = new byte[Wire.HeaderBytes];
            try
            {
                var input = new BufferedStream(_stream, 64 << 10);
                while (true)
                {
                    var (id, status, body) = await Wire.ReadFrameAsync(input, header, _closed.Token).ConfigureAwait(false);
                    if (_pending.TryRemove(id, out var tcs))
                    {
                        tcs.TrySetResult((status, body));
                    }
                }
            }
            catch (Exception ex) when (ex is IOException or SocketException or EndOfStreamException or OperationCanceledException or ObjectDisposedException or InvalidDataException)
            {
            }

            Break();
        }

        private void Break()
        {
            _broken = true;
            _outbox.Writer.TryComplete();
            foreach (var (_, tcs) in _pending)
            {
                tcs.TrySetException(new IOException("connection closed"));
            }
        }

        public async ValueTask DisposeAsync()
        {
            Break();
            await _closed.CancelAsync().ConfigureAwait(false);
            _tcp.Dispose();
            try
            {
                await Task.WhenAll(_writer, _reader).WaitAsync(TimeSpan.FromSeconds(2)).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
            }

            _closed.Dispose();
        }
    }
}
