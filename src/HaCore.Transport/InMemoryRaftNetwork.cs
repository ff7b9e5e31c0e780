using System.Net;
using System.Net.Sockets;
using HaCore.Raft;

namespace HaCore.Transport;

/// <summary>The address of a node on an <see cref="InMemoryRaftNetwork"/>.</summary>
public sealed class InMemoryEndPoint : EndPoint
{
    /// <summary>Creates the address of node <paramref name="nodeId"/>.</summary>
    public InMemoryEndPoint(ulong nodeId) => NodeId = nodeId;

    /// <summary>The node this address names.</summary>
    public ulong NodeId { get; }

    /// <inheritdoc />
    public override AddressFamily AddressFamily => AddressFamily.Unspecified;

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is InMemoryEndPoint other && other.NodeId == NodeId;

    /// <inheritdoc />
    public override int GetHashCode() => NodeId.GetHashCode();

    /// <inheritdoc />
    public override string ToString() => $"inmemory:{NodeId}";
}

/// <summary>
/// Connects in-memory <see cref="IRaftTransport"/>s for tests, with the same contract as
/// <see cref="TcpRaftTransport"/>: sends are encoded with <see cref="RaftMessageCodec"/> into a bounded
/// per-peer queue (so the caller may reuse its memory at once and the codec is exercised), and
/// delivered <b>asynchronously</b>, in order per sender and recipient, by one task per pair on the thread
/// pool. Messages to a node that is not running wait in the queue (bounded) until it starts; messages
/// across a partition are lost, as on a real network. Snapshots travel whole (no chunking) and the
/// sender's sink hears <see cref="IRaftMessageSink.OnSnapshotStatus"/> once the recipient took or refused it.
/// </summary>
public sealed class InMemoryRaftNetwork
{
    private readonly Lock _gate = new();
    private readonly Dictionary<ulong, InMemoryRaftTransport> _nodes = [];
    private readonly HashSet<(ulong, ulong)> _cuts = [];
    private readonly HashSet<ulong> _isolated = [];

    /// <summary>Creates a network whose transports queue at most <paramref name="peerQueueBytesLimit"/> bytes per peer.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The limit is not positive.</exception>
    public InMemoryRaftNetwork(long peerQueueBytesLimit = 32L << 20)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(peerQueueBytesLimit);
        PeerQueueBytesLimit = peerQueueBytesLimit;
    }

    /// <summary>Bytes that may wait for one peer before sends to it are dropped.</summary>
    public long PeerQueueBytesLimit { get; }

    /// <summary>The peer address of node <paramref name="nodeId"/> on this network.</summary>
    public static PeerAddress AddressOf(ulong nodeId) => new(nodeId, new InMemoryEndPoint(nodeId));

    /// <summary>Creates the transport of node <paramref name="nodeId"/>; start it with <see cref="IRaftTransport.StartAsync"/>.
    /// A node that was disposed may be created again (a restart).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="nodeId"/> is 0.</exception>
    /// <exception cref="InvalidOperationException">A live transport for that node exists.</exception>
    public IRaftTransport CreateTransport(ulong nodeId, long? peerQueueBytesLimit = null)
    {
        ArgumentOutOfRangeException.ThrowIfZero(nodeId);
        lock (_gate)
        {
            if (_nodes.ContainsKey(nodeId))
            {
                throw new InvalidOperationException($"Node {nodeId} already has a live transport on this network; dispose it first.");
            }

            var transport = new InMemoryRaftTransport(this, nodeId, peerQueueBytesLimit ?? PeerQueueBytesLimit);
            _nodes.Add(nodeId, transport);
            return transport;
        }
    }

    /// <summary>Cuts the link between <paramref name="a"/> and <paramref name="b"/> in both directions.</summary>
    public void Partition(ulong a, ulong b)
    {
        lock (_gate)
        {
            _cuts.Add((a, b));
            _cuts.Add((b, a));
        }
    }

    /// <summary>Cuts every link of <paramref name="nodeId"/>.</summary>
    public void Isolate(ulong nodeId)
    {
        lock (_gate)
        {
            _isolated.Add(nodeId);
        }
    }

    /// <summary>Restores every link.</summary>
    public void Heal()
    {
        lock (_gate)
        {
            _cuts.Clear();
            _isolated.Clear();
        }

        Changed();
    }

    internal bool IsCut(ulong from, ulong to)
    {
        lock (_gate)
        {
            return _isolated.Contains(from) || _isolated.Contains(to) || _cuts.Contains((from, to));
        }
    }

    internal InMemoryRaftTransport? FindStarted(ulong nodeId)
    {
        lock (_gate)
        {
            return _nodes.TryGetValue(nodeId, out var t) && t.IsStarted ? t : null;
        }
    }

    internal void Remove(InMemoryRaftTransport transport)
    {
        lock (_gate)
        {
            if (_nodes.TryGetValue(transport.LocalId, out var t) && ReferenceEquals(t, transport))
            {
                _nodes.Remove(transport.LocalId);
            }
        }
    }

    /// <summary>Wakes every pump: a node started or links healed, so waiting messages may move.</summary>
    internal void Changed()
    {
        InMemoryRaftTransport[] nodes;
        lock (_gate)
        {
            nodes = [.. _nodes.Values];
        }

        foreach (var node in nodes)
        {
            node.WakePumps();
        }
    }
}

/// <summary>One node's end of an <see cref="InMemoryRaftNetwork"/>.</summary>
internal sealed class InMemoryRaftTransport : IRaftTransport
{
    private readonly InMemoryRaftNetwork _network;
    private readonly long _queueLimit;
    private readonly CancellationTokenSource _cts = new();
    private readonly Lock _gate = new();
    private readonly List<Task> _stopping = [];
    private Dictionary<ulong, Pump> _peers = [];
    private IRaftMessageSink? _sink;
    private int _disposed;

    public InMemoryRaftTransport(InMemoryRaftNetwork network, ulong localId, long queueLimit)
    {
        _network = network;
        LocalId = localId;
        _queueLimit = queueLimit;
    }

    public ulong LocalId { get; }

    public bool IsStarted => Volatile.Read(ref _sink) is not null && Volatile.Read(ref _disposed) == 0;

    public ValueTask StartAsync(IRaftMessageSink sink, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sink);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        cancellationToken.ThrowIfCancellationRequested();
        if (Interlocked.CompareExchange(ref _sink, sink, null) is not null)
        {
            throw new InvalidOperationException("The transport is already started.");
        }

        _network.Changed();
        return ValueTask.CompletedTask;
    }

    public void SetPeers(IReadOnlyCollection<PeerAddress> peers)
    {
        ArgumentNullException.ThrowIfNull(peers);
        TcpTransportOptions.ValidatePeers(LocalId, peers, nameof(peers));
        List<Pump> removed = [];
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed != 0, this);
            var next = new Dictionary<ulong, Pump>();
            foreach (var peer in peers)
            {
                next[peer.NodeId] = _peers.TryGetValue(peer.NodeId, out var pump) ? pump : new Pump(this, peer.NodeId, _queueLimit);
            }

            removed.AddRange(_peers.Values.Where(p => !next.ContainsKey(p.PeerId)));
            Volatile.Write(ref _peers, next);
        }

        lock (_gate)
        {
            _stopping.AddRange(removed.Select(p => p.StopAsync()));
        }
    }

    public bool TrySend(in Message message)
    {
        var sink = Volatile.Read(ref _sink);
        if (sink is null || Volatile.Read(ref _disposed) != 0 || !Volatile.Read(ref _peers).TryGetValue(message.To, out var pump))
        {
            return false;
        }

        if (_network.IsCut(LocalId, message.To))
        {
            // Lost on the wire, as across a real partition: the sender cannot tell.
            if (message.Type == MessageType.Snapshot)
            {
                sink.OnSnapshotStatus(message.To, false);
            }

            return true;
        }

        var length = RaftMessageCodec.GetEncodedLength(message);
        var frame = PooledFrame.Allocate(length);
        RaftMessageCodec.Encode(message, frame.Buffer);
        if (!pump.Queue.TryEnqueue(frame))
        {
            frame.Return();
            if (message.Type == MessageType.Snapshot)
            {
                sink.OnSnapshotStatus(message.To, false);
            }

            sink.OnUnreachable(message.To);
            return false;
        }

        return true;
    }

    public async ValueTask DisposeAsync()
    {
        Pump[] pumps;
        lock (_gate)
        {
            if (_disposed != 0)
            {
                return;
            }

            _disposed = 1;
            pumps = [.. _peers.Values];
            _peers = [];
        }

        Task[] stopping;
        lock (_gate)
        {
            stopping = [.. _stopping];
        }

        _network.Remove(this);
        await _cts.CancelAsync().ConfigureAwait(false);
        foreach (var pump in pumps)
        {
            await pump.StopAsync().ConfigureAwait(false);
        }

        // A pump fails only if a sink threw; that surfaces here rather than silently stopping delivery.
        await Task.WhenAll(stopping).ConfigureAwait(false);
        _cts.Dispose();
    }

    internal void WakePumps()
    {
        foreach (var pump in Volatile.Read(ref _peers).Values)
        {
            pump.Queue.Signal();
        }
    }

    private bool Deliver(in Message message) =>
        Volatile.Read(ref _sink) is { } sink && Volatile.Read(ref _disposed) == 0 && sink.OnMessage(message);

    /// <summary>The queue to one peer and the task that drains it.</summary>
    private sealed class Pump
    {
        private readonly InMemoryRaftTransport _owner;
        private readonly CancellationTokenSource _stop;
        private readonly Task _run;

        public Pump(InMemoryRaftTransport owner, ulong peerId, long limit)
        {
            _owner = owner;
            PeerId = peerId;
            Queue = new OutboundQueue(limit);
            _stop = CancellationTokenSource.CreateLinkedTokenSource(owner._cts.Token);
            _run = Task.Run(() => RunAsync(_stop.Token));
        }

        public ulong PeerId { get; }

        public OutboundQueue Queue { get; }

        public async Task StopAsync()
        {
            try
            {
                await _stop.CancelAsync().ConfigureAwait(false);
                await _run.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
            finally
            {
                Queue.Clear();
            }
        }

        private async Task RunAsync(CancellationToken ct)
        {
            while (!ct.IsCancellationRequested)
            {
                await Queue.WaitAsync(ct).ConfigureAwait(false);
                while (!ct.IsCancellationRequested && Queue.TryPeek(out _))
                {
                    var target = _owner._network.FindStarted(PeerId);
                    if (target is null)
                    {
                        break; // the network wakes us when a node starts
                    }

                    if (!Queue.TryDequeue(out var frame))
                    {
                        break;
                    }

                    try
                    {
                        DeliverOne(target, frame);
                    }
                    finally
                    {
                        frame.Return();
                    }
                }
            }
        }

        private void DeliverOne(InMemoryRaftTransport target, PooledFrame frame)
        {
            var sink = Volatile.Read(ref _owner._sink)!;
            var message = RaftMessageCodec.Decode(frame.Memory.Span);
            var delivered = !_owner._network.IsCut(_owner.LocalId, PeerId) && target.Deliver(message);
            if (message.Type == MessageType.Snapshot)
            {
                sink.OnSnapshotStatus(PeerId, delivered);
            }
        }
    }
}
